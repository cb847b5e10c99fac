"""Small hand-made scenarios and allocation lines for the routing tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from aide_alim.scenario import (
    DEFAULT_CATEGORIES,
    Association,
    Day,
    Logistics,
    Lot,
    RoutingParams,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
    Vehicle,
)

WEEK = "2020-W41"  # Monday 2020-10-05
MONDAY = dt.date(2020, 10, 5)
ALL_WEEK = frozenset(Day)

# Around Dijon: the hub in the centre, places a few km away.
HUB = Site("HUB", "Plateforme", SiteKind.HUB, 47.3220, 5.0415, ALL_WEEK, TimeWindow(420, 1200))


def site(sid: str, lat: float, lon: float, **kw: object) -> Site:
    kw.setdefault("open_days", ALL_WEEK)
    return Site(sid, f"Site {sid}", SiteKind.SUPPLIER, lat, lon, **kw)  # type: ignore[arg-type]


def association(aid: str, lat: float, lon: float, **kw: object) -> Association:
    base: dict[str, object] = {
        "kind": "épicerie sociale",
        "commune": "21231",
        "beneficiaries": 100,
        "dry_kg": 1000.0,
        "chilled_kg": 500.0,
        "frozen_kg": 200.0,
        "open_days": ALL_WEEK,
        "receive_window": TimeWindow(480, 1080),
    }
    base.update(kw)
    return Association(aid, f"Asso {aid}", lat=lat, lon=lon, **base)  # type: ignore[arg-type]


def lot(lid: str, site_id: str, kg: float, temperature: str = "ambient") -> Lot:
    category = {"ambient": "epicerie_seche", "chilled": "produits_laitiers", "frozen": "surgeles"}
    return Lot(
        id=lid,
        site=site_id,
        product=lid,
        category=category[temperature],
        temperature=Temperature(temperature),
        kg=kg,
        unit_kg=1.0,
        price_eur_kg=0.0,
        value_eur_kg=2.0,
        available=MONDAY,
    )


def vehicle(
    vid: str, capacity: float = 1000, *, refrigerated: bool = False, **kw: object
) -> Vehicle:
    kw.setdefault("days", ALL_WEEK)
    return Vehicle(vid, "HUB", capacity, refrigerated, **kw)  # type: ignore[arg-type]


def scenario(
    *,
    sites: Iterable[Site] = (),
    associations: Iterable[Association] = (),
    lots: Iterable[Lot] = (),
    vehicles: Iterable[Vehicle] = (),
    model: str = "hub",
    time_limit_s: float = 0.5,
    **logistics: object,
) -> Scenario:
    return Scenario(
        name="test",
        week=WEEK,
        hub="HUB",
        associations=tuple(associations),
        sites=(HUB, *sites),
        lots=tuple(lots),
        vehicles=tuple(vehicles),
        categories=DEFAULT_CATEGORIES,
        logistics=Logistics(model=model, **logistics),  # type: ignore[arg-type]
        routing=RoutingParams(time_limit_s=time_limit_s, seed=1),
    )


def lines(sc: Scenario, rows: Iterable[tuple[str, str, dt.date, float]]) -> pd.DataFrame:
    """An allocation lines table: (lot, association, day, kg) → all columns the allocation gives."""
    records = []
    for lot_id, assoc_id, day, kg in rows:
        lt = sc.lot_by_id[lot_id]
        records.append(
            {
                "lot": lot_id,
                "association": assoc_id,
                "day": day,
                "kg": kg,
                "units": int(kg // lt.unit_kg),
                "site": lt.site,
                "category": lt.category,
                "temperature": lt.temperature.value,
                "value_eur": kg * lt.value_eur_kg,
                "price_eur": kg * lt.price_eur_kg,
                "collects": sc.association_by_id[assoc_id].collects,
            }
        )
    return pd.DataFrame(records)
