"""Whole cartons under every limit: the ledger that hands lots out, and the LP repair.

Every rule ends here. The :class:`Ledger` holds what is left of each limit (storage per
association × temperature class [kg], budget [€] per association or the collective fund, vehicle
capacity per day [kg] and its refrigerated part, cartons left in each lot, recipients of each lot)
and hands out whole cartons only when all limits allow it:

- a lot is split into ``ceil(kg / unit_kg)`` cartons, the last one possibly partial;
- a new recipient of a lot must get at least ``min(policy.min_delivery_kg, lot kg)`` (a lot
  smaller than the minimum may still go whole), and a lot goes to at most ``policy.max_split``
  associations;
- each line is delivered on one day: an open day of the association within the lot's window
  where a vehicle (refrigerated for cold lots) still has room, or any possible day if the
  association collects at the hub. Days already used by the association are preferred, so its
  lots arrive together (fewer stops), then the earliest (freshest) day. One load per vehicle and
  day is counted: a conservative bound that keeps the rounds that follow feasible.

:func:`repair` turns the continuous LP allocation into cartons: per line, the whole cartons
below the LP quantity, largest lines first; then the cartons left over go, water-filling, to the
admissible association with the lowest fill ratio that can still take them. Floors lose up to
a carton per line, so an association with many small lines can end well below the LP level;
:func:`raise_worst` then moves cartons (single moves, whole lines under the split limit or the
minimum delivery, and swaps of two lots between two associations) to the worst-off from
associations that stay above it, until it cannot be raised (on the Dijon week it raised the
leximin minimum from 0.768 to 0.829 against an LP level of 0.836);
:func:`~aide_alim.allocation.recipients.fill_up` then hands out what is left without lowering
the minimum. When the split limit still keeps cartons at the
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

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

import numpy as np

from aide_alim.allocation.admissible import Admissibility
from aide_alim.allocation.recipients import choose_recipients, fill_up, repack_budgets
from aide_alim.allocation.split_mip import split_mip
from aide_alim.scenario.model import Policy

_EPS = 1e-6
_BITS = np.array([1 << i for i in range(7)], dtype=np.uint8)


@dataclass
class Ledger:
    """Remaining limits while cartons are handed out (see module docstring)."""

    adm: Admissibility
    policy: Policy
    storage: np.ndarray = field(init=False)
    budget: np.ndarray = field(init=False)
    fund: float = field(init=False)
    day_cap: np.ndarray = field(init=False)
    day_cold: np.ndarray = field(init=False)
    cartons_left: np.ndarray = field(init=False)
    kg_left: np.ndarray = field(init=False)
    recipients: list[set[int]] = field(init=False)
    received: np.ndarray = field(init=False)  #: per association, in the policy's basis
    days_used: np.ndarray = field(init=False)
    lines: list[tuple[int, int, int, int, float]] = field(init=False)
    starts: np.ndarray = field(init=False)
    #: most an association may receive, in the basis (the proportional rule's cap)
    ceiling: np.ndarray | None = None
    #: lot index → unallocated reason that :meth:`reason_left` returns as is (lines rebuilt
    #: after the rounds, see :func:`aide_alim.allocation.core.without_kg`)
    reason_override: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        adm = self.adm
        self.storage = adm.assoc_storage.copy()
        self.budget = adm.assoc_budget.copy()
        self.fund = self.policy.collective_fund_eur
        self.day_cap = adm.day_capacity_kg.copy()
        self.day_cold = adm.day_cold_capacity_kg.copy()
        unit = adm.lot_unit_kg
        self.cartons_left = np.ceil(adm.lot_kg / unit - 1e-9).astype(np.int64)
        self.kg_left = adm.lot_kg.copy()
        self.recipients = [set() for _ in range(adm.lot_kg.size)]
        self.received = np.zeros(adm.assoc_need.size)
        self.days_used = np.zeros(adm.assoc_need.size, dtype=np.uint8)
        self.lines = []
        self.starts = adm.lot_slices()

    def clone(self) -> Ledger:
        """An independent copy (the admissibility and policy are shared, not copied)."""
        other = copy.copy(self)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                setattr(other, f.name, value.copy())
        other.recipients = [set(r) for r in self.recipients]
        other.lines = list(self.lines)
        other.reason_override = dict(self.reason_override)
        return other

    def assign(self, other: Ledger) -> None:
        """Take over the state of ``other`` (a clone of this ledger)."""
        for f in fields(self):
            setattr(self, f.name, getattr(other, f.name))

    # -- quantities -------------------------------------------------------------------------
    def kg_of(self, lot: int, cartons: int) -> float:
        """Weight of ``cartons`` cartons taken from what is left of ``lot`` [kg]."""
        if cartons >= self.cartons_left[lot]:
            return float(self.kg_left[lot])
        return cartons * float(self.adm.lot_unit_kg[lot])

    def _fit(self, lot: int, cap_kg: float) -> int:
        """Most cartons of ``lot`` whose weight fits in ``cap_kg``."""
        left = int(self.cartons_left[lot])
        if self.kg_left[lot] <= cap_kg + _EPS:
            return left
        return min(left - 1, int((cap_kg + _EPS) // self.adm.lot_unit_kg[lot]))

    def min_new_kg(self, lot: int) -> float:
        return min(self.policy.min_delivery_kg, float(self.adm.lot_kg[lot]))

    def fill(self) -> np.ndarray:
        """Current fill ratio of every association (NaN where the need is zero)."""
        need = self.adm.assoc_need
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(need > 0, (self.received + self.adm.assoc_other) / need, np.nan)

    # -- capacity of one pair ---------------------------------------------------------------
    def _day_room(self, lot: int, assoc: int, days: int) -> tuple[int, float]:
        """Best delivery day of a pair and the room left that day [kg] (-1 if none)."""
        adm = self.adm
        if adm.assoc_collects[assoc]:
            used = days & int(self.days_used[assoc])
            pick = used if used else days
            return (pick & -pick).bit_length() - 1, np.inf
        cold = adm.lot_temp[lot] > 0
        room = np.minimum(self.day_cap, self.day_cold) if cold else self.day_cap
        unit = float(adm.lot_unit_kg[lot])
        best, best_room = -1, 0.0
        used = int(self.days_used[assoc])
        for d in range(7):
            if not days >> d & 1 or room[d] < min(unit, self.kg_left[lot]) - _EPS:
                continue
            if best < 0 or (used >> d & 1 and not used >> best & 1):
                best, best_room = d, float(room[d])
        return best, best_room

    def room(self, lot: int, assoc: int, days: int) -> tuple[int, int]:
        """(cartons of ``lot`` that ``assoc`` can still take, delivery day); (0, -1) if none."""
        adm = self.adm
        if self.cartons_left[lot] <= 0:
            return 0, -1
        new = assoc not in self.recipients[lot]
        if new and len(self.recipients[lot]) >= self.policy.max_split:
            return 0, -1
        cap = float(self.storage[assoc, adm.lot_temp[lot]])
        price = float(adm.lot_price[lot])
        if price > 0:
            money = self.budget[assoc] if self.policy.budget == "association" else self.fund
            cap = min(cap, float(money) / price)
        if self.ceiling is not None:
            cap = min(cap, (self.ceiling[assoc] - self.received[assoc]) / adm.lot_basis[lot])
        day, day_room = self._day_room(lot, assoc, days)
        if day < 0:
            return 0, -1
        cartons = self._fit(lot, min(cap, day_room))
        if cartons <= 0 or (new and self.kg_of(lot, cartons) < self.min_new_kg(lot) - _EPS):
            return 0, -1
        return cartons, day

    def give(self, lot: int, assoc: int, days: int, cartons: int) -> float:
        """Give up to ``cartons`` cartons of ``lot`` to ``assoc``; returns the kg given."""
        room, day = self.room(lot, assoc, days)
        cartons = min(cartons, room)
        if cartons <= 0:
            return 0.0
        new = assoc not in self.recipients[lot]
        kg = self.kg_of(lot, cartons)
        if new and kg < self.min_new_kg(lot) - _EPS:
            return 0.0
        adm = self.adm
        self.storage[assoc, adm.lot_temp[lot]] -= kg
        price = float(adm.lot_price[lot])
        if price > 0:
            if self.policy.budget == "association":
                self.budget[assoc] -= kg * price
            else:
                self.fund -= kg * price
        if not adm.assoc_collects[assoc]:
            self.day_cap[day] -= kg
            if adm.lot_temp[lot] > 0:
                self.day_cold[day] -= kg
        self.cartons_left[lot] -= cartons
        self.kg_left[lot] = max(self.kg_left[lot] - kg, 0.0)
        self.recipients[lot].add(assoc)
        self.received[assoc] += kg * adm.lot_basis[lot]
        self.days_used[assoc] |= 1 << day
        self.lines.append((lot, assoc, day, cartons, kg))
        return kg

    def take_back(self, line: int, cartons: int, same_lot: Iterable[int] | None = None) -> float:
        """Take ``cartons`` cartons of ledger line ``line`` back into its lot (undoing
        :meth:`give` for them); returns the kg taken back. A line left empty stays in
        :attr:`lines` with 0 cartons and the association stops being a recipient of the lot
        unless it has another line of it (looked for among ``same_lot``, the indexes of the
        lot's lines, when given)."""
        lot, assoc, day, have, kg = self.lines[line]
        cartons = min(cartons, have)
        if cartons <= 0:
            return 0.0
        unit = float(self.adm.lot_unit_kg[lot])
        # a partial (last) carton stays with the line while it keeps cartons
        back = kg if cartons == have else cartons * unit
        adm = self.adm
        self.storage[assoc, adm.lot_temp[lot]] += back
        price = float(adm.lot_price[lot])
        if price > 0:
            if self.policy.budget == "association":
                self.budget[assoc] += back * price
            else:
                self.fund += back * price
        if not adm.assoc_collects[assoc]:
            self.day_cap[day] += back
            if adm.lot_temp[lot] > 0:
                self.day_cold[day] += back
        self.cartons_left[lot] += cartons
        self.kg_left[lot] += back
        self.received[assoc] -= back * adm.lot_basis[lot]
        self.lines[line] = (lot, assoc, day, have - cartons, kg - back)
        others = (self.lines[k] for k in same_lot) if same_lot is not None else self.lines
        if have == cartons and not any(
            ln[0] == lot and ln[1] == assoc and ln[3] > 0 for ln in others
        ):
            self.recipients[lot].discard(assoc)
        return back

    # -- helpers for rules --------------------------------------------------------------------
    def pairs_of(self, lot: int) -> range:
        return range(int(self.starts[lot]), int(self.starts[lot + 1]))

    def room_kg(self, lot: int, assoc: np.ndarray) -> np.ndarray:
        """Kg of ``lot`` each of ``assoc`` may still take under its storage, its budget (or
        the collective fund) and the rule's ceiling (vans, split limit and cartons aside)."""
        adm = self.adm
        room = self.storage[assoc, adm.lot_temp[lot]].astype(float)
        price = float(adm.lot_price[lot])
        if price > 0:
            money = self.budget[assoc] if self.policy.budget == "association" else self.fund
            room = np.minimum(room, np.asarray(money, dtype=float) / price)
        if self.ceiling is not None:
            room = np.minimum(
                room, (self.ceiling[assoc] - self.received[assoc]) / adm.lot_basis[lot]
            )
        return room

    def candidates(self, lot: int) -> np.ndarray:
        """Pairs of ``lot`` whose association can take at least one more carton (vectorised
        pre-check of storage, budget, day capacity, split limit and minimum delivery)."""
        adm = self.adm
        pairs = np.arange(self.starts[lot], self.starts[lot + 1])
        if pairs.size == 0 or self.cartons_left[lot] <= 0:
            return pairs[:0]
        assoc = adm.pair_assoc[pairs]
        unit = min(float(adm.lot_unit_kg[lot]), float(self.kg_left[lot]))
        new = np.array([a not in self.recipients[lot] for a in assoc.tolist()], dtype=bool)
        room = self.room_kg(lot, assoc)
        need_kg = np.where(new, max(unit, self.min_new_kg(lot)), unit)
        ok = room >= need_kg - _EPS
        if len(self.recipients[lot]) >= self.policy.max_split:
            ok &= ~new
        cold = adm.lot_temp[lot] > 0
        day_room = np.minimum(self.day_cap, self.day_cold) if cold else self.day_cap
        ok_days = int(_BITS[day_room >= unit - _EPS].sum())
        days = adm.pair_days[pairs]
        ok &= adm.assoc_collects[assoc] | ((days & ok_days) != 0)
        return pairs[ok]

    def water_fill(self, lot: int, offset: np.ndarray | None = None) -> None:
        """Give the cartons left of ``lot``, each time to the taker with the lowest fill ratio
        (minus ``offset``, e.g. a past shortfall), enough to reach the next taker's level."""
        adm = self.adm
        pairs = self.candidates(lot)
        while self.cartons_left[lot] > 0 and pairs.size:
            # fill ratio of the takers only (the whole fill() per carton was most of the time)
            assoc = adm.pair_assoc[pairs]
            need = adm.assoc_need[assoc]
            with np.errstate(divide="ignore", invalid="ignore"):
                score = (self.received[assoc] + adm.assoc_other[assoc]) / need
            if offset is not None:
                score = score - offset[assoc]
            score = np.where(need > 0, score, np.inf)
            order = np.argsort(score, kind="stable")
            p = int(pairs[order[0]])
            a = int(adm.pair_assoc[p])
            cartons = int(self.cartons_left[lot])
            if pairs.size > 1 and adm.assoc_need[a] > 0 and np.isfinite(score[order[1]]):
                gap = (score[order[1]] - score[order[0]]) * adm.assoc_need[a]
                gap_kg = gap / adm.lot_basis[lot]
                cartons = max(1, int(gap_kg // adm.lot_unit_kg[lot]))
            if a not in self.recipients[lot]:
                least = int(np.ceil(self.min_new_kg(lot) / adm.lot_unit_kg[lot] - 1e-9))
                cartons = max(cartons, least)
            if self.give(lot, a, int(adm.pair_days[p]), cartons) <= 0:
                pairs = pairs[pairs != p]
            else:
                pairs = self.candidates(lot)

    # -- why a lot's remainder stayed --------------------------------------------------------
    def reason_left(self, lot: int, default: str = "rule") -> str:
        """Why no admissible association can take one more carton of ``lot``."""
        adm = self.adm
        if lot in self.reason_override:
            return self.reason_override[lot]
        if adm.lot_reason[lot]:
            return str(adm.lot_reason[lot])
        blocks: Counter[str] = Counter()
        for p in self.pairs_of(lot):
            a = int(adm.pair_assoc[p])
            blocks[self._block(lot, a, int(adm.pair_days[p]))] += 1
        blocks.pop("", None)
        if not blocks or sum(blocks.values()) < len(self.pairs_of(lot)):
            return default
        for choice in ("split_limit", "below_min_delivery"):
            if choice in blocks:  # someone could have taken it but for this rule
                return choice
        order = list(_BLOCK_ORDER)
        return max(blocks, key=lambda r: (blocks[r], -order.index(r)))

    def _block(self, lot: int, assoc: int, days: int) -> str:
        """The limit that stops ``assoc`` from taking one more carton of ``lot`` ("" if none).

        Physical limits (storage, budget, vans) are checked first; the split limit and the
        minimum delivery only count for associations that nothing else blocks.
        """
        adm = self.adm
        unit = min(float(adm.lot_unit_kg[lot]), float(self.kg_left[lot]))
        new = assoc not in self.recipients[lot]
        if self.storage[assoc, adm.lot_temp[lot]] < unit - _EPS:
            return "storage_full"
        price = float(adm.lot_price[lot])
        money = self.budget[assoc] if self.policy.budget == "association" else self.fund
        if price > 0 and money < price * unit - _EPS:
            return "budget_exhausted"
        if self._day_room(lot, assoc, days)[0] < 0:
            return "vehicle_capacity"
        if new and len(self.recipients[lot]) >= self.policy.max_split:
            return "split_limit"
        if new and self.room(lot, assoc, days)[0] <= 0:
            return "below_min_delivery"
        return ""


_BLOCK_ORDER = (
    "storage_full",
    "budget_exhausted",
    "vehicle_capacity",
    "split_limit",
    "below_min_delivery",
)


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


def raise_worst(ledger: Ledger, max_moves: int | None = None, max_work: int = 40_000) -> int:
    """Local search on whole cartons: while some move strictly raises the worst-off
    association without dropping anyone to or below its level, make it. Returns the moves made.

    A move gives the worst-off association ``a`` cartons of a lot it may receive: cartons
    still left, else cartons taken back from another association ``b``'s line of that lot (one
    carton, or enough for ``min_delivery_kg`` when ``a`` is new, or the whole line when what
    ``b`` would keep is below the minimum, which also frees a place under ``max_split``);
    failing that, a swap: ``a`` takes such cartons from ``b`` and gives ``b`` back fewer kg of
    another lot it holds, both ending above ``a``'s old level. Every give goes through
    :meth:`Ledger.give`, so all limits hold; a move that does not fully go through is undone.
    Each move raises the sorted vector of fill ratios lexicographically, so the search ends;
    ``max_moves`` (default 4 per association) and ``max_work`` (candidate lines examined)
    bound its time (about 1 s at département size on a loaded 2-core machine) without making
    it depend on the clock. Deterministic: lots in DLC order, donors with the most room above
    the worst-off first.
    """
    search = _Search(ledger, max_work)
    return search.run(4 * int(ledger.adm.assoc_need.size) if max_moves is None else max_moves)


class _Search:
    """Indexes of the ledger's lines by lot and by association for :func:`raise_worst`."""

    def __init__(self, ledger: Ledger, max_work: int) -> None:
        self.ledger = ledger
        self.work = max_work  #: candidate lines left to examine
        adm = ledger.adm
        self.adm = adm
        self.need = adm.assoc_need
        by_assoc = np.argsort(adm.pair_assoc, kind="stable")
        bounds = np.searchsorted(adm.pair_assoc[by_assoc], np.arange(self.need.size + 1))
        dlc = adm.lot_dlc_order
        self.assoc_pairs = []
        for a in range(self.need.size):
            pairs = by_assoc[bounds[a] : bounds[a + 1]]
            order = np.argsort(dlc[adm.pair_lot[pairs]], kind="stable")
            self.assoc_pairs.append(pairs[order])
        self.by_lot: dict[int, list[int]] = {}
        self.by_assoc: dict[int, list[int]] = {}
        self.seen = 0
        self.pairs: dict[tuple[int, int], int] = {}
        self._index()

    def _index(self) -> None:
        """Index the lines appended since the last call."""
        lines = self.ledger.lines
        for i in range(self.seen, len(lines)):
            self.by_lot.setdefault(lines[i][0], []).append(i)
            self.by_assoc.setdefault(lines[i][1], []).append(i)
        self.seen = len(lines)

    def give(self, lot: int, assoc: int, days: int, cartons: int) -> int:
        """Give through the ledger; returns the cartons given."""
        before = int(self.ledger.cartons_left[lot])
        self.ledger.give(lot, assoc, days, cartons)
        self._index()
        return before - int(self.ledger.cartons_left[lot])

    def take(self, i: int, cartons: int) -> None:
        self.ledger.take_back(i, cartons, self.by_lot[self.ledger.lines[i][0]])

    def pair(self, lot: int, a: int) -> int:
        """Admissible pair of ``lot`` and ``a``, or -1."""
        key = (lot, a)
        if key not in self.pairs:
            lo, hi = int(self.ledger.starts[lot]), int(self.ledger.starts[lot + 1])
            k = lo + int(np.searchsorted(self.adm.pair_assoc[lo:hi], a))
            self.pairs[key] = k if k < hi and int(self.adm.pair_assoc[k]) == a else -1
        return self.pairs[key]

    def open_pairs(self, a: int) -> list[int]:
        """Pairs of ``a`` whose lot has cartons left or lines to take from, in DLC order."""
        pairs = self.assoc_pairs[a]
        lots = self.adm.pair_lot[pairs]
        live = self.ledger.cartons_left[lots] > 0
        live |= np.isin(lots, np.fromiter(self.by_lot, dtype=np.int64, count=len(self.by_lot)))
        # a must have room and money for one carton (vectorised :meth:`can_take`)
        adm, ledger = self.adm, self.ledger
        kg = np.minimum(adm.lot_unit_kg[lots], adm.lot_kg[lots])
        live &= ledger.storage[a, adm.lot_temp[lots]] >= kg - _EPS
        money = ledger.budget[a] if ledger.policy.budget == "association" else ledger.fund
        live &= float(money) >= adm.lot_price[lots] * kg - _EPS
        return pairs[live & (adm.lot_reason[lots] == "")].tolist()

    def run(self, limit: int) -> int:
        ledger = self.ledger
        counted = np.flatnonzero(self.need > 0)
        moves = 0
        if counted.size == 0:
            ledger.lines = [line for line in ledger.lines if line[3] > 0]
            return 0
        while moves < limit and self.work > 0:
            fill = ledger.fill()
            a = int(counted[np.argmin(fill[counted])])
            if not (self.move(a, fill) or self.swap(a, fill)):
                break  # the worst-off cannot be raised: the minimum is final
            moves += 1
        ledger.lines = [line for line in ledger.lines if line[3] > 0]
        return moves

    def donation(self, i: int, cartons: int, whole: bool = False) -> tuple[int, float] | None:
        """Cartons and kg line ``i`` gives up when ``cartons`` are asked: exactly those, or the
        whole line when the holder's rest of the lot would fall below the minimum delivery or
        ``whole`` (the taker is new and the split limit is reached); None if that leaves
        another line of the holder below the minimum or holding the lot."""
        ledger = self.ledger
        lot, b, _, have, kg = ledger.lines[i]
        self.work -= 1
        if have < cartons or self.work < 0:
            return None
        unit = float(self.adm.lot_unit_kg[lot])
        moved = kg if have == cartons else cartons * unit
        held = sum(ledger.lines[k][4] for k in self.by_lot[lot] if ledger.lines[k][1] == b)
        rest = held - moved
        if whole or (rest > _EPS and rest < ledger.min_new_kg(lot) - _EPS):
            if held - kg > _EPS:
                return None
            return have, kg
        return cartons, moved

    def full(self, lot: int, a: int) -> bool:
        """True when ``a`` is new to ``lot`` and the lot already has ``max_split`` recipients."""
        recipients = self.ledger.recipients[lot]
        return a not in recipients and len(recipients) >= self.ledger.policy.max_split

    def wanted(self, lot: int, a: int) -> int:
        """Cartons ``a`` must get at least: enough for the minimum delivery if it is new."""
        if a in self.ledger.recipients[lot]:
            return 1
        unit = float(self.adm.lot_unit_kg[lot])
        return max(1, int(np.ceil(self.ledger.min_new_kg(lot) / unit - 1e-9)))

    def donors(self, lot: int, a: int, fill: np.ndarray, least: float) -> list[int]:
        """Lines of ``lot`` held by others with more than ``least`` [basis] above ``a``'s
        fill, the most room first."""
        lines = self.ledger.lines
        level = float(fill[a])
        room = {}
        for i in self.by_lot.get(lot, []):
            b, have = lines[i][1], lines[i][3]
            if b == a or have <= 0 or self.need[b] <= 0:
                continue
            slack = (float(fill[b]) - level) * float(self.need[b])
            if slack > least + 1e-12:
                room[i] = slack
        return sorted(room, key=lambda i: -room[i])

    def can_take(self, lot: int, a: int, cartons: int) -> bool:
        """Cheap pre-check: ``a`` has the storage and the money for ``cartons`` of ``lot``."""
        ledger, adm = self.ledger, self.adm
        kg = cartons * float(adm.lot_unit_kg[lot])
        kg = min(kg, float(adm.lot_kg[lot]))
        if ledger.storage[a, adm.lot_temp[lot]] < kg - _EPS:
            return False
        price = float(adm.lot_price[lot])
        if price <= 0:
            return True
        money = ledger.budget[a] if ledger.policy.budget == "association" else ledger.fund
        return float(money) >= price * kg - _EPS

    def move(self, a: int, fill: np.ndarray) -> bool:
        """Give ``a`` cartons left, or cartons of a line of someone who stays above it."""
        ledger, adm = self.ledger, self.adm
        level = float(fill[a])
        for p in self.open_pairs(a):
            lot = int(adm.pair_lot[p])
            if adm.lot_reason[lot]:
                continue
            days = int(adm.pair_days[p])
            want = self.wanted(lot, a)
            if (
                ledger.cartons_left[lot] > 0
                and ledger.room(lot, a, days)[0] > 0
                and self.give(lot, a, days, want) > 0
            ):
                return True
            if not self.can_take(lot, a, want):
                continue
            basis = float(adm.lot_basis[lot])
            least = want * min(float(adm.lot_unit_kg[lot]), float(adm.lot_kg[lot])) * basis
            self.work -= 1
            for i in self.donors(lot, a, fill, least * (1 - 1e-9)):
                b, day = int(ledger.lines[i][1]), int(ledger.lines[i][2])
                took = self.donation(i, want, self.full(lot, a))
                if took is None or self.need[b] <= 0:
                    continue
                if float(fill[b]) - took[1] * basis / self.need[b] <= level + 1e-12:
                    continue
                self.take(i, took[0])
                got = self.give(lot, a, days, took[0])
                if got == took[0]:
                    return True
                if got:
                    self.take(len(ledger.lines) - 1, got)
                self.give(lot, b, 1 << day, took[0])
        return False

    def swap(self, a: int, fill: np.ndarray) -> bool:
        """``a`` takes cartons of a lot from ``b`` and gives ``b`` fewer kg of another lot."""
        ledger, adm, need = self.ledger, self.adm, self.need
        level = float(fill[a])
        lines = ledger.lines
        mine = [j for j in self.by_assoc.get(a, []) if lines[j][3] > 0]
        if not mine:
            return False
        for p in self.open_pairs(a):
            lot = int(adm.pair_lot[p])
            if adm.lot_reason[lot]:
                continue
            want = self.wanted(lot, a)
            basis = float(adm.lot_basis[lot])
            for i in self.donors(lot, a, fill, 0.0):
                b = int(lines[i][1])
                took = self.donation(i, want, self.full(lot, a))
                if took is None or need[b] <= 0:
                    continue
                w = took[1] * basis
                # a gains w - v > 0, b loses it and must stay above a's level
                slack = (float(fill[b]) - level) * need[b]
                for j in mine:
                    self.work -= 1
                    if self.work < 0:
                        return False
                    back_lot = int(lines[j][0])
                    if back_lot == lot or self.pair(back_lot, b) < 0:
                        continue
                    step = float(adm.lot_unit_kg[back_lot]) * float(adm.lot_basis[back_lot])
                    have = int(lines[j][3])
                    whole = self.full(back_lot, b)  # b new at the split limit: a leaves it
                    if whole:
                        counts = [have]
                    else:
                        low = max(1, int(np.floor((w - slack) / step)))
                        counts = list(range(low, min(have, int(w / step) + 1) + 1))
                    for c in counts:
                        gave = self.donation(j, c, whole)
                        if gave is None:
                            continue
                        v = gave[1] * float(adm.lot_basis[back_lot])
                        if v >= w - 1e-12:
                            break
                        if w - v >= slack - 1e-12:
                            continue
                        if fill[a] + (w - v) / need[a] <= level + 1e-12:
                            continue
                        if self.try_swap(a, b, (i, took[0]), (j, gave[0])):
                            return True
        return False

    def try_swap(self, a: int, b: int, take: tuple[int, int], back: tuple[int, int]) -> bool:
        """Make a swap; undo it unless every carton went through."""
        ledger, adm = self.ledger, self.adm
        lines = ledger.lines
        lot, day_b = int(lines[take[0]][0]), int(lines[take[0]][2])
        back_lot, day_a = int(lines[back[0]][0]), int(lines[back[0]][2])
        self.take(take[0], take[1])
        self.take(back[0], back[1])
        start = len(lines)
        got_a = self.give(lot, a, int(adm.pair_days[self.pair(lot, a)]), take[1])
        got_b = self.give(back_lot, b, int(adm.pair_days[self.pair(back_lot, b)]), back[1])
        if got_a == take[1] and got_b == back[1]:
            return True
        for k in range(start, len(ledger.lines)):
            self.take(k, int(ledger.lines[k][3]))
        self.give(lot, b, 1 << day_b, take[1])
        self.give(back_lot, a, 1 << day_a, back[1])
        return False
