"""Benchmark of the allocation engine on generated scenarios (not a test: it prints figures).

Three sizes from :func:`aide_alim.scenario.synth.synthesize` (seed 1): a Dijon week
(30 associations × 200 lots), a département (300 × 3,000) and France (2,000 × 20,000, spread
over 20 regions: a lot reaches its own and the neighbouring regions). For each size, rule
(leximin, maxmin) and solver (HiGHS, CBC), one run in a fresh subprocess, so that the peak
memory (``ru_maxrss``) is that run's alone and a run over the time cap can be stopped.

Printed per run: scenario build, model build [s] (admissibility, lot classes, LP rows and the
initial columns), solve [s] (in the solver), cartons [s], total [s], LP solves, leximin levels,
peak RSS [MB], columns (all / brought in by column generation), and the metrics.

Usage::

    python benchmarks/allocation.py                     # every size, rule and solver
    python benchmarks/allocation.py --sizes dijon departement --solvers highs
    python benchmarks/allocation.py --cap 300           # time cap per run [s] (default 240)
    python benchmarks/allocation.py --supply-ratio 1.5  # supply above need: many leximin levels
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

SIZES = {"dijon": (30, 200), "departement": (300, 3000), "national": (2000, 20000)}


def one(size: str, rule: str, solver: str, supply_ratio: float = 0.7) -> dict[str, object]:
    """Run one allocation and return its figures (called in the child process)."""
    from aide_alim.allocation import allocate
    from aide_alim.scenario.synth import synthesize

    n_assoc, n_lots = SIZES[size]
    t0 = time.perf_counter()
    scenario = synthesize(n_assoc, n_lots, seed=1, supply_ratio=supply_ratio)
    synth_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    alloc = allocate(
        scenario, scenario.policy.replace(rule=rule), solver=solver, price_of_fairness=False
    )
    total = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "size": size,
        "rule": rule,
        "solver": alloc.solver or solver,
        "status": str(alloc.status),
        "message": alloc.message,
        "synth_s": synth_s,
        "build_s": alloc.build_seconds,
        "solve_s": alloc.solve_seconds,
        "cartons_s": alloc.repair_seconds,
        "total_s": total,
        "n_solves": alloc.n_solves,
        "levels": len(alloc.levels),
        "peak_mb": peak_mb,
        **alloc.model_size,
        "metrics": alloc.metrics,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--rules", nargs="+", default=["leximin", "maxmin"])
    parser.add_argument("--solvers", nargs="+", default=["highs", "cbc"])
    parser.add_argument("--cap", type=float, default=240.0, help="time cap per run [s]")
    parser.add_argument(
        "--supply-ratio",
        type=float,
        default=0.7,
        help="lot kg / total need (0.7: scarce, one leximin level; 1.5: many levels)",
    )
    parser.add_argument("--one", nargs=3, metavar=("SIZE", "RULE", "SOLVER"), help="internal")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(*args.one, supply_ratio=args.supply_ratio), default=float))
        return
    header = (
        f"{'size':<12}{'rule':<9}{'solver':<7}{'status':<9}{'build s':>9}{'solve s':>9}"
        f"{'cartons s':>10}{'total s':>9}{'LPs':>5}{'levels':>7}{'peak MB':>9}"
        f"{'classes':>8}{'columns':>10}{'active':>9}  min_fill  gini    kg_left  kg_given"
    )
    # The machine is shared: the load average says how contended the timings are.
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(header)
    for size in args.sizes:
        for rule in args.rules:
            for solver in args.solvers:
                cmd = [sys.executable, __file__, "--one", size, rule, solver]
                cmd += ["--supply-ratio", str(args.supply_ratio)]
                try:
                    done = subprocess.run(
                        cmd, capture_output=True, text=True, timeout=args.cap, check=False
                    )
                except subprocess.TimeoutExpired:
                    print(f"{size:<12}{rule:<9}{solver:<7}skipped: over the {args.cap:.0f} s cap")
                    continue
                if done.returncode != 0:
                    print(f"{size:<12}{rule:<9}{solver:<7}error: {done.stderr.strip()[-300:]}")
                    continue
                r = json.loads(done.stdout.strip().splitlines()[-1])
                m = r["metrics"]
                print(
                    f"{size:<12}{rule:<9}{r['solver']:<7}{r['status']:<9}{r['build_s']:>9.2f}"
                    f"{r['solve_s']:>9.2f}{r['cartons_s']:>10.2f}{r['total_s']:>9.2f}"
                    f"{r['n_solves']:>5}{r['levels']:>7}{r['peak_mb']:>9.0f}"
                    f"{r.get('lot_classes', 0):>8}{r.get('columns', 0):>10}"
                    f"{r.get('active', 0):>9}  {m['min_fill_ratio']:.4f}  {m['gini']:.4f}"
                    f"{m['kg_left']:>9.0f}{m['kg_distributed']:>10.0f}",
                    flush=True,
                )
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
