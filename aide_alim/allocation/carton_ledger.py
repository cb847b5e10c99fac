"""The carton ledger: whole cartons handed out under every limit.

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

When cartons stay at the hub, :meth:`Ledger.reason_left` says which limit kept them there.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

import numpy as np

from aide_alim.allocation.admissible import Admissibility
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
