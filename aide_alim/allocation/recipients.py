"""Who receives a lot under the split limit, so that the limit does not cost food.

The LP relaxes ``policy.max_split`` and ``policy.min_delivery_kg`` (both binary), so it may
spread a lot over more associations than allowed. Keeping its largest lines is the fair choice,
but those associations may not be able to take the rest of the lot (storage, budget, vans)
while the associations that could are locked out by the split limit: the rest then stays at the
hub. Two steps of the carton repair (:mod:`~aide_alim.allocation.rounding`) prevent that:

- :func:`choose_recipients`, before a lot's cartons are handed out: keep its largest LP lines
  while they can take the whole lot; otherwise replace the smallest kept line by an association
  that can take the lot's remainder (the lowest-filled of those that can, else the one with the
  most room), and give it that remainder as its target. The local search then restores fairness.
- :func:`fill_up`, after the local search: cartons still left go to the recipients that have
  room again, then a recipient of a lot may be replaced by an association that takes its line
  and the rest of the lot, when the replaced one stays above the worst-off level (the minimum
  fill ratio never drops).

A third step deals with budgets rather than the split limit: :func:`repack_budgets`, last, buys
the cartons of sold lots that budgets keep at the hub with money freed from an association's
other sold lines, whose cartons go to associations with money left.

All are greedy and deterministic (no solver, no clock).
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from aide_alim.allocation.carton_ledger import Ledger

_EPS = 1e-6


def capacity(ledger: Ledger, lot: int, pairs: np.ndarray, left: float | None = None) -> np.ndarray:
    """Kg of ``lot`` the association of each pair could still take in whole cartons: storage,
    budget, the rule's ceiling and the best open day's van room (the split limit and the
    minimum delivery aside), at most ``left`` (default: what is left of the lot)."""
    adm = ledger.adm
    assoc = adm.pair_assoc[pairs]
    room = ledger.room_kg(lot, assoc)
    cold = adm.lot_temp[lot] > 0
    day_room = np.minimum(ledger.day_cap, ledger.day_cold) if cold else ledger.day_cap
    open_day = ((adm.pair_days[pairs].astype(np.int64)[:, None] >> np.arange(7)) & 1) > 0
    van = np.where(open_day, day_room[None, :], 0.0).max(axis=1, initial=0.0)
    room = np.minimum(room, np.where(adm.assoc_collects[assoc], np.inf, van))
    left = float(ledger.kg_left[lot]) if left is None else left
    unit = float(adm.lot_unit_kg[lot])
    whole = np.floor((np.maximum(room, 0.0) + _EPS) / unit) * unit
    return np.where(room >= left - _EPS, left, np.minimum(whole, left))


def choose_recipients(
    ledger: Ledger, lot: int, pairs: np.ndarray, target: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Recipients of ``lot`` and their targets [kg] before its cartons are handed out.

    ``pairs`` and ``target`` are the lot's LP lines, largest first. None when the split limit
    does not bind or the largest lines can take the whole lot; otherwise the positions of the
    LP lines kept, and the pairs swapped in with their targets (what the kept LP lines leave of
    the lot, up to each one's room).
    """
    adm = ledger.adm
    unit = float(adm.lot_unit_kg[lot])
    left = float(ledger.kg_left[lot])
    least = ledger.min_new_kg(lot)
    recipients = ledger.recipients[lot]
    slots = ledger.policy.max_split - len(recipients)
    # lines the floors would give: a whole carton at least, the minimum delivery if new
    new = np.array([int(a) not in recipients for a in adm.pair_assoc[pairs].tolist()], dtype=bool)
    floor_kg = np.floor((target + _EPS) / unit) * unit
    floor_kg = np.where(target >= left - _EPS, left, floor_kg)
    real = (floor_kg > _EPS) & (~new | (floor_kg >= least - _EPS))
    if np.count_nonzero(real & new) < slots or slots <= 0:
        return None
    kept = np.flatnonzero(real & ~new).tolist() + np.flatnonzero(real & new)[:slots].tolist()
    cap = capacity(ledger, lot, pairs)
    if cap[kept].sum() >= left - _EPS:
        return None
    # the kept lines cannot take the lot: swap the smallest new ones for associations that can
    others = ledger.candidates(lot)
    others = others[~np.isin(others, pairs[kept])]
    other_cap = capacity(ledger, lot, others)
    usable = other_cap >= max(least, min(unit, left)) - _EPS
    others, other_cap = others[usable], other_cap[usable]
    fill = np.nan_to_num(ledger.fill()[adm.pair_assoc[others]], nan=np.inf)
    swapped: list[int] = []
    swapped_cap: list[float] = []
    for k in sorted((k for k in kept if new[k]), key=lambda k: target[k]):
        short = left - cap[kept].sum() - sum(swapped_cap)
        if short <= _EPS or others.size == 0:
            break
        enough = other_cap >= cap[k] + short - _EPS
        if enough.any():
            pick = int(np.flatnonzero(enough)[np.argmin(fill[enough])])
        else:
            pick = int(np.argmax(other_cap))
            if other_cap[pick] <= cap[k] + _EPS:
                break
        kept.remove(k)
        swapped.append(int(others[pick]))
        swapped_cap.append(float(other_cap[pick]))
        keep = np.arange(others.size) != pick
        others, other_cap, fill = others[keep], other_cap[keep], fill[keep]
    if not swapped:
        return None
    kept.sort()
    rest = left - float(target[kept].sum())
    extra = []
    for c in swapped_cap:
        extra.append(max(min(c, rest), 0.0))
        rest -= extra[-1]
    return np.array(kept, dtype=np.int64), np.array(swapped, dtype=pairs.dtype), np.array(extra)


