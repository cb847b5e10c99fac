"""Hand-built Axe 3 tables for the ledger tests (a small history, computed in plain Python).

Column names are those of :mod:`aide_alim.indicators` (see :class:`Axis3Tables`).
"""

from __future__ import annotations

import pandas as pd

from aide_alim.ledger.axis3 import Axis3Tables

WEEKS = ("2020-W40", "2020-W41", "2020-W42", "2020-W43")
# association -> (name, kg received per week); 0 = not served that week.
RECEIVED = {
    "A1": ("Épicerie sociale Les Grésilles", [120.0, 140.0, 0.0, 160.0]),
    "A2": ("Restos <b>du</b> cœur & Co", [300.0, 280.0, 310.0, 290.0]),
    "A3": ('=HYPERLINK("http://x")', [50.0, 0.0, 0.0, 70.0]),
    "A4": ("Banque $\\frac{alimentaire$ 5", [10.0, 10.0, 10.0, 10.0]),  # not mathtext
}
GAPS = {"A1": 1, "A2": 0, "A3": 2, "A4": 0}


def hand_built_axis3() -> Axis3Tables:
    weekly = pd.DataFrame(
        [(w, a, kg[i]) for a, (_, kg) in RECEIVED.items() for i, w in enumerate(WEEKS)],
        columns=["week", "association", "kg"],
    )
    volume = pd.DataFrame(
        [(a, name, sum(kg), sum(kg) / 0.5, sum(kg) * 3.0) for a, (name, kg) in RECEIVED.items()],
        columns=["association", "name", "kg", "meals", "value_eur"],
    )
    rows = []
    for a, (name, kg) in RECEIVED.items():
        series = pd.Series(kg)
        served = int((series > 0).sum())
        cv = series.std(ddof=0) / series.mean()
        rows.append((a, name, len(kg), served, served / len(kg), cv, GAPS[a], 0.0))
    regularity = pd.DataFrame(
        rows,
        columns=[
            "association",
            "name",
            "weeks",
            "weeks_served",
            "share_served",
            "cv_kg",
            "longest_gap_weeks",
            "trend_kg_per_week",
        ],
    )
    financial = pd.DataFrame(
        [
            (a, name, sum(kg), sum(kg) * 3.0, sum(kg) * 0.2, sum(kg) * 2.8, sum(kg) * 0.1, 3.0, 0.3)
            for a, (name, kg) in RECEIVED.items()
        ],
        columns=[
            "association",
            "name",
            "kg",
            "value_eur",
            "paid_eur",
            "net_value_eur",
            "logistics_eur",
            "value_eur_per_kg",
            "cost_eur_per_kg",
        ],
    )
    prospection = pd.DataFrame(
        [
            (w, 5 + i, 3, 500.0 + 10 * i, 1500.0 + 30 * i, 400.0, 400.0 / (500.0 + 10 * i))
            for i, w in enumerate(WEEKS)
        ],
        columns=[
            "week",
            "offers",
            "suppliers",
            "kg_offered",
            "value_offered_eur",
            "kg_donated",
            "share_donated",
        ],
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
