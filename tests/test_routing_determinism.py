"""Routing is reproducible: the same scenario and seed give the same rounds, whatever the load."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from routing_helpers import MONDAY, association, lines, lot, scenario, site, vehicle

from aide_alim.errors import ScenarioError
from aide_alim.routing import plan_routes
from aide_alim.routing.solver import (
    DEFAULT_ITERATIONS,
    SolverError,
    VrpClient,
    VrpDepot,
    VrpProblem,
    VrpSolution,
    VrpVehicleType,
    solve,
)
from aide_alim.scenario import RoutingParams, load_scenario

ROOT = Path(__file__).resolve().parents[1]
TIMING_KEYS = {"wall_s", "solve_seconds"}


def _spin(stop: mp.synchronize.Event) -> None:  # pragma: no cover - runs in a child process
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x = (x * 31 + 7) % 1_000_003


@contextmanager
def busy_cpus(workers: int = 2) -> Iterator[None]:
    """Keep ``workers`` processes spinning (the machine has 2 cores) for the duration."""
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    procs = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(workers)]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()


def _cvrp(n: int = 40, seed: int = 5) -> VrpProblem:
    """A random capacitated instance big enough that the search does not settle in a few hundred
    iterations (so a clock-stopped search would depend on the load)."""
    rng = np.random.default_rng(seed)
    coords = rng.integers(0, 1000, size=(n + 1, 2)).astype(float)
    diff = coords[:, None, :] - coords[None, :, :]
    dist = np.rint(np.hypot(diff[..., 0], diff[..., 1])).astype(np.int64)
    demand = rng.integers(1, 30, size=n + 1)
    return VrpProblem(
        coords=coords,
        distances=(dist,),
        durations=(dist,),
        depots=(VrpDepot(location=0),),
        vehicle_types=(VrpVehicleType(num_available=n, capacity=(100,)),),
        clients=tuple(VrpClient(location=i, delivery=(int(demand[i]),)) for i in range(1, n + 1)),
    )


def _routes(solution: VrpSolution) -> list[tuple[tuple[str, int], ...]]:
    return [tuple((str(v.kind), v.index) for v in r.visits) for r in solution.routes]


def test_iteration_budget_gives_the_same_solution_under_load() -> None:
    problem = _cvrp()
    quiet = solve(problem, time_limit_s=60.0, seed=3, max_iterations=400)
    with busy_cpus():
        busy = solve(problem, time_limit_s=60.0, seed=3, max_iterations=400)
    # The budget, not the clock, ended both searches.
    assert quiet.details["stopped_by"] == busy.details["stopped_by"] == "iterations"
    assert quiet.iterations == busy.iterations == 400
    assert _routes(quiet) == _routes(busy)
    assert quiet.distance == busy.distance


def test_time_limited_solve_when_the_caller_asks_for_one() -> None:
    """The benchmarks' call (no budget, no ``no_improvement``) spends the time limit."""
    solution = solve(_cvrp(), time_limit_s=0.3, seed=1)
    assert solution.details["stopped_by"] == "time_limit"
    assert solution.runtime_s >= 0.3
    assert solution.is_feasible


def test_rounds_call_gets_the_default_budget() -> None:
    """A caller asking for ``no_improvement`` (the weekly rounds) gets the iteration budget, and
    the time limit it passes is only a cap it does not reach."""
    solution = solve(_cvrp(25), time_limit_s=2.0, seed=1, no_improvement=100_000)
    assert solution.iterations == DEFAULT_ITERATIONS
    assert solution.details["stopped_by"] == "iterations"


@pytest.mark.parametrize("bad", [-1, 2.5, True, "many"])
def test_solver_rejects_a_bad_budget(bad: object) -> None:
    with pytest.raises(SolverError, match="max_iterations"):
        solve(_cvrp(5), time_limit_s=1.0, max_iterations=bad)  # type: ignore[arg-type]


def _plan_tables(plan: object) -> dict[str, object]:
    tables = {name: getattr(plan, name) for name in ("stops", "rounds", "unserved", "lines")}
    totals = {k: v for k, v in plan.totals.items() if k not in TIMING_KEYS}  # type: ignore[attr-defined]
    return {**tables, "totals": totals}


