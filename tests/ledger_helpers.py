"""Hand-built Axe 3 tables for the ledger tests (a small history, computed in plain Python)."""

from __future__ import annotations

import pandas as pd

from aide_alim.ledger.axis3 import Axis3Tables

WEEKS = ("2020-W40", "2020-W41", "2020-W42", "2020-W43")
# association -> (name, kg received per week); 0 = not served that week.
RECEIVED = {
    "A1": ("Épicerie sociale Les Grésilles", [120.0, 140.0, 0.0, 160.0]),
    "A2": ("Restos <b>du</b> cœur & Co", [300.0, 280.0, 310.0, 290.0]),
    "A3": ("=HYPERLINK(\"http://x\")", [50.0, 0.0, 0.0, 70.0]),
}


def hand_built_axis3() -> Axis3Tables:
    weekly = pd.DataFrame(
        [(w, a, kg[i]) for a, (_, kg) in RECEIVED.items() for i, w in enumerate(WEEKS)],
        columns=["week", "association", "kg"],
    )
    volume = pd.DataFrame(
        [(a, name, sum(kg), sum(kg) / 0.5, sum(kg) * 3.0) for a, (name, kg) in RECEIVED.items()],
        columns=["association", "name", "kg", "meals", "value_eur"],
    )
    regularity = pd.DataFrame(
        [
            (a, name, sum(k > 0 for k in kg), sum(k > 0 for k in kg) / len(kg),
             pd.Series(kg).std(ddof=0) / pd.Series(kg).mean(), gap, 0.0)
            for (a, (name, kg)), gap in zip(RECEIVED.items(), (1, 0, 2), strict=True)
        ],
        columns=["association", "name", "weeks_served", "share_weeks_served", "cv_weekly_kg",
                 "longest_gap_weeks", "trend_kg_per_week"],
    )  # fmt: skip
    financial = pd.DataFrame(
        [(a, name, sum(kg) * 3.0, sum(kg) * 0.2, sum(kg) * 2.8, 2.8)
         for a, (name, kg) in RECEIVED.items()],
        columns=["association", "name", "value_eur", "paid_eur", "net_value_eur", "eur_per_kg"],
    )  # fmt: skip
    prospection = pd.DataFrame(
        [(w, 5 + i, 500.0 + 10 * i, 1500.0 + 30 * i, 400.0, 3) for i, w in enumerate(WEEKS)],
        columns=["week", "offers", "kg", "value_eur", "donated_kg", "suppliers"],
    )
    suppliers = {w: frozenset({"S1", "S2", f"S{3 + i % 2}"}) for i, w in enumerate(WEEKS)}
    return Axis3Tables(
        weeks=WEEKS,
        volume=volume,
        weekly=weekly,
        regularity=regularity,
        financial=financial,
        prospection=prospection,
        supplier_ids=suppliers,
    )
