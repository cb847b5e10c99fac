"""The figures of the documents, drawn with matplotlib's object API (no pyplot, no tile server).

Each function returns PNG bytes. Text from users (names) is escaped for mathtext (``$``).
Figures are rendered without metadata dates so that the same week gives the same bytes.
"""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from aide_alim.scenario.model import Scenario, Temperature

CLASS_COLOURS = {
    Temperature.AMBIENT.value: "#c8a165",
    Temperature.CHILLED.value: "#4f9bd9",
    Temperature.FROZEN.value: "#1d3f8f",
}
FAMILY_FR = {
    "hub": "tournée",
    "collection": "ramasse",
    "delivery": "livraison",
    "direct": "directe",
}
VEHICLE_COLOURS = ("#d1495b", "#00798c", "#edae49", "#30638e", "#66a182", "#8d6a9f", "#2e4057")


def _text(label: str) -> str:
    """A user string safe for matplotlib (``$`` would start mathtext)."""
    return label.replace("$", r"\$")


def _short(name: str, width: int = 48) -> str:
    """A name cut at a word boundary with an ellipsis, so that a chart's labels stay legible."""
    if len(name) <= width:
        return name
    return name[: width - 1].rsplit(" ", 1)[0] + "…"


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # No bbox_inches="tight": it draws the figure twice; margins are set by each chart.
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def fill_ratio_chart(by_association: pd.DataFrame, names: dict[str, str]) -> bytes:
    """Horizontal bars: fill ratio of each association [%], worst at the top."""
    data = by_association.sort_values(["fill_ratio", "association"], ascending=[False, True])
    height = max(2.5, 0.3 * len(data) + 1)
    fig = Figure(figsize=(10, height))
    fig.subplots_adjust(left=0.4, right=0.97, top=1 - 0.2 / height, bottom=0.6 / height)
    ax = fig.add_subplot()
    labels = [_text(_short(names.get(a, a))) for a in data["association"]]
    values = 100 * data["fill_ratio"].astype(float)
    # Positions, not labels, on the axis: two names cut to the same text stay two bars.
    ax.barh(range(len(labels)), values, color="#00798c")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    if len(values):
        ax.axvline(float(values.mean()), color="#d1495b", linestyle="--", label="moyenne")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel("taux de couverture du besoin [%]", fontsize=10)
    ax.tick_params(axis="y", labelsize=9)
    ax.set_xlim(0, max(100.0, float(values.max()) if len(values) else 100.0) * 1.05)
    return _png(fig)


def category_chart(lines: pd.DataFrame, leftovers: pd.DataFrame, labels: dict[str, str]) -> bytes:
    """Bars per category: kg distributed and kg left over."""
    given = lines.groupby("category")["kg"].sum()
    left = leftovers.groupby("category")["kg"].sum() if len(leftovers) else pd.Series(dtype=float)
    cats = sorted(set(given.index) | set(left.index))
    fig = Figure(figsize=(10, 4.2))
    fig.subplots_adjust(left=0.08, right=0.98, top=0.96, bottom=0.36)
    ax = fig.add_subplot()
    x = range(len(cats))
    g = [float(given.get(c, 0.0)) for c in cats]
    lo = [float(left.get(c, 0.0)) for c in cats]
    ax.bar(x, g, color="#00798c", label="distribué")
    ax.bar(x, lo, bottom=g, color="#edae49", label="non attribué")
    ax.set_xticks(
        list(x), [_text(_short(labels.get(c, c), 28)) for c in cats], rotation=30, ha="right",
        fontsize=9,
    )  # fmt: skip
    ax.set_ylabel("kg", fontsize=10)
    top = max([a + b for a, b in zip(g, lo, strict=True)] or [0.0])
    ax.set_ylim(0, max(top * 1.08, 1.0))
    ax.legend(fontsize=8)
    return _png(fig)


def _points(scenario: Scenario, ax: Any) -> None:
    ax.scatter(
        [a.lon for a in scenario.associations],
        [a.lat for a in scenario.associations],
        s=14, color="#555555", marker="o", label="associations", zorder=3,
    )  # fmt: skip
    suppliers = [s for s in scenario.sites if s.id != scenario.hub]
    ax.scatter(
        [s.lon for s in suppliers], [s.lat for s in suppliers],
        s=18, color="#edae49", marker="s", label="fournisseurs", zorder=3,
    )  # fmt: skip
    hub = scenario.hub_site
    ax.scatter(
        [hub.lon], [hub.lat], s=90, color="#d1495b", marker="*", label="plateforme", zorder=4
    )


