"""Sweeps: variants, spec validation, and sweeps on a real Dask LocalCluster."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from aide_alim import sweep as sweep_module
from aide_alim.cli import main
from aide_alim.errors import AideAlimError
from aide_alim.scenario import Scenario, load_scenario
from aide_alim.sweep import SpecError, SweepSpec, Variant, load_spec, make_variants, sweep

distributed = pytest.importorskip("distributed")

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def cluster_client() -> Iterator[Any]:
    """A LocalCluster of 2 single-threaded worker processes, shared by this module's sweeps."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


SIX = {
    "grid": {"rule": ["leximin", "maxmin", "fcfs"]},
    "random": {"replicates": 2, "supply_sd": 0.3, "drop": 0.2},
}


def _write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- spec -------------------------------------------------------------------------------------


def test_spec_file_gives_grid_in_file_order_and_replicates(tmp_path: Path) -> None:
    path = _write(
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
    path = _write(
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
    path = _write(tmp_path, "[grid]\nrule = [leximin]\n")
    with pytest.raises(SpecError, match=r"line 2: not valid TOML"):
        load_spec(path)


def test_unknown_hub_is_refused_before_any_run(tiny: Scenario) -> None:
    with pytest.raises(SpecError, match=r"grid.hub: expected a site id .*got 'nowhere'"):
        sweep(tiny, {"grid": {"hub": ["hub", "nowhere"]}}, workers=1)


def test_scheduler_and_workers_together_are_refused(tiny: Scenario) -> None:
    with pytest.raises(AideAlimError, match="either a scheduler"):
        sweep(tiny, {}, scheduler="tcp://127.0.0.1:1", workers=2)


# --- variants ---------------------------------------------------------------------------------


def test_variant_changes_fleet_collection_and_policy(tiny: Scenario) -> None:
    variant = Variant(
        index=0,
        params=(("rule", "maxmin"), ("vehicles", 5), ("refrigerated", 3), ("collects", "all")),
    )
    varied = variant.apply(tiny)
    assert varied.policy.rule == "maxmin"
    assert [v.id for v in varied.vehicles] == ["V1", "V2", "V1-2", "V2-2", "V1-3"]
    # refrigerated vans (V2 and its clone) keep their cold unit, then the first others get one
    assert [v.refrigerated for v in varied.vehicles] == [True, True, False, True, False]
    assert all(a.collects for a in varied.associations)
    assert tiny.policy.rule == "leximin" and len(tiny.vehicles) == 2  # base untouched


def test_same_replicate_is_the_same_week_at_every_grid_point(tiny: Scenario) -> None:
    spec = SweepSpec.from_dict(SIX)
    weeks = {}
    for variant in make_variants(spec, seed=7):
        lots = variant.apply(tiny).lots
        weeks.setdefault(variant.replicate, set()).add(tuple((lot.id, lot.kg) for lot in lots))
    assert all(len(drawn) == 1 for drawn in weeks.values())  # common random numbers
    assert weeks[0] != weeks[1]
    for drawn in weeks[0]:
        kg = dict(drawn)
        for lot_id, value in kg.items():
            unit = tiny.lot_by_id[lot_id].unit_kg
            assert value % unit == pytest.approx(0) or value % unit == pytest.approx(unit)


# --- sweeps on Dask ---------------------------------------------------------------------------


def test_small_sweep_on_local_cluster_gives_one_row_per_variant(
    tiny: Scenario, cluster_client: Any
) -> None:
    calls: list[tuple[int, int]] = []
    table = sweep(
        tiny, SIX, scheduler=cluster_client, seed=3, progress=lambda d, n: calls.append((d, n))
    )
    assert len(table) == 6
    assert table["variant"].tolist() == list(range(6))
    for column in ("rule", "replicate", "seed", "status", "error", "supply_kg", "seconds"):
        assert column in table.columns
    for column in ("min_fill_ratio", "gini", "kg_distributed", "share_distributed"):
        assert pd.api.types.is_float_dtype(table[column])
    assert (table["error"] == "").all()
    assert set(table["status"]) <= {"optimal", "feasible"}
    assert calls == [(i, 6) for i in range(1, 7)]
    # leximin never leaves the worst-off worse off than first come, first served
    by_rule = table.set_index(["rule", "replicate"])["min_fill_ratio"]
    for r in (0, 1):
        assert by_rule["leximin", r] >= by_rule["fcfs", r] - 1e-9

    again = sweep(tiny, SIX, scheduler=cluster_client, seed=3)
    pd.testing.assert_frame_equal(table.drop(columns="seconds"), again.drop(columns="seconds"))
    other = sweep(tiny, SIX, scheduler=cluster_client, seed=4)
    assert not table["supply_kg"].equals(other["supply_kg"])


def test_incompatible_variant_is_recorded_and_the_others_done(
    tiny: Scenario, cluster_client: Any
) -> None:
    spec = {
        "grid": {"vehicles": [1, 2], "refrigerated": [0, 2]},
        "route": True,
        "time_limit_s": 0.1,
    }
    table = sweep(tiny, spec, scheduler=cluster_client)
    assert len(table) == 4
    broken = table[(table["vehicles"] == 1) & (table["refrigerated"] == 2)]
    assert broken["status"].tolist() == ["error"]
    assert broken["error"].iloc[0] == "ValueError: refrigerated = 2 but the fleet has 1 vehicles"
    done = table.drop(broken.index)
    assert (done["status"] != "error").all() and (done["error"] == "").all()
    assert done["route_km"].notna().all() and (done["route_km"] > 0).all()


def test_task_that_dies_is_recorded(tiny: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    # A failure outside evaluate_variant's own guard (here: the task function itself) is still
    # one recorded row. Threads in this process, so the patch reaches the workers.
    real = sweep_module.evaluate_variant

    def flaky(scenario: Scenario, variant: Variant, **kwargs: Any) -> dict[str, Any]:
        if variant.values["rule"] == "maxmin":
            raise RuntimeError("worker lost")
        return real(scenario, variant, **kwargs)

    monkeypatch.setattr(sweep_module, "evaluate_variant", flaky)
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        table = sweep(tiny, {"grid": {"rule": ["leximin", "maxmin", "fcfs"]}}, scheduler=client)
    assert table["status"].tolist()[1] == "error"
    assert table["error"].tolist()[1] == "RuntimeError: worker lost"
    assert table.loc[[0, 2], "status"].isin(["optimal", "feasible"]).all()


def test_cli_writes_parquet_and_csv(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    spec = _write(tmp_path, '[grid]\nrule = ["leximin", "round_robin"]\n')
    out = tmp_path / "out" / "table.parquet"
    result = CliRunner().invoke(
        main, ["sweep", str(TINY), "--spec", str(spec), "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 variants in" in result.output and "(0 failed)" in result.output
    table = pd.read_parquet(out)
    assert table["rule"].tolist() == ["leximin", "round_robin"]

    bad = _write(tmp_path, '[grid]\nrule = ["best"]\n', name="bad.toml")
    result = CliRunner().invoke(
        main, ["sweep", str(TINY), "--spec", str(bad), "--out", str(tmp_path / "t.csv")]
    )
    assert result.exit_code == 1
    assert f"{bad}, line 2, key grid.rule: expected rule in" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "t.csv").exists()


def test_shipped_sweep_specs_are_valid() -> None:
    folder = Path(__file__).parents[1] / "scenarios" / "dijon" / "sweeps"
    specs = {path.name: load_spec(path) for path in sorted(folder.glob("*.toml"))}
    assert specs["bench200.toml"].size == 200
    assert {"fairness.toml", "fleet.toml", "frontier.toml"} <= set(specs)


def test_cli_speaks_french_by_default_and_english_when_asked(
    tmp_path: Path, speak: Callable[[str], None]
) -> None:
    spec = _write(tmp_path, '[grid]\nrule = ["leximin", "round_robin"]\n')
    out = tmp_path / "table.csv"
    args = ["sweep", str(TINY), "--spec", str(spec), "--workers", "1", "--out", str(out)]
    speak("C.UTF-8")
    french = CliRunner().invoke(main, args)
    assert french.exit_code == 0, french.output
    assert "2 variantes en " in french.output
    assert f"(0 en échec) ; tableau écrit dans {out}." in french.output
    assert "variants" not in french.output
    bad = _write(tmp_path, '[grid]\nrule = ["best"]\nvehicles = [-1]\n', name="bad.toml")
    refused = CliRunner().invoke(main, ["sweep", str(TINY), "--spec", str(bad), "--out", str(out)])
    assert refused.output.startswith("Erreur : 2 erreurs dans la spécification du balayage :\n")
    assert f"{bad}, ligne 2, clé grid.rule : attendu rule parmi leximin" in refused.output
    assert f"{bad}, ligne 3, clé grid.vehicles : attendu un entier >= 0, trouvé -1" in (
        refused.output
    )
    speak("en_US.UTF-8")
    english = CliRunner().invoke(main, args)
    assert f"(0 failed); table written to {out}." in english.output
    assert "2 variants in " in english.output and "variantes" not in english.output
    refused = CliRunner().invoke(main, ["sweep", str(TINY), "--spec", str(bad), "--out", str(out)])
    assert refused.output.startswith("Error: 2 errors in the sweep spec:\n")
    assert f"{bad}, line 3, key grid.vehicles: expected an integer >= 0, got -1" in refused.output