def fill_up(ledger: Ledger) -> None:
    """Hand out the cartons still left after the local search without lowering the minimum
    fill ratio: to recipients that have room again, then by replacing a recipient of a lot at
    the split limit with an association that takes its line and more of the lot."""
    adm = ledger.adm
    lots = np.flatnonzero((ledger.cartons_left > 0) & (adm.lot_reason == ""))
    if lots.size == 0:
        return
    index = _LineIndex(ledger)
    for lot in lots[np.argsort(adm.lot_dlc_order[lots], kind="stable")].tolist():
        ledger.water_fill(lot)
        for _ in range(ledger.policy.max_split):
            if ledger.cartons_left[lot] <= 0:
                break
            if len(ledger.recipients[lot]) < ledger.policy.max_split:
                break  # water_fill found nobody able to take a carton
            index.update()
            if not _replace_recipient(ledger, lot, index.by_lot.get(lot, [])):
                break
            ledger.water_fill(lot)
    ledger.lines = [line for line in ledger.lines if line[3] > 0]


def _replace_recipient(ledger: Ledger, lot: int, lot_lines: list[int]) -> bool:
    """Give the lines of one recipient ``r`` of ``lot`` and more of the lot to a new association
    ``c`` that can take more than ``r`` holds, when ``r`` stays above the worst-off level.
    The largest gain in kg, then the lowest-filled ``c``; returns True if a replacement was
    made."""
    adm = ledger.adm
    need = adm.assoc_need
    fill = ledger.fill()
    counted = need > 0
    if not counted.any():
        return False
    level = float(np.nanmin(fill[counted]))
    held: dict[int, float] = {}
    for i in lot_lines:
        _, r, _, cartons, kg = ledger.lines[i]
        if cartons > 0:
            held[r] = held.get(r, 0.0) + kg
    pairs = np.arange(ledger.starts[lot], ledger.starts[lot + 1])
    pairs = pairs[~np.isin(adm.pair_assoc[pairs], list(ledger.recipients[lot]))]
    if pairs.size == 0:
        return False
    left = float(ledger.kg_left[lot])
    basis = float(adm.lot_basis[lot])
    least = ledger.min_new_kg(lot)
    c_fill = np.nan_to_num(fill[adm.pair_assoc[pairs]], nan=np.inf)
    best: tuple[float, float, int, int] | None = None
    for r, kg in sorted(held.items()):
        if need[r] > 0 and fill[r] - kg * basis / need[r] <= level + 1e-9:
            continue  # r would drop to the worst-off level or below
        cap = capacity(ledger, lot, pairs, left + kg)
        gain = cap - kg
        ok = (gain >= min(float(adm.lot_unit_kg[lot]), left) - _EPS) & (cap >= least - _EPS)
        if not ok.any():
            continue
        k = int(np.flatnonzero(ok)[np.lexsort((c_fill[ok], -gain[ok]))[0]])
        key = (float(gain[k]), -float(c_fill[k]), r, int(pairs[k]))
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return False
    _, _, r, p = best
    c = int(adm.pair_assoc[p])
    mine = [i for i in lot_lines if ledger.lines[i][1] == r and ledger.lines[i][3] > 0]
    undo = [(ledger.lines[i][2], ledger.lines[i][3]) for i in mine]
    before = float(ledger.kg_left[lot])
    for i in mine:
        ledger.take_back(i, ledger.lines[i][3], lot_lines)
    got = ledger.give(lot, c, int(adm.pair_days[p]), int(ledger.cartons_left[lot]))
    if got > 0 and float(ledger.kg_left[lot]) < before - _EPS:
        return True
    if got > 0:  # c took no more than r held: put r's lines back
        last = len(ledger.lines) - 1
        ledger.take_back(last, ledger.lines[last][3], [last])
    for day, cartons in undo:
        ledger.give(lot, r, 1 << day, cartons)
    return False


