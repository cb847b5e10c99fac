"""Sweep specs: the TOML file, its located errors, and the specs shipped with Dijon."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_helpers import write_spec

from aide_alim.sweep import SpecError, load_spec, make_variants


def test_spec_file_gives_grid_in_file_order_and_replicates(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        """
        route = true
        time_limit_s = 0.2

        [grid]
        model = ["hub", "direct"]
        deviation_cap = [0, 0.5]

        [random]
        replicates = 3
        supply_sd = 0.2
        """,
    )
    spec = load_spec(path)
    assert list(spec.grid) == ["model", "deviation_cap"]
    assert spec.grid["deviation_cap"] == (0.0, 0.5)  # integers become floats for float fields
    assert spec.size == 12 and spec.route and spec.time_limit_s == 0.2
    variants = make_variants(spec, seed=0)
    assert [v.index for v in variants] == list(range(12))
    assert variants[0].values == {"model": "hub", "deviation_cap": 0.0}
    assert [v.replicate for v in variants[:4]] == [0, 1, 2, 0]


def test_spec_errors_name_file_line_key_expected_and_got(tmp_path: Path) -> None:
    path = write_spec(
        tmp_path,
        """\
        route = "yes"

        [grid]
        rule = ["leximin", "fairest"]
        vehicles = [2, 2.5]
        colour = ["red"]

        [random]
        replicates = 0
        drop = 1.5
        """,
    )
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    text = str(caught.value)
    assert f"{path}, line 1, key route: expected true or false, got 'yes'" in text
    assert f"{path}, line 4, key grid.rule: expected rule in leximin" in text
    assert "got 'fairest'" in text
    assert f"{path}, line 5, key grid.vehicles: expected an integer for each value, got 2.5" in text
    assert f"{path}, line 6, key grid.colour: unknown parameter; expected one of rule" in text
    assert f"{path}, line 9, key random.replicates: expected an integer >= 1, got 0" in text
    assert f"{path}, line 10, key random.drop: expected a probability in [0, 1), got 1.5" in text
    assert len(caught.value.problems) == 6


def test_spec_that_is_not_toml_is_located(tmp_path: Path) -> None:
    path = write_spec(tmp_path, "[grid]\nrule = [leximin]\n")
    with pytest.raises(SpecError, match=r"line 2: not valid TOML"):
        load_spec(path)


def test_shipped_sweep_specs_are_valid() -> None:
    folder = Path(__file__).parents[1] / "scenarios" / "dijon" / "sweeps"
    specs = {path.name: load_spec(path) for path in sorted(folder.glob("*.toml"))}
    assert specs["bench200.toml"].size == 200
    assert {"fairness.toml", "fleet.toml", "frontier.toml"} <= set(specs)
