"""Fairness and volume metrics of an allocation: small pure functions gathered in one dict.

Every rule is scored by :func:`allocation_metrics` with the same definitions. The keys, their
units and meanings are in :data:`METRICS`. "Basis" is the policy's basis of need (kg, € of
market value or meals); a *fill ratio* is (received + other supply) / need in that basis.

The *proportional share* uses τ, the fill ratio every association would have if the supply that
can go somewhere (admissible lots) plus the other supply were split in proportion to need:
``τ = (admissible supply + Σ other supply) / Σ need`` (all in the basis). The deviation of an
association is ``fill / τ − 1`` (0 = exactly its share), the same τ for every rule.
"""

from __future__ import annotations

import numpy as np

#: Metrics only a plan with its rounds has (:func:`aide_alim.planning.allocate_and_route`).
PLAN_ONLY: frozenset[str] = frozenset({"bound_min_fill_ratio", "bound_kg_distributed"})
#: Metric key → (unit, meaning); the keys of :data:`PLAN_ONLY` only after the rounds.
METRICS: dict[str, tuple[str, str]] = {
    "min_fill_ratio": ("ratio", "lowest fill ratio (received + other supply) / need"),
    "mean_fill_ratio": ("ratio", "mean fill ratio over associations"),
    "gini": ("0–1", "Gini index of fill ratios (0 = all equal)"),
    "jain": ("0–1", "Jain index of fill ratios (1 = all equal)"),
    "max_deviation": ("ratio", "largest |fill / τ − 1|, τ = proportional fill ratio"),
    "envy_max": (
        "ratio",
        "largest envy: what an association would count in another's bundle (only the lots it "
        "accepts and can store), scaled to its own need, minus its own, over its need",
    ),
    "envy_pairs": ("count", "ordered pairs of associations with envy above 1 % of need"),
    "kg_distributed": ("kg", "food given out"),
    "value_distributed_eur": ("€", "market value of the food given out"),
    "meals_distributed": ("meals", "food given out in meals (kg / kg_per_meal)"),
    "paid_eur": ("€", "price paid for lots that are sold"),
    "kg_left": ("kg", "food not given out"),
    "value_left_eur": ("€", "market value of the food not given out"),
    "share_distributed": ("ratio", "kg given out / kg offered"),
    "price_of_fairness_kg": (
        "kg",
        "kg the max-total LP (no fairness, same limits, continuous) gives out minus kg given "
        "out here; can be slightly negative (continuous bound vs whole cartons)",
    ),
    "kg_past_ddm": ("kg", "food delivered after its DDM (best-before date)"),
    "n_lines": ("count", "lines (lot, association, day) of the plan"),
    "n_deliveries": ("count", "(association, day) stops of associations that do not collect"),
    "bound_min_fill_ratio": (
        "ratio",
        "highest min fill ratio any plan of this week's fleet can reach (a relaxation of the "
        "planning model with vehicle time per day and window; only after the rounds)",
    ),
    "bound_kg_distributed": (
        "kg",
        "most kg any plan of this week's fleet can give out (same relaxation; only after the "
        "rounds)",
    ),
}


def fill_ratios(received: np.ndarray, other: np.ndarray, need: np.ndarray) -> np.ndarray:
    """(received + other) / need per association; NaN where the need is zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(need > 0, (received + other) / need, np.nan)


def gini(values: np.ndarray) -> float:
    """Gini index of non-negative values (0 = all equal, → 1 = one has everything)."""
    v = np.sort(values[np.isfinite(values)])
    n = v.size
    if n == 0 or v.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * v).sum() / (n * v.sum())) - (n + 1) / n)


def jain(values: np.ndarray) -> float:
    """Jain's fairness index (Σx)² / (n Σx²): 1 when all equal, 1/n when one has everything."""
    v = values[np.isfinite(values)]
    if v.size == 0 or (v**2).sum() <= 0:
        return 1.0
    return float(v.sum() ** 2 / (v.size * (v**2).sum()))


def proportional_fill(admissible_supply: float, other: np.ndarray, need: np.ndarray) -> float:
    """τ: the common fill ratio of a perfectly proportional split [ratio]."""
    total_need = float(need[need > 0].sum())
    if total_need <= 0:
        return 0.0
    return (admissible_supply + float(other[need > 0].sum())) / total_need


def deviations(fill: np.ndarray, tau: float) -> np.ndarray:
    """Relative deviation of each fill ratio from τ (fill / τ − 1)."""
    if tau <= 0:
        return np.zeros_like(fill)
    return fill / tau - 1.0


def envy(accepts: np.ndarray, bundles: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Envy matrix E[i, j] [ratio of i's need].

    ``accepts[i, g]`` is 1 if association i takes lots of group g (category × temperature it
    does not refuse and can store), ``bundles[j, g]`` what j received of group g in the basis.
    i values j's bundle at ``Σ_g accepts[i,g] bundles[j,g]``, scaled by need_i / need_j, and
    envies j by that minus what it values its own bundle, over need_i. Zero on the diagonal.
    """
    value = accepts.astype(float) @ bundles.T  # value[i, j] = i's view of j's bundle
    own = np.diag(value).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = value * (need[:, None] / need[None, :])
        e = (scaled - own[:, None]) / need[:, None]
    e[~np.isfinite(e)] = 0.0
    np.fill_diagonal(e, 0.0)
    return e


def allocation_metrics(
    *,
    fill: np.ndarray,
    tau: float,
    envy_matrix: np.ndarray,
    kg_distributed: float,
    kg_offered: float,
    value_distributed_eur: float,
    value_offered_eur: float,
    paid_eur: float,
    kg_per_meal: float,
    max_total_kg: float | None,
    kg_past_ddm: float,
    n_lines: int,
    n_deliveries: int,
) -> dict[str, float]:
    """Every metric of :data:`METRICS` in one dict."""
    f = fill[np.isfinite(fill)]
    dev = deviations(f, tau)
    positive = envy_matrix[envy_matrix > 0.01]
    return {
        "min_fill_ratio": float(f.min()) if f.size else 0.0,
        "mean_fill_ratio": float(f.mean()) if f.size else 0.0,
        "gini": gini(f),
        "jain": jain(f),
        "max_deviation": float(np.abs(dev).max()) if dev.size else 0.0,
        "envy_max": float(envy_matrix.max(initial=0.0)),
        "envy_pairs": float(positive.size),
        "kg_distributed": kg_distributed,
        "value_distributed_eur": value_distributed_eur,
        "meals_distributed": kg_distributed / kg_per_meal,
        "paid_eur": paid_eur,
        "kg_left": max(kg_offered - kg_distributed, 0.0),
        "value_left_eur": max(value_offered_eur - value_distributed_eur, 0.0),
        "share_distributed": kg_distributed / kg_offered if kg_offered > 0 else 0.0,
        "price_of_fairness_kg": (
            float("nan") if max_total_kg is None else max_total_kg - kg_distributed
        ),
        "kg_past_ddm": kg_past_ddm,
        "n_lines": float(n_lines),
        "n_deliveries": float(n_deliveries),
    }
