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
admissible association with the lowest fill ratio that can still take them. Each association
thus loses less than one carton per line against the LP and the leftovers raise the worst-off.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

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

    def copy(self) -> Ledger:
        """An independent ledger in the same state (the scenario arrays are shared)."""
        twin = Ledger.__new__(Ledger)
        twin.__dict__.update(self.__dict__)
        for name in ("storage", "budget", "day_cap", "day_cold", "cartons_left", "kg_left"):
            setattr(twin, name, getattr(self, name).copy())
        twin.received = self.received.copy()
        twin.days_used = self.days_used.copy()
        twin.recipients = [set(r) for r in self.recipients]
        twin.lines = list(self.lines)
        twin.reason_override = dict(self.reason_override)
        return twin

    def adopt(self, other: Ledger) -> None:
        """Take over the state of ``other`` (a :meth:`copy` of this ledger, then used)."""
        self.__dict__.update(other.__dict__)

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

    # -- helpers for rules --------------------------------------------------------------------
    def pairs_of(self, lot: int) -> range:
        return range(int(self.starts[lot]), int(self.starts[lot + 1]))

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
        room = self.storage[assoc, adm.lot_temp[lot]].copy()
        price = float(adm.lot_price[lot])
        if price > 0:
            money = self.budget[assoc] if self.policy.budget == "association" else self.fund
            room = np.minimum(room, np.asarray(money) / price)
        if self.ceiling is not None:
            room = np.minimum(
                room, (self.ceiling[assoc] - self.received[assoc]) / adm.lot_basis[lot]
            )
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
            score = self.fill()[adm.pair_assoc[pairs]]
            if offset is not None:
                score = score - offset[adm.pair_assoc[pairs]]
            score = np.nan_to_num(score, nan=np.inf)
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
    *,
    time_limit_s: float = 0.5,
) -> None:
    """Hand out whole cartons close to a continuous allocation, keeping its fairness.

    ``pair_index`` indexes the admissible pairs, ``target_kg`` is the LP quantity of each.
    ``preferred_day`` (weekday or -1) restricts a line to the LP's day when the model had days.

    Two roundings are tried from the same (untouched) ledger and the fairer one is kept
    (:func:`_fairer`: sorted fill ratios compared lexicographically, then kg):

    - the greedy one (:func:`greedy_repair`): floors, then water-filling;
    - a small MIP (:func:`_rounding_mip`) on the rounding decisions only: each LP line gets
      the whole cartons below or above its LP quantity, or nothing (to respect ``max_split``
      and ``min_delivery_kg``), maximising the worst fill ratio, then each association's fill
      up to its LP level, then kg. Its cartons then go through the ledger (which enforces every
      limit exactly) and the cartons left over are water-filled as in the greedy rounding.

    The MIP is solved by HiGHS through PuLP within ``time_limit_s`` [s]; if it finds no
    solution in time or HiGHS is missing, the greedy rounding stands alone.
    """
    if pair_index.size == 0:
        greedy_repair(ledger, pair_index, target_kg, preferred_day)
        return
    trial = ledger.copy()
    greedy_repair(trial, pair_index, target_kg, preferred_day)
    cartons = _rounding_mip(ledger, pair_index, target_kg, preferred_day, time_limit_s)
    if cartons is not None:
        mip = ledger.copy()
        _apply(mip, pair_index, cartons, preferred_day)
        _fill_leftovers(mip)
        if _fairer(mip, trial):
            trial = mip
    ledger.adopt(trial)


