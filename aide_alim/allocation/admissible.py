"""Which lot can go to which association on which day, and why not.

A lot ``l`` is *admissible* for an association ``a`` when every hard limit that does not depend
on the other lots holds:

1. ``out_of_reach``: the straight-line distance site → association is at most
   ``logistics.reach_km``;
2. ``refused_everywhere``: the association does not refuse the lot's category;
3. ``no_cold_storage`` (chilled or frozen lot) / ``storage_full`` (ambient lot): the association
   has free storage of the lot's temperature class for at least one carton (``unit_kg``);
4. ``dlc_before_open_day`` / ``no_open_day``: some day of the week is an open day of the
   association, on or after the day the lot can be picked up at its site (``available``, on a
   day the site is open; in the ``direct`` model pickup and delivery happen the same day) and on
   or before its DLC ``use_by``; the reason is ``dlc_before_open_day`` when the DLC is what rules
   the days out, ``no_open_day`` otherwise (e.g. a lot available on Saturday);
5. ``no_vehicle``: the association collects at the hub itself, or a vehicle (a refrigerated one
   for chilled and frozen lots) works on one of those days;
6. ``budget_exhausted``: a lot that is sold can be paid for one carton by the association's
   ``budget_eur`` (policy ``budget = "association"``) or by the collective fund.

**Day limits.** ``day_capacity_kg`` / ``day_cold_capacity_kg`` start as one full load per
vehicle working that day (all vehicles / refrigerated ones). ``day_limits`` (see
:func:`admissibility`) can only lower them, e.g. when the rounds of a previous try could not
carry what was allocated that day (:mod:`aide_alim.planning`); which days have a vehicle at all
(check 5) is still decided by the fleet, so a day limited to 0 kg leaves the food unallocated
with reason ``vehicle_capacity`` rather than ``no_vehicle``.

The checks are applied in this order; a lot that is admissible nowhere gets, as its unallocated
reason, the first check after which no association is left. Everything is vectorised over
associations (one numpy pass per chunk of lots), so a national scenario of 20,000 lots ×
2,000 associations takes about a second. The result is sparse: one row per admissible pair,
with the bit mask of its possible delivery days (bit ``i`` = ``week_start + i`` days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from aide_alim.errors import AideAlimError
from aide_alim.geo import haversine_km
from aide_alim.scenario.model import Day, Lot, Scenario, Temperature

DeliveryDays = Mapping[tuple[str, bool], int]
"""Planned delivery visits: (association id, cold) → bit mask of the weekdays a vehicle of that
class visits it (see :mod:`aide_alim.planning`); an association that does not collect and is
not listed for a class gets no delivery of that class."""

CollectionDays = Mapping[tuple[str, bool], int]
"""Planned collection visits: (site id, cold) → bit mask of the weekdays a vehicle of that
class collects there; a lot of a listed site and class can then only be delivered on or after
its first planned collection from its availability on (the same day in the ``direct`` model).
Sites or classes not listed are not limited."""

DayLimits = Mapping[dt.date, tuple[float, float]] | Mapping[Day, tuple[float, float]]
"""Delivery limits per day: date (or weekday) → (total kg, refrigerated kg) the vehicles may
deliver that day; ``inf`` leaves a limit as the fleet makes it."""

#: Unallocated reasons: stable code → French label for documents.
REASONS_FR: dict[str, str] = {
    "out_of_reach": "aucune association à portée du site",
    "refused_everywhere": "catégorie refusée par toutes les associations à portée",
    "no_cold_storage": "aucune association n'a de stockage froid disponible",
    "storage_full": "stockage plein chez toutes les associations possibles",
    "dlc_before_open_day": "DLC dépassée avant tout jour d'ouverture",
    "no_open_day": "aucun jour d'ouverture possible cette semaine",
    "no_vehicle": "aucun véhicule (frigorifique pour le froid) ces jours-là",
    "budget_exhausted": "budget épuisé chez toutes les associations possibles",
    "vehicle_capacity": "capacité des véhicules atteinte ces jours-là",
    "vehicle_full": "véhicules de la bonne température complets ces jours-là",
    "no_visit_planned": (
        "pas de livraison prévue ce jour-là chez les associations qui peuvent le prendre "
        "(temps du véhicule gardé pour les moins bien servies)"
    ),
    "no_round": "aucune tournée ne peut l'acheminer (horaires, itinéraire ou fournisseur)",
    "split_limit": "lot déjà partagé entre le nombre maximal d'associations",
    "below_min_delivery": "reste inférieur à la quantité minimale utile",
    "deviation_cap": "part proportionnelle atteinte (plafond d'écart)",
    "category_balance": "équilibre par catégorie atteint",
    "rule": "non attribué par la règle choisie",
}

_ALL_DAYS = 0x7F
_CHUNK = 1024


def day_mask(days: frozenset[Day] | set[Day]) -> int:
    """Bit mask of weekdays (bit 0 = Monday)."""
    mask = 0
    for d in days:
        mask |= 1 << int(d)
    return mask


def days_of(mask: int) -> list[int]:
    """Weekday numbers set in ``mask``, in order."""
    return [i for i in range(7) if mask >> i & 1]


@dataclass(frozen=True)
class Admissibility:
    """Admissible (lot, association) pairs of a scenario, with the arrays the models share.

    Lot arrays are in ``scenario.lots`` order, association arrays in ``scenario.associations``
    order. Pair arrays (``pair_*``) are sorted by lot then association.
    """

    pair_lot: np.ndarray  #: lot index of each pair (int64)
    pair_assoc: np.ndarray  #: association index of each pair (int64)
    pair_days: np.ndarray  #: bit mask of possible delivery days (uint8)
    pair_km: np.ndarray  #: delivery distance for the logistics tie-break [km]
    pair_past_ddm: np.ndarray  #: True if every possible day is after the lot's DDM
    lot_reason: np.ndarray  #: unallocated reason of lots admissible nowhere, else "" (object)
    lot_temp: np.ndarray  #: 0 ambient, 1 chilled, 2 frozen (int64)
    lot_kg: np.ndarray  #: [kg]
    lot_unit_kg: np.ndarray  #: carton weight [kg]
    lot_price: np.ndarray  #: price paid by the association or the fund [€/kg]
    lot_value: np.ndarray  #: market value [€/kg]
    lot_basis: np.ndarray  #: amount per kg in the policy's basis (1, €/kg or meals/kg)
    lot_window: np.ndarray  #: days the lot can be delivered (before association filters)
    lot_dlc_order: np.ndarray  #: sort key: DLC as days after week start (large if none)
    assoc_need: np.ndarray  #: weekly need in the basis
    assoc_other: np.ndarray  #: other supply in the basis
    assoc_storage: np.ndarray  #: free storage [kg], shape (A, 3) by temperature
    assoc_budget: np.ndarray  #: [€]
    assoc_collects: np.ndarray  #: bool
    day_capacity_kg: np.ndarray  #: per weekday, total capacity of vehicles working [kg]
    day_cold_capacity_kg: np.ndarray  #: per weekday, refrigerated capacity [kg]

    @property
    def n_pairs(self) -> int:
        return int(self.pair_lot.size)

    def lot_slices(self) -> np.ndarray:
        """``starts`` such that the pairs of lot ``l`` are ``starts[l]:starts[l + 1]``."""
        return np.searchsorted(self.pair_lot, np.arange(self.lot_kg.size + 1))


TEMPS: tuple[Temperature, ...] = (Temperature.AMBIENT, Temperature.CHILLED, Temperature.FROZEN)
_TEMP_INDEX = {t: i for i, t in enumerate(TEMPS)}


def _lot_window(scenario: Scenario, lot: Lot, week: list[dt.date]) -> tuple[int, bool]:
    """Delivery-day mask of a lot and whether its DLC is what empties it."""
    site = scenario.site_by_id.get(lot.site)
    site_days = day_mask(site.open_days) if site is not None else _ALL_DAYS
    direct = scenario.logistics.model == "direct"
    mask_no_dlc = 0
    mask = 0
    picked = False
    for i, date in enumerate(week):
        if date < lot.available:
            continue
        site_open = bool(site_days >> i & 1)
        picked = picked or site_open or lot.available < week[0]
        can = site_open if direct else picked
        if not can:
            continue
        mask_no_dlc |= 1 << i
        if lot.use_by is None or date <= lot.use_by:
            mask |= 1 << i
    return mask, mask_no_dlc != mask


def _after_collection(scenario: Scenario, planned: CollectionDays) -> np.ndarray:
    """Per lot, the delivery days a planned collection allows (all days if not planned)."""
    direct = scenario.logistics.model == "direct"
    out = np.full(len(scenario.lots), _ALL_DAYS, dtype=np.uint8)
    for i, lot in enumerate(scenario.lots):
        mask = planned.get((lot.site, lot.temperature.needs_cold))
        if mask is None or (lot.site == scenario.hub and not direct):
            continue
        first = max((lot.available - scenario.week_start).days, 0)
        allowed = 0
        for c in range(first, 7):
            if mask >> c & 1:
                allowed |= (1 << c) if direct else (_ALL_DAYS & ~((1 << c) - 1))
        out[i] = allowed
    return out


def _apply_day_limits(
    scenario: Scenario, limits: DayLimits, day_cap: np.ndarray, day_cold: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``day_cap`` and ``day_cold`` lowered to ``limits`` [kg] (cold never above total)."""
    day_cap, day_cold = day_cap.copy(), day_cold.copy()
    items: list[tuple[object, tuple[float, float]]] = list(limits.items())
    for key, pair in items:
        if isinstance(key, Day):
            i = int(key)
        elif isinstance(key, dt.date):
            i = (key - scenario.week_start).days
            if not 0 <= i < 7:
                raise AideAlimError(
                    f"day_limits: {key} is not in the week starting {scenario.week_start}."
                )
        else:
            raise AideAlimError(f"day_limits: expected a date or a Day as key, got {key!r}.")
        total, cold = (float(x) for x in pair)
        if not (total >= 0 and cold >= 0):  # also rejects NaN
            raise AideAlimError(
                f"day_limits[{key}]: expected (total kg, cold kg) >= 0, got {pair!r}."
            )
        day_cap[i] = min(day_cap[i], total)
        day_cold[i] = min(day_cold[i], cold, day_cap[i])
    return day_cap, day_cold


