"""The carton repair: the continuous LP allocation turned into whole cartons.

:func:`repair` hands out the cartons through the
:class:`~aide_alim.allocation.carton_ledger.Ledger`, so every limit holds: per line, the whole
cartons below the LP quantity, largest lines first; then the cartons left over go,
water-filling, to the admissible association with the lowest fill ratio that can still take
them (:func:`greedy_repair`). Floors lose up to a carton per line, so
:func:`~aide_alim.allocation.raise_worst.raise_worst` then moves cartons to the worst-off from
associations that stay above it, and :func:`~aide_alim.allocation.recipients.fill_up` hands out
what is left without lowering the minimum. When the split limit still keeps cartons at the
hub, the repair is run again with those lots' recipients chosen so that they can take the lot
(:func:`~aide_alim.allocation.recipients.choose_recipients`) and, on small scenarios, from an
exact max-min MIP with the split limit and the minimum delivery
(:mod:`~aide_alim.allocation.split_mip`); the fairest result, then the one that leaves the least
food, is kept. Last, :func:`~aide_alim.allocation.recipients.repack_budgets` hands out cartons
of sold lots that budgets keep at the hub (each line's floor leaves the money for no further
carton of a dear lot) by re-packing what the associations buy, never dropping anyone to the
worst-off level.
"""

from __future__ import annotations

import numpy as np

from aide_alim.allocation.carton_ledger import Ledger
from aide_alim.allocation.raise_worst import raise_worst
from aide_alim.allocation.recipients import choose_recipients, fill_up, repack_budgets
from aide_alim.allocation.split_mip import split_mip

_EPS = 1e-6


def repair(
    ledger: Ledger,
    pair_index: np.ndarray,
    target_kg: np.ndarray,
    preferred_day: np.ndarray | None = None,
) -> None:
    """Hand out whole cartons close to a continuous allocation, keeping its fairness.

    ``pair_index`` indexes the admissible pairs, ``target_kg`` is the LP quantity of each.
    ``preferred_day`` (weekday or -1) restricts a line to the LP's day when the model had days.

    First the greedy rounding (:func:`greedy_repair`: floors, then water-filling); then
    :func:`raise_worst` moves cartons, one lot at a time, to the worst-off association from
    associations that stay above it, until no such move exists; then
    :func:`~aide_alim.allocation.recipients.fill_up` hands out what is left without lowering
    the minimum. If some lots still have cartons left with all their recipients taken by the
    split limit, the three steps are run again with those lots' recipients chosen by
    :func:`~aide_alim.allocation.recipients.choose_recipients`, and that run is kept if its
    minimum fill ratio is no lower and it distributes more. Last,
    :func:`~aide_alim.allocation.recipients.repack_budgets` re-packs budgets for sold lots
    still at the hub.
    """
    first = ledger.clone()
    _repair_once(first, pair_index, target_kg, preferred_day, None)
    adm = ledger.adm
    stuck = (first.cartons_left > 0) & (adm.lot_reason == "")
    stuck &= np.array([len(r) >= first.policy.max_split for r in first.recipients], dtype=bool)
    best = first
    if stuck.any():
        exact = split_mip(ledger)
        if exact is not None:
            second = ledger.clone()
            _repair_once(second, exact.pair_index, exact.kg, None, None)
            if _better(second, best):
                best = second
        second = ledger.clone()
        _repair_once(second, pair_index, target_kg, preferred_day, stuck)
        if _better(second, best):
            best = second
    ledger.assign(best)
    repack_budgets(ledger)


def _repair_once(
    ledger: Ledger,
    pair_index: np.ndarray,
    target_kg: np.ndarray,
    preferred_day: np.ndarray | None,
    choose: np.ndarray | None,
) -> None:
    greedy_repair(ledger, pair_index, target_kg, preferred_day, choose)
    raise_worst(ledger)
    fill_up(ledger)


