"""Benchmark: fairness with memory over a simulated period, and the cost of publishing.

Simulates the same weeks (same scenario, same seed) twice, without and with ``policy.memory``,
each into its own in-memory SQLite history, and prints the spread of the associations'
cumulative fill ratios at the end (max − min, population std, Gini), the lowest cumulative fill
ratio, the mean of each week's own minimum fill ratio (what memory trades away), and the wall
time per week (allocation + publish; routing off).

    python benchmarks/history_memory.py                          # Dijon, 12 weeks, seed 7
    python benchmarks/history_memory.py --weeks 26 --seed 1
    python benchmarks/history_memory.py --synth 10,30,1          # synthesize(10, 30, seed=1)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from aide_alim.db import open_database
from aide_alim.history import read_history, simulate_year
from aide_alim.indicators import fairness_gini
from aide_alim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "dijon"))
    parser.add_argument("--synth", default=None, help="associations,lots,seed of synthesize()")
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.synth:
        from aide_alim.scenario.synth import synthesize

        associations, lots, seed = (int(x) for x in args.synth.split(","))
        scenario = synthesize(associations, lots, seed=seed)
        label = f"synthesize({associations}, {lots}, seed={seed})"
    else:
        scenario = load_scenario(args.scenario)
        label = args.scenario
    print(f"{label}: {len(scenario.associations)} associations, {len(scenario.lots)} lots; "
          f"{args.weeks} weeks, seed {args.seed}")  # fmt: skip
    header = (
        f"{'memory':>6} {'spread':>7} {'std':>7} {'gini':>7} {'min cum':>8} {'mean wk min':>11}"
    )
    print(header + f" {'s/week':>7}")
    for memory in (False, True):
        db = open_database("sqlite://")
        start = time.perf_counter()
        weeks = simulate_year(scenario, args.weeks, args.seed, db, memory=memory)
        seconds = (time.perf_counter() - start) / args.weeks
        last = fairness_gini(read_history(db)).iloc[-1]
        db.close()
        print(
            f"{'on' if memory else 'off':>6} {last['spread']:7.4f} {last['std']:7.4f} "
            f"{last['gini']:7.4f} {last['min']:8.3f} {weeks['min_fill_ratio'].mean():11.3f} "
            f"{seconds:7.2f}"
        )


if __name__ == "__main__":
    main()