def repack_budgets(ledger: Ledger, max_work: int = 20_000) -> int:
    """Hand out cartons of sold lots that budgets keep at the hub, by re-packing what the
    associations buy. Returns the moves made.

    The LP spends budgets with fractional cartons; whole cartons leave each association a
    remainder too small for one more carton of a dear lot. A move takes back from an
    association ``a`` that lacks money for a carton of such a lot ``X`` enough cartons of its
    other sold lots (the most € per unit of fill first; a whole line when what it would keep
    falls below the minimum delivery) to pay for it, gives ``a`` the cartons of ``X``, then
    water-fills the cartons taken back and the rest of ``X`` to whoever has room and money.
    The move is kept only when the hub keeps fewer kg and every association whose fill ratio
    went down stays above the worst-off level (the minimum fill ratio never drops); otherwise
    the ledger is restored exactly. Deterministic: lots in DLC order, the lowest-filled ``a``
    first; ``max_work`` (candidates examined) bounds the time without a clock.
    """
    adm = ledger.adm
    counted = adm.assoc_need > 0
    sold = adm.lot_price > 0
    if not counted.any() or not sold.any():
        return 0
    index = _LineIndex(ledger, sold)
    moves, work = 0, max_work
    for _ in range(2):  # a second pass for lots that a later move freed money for
        stuck = np.flatnonzero((ledger.cartons_left > 0) & (adm.lot_reason == "") & sold)
        found = 0
        for lot in stuck[np.argsort(adm.lot_dlc_order[stuck], kind="stable")].tolist():
            pairs = np.arange(ledger.starts[lot], ledger.starts[lot + 1])
            tried: set[int] = set()
            while ledger.cartons_left[lot] > 0 and work > 0:
                fill = ledger.fill()
                level = float(np.nanmin(fill[counted]))
                score = np.nan_to_num(fill[adm.pair_assoc[pairs]], nan=np.inf)
                for p in pairs[np.argsort(score, kind="stable")].tolist():
                    if p in tried:
                        continue
                    tried.add(p)
                    work -= 1
                    if _repack(ledger, lot, p, index, fill, level):
                        found += 1
                        tried.clear()
                        break
                    if work <= 0:
                        break
                else:
                    break  # no pair of this lot can buy it
        moves += found
        if not found or work <= 0:
            break
    ledger.lines = [line for line in ledger.lines if line[3] > 0]
    return moves


class _LineIndex:
    """The ledger's lines by lot, and each association's lines of ``sold`` lots (if given)."""

    def __init__(self, ledger: Ledger, sold: np.ndarray | None = None) -> None:
        self.ledger = ledger
        self.sold = np.zeros(ledger.adm.lot_kg.size, dtype=bool) if sold is None else sold
        self.by_lot: dict[int, list[int]] = {}
        self.sold_of: dict[int, list[int]] = {}
        self.seen = 0
        self.update()

    def update(self) -> None:
        """Index the lines appended since the last call."""
        lines = self.ledger.lines
        for i in range(self.seen, len(lines)):
            lot, a = lines[i][0], lines[i][1]
            self.by_lot.setdefault(lot, []).append(i)
            if self.sold[lot]:
                self.sold_of.setdefault(a, []).append(i)
        self.seen = len(lines)

    def held(self, lot: int, a: int) -> float:
        """Kg of ``lot`` that ``a`` holds."""
        lines = self.ledger.lines
        return sum(lines[k][4] for k in self.by_lot.get(lot, []) if lines[k][1] == a)


