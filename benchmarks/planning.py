"""Allocation and rounds together, before and after the planning model. Not a test.

For each week — the shipped Dijon scenario and generated weeks of 30, 100 and 300 associations
(``aide_alim.scenario.synth.synthesize``, seed 1, one city, 7 lots per association) — prints
one CSV row per method:

- ``plain``: the allocation alone, then its rounds; what the rounds do not carry is taken out
  (the realized plan of the allocation without logistics);
- ``planned``: :func:`aide_alim.planning.allocate_and_route`.

Columns: kg offered, kg carried, realized min fill ratio, the bound on the min fill ratio and on
the kg (from the planning model), the gap of the min fill to its bound, wall seconds and CPU
seconds (this process and its children: the day problems run in parallel processes).

    python benchmarks/planning.py [--sizes dijon 30 100 300] [--iterations 800]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from pathlib import Path

from aide_alim.allocation import allocate
from aide_alim.allocation.core import without_kg
from aide_alim.planning import allocate_and_route, plan_bound
from aide_alim.routing import plan_routes
from aide_alim.scenario import load_scenario
from aide_alim.scenario.model import Scenario
from aide_alim.scenario.synth import synthesize

DIJON = Path(__file__).resolve().parents[1] / "scenarios" / "dijon"
COLUMNS = (
    "week", "method", "associations", "lots", "kg_offered", "kg_carried", "min_fill",
    "bound_min_fill", "bound_kg", "gap_min_fill", "wall_s", "cpu_s",
)  # fmt: skip


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _week(size: str, iterations: int) -> Scenario:
    if size == "dijon":
        sc = load_scenario(DIJON)
    else:
        n = int(size)
        sc = synthesize(n, 7 * n, seed=1, regions=1, name=f"synthétique {n}")
    return sc.replace(routing=sc.routing.replace(iterations=iterations))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["dijon", "30", "100", "300"])
    parser.add_argument("--iterations", type=int, default=800, help="routing iterations")
    args = parser.parse_args()
    print(f"# load average at start: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    out = csv.DictWriter(sys.stdout, COLUMNS)
    out.writeheader()
    for size in args.sizes:
        sc = _week(size, args.iterations)
        offered = sum(lot.kg for lot in sc.lots)
        base = {
            "week": size,
            "associations": len(sc.associations),
            "lots": len(sc.lots),
            "kg_offered": round(offered, 1),
        }
        bound = plan_bound(sc)

        t0, c0 = time.perf_counter(), _cpu()
        alone = allocate(sc)
        plan = plan_routes(sc, alone.lines)
        carried = alone
        if len(plan.unserved):
            carried = without_kg(sc, alone, plan.unserved[["lot", "association", "day", "kg"]])
        row = _row(base, "plain", carried, bound, t0, c0)
        out.writerow(row)
        sys.stdout.flush()

        t0, c0 = time.perf_counter(), _cpu()
        routed = allocate_and_route(sc)
        out.writerow(_row(base, "planned", routed.allocation, bound, t0, c0))
        sys.stdout.flush()
    print(f"# load average at end: {os.getloadavg()[0]:.2f}", file=sys.stderr)


def _row(base: dict, method: str, allocation, bound, t0: float, c0: float) -> dict:
    fill = float(allocation.metrics["min_fill_ratio"])
    return {
        **base,
        "method": method,
        "kg_carried": round(float(allocation.lines["kg"].sum()), 1),
        "min_fill": round(fill, 4),
        "bound_min_fill": round(bound.min_fill_ratio, 4),
        "bound_kg": round(bound.kg_distributed, 1),
        "gap_min_fill": round(bound.min_fill_ratio - fill, 4),
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(_cpu() - c0, 1),
    }


if __name__ == "__main__":
    main()
