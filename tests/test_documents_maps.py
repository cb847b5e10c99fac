"""The maps of the route sheets and the summary: the shipped commune outlines (a real public
layer, see ``aide_alim/data/SOURCES.md``), drawn only where the layer has communes; a scale bar
and a north arrow on every map."""

from __future__ import annotations

import itertools

import pytest
from matplotlib.figure import Figure

from aide_alim.data import commune_outlines, communes
from aide_alim.documents.charts import _frame

DIJON_VIEW = ((4.95, 5.15), (47.25, 47.40))
BEAUNE_VIEW = ((4.80, 4.88), (46.99, 47.05))  # tests/fixtures/beaune: outside the layer


def _inside(point: tuple[float, float], ring: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting: is ``point`` (lon, lat) inside the closed ``ring``?"""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_the_outline_layer_has_one_closed_ring_per_shipped_commune() -> None:
    table = communes()
    rings = {code: (name, ring) for code, name, ring in commune_outlines()}
    assert set(rings) == set(table["insee_code"])
    for row in table.to_dict("records"):
        name, ring = rings[row["insee_code"]]
        assert name == row["name"]
        assert ring[0] == ring[-1] and len(ring) >= 4
        assert all(4.85 < x < 5.30 and 47.20 < y < 47.45 for x, y in ring)


def test_each_town_hall_lies_inside_its_commune_outline() -> None:
    """The outlines and the town-hall coordinates come from two sources: they agree (also for
    Neuilly-Crimolois, whose outline is the union of its two 2018 communes)."""
    rings = {code: ring for code, _name, ring in commune_outlines()}
    for row in communes().to_dict("records"):
        assert _inside((row["lon"], row["lat"]), rings[row["insee_code"]]), row["name"]


def _map(view: tuple[tuple[float, float], tuple[float, float]]) -> Figure:
    fig = Figure(figsize=(6.5, 5))
    ax = fig.add_subplot()
    ax.set_xlim(*view[0])
    ax.set_ylim(*view[1])
    _frame(ax, sum(view[1]) / 2)
    return fig


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_a_dijon_map_draws_the_outlines_with_their_source() -> None:
    fig = _map(DIJON_VIEW)
    assert len(fig.axes[0].patches) >= 10
    assert "contours des communes : IGN – ADMIN EXPRESS 2018" in _texts(fig)
    assert "Dijon" in _texts(fig)


@pytest.mark.parametrize("view", [BEAUNE_VIEW], ids=["beaune"])
def test_a_map_elsewhere_draws_no_outline_and_no_dijon_name(view: tuple) -> None:  # type: ignore[type-arg]
    fig = _map(view)
    assert len(fig.axes[0].patches) == 0
    texts = _texts(fig)
    assert not any("IGN" in t or "Dijon" in t for t in texts)
    assert "N" in texts and any(t.endswith(" km") for t in texts)


def test_the_scale_bar_is_a_round_length_about_a_fifth_of_the_map() -> None:
    (label,) = [t for t in _texts(_map(DIJON_VIEW)) if t.endswith(" km")]
    # 0.2° of longitude at 47.3° N is 15.1 km wide: a quarter is 3.8 km, so 2 km.
    assert label == "2 km"
    ax = Figure().add_subplot()
    ax.set_xlim(4.80, 4.81)  # 760 m wide
    ax.set_ylim(47.0, 47.01)
    _frame(ax, 47.0)
    assert "0,5 km" in [t.get_text() for t in ax.texts]