def _communes(ax: Any) -> None:
    """The outlines and names of the shipped communes that fall inside the map, in grey under
    the rounds: they tell a driver where the numbered stops are (no tile server: the map works
    offline). A scenario elsewhere gets the outlines the layer has there, i.e. none."""
    from aide_alim.data import commune_outlines, communes

    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    drawn = 0
    for _code, _name, ring in commune_outlines():
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        if max(xs) < x0 or min(xs) > x1 or max(ys) < y0 or min(ys) > y1:
            continue
        ax.fill(xs, ys, facecolor="#f3f1ec", edgecolor="#b9b4aa", linewidth=0.6, zorder=0)
        drawn += 1
    if drawn:  # the Licence Ouverte asks for the source
        ax.text(
            0.99, 0.01, "contours des communes : IGN – ADMIN EXPRESS 2018", fontsize=6,
            color="#8a8a8a", ha="right", va="bottom", transform=ax.transAxes, zorder=5,
        )  # fmt: skip
    table = communes()
    inside = table[table["lon"].between(x0, x1) & table["lat"].between(y0, y1)]
    for row in inside.to_dict("records"):
        ax.plot(row["lon"], row["lat"], marker="+", color="#b0b0b0", markersize=5, zorder=1)
        ax.annotate(
            _text(str(row["name"])), (row["lon"], row["lat"]), fontsize=6.5, color="#8a8a8a",
            xytext=(0, -8), textcoords="offset points", ha="center", zorder=1,
        )  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _number_labels(ax: Any, numbers: list[tuple[float, float, int]]) -> None:
    """Stop numbers beside their points; stops closer than 1/50 of the map's width share one
    label ("15, 16, 19") instead of printing their numbers over each other."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    near = max(x1 - x0, y1 - y0) / 50
    groups: list[tuple[float, float, list[int]]] = []
    for x, y, number in numbers:
        for gx, gy, members in groups:
            if abs(gx - x) <= near and abs(gy - y) <= near:
                if number not in members:
                    members.append(number)
                break
        else:
            groups.append((x, y, [number]))
    for x, y, members in groups:
        ax.annotate(
            ", ".join(str(n) for n in sorted(members)), (x, y), fontsize=8, xytext=(3, 3),
            textcoords="offset points", zorder=6,
        )  # fmt: skip


def _legend_below(ax: Any) -> None:
    """The legend under the map, never over a stop, the scale bar or the north arrow."""
    ax.legend(
        fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=5, frameon=False,
        handlelength=1.5, columnspacing=1.2,
    )  # fmt: skip


def _frame(ax: Any, lat: float) -> None:
    """Equal-distance aspect at this latitude, commune names under the rounds; no tick labels
    (coordinates mean nothing to a driver, and drawing them was most of the cost of a map)."""
    _communes(ax)
    ax.set_aspect(1 / max(math.cos(math.radians(lat)), 0.1))
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_and_north(ax, lat)


def _scale_and_north(ax: Any, lat: float) -> None:
    """A scale bar (a round number of km, about a fifth of the width) at the bottom left and
    an arrow to the north at the top right: a driver reads distances without coordinates."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    km_per_degree = 111.32 * max(math.cos(math.radians(lat)), 0.1)
    width_km = (x1 - x0) * km_per_degree
    length = max(
        (k for k in (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500) if k <= width_km / 4), default=0.5
    )
    left, bottom = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    right = left + length / km_per_degree
    ax.plot([left, right], [bottom, bottom], color="#333333", linewidth=2.5, zorder=5,
            solid_capstyle="butt")  # fmt: skip
    label = f"{length:g} km".replace(".", ",")
    ax.annotate(label, ((left + right) / 2, bottom), xytext=(0, 4), textcoords="offset points",
                ha="center", fontsize=8, color="#333333", zorder=5)  # fmt: skip
    ax.annotate(
        "N", xy=(0.96, 0.97), xytext=(0.96, 0.88), xycoords="axes fraction",
        ha="center", va="center", fontsize=9, fontweight="bold", color="#333333",
        arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 1.2}, zorder=5,
    )  # fmt: skip


def routes_map(scenario: Scenario, stops: pd.DataFrame) -> bytes:
    """Every round of the week on one map, one colour per vehicle (straight legs)."""
    fig = Figure(figsize=(7.5, 6))
    fig.subplots_adjust(left=0.03, right=0.97, top=0.98, bottom=0.14)
    ax = fig.add_subplot()
    _points(scenario, ax)
    stops = stops[stops["vehicle"] != ""] if len(stops) else stops
    vehicles = sorted(stops["vehicle"].unique()) if len(stops) else []
    for i, vehicle in enumerate(vehicles):
        colour = VEHICLE_COLOURS[i % len(VEHICLE_COLOURS)]
        mine = stops[stops["vehicle"] == vehicle]
        known = scenario.vehicle_by_id.get(vehicle)
        label = _text(known.name or known.id) if known else _text(vehicle)
        first = True
        for _, leg in mine.groupby(["day", "family"], sort=True):
            leg = leg.sort_values("seq", kind="stable")
            ax.plot(
                leg["lon"], leg["lat"], color=colour, linewidth=1, alpha=0.7,
                label=label if first else None,
            )  # fmt: skip
            first = False
    _legend_below(ax)
    _frame(ax, scenario.hub_site.lat)
    return _png(fig)


def sheet_map(scenario: Scenario, stops: pd.DataFrame) -> bytes:
    """One vehicle-day: its stops numbered in visiting order."""
    fig = Figure(figsize=(6.5, 5))
    fig.subplots_adjust(left=0.03, right=0.97, top=0.98, bottom=0.1)
    ax = fig.add_subplot()
    _points(scenario, ax)
    numbers: list[tuple[float, float, int]] = []
    for i, (family, leg) in enumerate(stops.groupby("family", sort=True)):
        leg = leg.sort_values("seq", kind="stable")
        colour = VEHICLE_COLOURS[i % len(VEHICLE_COLOURS)]
        label = FAMILY_FR.get(str(family), str(family))
        ax.plot(
            leg["lon"], leg["lat"], color=colour, linewidth=1.5, marker="o", markersize=4,
            label=label,
        )  # fmt: skip
        # Numbered as the sheet's rows: consecutive visits of one place share a number.
        number, previous = -1, None
        for stop in leg.to_dict("records"):
            here = (stop["place_name"], stop["kind"])
            if here != previous:
                number += 1
                previous = here
                if stop["kind"] not in ("start", "end", "reload", "unload"):
                    numbers.append((float(stop["lon"]), float(stop["lat"]), number))
    _number_labels(ax, numbers)
    _legend_below(ax)
    _frame(ax, scenario.hub_site.lat)
    return _png(fig)
