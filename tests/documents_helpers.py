"""Small hand-made weeks for the documents tests: a scenario, an allocation, a route plan.

The allocation and route plan are built by hand (no solver) so that the documents can be tested
alone, fast, with hostile strings where users type text.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pandas as pd

from aide_alim.allocation.result import Allocation, AllocationStatus
from aide_alim.scenario import DEFAULT_CATEGORIES
from aide_alim.scenario.model import (
    Association,
    Day,
    Lot,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
    Vehicle,
)

SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("x")'
MON = dt.date(2020, 10, 5)
TUE = dt.date(2020, 10, 6)


def hostile_scenario() -> Scenario:
    """Three associations (one named ``<script>…``), a ``=HYPERLINK`` product, two vehicles."""
    days = frozenset({Day.MON, Day.TUE, Day.WED, Day.THU, Day.FRI})
    associations = (
        Association(
            "A1", SCRIPT, "épicerie sociale", "21231", 47.325, 5.045, 100, 300, 100, 0,
            days, TimeWindow(540, 720), address="1 rue <b>Test</b>, Dijon",
        ),
        Association(
            "../../evil", "Colis du Mail", "distribution de colis", "21166", 47.293, 5.005, 200,
            500, 150, 80, days, TimeWindow(840, 1020), collects=True,
        ),
        Association(
            "A3", "Restaurant solidaire", "restauration", "21355", 47.285, 5.061, 100, 200, 0, 0,
            days, TimeWindow(600, 690), refuses=frozenset({"surgeles"}), other_supply_kg=20,
        ),
    )  # fmt: skip
    sites = (
        Site("hub", "Plateforme solidaire", SiteKind.HUB, 47.322, 5.042, address="Dijon"),
        Site("grossiste", "Grossiste @sud", SiteKind.SUPPLIER, 47.294, 5.006, address="Chenôve"),
    )
    lots = (
        Lot("L1", "grossiste", FORMULA, "epicerie_seche", Temperature.AMBIENT, 100, 10, 0, 2.5,
            MON),
        Lot("L2", "grossiste", "Yaourts", "produits_laitiers", Temperature.CHILLED, 40, 4, 0, 3.0,
            MON, use_by=dt.date(2020, 10, 9)),
        Lot("L3", "grossiste", "-Pâtes", "epicerie_seche", Temperature.AMBIENT, 60, 5, 0.5, 2.5,
            MON, best_before=dt.date(2021, 6, 30)),
    )  # fmt: skip
    vehicles = (
        Vehicle("V1", "hub", 1000, False, name="Fourgon sec"),
        Vehicle("V2", "hub", 600, True, name="+Frigo"),
    )
    return Scenario(
        name="semaine hostile", week="2020-W41", hub="hub", associations=associations,
        sites=sites, lots=lots, vehicles=vehicles, categories=DEFAULT_CATEGORIES,
    )  # fmt: skip


def hand_allocation(scenario: Scenario) -> Allocation:
    """A valid allocation of the hostile week, written by hand."""
    rows = [
        ("L1", "A1", MON, 50.0, 5),
        ("L2", "A1", MON, 20.0, 5),
        ("L1", "../../evil", TUE, 50.0, 5),
        ("L3", "../../evil", TUE, 60.0, 12),
        ("L2", "../../evil", TUE, 20.0, 5),
    ]
    lots = scenario.lot_by_id
    lines = pd.DataFrame(
        [
            {
                "lot": lot, "association": a, "day": day, "kg": kg, "units": units,
                "site": lots[lot].site, "category": lots[lot].category,
                "temperature": lots[lot].temperature.value,
                "value_eur": kg * lots[lot].value_eur_kg, "price_eur": kg * lots[lot].price_eur_kg,
                "collects": scenario.association_by_id[a].collects,
            }
            for lot, a, day, kg, units in rows
        ]
    )  # fmt: skip
    need = {a.id: a.beneficiaries * scenario.policy.ration_kg for a in scenario.associations}
    received = lines.groupby("association")["kg"].sum()
    by_association = pd.DataFrame(
        [
            {
                "association": a.id, "need": need[a.id],
                "received": float(received.get(a.id, 0.0)),
                "received_kg": float(received.get(a.id, 0.0)), "other_supply": a.other_supply_kg,
                "fill_ratio": (float(received.get(a.id, 0.0)) + a.other_supply_kg) / need[a.id],
                "fair_share": 0.6 * need[a.id] - a.other_supply_kg, "deviation": 0.0,
                "value_eur": 0.0, "paid_eur": 0.0,
            }
            for a in scenario.associations
        ]
    )  # fmt: skip
    unallocated = pd.DataFrame(
        [{"lot": "L3", "kg": 0.0, "reason": "storage_full", "reason_fr": "stockage plein"}]
    ).iloc[0:0]
    return Allocation(
        status=AllocationStatus.OPTIMAL, rule="leximin", basis="kg", lines=lines,
        unallocated=unallocated, by_association=by_association,
        metrics={"min_fill_ratio": 0.2, "kg_distributed": 200.0},
    )  # fmt: skip


def hand_plan(scenario: Scenario) -> Any:
    """A route plan of the hostile week: V2 collects at the supplier and delivers A1 on Monday;
    V1 collects on Tuesday for the association that fetches its share at the hub."""
    stops = pd.DataFrame(
        [
            ("V2", MON, 1, 0, "start", "hub", 480, 480, (), (), 0, 0),
            ("V2", MON, 1, 1, "pickup", "grossiste", 500, 515, ("L1", "L2"), (), 50, 20),
            ("V2", MON, 1, 2, "delivery", "A1", 560, 570, (), ("L1", "L2"), 0, 0),
            ("V2", MON, 1, 3, "end", "hub", 590, 590, (), (), 0, 0),
            ("V1", TUE, 1, 0, "start", "hub", 480, 480, (), (), 0, 0),
            ("V1", TUE, 1, 1, "pickup", "grossiste", 500, 515, ("L1", "L2", "L3"), (), 110, 20),
            ("V1", TUE, 1, 2, "end", "hub", 540, 550, (), ("L1", "L2", "L3"), 0, 0),
        ],
        columns=[
            "vehicle", "day", "round", "seq", "kind", "place", "arrival_min", "departure_min",
            "picked_up", "dropped", "load_ambient_kg", "load_chilled_kg",
        ],
    )  # fmt: skip
    rounds = pd.DataFrame(
        [
            {"vehicle": "V2", "day": MON, "round": 1, "km": 12.5, "hours": 1.8},
            {"vehicle": "V1", "day": TUE, "round": 1, "km": 9.0, "hours": 1.2},
        ]
    )
    return SimpleNamespace(
        stops=stops,
        rounds=rounds,
        unserved=pd.DataFrame(columns=["lot", "association", "reason"]),
        totals={"km": 21.5, "hours": 3.0, "cost_eur": 10.5, "co2_kg": 4.6},
    )
