"""Lot classes: the interchangeable lots the allocation LP sees as one.

Lots with the same temperature class, price, amount per kg in the basis (and category, when
``category_balance`` is on) and the same admissible pairs (association, possible delivery days,
past-DDM flag) are interchangeable in every constraint, so the LP sees one column per (lot class,
association[, day]) and the class's total kg; this is exact (an allocation to a class splits back
onto its lots, see :mod:`~aide_alim.allocation.lp_rules`) and shrinks the model 10–50× on
regional data. The logistics tie-break uses the class's mean distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aide_alim.allocation.admissible import Admissibility
from aide_alim.scenario.model import Scenario


@dataclass(frozen=True)
class LotClasses:
    """Interchangeable lots merged into classes (see module docstring)."""

    lot_class: np.ndarray  #: class of each lot (-1 if admissible nowhere)
    first_lot: np.ndarray  #: a representative lot of each class
    kg: np.ndarray  #: total kg of each class
    km: list[np.ndarray]  #: mean delivery distance per template pair of each class


def merge_lots(scenario: Scenario, adm: Admissibility) -> LotClasses:
    """Group the lots into classes of interchangeable lots."""
    starts = adm.lot_slices()
    balance = scenario.policy.category_balance
    cats = [lot.category for lot in scenario.lots]
    keys: dict[tuple[object, ...], int] = {}
    lot_class = np.full(adm.lot_kg.size, -1, dtype=np.int64)
    first: list[int] = []
    for lot in range(adm.lot_kg.size):
        s, e = int(starts[lot]), int(starts[lot + 1])
        if s == e:
            continue
        key = (
            int(adm.lot_temp[lot]),
            float(adm.lot_price[lot]),
            float(adm.lot_basis[lot]),
            cats[lot] if balance else "",
            adm.pair_assoc[s:e].tobytes(),
            adm.pair_days[s:e].tobytes(),
            adm.pair_past_ddm[s:e].tobytes(),
        )
        k = keys.setdefault(key, len(keys))
        if k == len(first):
            first.append(lot)
        lot_class[lot] = k
    n = len(first)
    kg = np.bincount(lot_class[lot_class >= 0], weights=adm.lot_kg[lot_class >= 0], minlength=n)
    km_sum: list[np.ndarray] = [np.zeros(int(starts[f + 1] - starts[f])) for f in first]
    for lot in np.flatnonzero(lot_class >= 0).tolist():
        k = int(lot_class[lot])
        km_sum[k] = km_sum[k] + adm.pair_km[starts[lot] : starts[lot + 1]] * adm.lot_kg[lot]
    km = [km_sum[k] / max(kg[k], 1e-12) for k in range(n)]
    return LotClasses(lot_class, np.array(first, dtype=np.int64), kg, km)


def group_indices(keys: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Unique keys and, for each, the indices where it occurs."""
    if keys.size == 0:
        return keys, []
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    return sorted_keys[np.r_[0, cuts]], np.split(order, cuts)