def _better(new: Ledger, old: Ledger) -> bool:
    """True if ``new`` has a higher minimum fill ratio than ``old``, or the same and leaves
    less food."""
    counted = new.adm.assoc_need > 0
    if counted.any():
        gain = np.nanmin(new.fill()[counted]) - np.nanmin(old.fill()[counted])
        if abs(gain) > 1e-9:
            return bool(gain > 0)
    return float(new.kg_left.sum()) < float(old.kg_left.sum()) - _EPS


def greedy_repair(
    ledger: Ledger,
    pair_index: np.ndarray,
    target_kg: np.ndarray,
    preferred_day: np.ndarray | None = None,
    choose: np.ndarray | None = None,
) -> None:
    """Per line, the whole cartons below the LP quantity (largest lines first), then the
    cartons left over water-filled to the lowest-filled associations that can take them.

    ``choose`` (bool per lot): lots whose recipients are first chosen with
    :func:`~aide_alim.allocation.recipients.choose_recipients`, so that they can take the lot.
    """
    adm = ledger.adm
    lots = adm.pair_lot[pair_index]
    order = np.lexsort((-target_kg, adm.lot_dlc_order[lots]))
    # each lot's lines, largest first, to choose its recipients when the split limit binds
    by_lot = np.lexsort((-target_kg, lots))
    bounds = np.searchsorted(lots[by_lot], np.arange(adm.lot_kg.size + 1))
    seen = np.ones(adm.lot_kg.size, dtype=bool) if choose is None else ~choose
    done = np.zeros(adm.lot_kg.size, dtype=bool)  # lot handed out to its chosen recipients
    for i in order.tolist():
        lot = int(lots[i])
        if not seen[lot]:
            seen[lot] = True
            group = by_lot[bounds[lot] : bounds[lot + 1]]
            choice = choose_recipients(ledger, lot, pair_index[group], target_kg[group])
            if choice is not None:
                done[lot] = True
                kept, extra, extra_kg = choice
                for k in group[kept].tolist():
                    _give_floor(ledger, lot, k, pair_index, target_kg, preferred_day)
                for p, kg in zip(extra.tolist(), extra_kg.tolist(), strict=True):
                    days = int(adm.pair_days[p])
                    ledger.give(lot, int(adm.pair_assoc[p]), days, _floor(ledger, lot, kg))
        if not done[lot]:
            _give_floor(ledger, lot, i, pair_index, target_kg, preferred_day)
    _fill_leftovers(ledger)


def _floor(ledger: Ledger, lot: int, kg: float) -> int:
    """Whole cartons of ``lot`` below ``kg`` (all that is left when ``kg`` covers it)."""
    if kg >= ledger.kg_left[lot] - _EPS:
        return int(ledger.cartons_left[lot])
    return int((kg + _EPS) // ledger.adm.lot_unit_kg[lot])


def _give_floor(
    ledger: Ledger,
    lot: int,
    i: int,
    pair_index: np.ndarray,
    target_kg: np.ndarray,
    preferred_day: np.ndarray | None,
) -> None:
    """Give LP line ``i`` of ``lot`` the whole cartons below its quantity."""
    if ledger.cartons_left[lot] <= 0:
        return
    cartons = _floor(ledger, lot, float(target_kg[i]))
    if cartons > 0:
        p = int(pair_index[i])
        ledger.give(lot, int(ledger.adm.pair_assoc[p]), _days(ledger, i, p, preferred_day), cartons)


def _days(ledger: Ledger, i: int, p: int, preferred_day: np.ndarray | None) -> int:
    """Day mask of LP line ``i`` (pair ``p``): the LP's day when it had one."""
    days = int(ledger.adm.pair_days[p])
    if preferred_day is not None and preferred_day[i] >= 0 and days >> preferred_day[i] & 1:
        days = 1 << int(preferred_day[i])
    return days


def _fill_leftovers(ledger: Ledger) -> None:
    adm = ledger.adm
    for lot in np.argsort(adm.lot_dlc_order, kind="stable"):
        if ledger.cartons_left[lot] > 0 and not adm.lot_reason[lot]:
            ledger.water_fill(int(lot))
