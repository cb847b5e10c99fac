"""An offer found by the prospection (action 3.1), before anyone decides to take it.

An :class:`Offer` is what the prospector writes down while the supplier is on the phone: who
offers (a site of the week, or a new supplier with its coordinates), what, how much, at what
price (0 = a donation), from when, until when (DLC / DDM), and the supplier's conditions (collect
before a date, take at least a quantity). :func:`with_offers` turns offers into lots (and new
suppliers into sites) of a variant of the week, so that the allocation and the rounds see them as
they would see any lot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from aide_alim.scenario.model import (
    WORKING_DAYS,
    Day,
    Lot,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
)

OPENING_HOURS = TimeWindow(8 * 60, 18 * 60)
"""Opening hours of a new supplier when none are given (those of a site by default)."""


@dataclass(frozen=True, slots=True)
class Supplier:
    """Where an offer is collected: a site of the week (``is_new`` false) or a new address."""

    id: str
    name: str
    lat: float
    lon: float
    is_new: bool = False
    open_days: frozenset[Day] = WORKING_DAYS
    window: TimeWindow = OPENING_HOURS
    address: str = ""

    def site(self) -> Site:
        """The supplier as a site of the scenario."""
        return Site(
            self.id,
            self.name,
            SiteKind.SUPPLIER,
            self.lat,
            self.lon,
            self.open_days,
            self.window,
            self.address,
        )


@dataclass(frozen=True, slots=True)
class Offer:
    """One offer of food (or hygiene products) to the associations.

    - ``kg`` offered, ``unit_kg`` the carton; ``price_eur_kg`` 0 for a donation;
      ``value_eur_kg`` the market value (the category's by default);
    - ``available`` the first day it can be collected; ``use_by`` the DLC (hard limit),
      ``best_before`` the DDM (soft limit);
    - conditions: ``collect_by`` the last day the supplier lets it be collected (``None``: no
      limit but the DLC), ``min_kg`` the least quantity the supplier accepts to part with;
    - ``received`` the day the offer was made (``None``: the day it is recorded).
    """

    id: str
    supplier: Supplier
    product: str
    category: str
    temperature: Temperature
    kg: float
    unit_kg: float
    price_eur_kg: float
    value_eur_kg: float
    available: dt.date
    use_by: dt.date | None = None
    best_before: dt.date | None = None
    collect_by: dt.date | None = None
    min_kg: float = 0.0
    received: dt.date | None = None

    @property
    def is_donation(self) -> bool:
        return self.price_eur_kg == 0

    @property
    def value_eur(self) -> float:
        """Market value of the whole offer [€]."""
        return self.kg * self.value_eur_kg

    @property
    def cost_eur(self) -> float:
        """Price of the whole offer [€] (0 for a donation)."""
        return self.kg * self.price_eur_kg

    @property
    def last_collection(self) -> dt.date | None:
        """The last day it can be collected: the earlier of ``collect_by`` and the DLC."""
        dates = [d for d in (self.collect_by, self.use_by) if d is not None]
        return min(dates) if dates else None

    def lot(self, kg: float | None = None) -> Lot:
        """The offer as a lot of the week (its id is the offer's), ``kg`` of it (all by default)."""
        return Lot(
            id=self.id,
            site=self.supplier.id,
            product=self.product,
            category=self.category,
            temperature=self.temperature,
            kg=self.kg if kg is None else kg,
            unit_kg=self.unit_kg,
            price_eur_kg=self.price_eur_kg,
            value_eur_kg=self.value_eur_kg,
            available=self.available,
            use_by=self.use_by,
            best_before=self.best_before,
        )


def with_offers(scenario: Scenario, offers: Iterable[Offer]) -> Scenario:
    """The week with ``offers`` added as lots, and their new suppliers as sites."""
    offers = list(offers)
    known = set(scenario.site_by_id)
    sites = list(scenario.sites)
    for offer in offers:
        if offer.supplier.id not in known:
            sites.append(offer.supplier.site())
            known.add(offer.supplier.id)
    lots = scenario.lots + tuple(offer.lot() for offer in offers)
    return scenario.replace(sites=tuple(sites), lots=lots)