def admissibility(
    scenario: Scenario,
    day_limits: DayLimits | None = None,
    delivery_days: DeliveryDays | None = None,
    collection_days: CollectionDays | None = None,
) -> Admissibility:
    """Admissible pairs and, for lots admissible nowhere, the reason (see module docstring).

    ``day_limits`` lowers the per-day delivery capacities (never raises them; see
    :data:`DayLimits`); ``delivery_days`` keeps only the planned delivery visits of the
    associations that do not collect (see :data:`DeliveryDays`; reason ``vehicle_capacity``
    for a lot left with no visit); ``collection_days`` keeps only the delivery days that follow
    a planned collection (see :data:`CollectionDays`).
    """
    lots, assocs = scenario.lots, scenario.associations
    policy = scenario.policy
    week = [scenario.week_start + dt.timedelta(days=i) for i in range(7)]
    n_lots, n_assoc = len(lots), len(assocs)

    a_lat = np.array([a.lat for a in assocs], dtype=float)
    a_lon = np.array([a.lon for a in assocs], dtype=float)
    storage = np.array(
        [[a.dry_kg, a.chilled_kg, a.frozen_kg] for a in assocs], dtype=float
    ).reshape(n_assoc, 3)
    budget = np.array([a.budget_eur for a in assocs], dtype=float)
    collects = np.array([a.collects for a in assocs], dtype=bool)
    open_mask = np.array([day_mask(a.open_days) for a in assocs], dtype=np.uint8)
    categories = sorted({lot.category for lot in lots} | {c for a in assocs for c in a.refuses})
    cat_index = {c: i for i, c in enumerate(categories)}
    refuses = np.zeros((n_assoc, max(len(categories), 1)), dtype=bool)
    for i, a in enumerate(assocs):
        for c in a.refuses:
            refuses[i, cat_index[c]] = True

    day_cap = np.zeros(7)
    day_cold = np.zeros(7)
    for v in scenario.vehicles:
        for d in v.days:
            day_cap[int(d)] += v.capacity_kg
            if v.refrigerated:
                day_cold[int(d)] += v.capacity_kg
    veh_mask = (
        int(sum(1 << i for i in range(7) if day_cap[i] > 0)),
        int(sum(1 << i for i in range(7) if day_cold[i] > 0)),
    )

    if delivery_days is not None:
        # Planned visits: the planning model has weighed the vehicles' time, and the rounds
        # reload at the hub, so one load per vehicle and day is no longer the limit.
        day_cap = np.where(day_cap > 0, np.inf, 0.0)
        day_cold = np.where(day_cold > 0, np.inf, 0.0)
    if day_limits:
        day_cap, day_cold = _apply_day_limits(scenario, day_limits, day_cap, day_cold)
    planned = np.full((n_assoc, 2), _ALL_DAYS, dtype=np.uint8)
    if delivery_days is not None:
        planned[:] = 0
        index = {a.id: i for i, a in enumerate(assocs)}
        for (assoc_id, cold), weekdays in delivery_days.items():
            if assoc_id in index:
                planned[index[assoc_id], int(bool(cold))] = weekdays & _ALL_DAYS

    hub = scenario.site_by_id.get(scenario.hub)
    direct = scenario.logistics.model == "direct" or hub is None
    if not direct and hub is not None:
        hub_km = haversine_km(np.array(hub.lat), np.array(hub.lon), a_lat, a_lon)

    lot_temp = np.array([_TEMP_INDEX[lot.temperature] for lot in lots], dtype=np.int64)
    lot_kg = np.array([lot.kg for lot in lots], dtype=float)
    lot_unit = np.array([min(lot.unit_kg, lot.kg) if lot.kg > 0 else 1.0 for lot in lots])
    lot_price = np.array([lot.price_eur_kg for lot in lots], dtype=float)
    lot_value = np.array([lot.value_eur_kg for lot in lots], dtype=float)
    lot_basis = np.array([scenario.amount(lot, 1.0) for lot in lots], dtype=float)
    lot_cat = np.array([cat_index[lot.category] for lot in lots], dtype=np.int64)
    windows = [_lot_window(scenario, lot, week) for lot in lots]
    lot_window = np.array([w for w, _ in windows], dtype=np.uint8)
    if collection_days:
        lot_window = lot_window & _after_collection(scenario, collection_days)
    lot_dlc_cut = np.array([c for _, c in windows], dtype=bool)
    big = 10_000
    lot_dlc = np.array(
        [big if lot.use_by is None else (lot.use_by - week[0]).days for lot in lots],
        dtype=np.int64,
    )
    lot_ddm = np.array(
        [big if lot.best_before is None else (lot.best_before - week[0]).days for lot in lots],
        dtype=np.int64,
    )
    sites = scenario.site_by_id
    lot_lat = np.array([sites[lot.site].lat if lot.site in sites else np.nan for lot in lots])
    lot_lon = np.array([sites[lot.site].lon if lot.site in sites else np.nan for lot in lots])
    collective = np.full(n_assoc, policy.collective_fund_eur)
    pay = budget if policy.budget == "association" else collective

    reasons = np.full(n_lots, "", dtype=object)
    out_lot: list[np.ndarray] = []
    out_assoc: list[np.ndarray] = []
    out_days: list[np.ndarray] = []
    out_km: list[np.ndarray] = []
    out_ddm: list[np.ndarray] = []
    reach = scenario.logistics.reach_km
    bits = (1 << np.arange(7)).astype(np.uint8)
    for start in range(0, n_lots, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n_lots))
        dist = haversine_km(lot_lat[sl, None], lot_lon[sl, None], a_lat[None, :], a_lon[None, :])
        ok = dist <= reach
        steps = [("out_of_reach", ok.copy())]
        ok &= ~refuses[:, lot_cat[sl]].T
        steps.append(("refused_everywhere", ok.copy()))
        temps = lot_temp[sl]
        unit = lot_unit[sl]
        ok &= unit[:, None] - 1e-9 <= storage[:, temps].T
        steps.append(("storage", ok.copy()))
        days = lot_window[sl, None] & open_mask[None, :]
        ok &= days != 0
        steps.append(("days", ok.copy()))
        vmask = np.where(temps > 0, veh_mask[1], veh_mask[0]).astype(np.uint8)
        days = np.where(collects[None, :], days, days & vmask[:, None])
        ok &= days != 0
        steps.append(("no_vehicle", ok.copy()))
        if delivery_days is not None:
            visits = planned[:, (temps > 0).astype(np.int64)].T
            days = np.where(collects[None, :], days, days & visits)
            ok &= days != 0
            steps.append(("vehicle_capacity", ok.copy()))
        sold = lot_price[sl] > 0
        afford = pay[None, :] >= (lot_price[sl] * unit)[:, None] - 1e-9
        ok &= ~sold[:, None] | afford
        steps.append(("budget_exhausted", ok.copy()))

        none_left = ~ok.any(axis=1)
        for local in np.flatnonzero(none_left):
            lot_i = start + local
            for name, mask in steps:
                if not mask[local].any():
                    if name == "storage":
                        name = "no_cold_storage" if temps[local] > 0 else "storage_full"
                    elif name == "days":
                        name = "dlc_before_open_day" if lot_dlc_cut[lot_i] else "no_open_day"
                    reasons[lot_i] = name
                    break
        li, ai = np.nonzero(ok)
        pair_days = days[li, ai].astype(np.uint8)
        out_lot.append(li + start)
        out_assoc.append(ai)
        out_days.append(pair_days)
        out_km.append(dist[li, ai] if direct else hub_km[ai])
        # Past DDM: every possible day is after the best-before date.
        ddm = lot_ddm[sl][li]
        first_day = np.argmax((pair_days[:, None] & bits[None, :]) != 0, axis=1)
        out_ddm.append(first_day > ddm)

    def cat(parts: list[np.ndarray], dtype: type | np.dtype) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    need = np.array([scenario.need(a) for a in assocs], dtype=float)
    other = np.array([scenario.other_supply(a) for a in assocs], dtype=float)
    return Admissibility(
        pair_lot=cat(out_lot, np.int64),
        pair_assoc=cat(out_assoc, np.int64),
        pair_days=cat(out_days, np.uint8),
        pair_km=cat(out_km, float),
        pair_past_ddm=cat(out_ddm, bool),
        lot_reason=reasons,
        lot_temp=lot_temp,
        lot_kg=lot_kg,
        lot_unit_kg=lot_unit,
        lot_price=lot_price,
        lot_value=lot_value,
        lot_basis=lot_basis,
        lot_window=lot_window,
        lot_dlc_order=lot_dlc,
        assoc_need=need,
        assoc_other=other,
        assoc_storage=storage,
        assoc_budget=budget,
        assoc_collects=collects,
        day_capacity_kg=day_cap,
        day_cold_capacity_kg=day_cold,
    )
