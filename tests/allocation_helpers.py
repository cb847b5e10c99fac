"""Tiny scenarios for the allocation tests, built in Python (week 2020-W41: Mon 5 Oct 2020)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.model import (
    Association,
    Day,
    Logistics,
    Lot,
    Policy,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
    Vehicle,
)

MON = dt.date(2020, 10, 5)
ALL_WEEK = frozenset({Day.MON, Day.TUE, Day.WED, Day.THU, Day.FRI})


def day(offset: int) -> dt.date:
    """Date ``offset`` days after Monday 5 October 2020."""
    return MON + dt.timedelta(days=offset)


def association(aid: str, need_kg: float, **changes: Any) -> Association:
    """An association in Dijon with ``need_kg`` beneficiaries (ration 1 kg in :func:`scenario`),
    500 kg of every storage, open every weekday, no budget."""
    fields: dict[str, Any] = dict(
        id=aid,
        name=f"Association {aid}",
        kind="épicerie sociale",
        commune="21231",
        lat=47.32,
        lon=5.04,
        beneficiaries=int(need_kg),
        dry_kg=500.0,
        chilled_kg=500.0,
        frozen_kg=500.0,
        open_days=ALL_WEEK,
        receive_window=TimeWindow(540, 720),
    )
    fields.update(changes)
    return Association(**fields)


def lot(lid: str, kg: float, **changes: Any) -> Lot:
    """A donated ambient lot of pasta at the hub, 1-kg cartons, available Monday."""
    fields: dict[str, Any] = dict(
        id=lid,
        site="hub",
        product="Pâtes",
        category="epicerie_seche",
        temperature=Temperature.AMBIENT,
        kg=kg,
        unit_kg=1.0,
        price_eur_kg=0.0,
        value_eur_kg=2.5,
        available=MON,
    )
    fields.update(changes)
    return Lot(**fields)


def van(vid: str = "V1", capacity_kg: float = 5000, refrigerated: bool = True, **changes: Any):
    return Vehicle(
        id=vid, depot="hub", capacity_kg=capacity_kg, refrigerated=refrigerated, **changes
    )


def scenario(
    associations: list[Association],
    lots: list[Lot],
    *,
    vehicles: list[Vehicle] | None = None,
    **policy: Any,
) -> Scenario:
    """A one-week scenario with a hub in Dijon; ``policy`` fields override the defaults
    (ration 1 kg per beneficiary, minimum delivery 0 kg)."""
    settings: dict[str, Any] = {"ration_kg": 1.0, "min_delivery_kg": 0.0}
    settings.update(policy)
    return Scenario(
        name="test",
        week="2020-W41",
        hub="hub",
        associations=tuple(associations),
        sites=(Site("hub", "Plateforme", SiteKind.HUB, 47.322, 5.042),),
        lots=tuple(lots),
        vehicles=tuple([van()] if vehicles is None else vehicles),
        categories=DEFAULT_CATEGORIES,
        policy=Policy(**settings),
        logistics=Logistics(),
    )
