"""Benchmark of the prospector's desk: scoring offers against a week (not a test: it prints).

Generates ``--count`` offers for the scenario (:func:`aide_alim.offers.generate.generate_offers`,
``--seed``), then times, wall and CPU, each stage of ``aide-alim offers score`` in one process:
preparing the week (allocation + rounds), reading it back from the week cache, the insertion
rounds (matrices), the need model's baseline relaxation, and scoring the offers. With
``--exact`` the offers are scored again with a full re-solve of the allocation per offer
(cartons included, as before the relaxation) and both are compared offer by offer: verdict, kg
taken, worst-off fill ratio gain.

Usage::

    python benchmarks/offers.py                          # scenarios/dijon, 20 offers, seed 1
    python benchmarks/offers.py --exact                  # and the full re-solve, compared
    python benchmarks/offers.py scenarios/tiny --count 10 --repeat 3

The whole command, as a prospector runs it (the week cache already filled by a first run)::

    /usr/bin/time -v aide-alim offers score scenarios/dijon offres.csv
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def timed(label: str, func: Callable[[], Any], rows: list[str]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    value = func()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows.append(f"{label},{wall:.3f},{cpu:.3f}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/dijon")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="scoring runs (the best is kept)")
    parser.add_argument("--exact", action="store_true", help="also score with full re-solves")
    args = parser.parse_args()
    os.environ.setdefault("AIDE_ALIM_CACHE", tempfile.mkdtemp(prefix="aide_alim_bench_"))

    rows = ["stage,wall_s,cpu_s"]
    loads = [os.getloadavg()[0]]
    from aide_alim.offers import load_week, score_offers
    from aide_alim.offers.collection import Rounds
    from aide_alim.offers.generate import generate_offers
    from aide_alim.offers.need import NeedModel
    from aide_alim.scenario import load_scenario

    scenario = timed("load scenario", lambda: load_scenario(Path(args.scenario)), rows)
    offers = list(generate_offers(scenario, args.count, seed=args.seed))
    week = timed("prepare week (allocation + rounds)", lambda: load_week(scenario), rows)
    cached = timed("read week from the cache", lambda: load_week(scenario), rows)
    assert cached.source == "cache", cached.source
    suppliers = [o.supplier for o in offers]
    timed("insertion rounds (matrices)", lambda: Rounds(scenario, cached.plan, suppliers), rows)
    timed("need model baseline (relaxation)", lambda: NeedModel(scenario), rows)
    best = None
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        verdicts = score_offers(cached, offers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        best = (wall, cpu) if best is None or wall < best[0] else best
    assert best is not None
    rows.append(f"score {len(offers)} offers (relaxation),{best[0]:.3f},{best[1]:.3f}")
    exact = None
    if args.exact:
        exact = timed(
            f"score {len(offers)} offers (full re-solves)",
            lambda: score_offers(cached, offers, exact=True),
            rows,
        )
    loads.append(os.getloadavg()[0])
    print(f"# {args.scenario}, {len(offers)} offers (seed {args.seed}), week {week.source}; "
          f"load average {loads[0]:.2f} → {loads[1]:.2f}")  # fmt: skip
    print("\n".join(rows))
    print()
    print("rank,offer,category,kg,price_eur_kg,verdict,kg_taken,saved_eur,extra_km,"
          "co2_g_per_kg,min_fill_before,min_fill_after" + (",exact_verdict,exact_kg_taken,"
          "exact_gain" if exact else ""))  # fmt: skip
    by_id = {v.offer.id: v for v in exact or []}
    for v in verdicts:
        s, o = v.scores, v.offer
        co2 = "" if s.co2_g_per_kg is None else f"{s.co2_g_per_kg:.0f}"
        line = (
            f"{v.rank},{o.id},{o.category},{o.kg:g},{o.price_eur_kg:g},"
            f"{v.verdict}{'' if v.price_eur_kg is None else f' {v.price_eur_kg:.2f}'},"
            f"{s.kg_taken:g},{s.saved_eur:.0f},{s.collection.km:.1f},{co2},"
            f"{s.min_fill_before:.4f},{s.min_fill_after:.4f}"
        )
        if exact:
            e = by_id[o.id]
            line += f",{e.verdict},{e.scores.kg_taken:g},{e.scores.min_fill_gain:.4f}"
        print(line)


if __name__ == "__main__":
    main()
