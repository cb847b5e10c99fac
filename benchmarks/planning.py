"""Allocation and rounds together on a scenario: what the loop of aide_alim.planning does.

Prints, for the plain allocation (one load per vehicle and day as the only logistics bound)
and for :func:`aide_alim.planning.allocate_and_route`: kg allocated, carried and not carried,
min fill ratio, iterations and wall time, plus the table of tries. Not a test.

    /work/venv/bin/python benchmarks/planning.py scenarios/dijon [--iterations 4]
"""

from __future__ import annotations

import argparse
import os
import time

from aide_alim.allocation import allocate
from aide_alim.planning import DEFAULT_ITERATIONS, allocate_and_route
from aide_alim.routing import plan_routes
from aide_alim.scenario import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    args = parser.parse_args()
    sc = load_scenario(args.scenario)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores shared)")

    t0 = time.perf_counter()
    plain = allocate(sc)
    plan = plan_routes(sc, plain.lines)
    wall = time.perf_counter() - t0
    print(
        f"plain:  allocated {plain.lines['kg'].sum():8.1f} kg  carried "
        f"{plan.totals['kg_carried']:8.1f} kg  not carried {plan.totals['kg_unserved']:7.1f} kg "
        f"({plan.totals['lines_unserved']} lines)  min fill "
        f"{plain.metrics['min_fill_ratio']:.3f}  wall {wall:5.1f} s"
    )
    t0 = time.perf_counter()
    routed = allocate_and_route(sc, max_iterations=args.iterations)
    wall = time.perf_counter() - t0
    a, p = routed
    print(
        f"loop:   allocated {a.lines['kg'].sum():8.1f} kg  carried "
        f"{p.totals['kg_carried']:8.1f} kg  not carried {p.totals['kg_unserved']:7.1f} kg "
        f"({p.totals['lines_unserved']} lines)  min fill {a.metrics['min_fill_ratio']:.3f}  "
        f"wall {wall:5.1f} s  tries {len(routed.iterations)} (kept #{routed.chosen + 1}), "
        f"held back {routed.kg_held_back:.1f} kg"
    )
    print(routed.table().round(3).to_string(index=False))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
