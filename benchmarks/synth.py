"""Benchmark: time to generate and write synthetic scenarios of growing size.

Target (issue [foundation]): 2,000 associations × 20,000 lots generated and written in under
5 s. Prints one CSV row per size: generation, folder writing and workbook writing times [s].

    python benchmarks/synth.py                          # 30×200, 300×3,000, 2,000×20,000
    python benchmarks/synth.py --sizes 5000x50000 --repeat 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from aide_alim.scenario.synth import synthesize
from aide_alim.scenario.synth_regions import default_regions
from aide_alim.scenario.write import write_scenario, write_workbook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["30x200", "300x3000", "2000x20000"])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--xlsx", action="store_true", help="also time the workbook")
    args = parser.parse_args()
    print("associations,lots,regions,synthesize_s,write_folder_s,total_s,write_xlsx_s")
    for size in args.sizes:
        associations, lots = (int(x) for x in size.lower().split("x"))
        best = (float("inf"), float("inf"))
        xlsx = float("inf") if args.xlsx else float("nan")
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                scenario = synthesize(associations, lots, seed=0)
                made = time.perf_counter()
                write_scenario(scenario, Path(tmp) / "week")
                written = time.perf_counter()
                if (written - start) < sum(best):
                    best = (made - start, written - made)
                if args.xlsx:
                    t0 = time.perf_counter()
                    write_workbook(scenario, Path(tmp) / "week.xlsx")
                    xlsx = min(xlsx, time.perf_counter() - t0)
        print(
            f"{associations},{lots},{default_regions(associations)},{best[0]:.3f},{best[1]:.3f},{sum(best):.3f},"
            f"{xlsx:.3f}"
        )


if __name__ == "__main__":
    main()
