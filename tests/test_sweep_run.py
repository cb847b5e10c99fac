"""Sweeps on a real Dask LocalCluster: one row per variant, failures recorded, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sweep_helpers import SIX

from aide_alim.errors import AideAlimError
from aide_alim.scenario import Scenario, load_scenario
from aide_alim.sweep import SpecError, Variant, sweep
from aide_alim.sweep import run as run_module

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


def test_unknown_hub_is_refused_before_any_run(tiny: Scenario) -> None:
    with pytest.raises(SpecError, match=r"grid.hub: expected a site id .*got 'nowhere'"):
        sweep(tiny, {"grid": {"hub": ["hub", "nowhere"]}}, workers=1)


def test_scheduler_and_workers_together_are_refused(tiny: Scenario) -> None:
    with pytest.raises(AideAlimError, match="either a scheduler"):
        sweep(tiny, {}, scheduler="tcp://127.0.0.1:1", workers=2)


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
    real = run_module.evaluate_variant

    def flaky(scenario: Scenario, variant: Variant, **kwargs: Any) -> dict[str, Any]:
        if variant.values["rule"] == "maxmin":
            raise RuntimeError("worker lost")
        return real(scenario, variant, **kwargs)

    monkeypatch.setattr(run_module, "evaluate_variant", flaky)
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
