"""Benchmark: a sweep of the Dijon week on 1 and 2 Dask workers, wall time and speed-up.

Target (issue [study]): the 200-variant sweep (``scenarios/dijon/sweeps/bench200.toml``:
allocation and rounds) finishes in under 10 minutes on 2 cores, and 2 workers are at least 1.6×
faster than 1. Each run starts its own LocalCluster, as ``aide-alim sweep`` does, and the wall
time includes starting it.

Routing searches for a fixed wall time per round problem, so the routing part of a variant
takes as long on a busy machine as on an idle one and overlaps perfectly on 2 workers;
``--no-route`` measures the CPU-bound allocation alone, the harder test of the speed-up.

    python benchmarks/sweep.py                       # bench200 on 1 then 2 workers
    python benchmarks/sweep.py --no-route            # the same 200 variants, allocation only
    python benchmarks/sweep.py --workers 2 --spec scenarios/dijon/sweeps/fleet.toml
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from aide_alim.scenario import load_scenario
from aide_alim.sweep import load_spec, sweep

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "dijon")
    parser.add_argument(
        "--spec", type=Path, default=ROOT / "scenarios" / "dijon" / "sweeps" / "bench200.toml"
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-route", action="store_true", help="allocation only")
    parser.add_argument("--out", type=Path, default=None, help="write the last table (CSV)")
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    spec = load_spec(args.spec)
    if args.no_route:
        spec = dataclasses.replace(spec, route=False)
    print(
        f"scenario: {scenario.name}; spec: {args.spec.name} ({spec.size} variants, "
        f"route={spec.route}, time_limit_s={spec.time_limit_s})"
    )
    print(f"machine: {os.cpu_count()} cores; load average before: {_load()}")
    print(f"parallelism available now (pure-Python spin, 2 processes vs 1): {_spare():.2f}x")
    print("workers,wall_s,variants,failed,variant_s_mean,variant_s_sum,busy_ratio,load_after")
    walls: dict[int, float] = {}
    table = None
    for workers in args.workers:
        start = time.perf_counter()
        table = sweep(scenario, spec, workers=workers, seed=args.seed)
        wall = time.perf_counter() - start
        walls[workers] = wall
        failed = int((table["status"] == "error").sum())
        busy = table["seconds"].sum() / wall
        print(
            f"{workers},{wall:.1f},{len(table)},{failed},{table['seconds'].mean():.2f},"
            f"{table['seconds'].sum():.1f},{busy:.2f},{_load()}",
            flush=True,
        )
    if 1 in walls and 2 in walls:
        print(f"speed-up 2 workers vs 1: {walls[1] / walls[2]:.2f}x")
    if table is not None and args.out:
        table.to_csv(args.out, index=False)
        print(f"last table written to {args.out}")


def _spin(n: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i
    return time.perf_counter() - start


def _spare() -> float:
    """How much faster 2 processes do 2 units of CPU work than 1 process (2.0 on an idle machine).

    The machine is shared: this says how far the 1-vs-2-worker speed-up can go right now.
    """
    n = 5_000_000
    with ProcessPoolExecutor(1) as one:
        alone = sum(one.map(_spin, [n, n]))
    with ProcessPoolExecutor(2) as two:
        start = time.perf_counter()
        list(two.map(_spin, [n, n]))
        together = time.perf_counter() - start
    return alone / together


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


if __name__ == "__main__":
    main()