def test_same_scenario_and_seed_same_plan_under_load() -> None:
    sites = [site(f"S{i}", 47.28 + 0.02 * (i % 3), 4.98 + 0.03 * (i // 3)) for i in range(6)]
    assocs = [
        association(f"A{i}", 47.27 + 0.015 * (i % 4), 4.99 + 0.025 * (i // 4)) for i in range(10)
    ]
    lots = [
        lot(f"L{i}", f"S{i % 6}", 300, "chilled" if i % 3 == 0 else "ambient") for i in range(9)
    ]
    sc = scenario(
        sites=sites,
        associations=assocs,
        lots=lots,
        vehicles=[vehicle("V1", 900), vehicle("V2", 700, refrigerated=True)],
        time_limit_s=3.0,
    )
    rows = [(f"L{i}", f"A{(i * 7 + k) % 10}", MONDAY, 150.0) for i in range(9) for k in range(2)]
    table = lines(sc, rows)
    # The default budget; the cap (10 × 3 s) is far from reached even on a busy machine.
    first = plan_routes(sc, table)
    with busy_cpus():
        second = plan_routes(sc, table)
    a, b = _plan_tables(first), _plan_tables(second)
    for name in ("stops", "rounds", "unserved", "lines"):
        pd.testing.assert_frame_equal(a[name], b[name])  # type: ignore[arg-type]
    assert a["totals"] == b["totals"]
    assert len(first.stops) > 15  # a real week, not an empty plan


def test_each_day_is_reported_once_as_it_is_solved_and_the_plan_does_not_change() -> None:
    sites = [site(f"S{i}", 47.28 + 0.02 * i, 4.98 + 0.03 * i) for i in range(3)]
    assocs = [association(f"A{i}", 47.27 + 0.015 * i, 4.99 + 0.025 * i) for i in range(4)]
    sc = scenario(
        sites=sites,
        associations=assocs,
        lots=[lot(f"L{i}", f"S{i % 3}", 200, "ambient") for i in range(6)],
        vehicles=[vehicle("V1", 900)],
    )
    days = [MONDAY + dt.timedelta(days=k) for k in range(3)]
    rows = [(f"L{i}", f"A{i % 4}", days[i % 3], 100.0) for i in range(6)]
    table = lines(sc, rows)
    solved: list[dt.date] = []
    watched = plan_routes(sc, table, on_day_solved=solved.append, workers=2)
    assert sorted(solved) == days
    quiet = plan_routes(sc, table, workers=1)
    a, b = _plan_tables(watched), _plan_tables(quiet)
    for name in ("stops", "rounds", "unserved", "lines"):
        pd.testing.assert_frame_equal(a[name], b[name])  # type: ignore[arg-type]


def test_the_scenarios_iteration_budget_reaches_the_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    import aide_alim.routing.day_problem as day_problem

    seen: list[tuple[object, float]] = []
    real_solve = day_problem.solve

    def spy(problem: object, **kwargs: object) -> object:
        seen.append((kwargs.get("max_iterations"), kwargs["time_limit_s"]))  # type: ignore[arg-type]
        return real_solve(problem, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(day_problem, "solve", spy)
    sc = scenario(
        sites=[site("S1", 47.30, 5.00)],
        associations=[association("A1", 47.32, 5.03)],
        lots=[lot("L1", "S1", 100, "ambient")],
        vehicles=[vehicle("V1", 900)],
        time_limit_s=1.5,
    )
    table = lines(sc, [("L1", "A1", MONDAY, 100.0)])
    plan_routes(sc.replace(routing=sc.routing.replace(iterations=37)), table)
    plan_routes(sc.replace(routing=sc.routing.replace(iterations=0)), table)
    assert seen[0] == (37, 15.0)  # the budget ends the search; the clock is only a cap
    assert seen[-1] == (None, 1.5)  # 0: time-limited, as before


# --- RoutingParams.iterations ------------------------------------------------------------------


def test_iterations_default_and_zero_are_accepted() -> None:
    assert RoutingParams().iterations == DEFAULT_ITERATIONS > 0
    assert RoutingParams(iterations=0).iterations == 0


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_iterations_must_be_a_whole_number_not_below_zero(bad: object) -> None:
    with pytest.raises(ValueError, match="iterations"):
        RoutingParams(iterations=bad)  # type: ignore[arg-type]


def test_bad_iterations_in_scenario_toml_is_a_clear_error(tmp_path: Path) -> None:
    source = ROOT / "scenarios" / "dijon"
    if not source.exists():
        pytest.skip("shipped Dijon scenario absent")
    folder = tmp_path / "dijon"
    shutil.copytree(source, folder)
    settings = folder / "scenario.toml"
    text = settings.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^iterations = .*\n", "", text)  # the shipped file may already set it
    settings.write_text(text.replace("[routing]\n", "[routing]\niterations = -5\n"), "utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    message = str(info.value)
    assert "scenario.toml" in message and "iterations" in message and "-5" in message
