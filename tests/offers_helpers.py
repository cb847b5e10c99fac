"""A tiny week for the offers tests: two associations, one supplier near the hub, two vans.

Everything is placed so that distances can be checked by hand: the hub at (47.30, 5.00), the
known supplier ``s1`` 2.2 km north-east, new suppliers placed by the tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aide_alim.offers import Offer, Supplier
from aide_alim.scenario import (
    DEFAULT_CATEGORIES,
    Association,
    Day,
    Lot,
    Policy,
    RoutingParams,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
    Vehicle,
)

MONDAY = dt.date(2020, 10, 5)
HUB = Site("hub", "Entrepôt", SiteKind.HUB, 47.30, 5.00, window=TimeWindow(7 * 60, 18 * 60))
S1 = Site("s1", "Supermarché voisin", SiteKind.SUPPLIER, 47.31, 5.025)


def association(aid: str, beneficiaries: int, days: set[Day], **kw: Any) -> Association:
    return Association(
        aid, f"Association {aid}", "épicerie sociale", "21231", kw.pop("lat", 47.31),
        kw.pop("lon", 5.01), beneficiaries, kw.pop("dry_kg", 500.0), kw.pop("chilled_kg", 100.0),
        kw.pop("frozen_kg", 0.0), frozenset(days), TimeWindow(8 * 60, 17 * 60), **kw,
    )  # fmt: skip


def week(associations: list[Association] | None = None, lots: list[Lot] | None = None) -> Scenario:
    """The tiny week: A1 (100 persons, mon wed fri), A2 (50 persons, tue thu), 60 kg of fruit."""
    if associations is None:
        associations = [
            association("A1", 100, {Day.MON, Day.WED, Day.FRI}, budget_eur=100.0),
            association("A2", 50, {Day.TUE, Day.THU}, budget_eur=100.0),
        ]
    if lots is None:
        lots = [
            Lot("L1", "s1", "Pommes", "fruits_legumes", Temperature.AMBIENT, 60.0, 10.0, 0.0, 2.0,
                MONDAY),
        ]  # fmt: skip
    vehicles = (
        Vehicle("V1", "hub", 1000.0, False),
        Vehicle("V2", "hub", 500.0, True),
    )
    return Scenario(
        name="offres", week="2020-W41", hub="hub", associations=tuple(associations),
        sites=(HUB, S1), lots=tuple(lots), vehicles=vehicles, categories=DEFAULT_CATEGORIES,
        policy=Policy(ration_kg=1.0), routing=RoutingParams(iterations=200),
    )  # fmt: skip


def offer(oid: str, **kw: Any) -> Offer:
    """An offer of 100 kg of épicerie sèche (2.50 €/kg), a donation at ``s1`` from Monday."""
    supplier = kw.pop("supplier", None) or Supplier(S1.id, S1.name, S1.lat, S1.lon)
    category = DEFAULT_CATEGORIES[kw.pop("category", "epicerie_seche")]
    values: dict[str, Any] = {
        "product": f"Produit {oid}",
        "temperature": category.temperature,
        "kg": 100.0,
        "unit_kg": 10.0,
        "price_eur_kg": 0.0,
        "value_eur_kg": category.value_eur_kg,
        "available": MONDAY,
    }
    values.update(kw)
    return Offer(id=oid, supplier=supplier, category=category.id, **values)


def new_supplier(sid: str, lat: float, lon: float) -> Supplier:
    return Supplier(sid, f"Fournisseur {sid}", lat, lon, is_new=True)
