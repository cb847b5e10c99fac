"""A small max-min MIP with the split limit and the minimum delivery, for the carton repair.

The LP relaxes ``max_split`` and ``min_delivery_kg``; when the repair of its allocation still
leaves cartons that only the split limit keeps at the hub, the lots' recipients are worth
choosing exactly. On scenarios with few admissible pairs (``MAX_PAIRS``) this model does it:

- ``x_p`` kg to pair ``p`` (lot × association), ``y_p`` binary (the association receives the
  lot), ``t`` the minimum fill ratio;
- ``Σ_p∈lot x_p ≤ lot kg``; ``min(min_delivery_kg, lot kg)·y_p ≤ x_p ≤ room_p·y_p``;
  ``Σ_p∈lot y_p ≤ max_split``;
- storage per association × temperature, budget per association or the collective fund, the
  rule's ceiling, and the week's van capacity (total and refrigerated) for the associations
  that do not collect (the days themselves are chosen by the ledger);
- ``other + Σ basis·x ≥ t·need`` for every association with a need;
- maximise ``W·t + Σ x`` with ``W`` a hundred times the supply, so the minimum fill ratio comes
  first and the food distributed second.

HiGHS solves it single-threaded with a node limit and no time limit, so the answer is the same
on every machine. The repair turns the quantities into cartons like the LP's
(:func:`~aide_alim.allocation.rounding.repair`) and keeps the result only if it is no less fair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from aide_alim.allocation.solvers import quiet_highs

if TYPE_CHECKING:
    from aide_alim.allocation.carton_ledger import Ledger

#: larger scenarios use the greedy recipient choice only (HiGHS time grows with the binaries)
MAX_PAIRS = 1_000
#: branch-and-bound nodes (deterministic bound on the work)
MAX_NODES = 200


class SplitPlan(NamedTuple):
    """The model's answer: kg per admissible pair, and whether HiGHS proved it optimal (not
    stopped by the node limit)."""

    pair_index: np.ndarray
    kg: np.ndarray
    optimal: bool


def split_mip(
    ledger: Ledger, min_fill: float | None = None, max_pairs: int = MAX_PAIRS
) -> SplitPlan | None:
    """The model above from the ledger's remaining limits, or None when there is no solution
    within the node limit or the scenario is too large. With ``min_fill``, ``t ≥ min_fill`` is
    imposed and only the food distributed is maximised (the most food an allocation at least
    that fair can give out, before rounding to cartons, when the answer is optimal)."""
    import highspy

    adm, policy = ledger.adm, ledger.policy
    ok_lot = (adm.lot_reason[adm.pair_lot] == "") & (ledger.cartons_left[adm.pair_lot] > 0)
    pairs = np.flatnonzero(ok_lot)
    n = int(pairs.size)
    if n == 0 or n > max_pairs:
        return None
    lot = adm.pair_lot[pairs]
    assoc = adm.pair_assoc[pairs]
    temp = adm.lot_temp[lot]
    price = adm.lot_price[lot]
    basis = adm.lot_basis[lot]
    lot_kg = ledger.kg_left[lot]
    room = np.minimum(lot_kg, ledger.storage[assoc, temp])
    money = ledger.budget[assoc] if policy.budget == "association" else np.full(n, ledger.fund)
    room = np.where(price > 0, np.minimum(room, money / np.where(price > 0, price, 1.0)), room)
    least = np.minimum(policy.min_delivery_kg, adm.lot_kg[lot])
    room = np.where(room >= least, room, 0.0)
    n_assoc = adm.assoc_need.size
    x, y, t = np.arange(n), n + np.arange(n), 2 * n

    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (row, col, value)
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    n_rows = 0

    def block(row: np.ndarray, col: np.ndarray, val: np.ndarray, lo: np.ndarray, up: np.ndarray):
        nonlocal n_rows
        rows.append((row + n_rows, col, val))
        lower.append(lo)
        upper.append(up)
        n_rows += lo.size

    inf = highspy.kHighsInf
    lots, lot_row = np.unique(lot, return_inverse=True)
    block(lot_row, x, np.ones(n), np.full(lots.size, -inf), ledger.kg_left[lots])
    block(lot_row, y, np.ones(n), np.full(lots.size, -inf), np.full(lots.size, policy.max_split))
    one = np.arange(n)
    block(np.r_[one, one], np.r_[x, y], np.r_[np.ones(n), -room], np.full(n, -inf), np.zeros(n))
    if policy.min_delivery_kg > 0:
        block(np.r_[one, one], np.r_[x, y], np.r_[np.ones(n), -least], np.zeros(n), np.full(n, inf))
    keys, key_row = np.unique(assoc * 3 + temp, return_inverse=True)
    block(key_row, x, np.ones(n), np.full(keys.size, -inf), ledger.storage.ravel()[keys])
    sold = price > 0
    if sold.any():
        if policy.budget == "association":
            ids, row = np.unique(assoc[sold], return_inverse=True)
            block(row, x[sold], price[sold], np.full(ids.size, -inf), ledger.budget[ids])
        else:
            block(
                np.zeros(int(sold.sum()), dtype=np.int64),
                x[sold],
                price[sold],
                np.array([-inf]),
                np.array([ledger.fund]),
            )
    if ledger.ceiling is not None:
        ids, row = np.unique(assoc, return_inverse=True)
        block(row, x, basis, np.full(ids.size, -inf), ledger.ceiling[ids] - ledger.received[ids])
    van = ~adm.assoc_collects[assoc]
    for on, room_left in ((van, ledger.day_cap), (van & (temp > 0), ledger.day_cold)):
        if on.any():  # the week's van room, then its refrigerated part
            k = int(on.sum())
            block(
                np.zeros(k, dtype=np.int64),
                x[on],
                np.ones(k),
                np.array([-inf]),
                np.array([room_left.sum()]),
            )
    need = adm.assoc_need
    counted = np.flatnonzero(need > 0)
    if counted.size:
        have = ledger.received + adm.assoc_other
        pos = np.full(n_assoc, -1)
        pos[counted] = np.arange(counted.size)
        mine = pos[assoc] >= 0
        block(
            np.r_[pos[assoc][mine], np.arange(counted.size)],
            np.r_[x[mine], np.full(counted.size, t)],
            np.r_[basis[mine], -need[counted]],
            -have[counted],
            np.full(counted.size, inf),
        )

    row = np.concatenate([r for r, _, _ in rows])
    col = np.concatenate([c for _, c, _ in rows])
    val = np.concatenate([v for _, _, v in rows]).astype(float)
    order = np.lexsort((col, row))
    row, col, val = row[order], col[order], val[order]
    starts = np.searchsorted(row, np.arange(n_rows))

    h = quiet_highs()
    h.setOptionValue("mip_max_nodes", MAX_NODES)
    h.setOptionValue("random_seed", 0)
    weight = 100.0 * float(ledger.kg_left.sum()) if min_fill is None else 0.0
    cost = np.r_[np.ones(n), np.zeros(n), weight]
    col_lo = np.r_[np.zeros(2 * n), min_fill or 0.0]
    col_up = np.r_[room, np.ones(n), 1e3 if counted.size else 0.0]
    h.addVars(2 * n + 1, col_lo, col_up)
    h.changeColsCost(2 * n + 1, np.arange(2 * n + 1, dtype=np.int32), cost)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.changeColsIntegrality(
        n, np.arange(n, 2 * n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )
    h.addRows(
        n_rows,
        np.concatenate(lower).astype(float),
        np.concatenate(upper).astype(float),
        int(val.size),
        starts.astype(np.int32),
        col.astype(np.int32),
        val,
    )
    h.run()
    if h.getInfo().primal_solution_status != 2:  # no feasible point found
        return None
    kg = np.asarray(h.getSolution().col_value)[:n]
    keep = kg > 1e-6
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return SplitPlan(pairs[keep], kg[keep], bool(optimal))
