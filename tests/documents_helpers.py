"""Small hand-made weeks for the documents tests: a scenario, an allocation, a route plan.

The allocation and route plan are built by hand (no solver) so that the documents can be tested
alone, fast, with hostile strings where users type text.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from aide_alim.allocation.result import Allocation, AllocationStatus
from aide_alim.routing.plan import (
    LINE_COLUMNS as PLAN_LINE_COLUMNS,
)
from aide_alim.routing.plan import (
    ROUND_COLUMNS,
    STOP_COLUMNS,
    UNSERVED_COLUMNS,
    RoutePlan,
)
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


def hand_plan(scenario: Scenario) -> RoutePlan:
    """Rounds of the hostile week: on Monday V2 collects L1 and L2 at the supplier and delivers
    A1; on Tuesday V1 collects for the association that fetches its share at the hub."""

    def at(day: dt.date, minutes: int | None) -> pd.Timestamp | None:
        return None if minutes is None else pd.Timestamp(day) + pd.Timedelta(minutes=minutes)

    rows = [
        # vehicle, day, family, seq, kind, place, place_kind, arrival, departure,
        # picked, dropped, lots, associations, load ambient, load chilled
        ("V2", MON, "collection", 0, "start", "hub", "hub", None, 480, 0, 0, "", "", 0, 0),
        ("V2", MON, "collection", 1, "pickup", "grossiste", "supplier", 500, 515, 70, 0,
         "L1 L2", "A1", 50, 20),
        ("V2", MON, "collection", 2, "end", "hub", "hub", 530, None, 0, 0, "", "", 0, 0),
        ("V2", MON, "delivery", 0, "start", "hub", "hub", None, 540, 0, 0, "", "", 50, 20),
        ("V2", MON, "delivery", 1, "delivery", "A1", "association", 560, 570, 0, 70, "L1 L2",
         "A1", 0, 0),
        ("V2", MON, "delivery", 2, "end", "hub", "hub", 590, None, 0, 0, "", "", 0, 0),
        ("V1", TUE, "collection", 0, "start", "hub", "hub", None, 480, 0, 0, "", "", 0, 0),
        ("V1", TUE, "collection", 1, "pickup", "grossiste", "supplier", 500, 515, 130, 0,
         "L1 L3 L2", "../../evil", 110, 20),
        ("V1", TUE, "collection", 2, "end", "hub", "hub", 540, None, 0, 0, "", "", 0, 0),
        ("", TUE, "hub_pickup", 0, "hub_pickup", "hub", "hub", 840, 851, 50, 0, "L1",
         "../../evil", 0, 0),
        ("", TUE, "hub_pickup", 0, "hub_pickup", "hub", "hub", 840, 851, 60, 0, "L3",
         "../../evil", 0, 0),
        ("", TUE, "hub_pickup", 0, "hub_pickup", "hub", "hub", 840, 851, 20, 0, "L2",
         "../../evil", 0, 0),
    ]  # fmt: skip
    names = {"hub": "Plateforme solidaire", "grossiste": "Grossiste @sud", "A1": SCRIPT}
    coords = {"hub": (47.322, 5.042), "grossiste": (47.294, 5.006), "A1": (47.325, 5.045)}
    stops = pd.DataFrame(
        [
            {
                "day": day, "family": family, "vehicle": vehicle, "trip": 1 if vehicle else 0,
                "seq": seq, "kind": kind, "place": place, "place_name": names[place],
                "place_kind": place_kind, "lat": coords[place][0], "lon": coords[place][1],
                "arrival": at(day, arrival), "departure": at(day, departure),
                "kg_picked": float(picked), "kg_dropped": float(dropped),
                "load_ambient_kg": float(ambient), "load_chilled_kg": float(chilled),
                "load_frozen_kg": 0.0, "lots": lots, "associations": assocs,
            }
            for (vehicle, day, family, seq, kind, place, place_kind, arrival, departure, picked,
                 dropped, lots, assocs, ambient, chilled) in rows
        ],
        columns=list(STOP_COLUMNS),
    )  # fmt: skip
    rounds = pd.DataFrame(
        [
            {"day": MON, "family": "collection", "vehicle": "V2", "km": 8.0, "hours": 0.8},
            {"day": MON, "family": "delivery", "vehicle": "V2", "km": 4.5, "hours": 0.9},
            {"day": TUE, "family": "collection", "vehicle": "V1", "km": 9.0, "hours": 1.0},
        ],
        columns=list(ROUND_COLUMNS),
    )
    fates = [
        ("L1", "A1", MON, "delivered", "V2", 560),
        ("L2", "A1", MON, "delivered", "V2", 560),
        ("L1", "../../evil", TUE, "hub_pickup", "", 840),
        ("L3", "../../evil", TUE, "hub_pickup", "", 840),
        ("L2", "../../evil", TUE, "hub_pickup", "", 840),
    ]
    lines = pd.DataFrame(
        [
            {"lot": lot, "association": a, "day": day, "status": status,
             "delivery_vehicle": vehicle, "handover": at(day, minutes)}
            for lot, a, day, status, vehicle, minutes in fates
        ],
        columns=list(PLAN_LINE_COLUMNS),
    )  # fmt: skip
    return RoutePlan(
        model="hub",
        week=scenario.week,
        stops=stops,
        rounds=rounds,
        unserved=pd.DataFrame(columns=list(UNSERVED_COLUMNS)),
        lines=lines,
        totals={"km": 21.5, "hours": 2.7, "cost_eur": 10.5, "co2_kg": 4.6, "wall_s": 0.1},
        places=pd.DataFrame(),
    )