def _repack(
    ledger: Ledger, lot: int, p: int, index: _LineIndex, fill: np.ndarray, level: float
) -> bool:
    """One move of :func:`repack_budgets`: the association of pair ``p`` buys cartons of
    ``lot`` with money freed from its other sold lines. True if the move was kept."""
    adm = ledger.adm
    need = adm.assoc_need
    a = int(adm.pair_assoc[p])
    recipients = ledger.recipients[lot]
    new = a not in recipients
    if new and len(recipients) >= ledger.policy.max_split:
        return False
    unit = float(adm.lot_unit_kg[lot])
    want = max(1, int(np.ceil(ledger.min_new_kg(lot) / unit - 1e-9))) if new else 1
    kg = ledger.kg_of(lot, want)
    if new and kg < ledger.min_new_kg(lot) - _EPS:
        return False  # what is left of the lot is below the minimum delivery
    price = float(adm.lot_price[lot])
    money = float(ledger.budget[a] if ledger.policy.budget == "association" else ledger.fund)
    deficit = kg * price - money
    if deficit <= _EPS:
        return False  # a has the money: something else blocks it
    lines = ledger.lines
    held = [i for i in index.sold_of.get(a, []) if lines[i][0] != lot and lines[i][3] > 0]
    temp = adm.lot_temp[lot]
    same_temp = sum(lines[i][4] for i in held if adm.lot_temp[lines[i][0]] == temp)
    if ledger.storage[a, temp] + same_temp < kg - _EPS:
        return False
    held.sort(key=lambda i: -adm.lot_price[lines[i][0]] / adm.lot_basis[lines[i][0]])
    release: list[tuple[int, int]] = []
    kept: dict[int, float] = {}  # kg of each lot taken from that a keeps
    freed = loss = 0.0
    for i in held:
        y, _, _, have, line_kg = lines[i]
        y_unit, y_price = float(adm.lot_unit_kg[y]), float(adm.lot_price[y])
        rest = kept.get(y, index.held(y, a))
        c = min(have, max(1, int(np.ceil((deficit - freed) / (y_unit * y_price) - 1e-9))))
        back = line_kg if c == have else c * y_unit
        if _EPS < rest - back < ledger.min_new_kg(y) - _EPS:
            c, back = have, line_kg  # what a would keep is below the minimum delivery
            if _EPS < rest - back < ledger.min_new_kg(y) - _EPS:
                continue
        kept[y] = rest - back
        release.append((i, c))
        freed += back * y_price
        loss += back * float(adm.lot_basis[y])
        if freed >= deficit - _EPS:
            break
    if freed < deficit - _EPS:
        return False
    gain = kg * float(adm.lot_basis[lot])
    if need[a] > 0 and gain < loss and fill[a] + (gain - loss) / need[a] <= level + 1e-9:
        return False  # a would fall to the worst-off level
    others = sorted(kept, key=lambda y: adm.lot_dlc_order[y])
    saved = _Checkpoint(ledger, [lot, *others], [i for i, _ in release])
    before = float(ledger.kg_left.sum())
    for i, c in release:
        ledger.take_back(i, c, index.by_lot[lines[i][0]])
    if ledger.give(lot, a, int(adm.pair_days[p]), want) > 0:
        for y in others:
            ledger.water_fill(y)
        ledger.water_fill(lot)
        after = ledger.fill()
        down = (after < fill - 1e-12) & (need > 0) & ~(after > level + 1e-9)
        if float(ledger.kg_left.sum()) < before - _EPS and not down.any():
            index.update()
            return True
    saved.restore(ledger)
    return False


class _Checkpoint:
    """What a trial move may change in a ledger, to undo it exactly."""

    def __init__(self, ledger: Ledger, lots: list[int], lines: list[int]) -> None:
        # every array of the ledger (the limits left, cartons, fills), as Ledger.clone copies
        self.arrays = {
            f.name: value.copy()
            for f in fields(ledger)
            if isinstance(value := getattr(ledger, f.name), np.ndarray)
        }
        self.fund = ledger.fund
        self.recipients = {lot: set(ledger.recipients[lot]) for lot in lots}
        self.n_lines = len(ledger.lines)
        self.lines = {i: ledger.lines[i] for i in lines}

    def restore(self, ledger: Ledger) -> None:
        for name, value in self.arrays.items():
            setattr(ledger, name, value)
        ledger.fund = self.fund
        for lot, recipients in self.recipients.items():
            ledger.recipients[lot] = recipients
        del ledger.lines[self.n_lines :]
        for i, line in self.lines.items():
            ledger.lines[i] = line
