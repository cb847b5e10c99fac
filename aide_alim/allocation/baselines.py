"""The four rules users already know, under exactly the same limits as the optimising rules.

Lots are handed out in arrival order (``available``, then DLC), whole cartons through the same
:class:`~aide_alim.allocation.carton_ledger.Ledger` (storage, cold chain, days, budget, vehicles,
split limit, minimum delivery), so that only the sharing rule differs:

- ``proportional_split``: each lot is divided between the associations it can go to (the
  ``max_split`` with the largest need) in proportion to their need, largest remainders first;
  cartons an association cannot take are offered again to the others (three passes).
- ``fcfs`` (first come, first served, the usual French platform rule): each lot goes to the
  first association, in file order (the order of their requests), that can take it and has not
  yet met its need; if every one has, to the first that can take it.
- ``round_robin``: associations take turns in file order; each lot goes to the next association
  in the cycle that can take it, the rest to the following ones.
- ``least_served`` (Indiana's Food Drop): each lot goes to the association with the lowest fill
  ratio so far (minus its past shortfall over need, when a history is given), as much as it
  can take, the rest to the next least served.
"""

from __future__ import annotations

import numpy as np

from aide_alim.allocation.carton_ledger import Ledger

BASELINES: tuple[str, ...] = ("proportional_split", "fcfs", "round_robin", "least_served")


def arrival_order(ledger: Ledger, available_order: np.ndarray) -> np.ndarray:
    """Lots in arrival order (available date, then DLC, then file order)."""
    return np.lexsort((ledger.adm.lot_dlc_order, available_order))


def run_baseline(
    ledger: Ledger, rule: str, available_order: np.ndarray, offset: np.ndarray | None = None
) -> None:
    """Hand out every lot with the baseline ``rule`` (see module docstring)."""
    if rule not in BASELINES:
        raise ValueError(f"Expected a baseline in {', '.join(BASELINES)}, got {rule!r}.")
    adm = ledger.adm
    n_assoc = adm.assoc_need.size
    turn = 0
    for lot in arrival_order(ledger, available_order).tolist():
        if adm.lot_reason[lot]:
            continue
        if rule == "proportional_split":
            _proportional(ledger, lot)
            continue
        for _ in range(n_assoc + 1):
            pairs = ledger.candidates(lot)
            if pairs.size == 0:
                break
            assoc = adm.pair_assoc[pairs]
            if rule == "fcfs":
                hungry = ledger.fill()[assoc] < 1.0
                pick = int(np.argmax(hungry)) if hungry.any() else 0  # pairs are in file order
            elif rule == "round_robin":
                pick = int(np.argmin((assoc - turn) % n_assoc))
            else:
                score = ledger.fill()[assoc]
                if offset is not None:
                    score = score - offset[assoc]
                pick = int(np.argmin(np.nan_to_num(score, nan=np.inf)))
            p = int(pairs[pick])
            a = int(adm.pair_assoc[p])
            given = ledger.give(lot, a, int(adm.pair_days[p]), int(ledger.cartons_left[lot]))
            if rule == "round_robin" and given > 0:
                turn = (a + 1) % n_assoc
            if given <= 0:
                break


def _proportional(ledger: Ledger, lot: int) -> None:
    adm = ledger.adm
    for _ in range(3):
        pairs = ledger.candidates(lot)
        if pairs.size == 0 or ledger.cartons_left[lot] <= 0:
            return
        need = adm.assoc_need[adm.pair_assoc[pairs]]
        room = ledger.policy.max_split - len(ledger.recipients[lot])
        is_new = np.array([a not in ledger.recipients[lot] for a in adm.pair_assoc[pairs].tolist()])
        keep = ~is_new
        if room > 0:
            new_idx = np.flatnonzero(is_new)
            keep[new_idx[np.argsort(-need[new_idx], kind="stable")[:room]]] = True
        pairs, need = pairs[keep], need[keep]
        if pairs.size == 0 or need.sum() <= 0:
            return
        is_new = np.array([a not in ledger.recipients[lot] for a in adm.pair_assoc[pairs].tolist()])
        least = int(np.ceil(ledger.min_new_kg(lot) / adm.lot_unit_kg[lot] - 1e-9))
        cartons = int(ledger.cartons_left[lot])
        while True:  # drop new recipients whose share would be below the minimum delivery
            exact = cartons * need / need.sum()
            share = np.floor(exact).astype(int)
            rest = cartons - int(share.sum())
            share[np.argsort(-(exact - share), kind="stable")[:rest]] += 1
            small = is_new & (share < least)
            if not small.any() or small.all():
                break
            drop = np.flatnonzero(small)[np.argmin(need[small])]
            pairs, need, is_new = (np.delete(v, drop) for v in (pairs, need, is_new))
        before = int(ledger.cartons_left[lot])
        for p, c in zip(pairs.tolist(), share.tolist(), strict=True):
            if c > 0:
                ledger.give(lot, int(adm.pair_assoc[p]), int(adm.pair_days[p]), c)
        if ledger.cartons_left[lot] == before:
            return