def greedy_repair(
    ledger: Ledger,
    pair_index: np.ndarray,
    target_kg: np.ndarray,
    preferred_day: np.ndarray | None = None,
) -> None:
    """Per line, the whole cartons below the LP quantity (largest lines first), then the
    cartons left over water-filled to the lowest-filled associations that can take them."""
    adm = ledger.adm
    lots = adm.pair_lot[pair_index]
    order = np.lexsort((-target_kg, adm.lot_dlc_order[lots]))
    for i in order:
        p = int(pair_index[i])
        lot, assoc = int(adm.pair_lot[p]), int(adm.pair_assoc[p])
        target = float(target_kg[i])
        left = int(ledger.cartons_left[lot])
        if left <= 0:
            continue
        cartons = int((target + _EPS) // adm.lot_unit_kg[lot])
        if target >= ledger.kg_left[lot] - _EPS:
            cartons = left
        if cartons <= 0:
            continue
        ledger.give(lot, assoc, _days(ledger, i, p, preferred_day), cartons)
    _fill_leftovers(ledger)


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


def _apply(
    ledger: Ledger,
    pair_index: np.ndarray,
    cartons: np.ndarray,
    preferred_day: np.ndarray | None,
) -> None:
    """Give the MIP's cartons, line by line (earliest DLC, then largest lines first)."""
    adm = ledger.adm
    lots = adm.pair_lot[pair_index]
    order = np.lexsort((-cartons, adm.lot_dlc_order[lots]))
    for i in order:
        if cartons[i] <= 0:
            continue
        p = int(pair_index[i])
        lot = int(adm.pair_lot[p])
        ledger.give(
            lot, int(adm.pair_assoc[p]), _days(ledger, i, p, preferred_day), int(cartons[i])
        )


def _fairer(a: Ledger, b: Ledger) -> bool:
    """True if ``a`` is strictly fairer than ``b``: sorted fill ratios compared one by one
    (to 1e-9), then the most kg in the policy's basis."""
    fa, fb = a.fill(), b.fill()
    keep = ~np.isnan(fa)
    sa, sb = np.sort(fa[keep]), np.sort(fb[keep])
    for x, y in zip(sa.tolist(), sb.tolist(), strict=True):
        if x > y + 1e-9:
            return True
        if x < y - 1e-9:
            return False
    return float(a.received.sum()) > float(b.received.sum()) + 1e-9


def _rounding_mip(
    ledger: Ledger,
    pair_index: np.ndarray,
    target_kg: np.ndarray,
    preferred_day: np.ndarray | None,
    time_limit_s: float,
) -> np.ndarray | None:
    """Cartons per LP line from the rounding MIP, or None if it has no solution in time.

    Per line ``i`` with LP quantity ``q`` (``f`` whole cartons below it): ``open_i`` ∈ {0, 1},
    ``up_i`` ∈ {0, 1} only where ``q`` is fractional, cartons ``f·open_i + up_i`` with
    ``up_i ≤ open_i``. Rows: cartons of each lot; storage per association × temperature;
    budget (per association or the fund); vehicles per day for lines the LP put on a day; the
    proportional rule's ceiling; at most ``max_split`` open lines per lot; a new line at least
    ``min_delivery_kg``. Every carton counts as ``unit_kg`` (the lot's last, partial carton is
    over-counted, which only makes the rows stricter); the ledger settles exact weights.
    """
    import pulp

    adm, policy = ledger.adm, ledger.policy
    keep = target_kg > _EPS
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return None
    pairs = pair_index[idx]
    lot = adm.pair_lot[pairs]
    assoc = adm.pair_assoc[pairs]
    unit = adm.lot_unit_kg[lot]
    left = ledger.cartons_left[lot]
    q = target_kg[idx] / unit
    whole = target_kg[idx] >= ledger.kg_left[lot] - _EPS
    floor = np.where(whole, left, np.floor(q + 1e-6)).astype(np.int64)
    # a line's weight as the rows count it [kg per carton]; the lot's whole remainder if whole
    kg_c = np.where(whole, ledger.kg_left[lot] / np.maximum(left, 1), unit)
    basis = adm.lot_basis[lot]
    need = adm.assoc_need
    n = idx.size

    prob = pulp.LpProblem("carton_rounding", pulp.LpMaximize)
    # a line may move by one carton above its LP quantity, or up to the minimum delivery
    least_c = np.ceil(np.minimum(policy.min_delivery_kg, adm.lot_kg[lot]) / kg_c - 1e-9)
    high = np.minimum(left, np.maximum(np.ceil(q - 1e-6) + 1, least_c)).astype(np.int64)
    left_l, kg_l = np.where(whole, left, high).tolist(), kg_c.tolist()
    opn = [pulp.LpVariable(f"open_{i}", cat="Binary") for i in range(n)]
    cart = [
        pulp.LpVariable(f"cartons_{i}", lowBound=0, upBound=left_l[i], cat="Integer")
        for i in range(n)
    ]
    # start from the LP's rounded-down cartons (HiGHS may use it as a first incumbent)
    for i in range(n):
        cart[i].setInitialValue(int(floor[i]))

    def kg_expr(rows: list[int], weight: list[float] | None = None) -> pulp.LpAffineExpression:
        return pulp.LpAffineExpression(
            [(cart[i], kg_l[i] * (1.0 if weight is None else weight[i])) for i in rows]
        )

    for i in range(n):
        prob += cart[i] <= left_l[i] * opn[i], f"open_{i}"
    by_lot: dict[int, list[int]] = {}
    by_store: dict[tuple[int, int], list[int]] = {}
    by_assoc: dict[int, list[int]] = {}
    by_day: dict[tuple[int, bool], list[int]] = {}
    temp = adm.lot_temp[lot]
    for i, (lt, a, t) in enumerate(zip(lot.tolist(), assoc.tolist(), temp.tolist(), strict=True)):
        by_lot.setdefault(lt, []).append(i)
        by_store.setdefault((a, t), []).append(i)
        by_assoc.setdefault(a, []).append(i)
        if preferred_day is not None and not adm.assoc_collects[a]:
            d = int(preferred_day[idx[i]])
            if d >= 0:
                by_day.setdefault((d, False), []).append(i)
                if t > 0:
                    by_day.setdefault((d, True), []).append(i)
    count = [1.0 / k for k in kg_l]  # kg → cartons
    for lt, rows in by_lot.items():
        prob += kg_expr(rows, count) <= int(ledger.cartons_left[lt]), f"cartons_{lt}"
        split = policy.max_split - len(ledger.recipients[lt])
        if len(rows) > split:
            prob += pulp.lpSum(opn[i] for i in rows) <= split, f"split_{lt}"
        least = ledger.min_new_kg(lt)
        if least > 0:
            for i in rows:
                if assoc[i] not in ledger.recipients[lt]:
                    prob += kg_l[i] * cart[i] >= (least - _EPS) * opn[i], f"min_delivery_{i}"
    for (a, t), rows in by_store.items():
        prob += kg_expr(rows) <= float(ledger.storage[a, t]) + _EPS, f"storage_{a}_{t}"
    price = adm.lot_price[lot].tolist()
    if any(p > 0 for p in price):
        if policy.budget == "association":
            for a, rows in by_assoc.items():
                sold = [i for i in rows if price[i] > 0]
                if sold:
                    prob += kg_expr(sold, price) <= float(ledger.budget[a]) + _EPS, f"budget_{a}"
        else:
            sold = [i for i in range(n) if price[i] > 0]
            prob += kg_expr(sold, price) <= float(ledger.fund) + _EPS, "fund"
    for (d, cold), rows in by_day.items():
        cap = ledger.day_cold[d] if cold else ledger.day_cap[d]
        prob += kg_expr(rows) <= float(cap) + _EPS, f"vehicles_{d}_{int(cold)}"
    basis_l = basis.tolist()
    received: dict[int, pulp.LpAffineExpression] = {
        a: kg_expr(rows, basis_l) for a, rows in by_assoc.items()
    }
    if ledger.ceiling is not None:
        for a, expr in received.items():
            room = float(ledger.ceiling[a] - ledger.received[a])
            prob += expr <= room, f"ceiling_{a}"

    # Objective: worst fill ratio first, then each fill up to its LP level, then kg.
    lp_recv = np.zeros(need.size)
    np.add.at(lp_recv, assoc, target_kg[idx] * basis)
    base = ledger.received + adm.assoc_other
    counted = [a for a in range(need.size) if need[a] > 0]
    if not counted:
        return None
    worst = pulp.LpVariable("worst_fill")
    close: list[pulp.LpVariable] = []
    for a in counted:
        fill = (base[a] + received.get(a, 0.0)) / float(need[a])
        prob += worst <= fill, f"worst_{a}"
        if a in received:
            level = float((base[a] + lp_recv[a]) / need[a])
            s = pulp.LpVariable(f"close_{a}", upBound=level)
            prob += s <= fill, f"close_{a}"
            close.append(s)
    total = max(float(np.sum(target_kg[idx] * basis)), 1.0)
    weight = 2.0 * len(counted)
    prob += weight * worst + pulp.lpSum(close) + 1e-3 * kg_expr(list(range(n)), basis_l) / total
    try:
        solver = pulp.HiGHS(msg=False, timeLimit=time_limit_s)
        prob.solve(solver)
    except Exception:
        return None
    if (
        prob.sol_status != pulp.LpSolutionOptimal
        and prob.sol_status != pulp.LpSolutionIntegerFeasible
    ):
        return None
    out = np.zeros(pair_index.size, dtype=np.int64)
    for i in range(n):
        out[idx[i]] = round(cart[i].value() or 0.0)
    return out
