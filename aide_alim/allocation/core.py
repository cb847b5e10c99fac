"""``allocate``: one scenario, one rule → an :class:`Allocation`; ``compare``: every rule.

The pipeline: admissible pairs and the reasons lots can go nowhere
(:mod:`~aide_alim.allocation.admissible`) → for ``leximin``, ``maxmin`` and ``proportional``
the LP over lot classes (:mod:`~aide_alim.allocation.lp_rules`) then whole cartons
(:func:`~aide_alim.allocation.rounding.repair`); for the baselines the same carton ledger with
their own sharing rule (:mod:`~aide_alim.allocation.baselines`) → tables and metrics.

**Memory** (``history``): a mapping association id → past shortfall in the basis (what it
lacked in previous weeks, ≥ 0). ``least_served`` ranks associations by fill ratio minus
shortfall / need; ``leximin`` and ``maxmin`` count the shortfall as negative other supply when
``policy.memory`` is true, so the worst-off over the weeks are raised first. Ids not in the
scenario are ignored (an association may have left). Reported fill ratios are this week's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from aide_alim.allocation.admissible import (
    REASONS_FR,
    TEMPS,
    Admissibility,
    CollectionDays,
    DayLimits,
    DeliveryDays,
    admissibility,
)
from aide_alim.allocation.baselines import BASELINES, run_baseline
from aide_alim.allocation.carton_ledger import Ledger
from aide_alim.allocation.lot_classes import LotClasses, merge_lots
from aide_alim.allocation.lp_rules import solve_rule
from aide_alim.allocation.metrics import allocation_metrics, envy, fill_ratios, proportional_fill
from aide_alim.allocation.result import (
    LINE_COLUMNS,
    UNALLOCATED_COLUMNS,
    Allocation,
    AllocationStatus,
)
from aide_alim.allocation.rounding import repair
from aide_alim.errors import AideAlimError
from aide_alim.scenario.model import RULES, Policy, Scenario

OPTIMISING: tuple[str, ...] = ("leximin", "maxmin", "proportional")


def allocate(
    scenario: Scenario,
    policy: Policy | None = None,
    *,
    solver: str = "highs",
    history: Mapping[str, float] | None = None,
    price_of_fairness: bool = True,
    day_limits: DayLimits | None = None,
    delivery_days: DeliveryDays | None = None,
    collection_days: CollectionDays | None = None,
    _max_total: tuple[float, int, float] | None = None,
) -> Allocation:
    """Share the week's lots out between the associations under ``policy`` (default: the
    scenario's).

    ``solver``: ``"highs"`` (default, HiGHS interior point through PuLP; falls back to CBC with
    a message if HiGHS is missing or fails) or ``"cbc"``. ``history``: past shortfall per
    association id (see module docstring). ``price_of_fairness``: also solve the max-total LP
    (one more solve) to report ``price_of_fairness_kg``. ``day_limits``: date or weekday →
    (total kg, refrigerated kg) the vehicles may deliver that day, lowering the fleet's one load
    per vehicle and day (used by :func:`aide_alim.planning.allocate_and_route` when the rounds
    cannot carry a day's allocation); food they hold back is left with reason
    ``vehicle_capacity``. ``delivery_days``: the planned delivery visits (association, cold) →
    weekday mask (see :mod:`aide_alim.planning`); associations that collect are not limited.
    ``collection_days``: the planned collections (site, cold) → weekday mask; a lot is then
    delivered only after one of them.

    Example::

        >>> alloc = allocate(scenario, scenario.policy.replace(rule="maxmin"))  # doctest: +SKIP
        >>> alloc.metrics["min_fill_ratio"]  # doctest: +SKIP
    """
    if solver not in ("highs", "cbc"):
        raise AideAlimError(f"Expected solver highs or cbc, got {solver!r}.")
    start = time.perf_counter()
    if policy is not None and policy != scenario.policy:
        scenario = scenario.replace(policy=policy)
    policy = scenario.policy
    adm = admissibility(scenario, day_limits, delivery_days, collection_days)
    classes = merge_lots(scenario, adm)
    build = time.perf_counter() - start
    shortfall = _shortfall(scenario, history)
    rule = policy.rule
    ledger = Ledger(adm, policy)
    status, message, solve_s, n_solves = AllocationStatus.FEASIBLE, "", 0.0, 0
    levels: tuple[float, ...] = ()
    size = {
        "lots": len(scenario.lots),
        "associations": len(scenario.associations),
        "pairs": adm.n_pairs,
        "lot_classes": int(classes.kg.size),
    }
    solver_used = ""
    if rule in OPTIMISING:
        memory = shortfall if policy.memory and shortfall is not None else None
        lp = solve_rule(scenario, adm, rule, solver=solver, shortfall=memory, classes=classes)
        build += lp.build_seconds
        solve_s, n_solves, levels, message = (
            lp.solve_seconds,
            lp.n_solves,
            tuple(lp.levels),
            lp.message,
        )
        solver_used = lp.solver_used
        size.update(columns=lp.n_columns, active=lp.n_active, rows=lp.n_rows)
        if lp.status != "optimal":
            status = AllocationStatus(lp.status)
            return _empty(scenario, adm, status, message, build, solve_s, n_solves, start, size)
        status = AllocationStatus.OPTIMAL
        t_rep = time.perf_counter()
        ledger.ceiling = lp.ceiling
        repair(ledger, lp.pair_index, lp.kg, lp.day)
        repair_s = time.perf_counter() - t_rep
    elif rule in BASELINES:
        t_rep = time.perf_counter()
        offset = None
        if shortfall is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                offset = np.where(adm.assoc_need > 0, shortfall / adm.assoc_need, 0.0)
        available = np.array([lot.available.toordinal() for lot in scenario.lots])
        run_baseline(ledger, rule, available, offset)
        repair_s = time.perf_counter() - t_rep
    else:  # pragma: no cover - Policy validates the rule
        raise AideAlimError(f"Unknown rule {rule!r}.")

    max_total = _max_total
    if max_total is None and price_of_fairness:
        max_total = max_total_kg(scenario, adm, classes, solver=solver)
    if max_total is not None:
        solve_s += max_total[2]
        n_solves += max_total[1]
    default_reason = {"proportional": "deviation_cap"}.get(rule, "rule")
    if policy.category_balance and rule in OPTIMISING:
        default_reason = "category_balance"
    return _build(
        scenario,
        adm,
        ledger,
        status=status,
        message=message,
        levels=levels,
        build=build,
        solve=solve_s,
        repair_s=repair_s,
        n_solves=n_solves,
        start=start,
        max_total=None if max_total is None else max_total[0],
        default_reason=default_reason,
        size=size,
        solver=solver_used or (solver if rule in OPTIMISING else ""),
    )


def without_kg(
    scenario: Scenario,
    allocation: Allocation,
    drop: pd.DataFrame,
    *,
    reasons: Mapping[str, str] | None = None,
    default_reason: str = "vehicle_capacity",
    day_limits: DayLimits | None = None,
    delivery_days: DeliveryDays | None = None,
    collection_days: CollectionDays | None = None,
) -> Allocation:
    """``allocation`` less the kg of ``drop`` (columns ``lot``, ``association``, ``day``,
    ``kg``), which go back to the lots' unallocated kg.

    Used when the rounds cannot carry part of the allocation: that food stays at the supplier
    and is reported as unallocated with reason ``reasons[lot]`` (default ``default_reason``)
    instead of being promised and not delivered. A line keeps the kg not dropped, in
    ``ceil(kg / unit_kg)`` cartons at most as many as before. Other lots keep their reason;
    metrics and per-association totals are recomputed. ``scenario``, ``day_limits`` and
    ``delivery_days`` must be those ``allocation`` was made with (the scenario's policy is the
    allocation's).
    """
    start = time.perf_counter()
    adm = admissibility(scenario, day_limits, delivery_days, collection_days)
    ledger = Ledger(adm, scenario.policy)
    lot_i = {lot.id: i for i, lot in enumerate(scenario.lots)}
    assoc_i = {a.id: i for i, a in enumerate(scenario.associations)}
    dropped: dict[tuple[str, str, object], float] = {}
    rows: list[dict[Any, Any]] = drop.to_dict("records")
    for row in rows:
        key = (str(row["lot"]), str(row["association"]), pd.Timestamp(row["day"]).date())
        dropped[key] = dropped.get(key, 0.0) + float(row["kg"])
    given = np.zeros(len(scenario.lots))
    touched: set[int] = set()
    lines: list[dict[Any, Any]] = allocation.lines.to_dict("records")
    for row in lines:
        lot, assoc = str(row["lot"]), str(row["association"])
        li, ai = lot_i[lot], assoc_i[assoc]
        day = pd.Timestamp(row["day"]).date()
        gone = dropped.get((lot, assoc, day), 0.0)
        kg = float(row["kg"]) - min(gone, float(row["kg"]))
        if gone > 1e-6:
            touched.add(li)
        if kg <= 1e-6:
            continue
        units = min(int(row["units"]), int(np.ceil(kg / adm.lot_unit_kg[li] - 1e-9)))
        ledger.lines.append((li, ai, (day - scenario.week_start).days, units, kg))
        given[li] += kg
    ledger.kg_left = np.maximum(adm.lot_kg - given, 0.0)
    before = dict(zip(allocation.unallocated["lot"], allocation.unallocated["reason"], strict=True))
    reasons = reasons or {}
    for i, lot_ in enumerate(scenario.lots):
        if i in touched:
            ledger.reason_override[i] = reasons.get(lot_.id, default_reason)
        elif lot_.id in before:
            ledger.reason_override[i] = str(before[lot_.id])
    pof = allocation.metrics.get("price_of_fairness_kg", float("nan"))
    max_total = float(pof) + float(allocation.metrics.get("kg_distributed", 0.0))
    return _build(
        scenario,
        adm,
        ledger,
        status=allocation.status,
        message=allocation.message,
        levels=allocation.levels,
        build=allocation.build_seconds,
        solve=allocation.solve_seconds,
        repair_s=allocation.repair_seconds + time.perf_counter() - start,
        n_solves=allocation.n_solves,
        start=start - allocation.total_seconds,
        max_total=max_total if np.isfinite(max_total) else None,
        default_reason="rule",
        size=dict(allocation.model_size),
        solver=allocation.solver,
    )


def max_total_kg(
    scenario: Scenario, adm: Admissibility, classes: LotClasses, *, solver: str = "highs"
) -> tuple[float, int, float]:
    """Most kg the limits allow, fairness aside (continuous LP): (kg, solves, seconds)."""
    lp = solve_rule(scenario, adm, "max_total", solver=solver, classes=classes)
    kg = float(lp.kg.sum()) if lp.status == "optimal" else float("nan")
    return kg, lp.n_solves, lp.solve_seconds


def compare(
    scenario: Scenario,
    rules: Iterable[str] = RULES,
    *,
    solver: str = "highs",
    history: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every rule on the same scenario, same metrics: one row per rule.

    Columns: ``rule``, ``status``, ``measured`` (``"allocation"``: the allocation alone,
    before any rounds; see :func:`aide_alim.planning.allocate_and_route` for what the fleet
    carries), then every key of :data:`~aide_alim.allocation.metrics.METRICS`, then
    ``seconds`` and ``n_solves``.
    """
    adm = admissibility(scenario)
    classes = merge_lots(scenario, adm)
    max_total = max_total_kg(scenario, adm, classes, solver=solver)
    rows = []
    for rule in rules:
        policy = scenario.policy.replace(rule=rule)
        alloc = allocate(scenario, policy, solver=solver, history=history, _max_total=max_total)
        rows.append(
            {
                "rule": rule,
                "status": str(alloc.status),
                "measured": "allocation",
                **alloc.metrics,
                "seconds": alloc.total_seconds,
                "n_solves": alloc.n_solves,
            }
        )
    return pd.DataFrame(rows)


def _shortfall(scenario: Scenario, history: Mapping[str, float] | None) -> np.ndarray | None:
    if history is None:
        return None
    out = np.zeros(len(scenario.associations))
    for i, a in enumerate(scenario.associations):
        value = float(history.get(a.id, 0.0))
        if not np.isfinite(value) or value < 0:
            raise AideAlimError(
                f"history: expected a past shortfall >= 0 for association {a.id}, got {value}."
            )
        out[i] = value
    return out


def _empty(
    scenario: Scenario,
    adm: Admissibility,
    status: AllocationStatus,
    message: str,
    build: float,
    solve: float,
    n_solves: int,
    start: float,
    size: dict[str, int],
) -> Allocation:
    ledger = Ledger(adm, scenario.policy)
    alloc = _build(
        scenario,
        adm,
        ledger,
        status=status,
        message=message,
        levels=(),
        build=build,
        solve=solve,
        repair_s=0.0,
        n_solves=n_solves,
        start=start,
        max_total=None,
        default_reason="rule",
        size=size,
        solver="",
    )
    return alloc


def _build(
    scenario: Scenario,
    adm: Admissibility,
    ledger: Ledger,
    *,
    status: AllocationStatus,
    message: str,
    levels: tuple[float, ...],
    build: float,
    solve: float,
    repair_s: float,
    n_solves: int,
    start: float,
    max_total: float | None,
    default_reason: str,
    size: dict[str, int],
    solver: str,
) -> Allocation:
    lots, assocs, policy = scenario.lots, scenario.associations, scenario.policy
    raw = pd.DataFrame(ledger.lines, columns=["l", "a", "d", "units", "kg"])
    raw = raw.groupby(["l", "a", "d"], as_index=False, sort=True)[["units", "kg"]].sum()
    li = raw["l"].to_numpy(dtype=np.int64)
    ai = raw["a"].to_numpy(dtype=np.int64)
    di = raw["d"].to_numpy(dtype=np.int64)
    kg = raw["kg"].to_numpy(dtype=float)
    week = [scenario.date_of(d) for d in range(7)]  # type: ignore[arg-type]
    lines = pd.DataFrame(
        {
            "lot": [lots[i].id for i in li],
            "association": [assocs[i].id for i in ai],
            "day": [week[d] for d in di],
            "kg": kg,
            "units": raw["units"].to_numpy(dtype=np.int64),
            "site": [lots[i].site for i in li],
            "category": [lots[i].category for i in li],
            "temperature": [str(lots[i].temperature) for i in li],
            "value_eur": kg * adm.lot_value[li],
            "price_eur": kg * adm.lot_price[li],
            "collects": adm.assoc_collects[ai],
        },
        columns=list(LINE_COLUMNS),
    )
    left = [i for i in range(len(lots)) if ledger.kg_left[i] > 1e-6]
    reasons = [ledger.reason_left(i, default_reason) for i in left]
    unallocated = pd.DataFrame(
        {
            "lot": [lots[i].id for i in left],
            "kg": [float(ledger.kg_left[i]) for i in left],
            "reason": reasons,
            "reason_fr": [REASONS_FR.get(r, r) for r in reasons],
        },
        columns=list(UNALLOCATED_COLUMNS),
    )

    n_assoc = len(assocs)
    need, other = adm.assoc_need, adm.assoc_other
    received = np.bincount(ai, weights=kg * adm.lot_basis[li], minlength=n_assoc)
    received_kg = np.bincount(ai, weights=kg, minlength=n_assoc)
    value = np.bincount(ai, weights=kg * adm.lot_value[li], minlength=n_assoc)
    paid = np.bincount(ai, weights=kg * adm.lot_price[li], minlength=n_assoc)
    n_lots = np.bincount(ai, minlength=n_assoc)
    fill = fill_ratios(received, other, need)
    ok_lots = np.unique(adm.pair_lot)
    supply = float((adm.lot_kg[ok_lots] * adm.lot_basis[ok_lots]).sum())
    tau = proportional_fill(supply, other, need)
    days_by_assoc: dict[int, set[int]] = {}
    for a, d in zip(ai.tolist(), di.tolist(), strict=True):
        days_by_assoc.setdefault(a, set()).add(d)
    by_association = pd.DataFrame(
        {
            "association": [a.id for a in assocs],
            "name": [a.name for a in assocs],
            "need": need,
            "received": received,
            "received_kg": received_kg,
            "other_supply": other,
            "fill_ratio": fill,
            "fair_share": np.maximum(tau * need - other, 0.0),
            "deviation": fill / tau - 1.0 if tau > 0 else np.zeros(n_assoc),
            "value_eur": value,
            "paid_eur": paid,
            "meals": received_kg / policy.kg_per_meal,
            "n_lots": n_lots,
            "delivery_days": [
                " ".join(week[d].strftime("%a") for d in sorted(days_by_assoc.get(i, ())))
                for i in range(n_assoc)
            ],
        }
    )

    # Envy over groups (category × temperature).
    groups = sorted({(lot.category, int(t)) for lot, t in zip(lots, adm.lot_temp, strict=True)})
    g_index = {g: i for i, g in enumerate(groups)}
    accepts = np.zeros((n_assoc, len(groups)), dtype=bool)
    for i, a in enumerate(assocs):
        for (cat, t), g in g_index.items():
            accepts[i, g] = cat not in a.refuses and a.storage_kg(TEMPS[t]) > 0
    bundles = np.zeros((n_assoc, len(groups)))
    if li.size:
        gi = np.array([g_index[(lots[i].category, int(adm.lot_temp[i]))] for i in li])
        np.add.at(bundles, (ai, gi), kg * adm.lot_basis[li])
    ddm_kg = 0.0
    for lot_i, d, k in zip(li.tolist(), di.tolist(), kg.tolist(), strict=True):
        bb = lots[lot_i].best_before
        if bb is not None and week[d] > bb:
            ddm_kg += k
    deliveries = {
        (a, d) for a, d in zip(ai.tolist(), di.tolist(), strict=True) if not adm.assoc_collects[a]
    }
    kg_total = float(kg.sum())
    metrics = allocation_metrics(
        fill=fill,
        tau=tau,
        envy_matrix=envy(accepts, bundles, need),
        kg_distributed=kg_total,
        kg_offered=float(adm.lot_kg.sum()),
        value_distributed_eur=float(value.sum()),
        value_offered_eur=float((adm.lot_kg * adm.lot_value).sum()),
        paid_eur=float(paid.sum()),
        kg_per_meal=policy.kg_per_meal,
        max_total_kg=max_total,
        kg_past_ddm=ddm_kg,
        n_lines=len(lines),
        n_deliveries=len(deliveries),
    )
    total = time.perf_counter() - start
    return Allocation(
        status=status,
        rule=policy.rule,
        basis=policy.basis,
        lines=lines,
        unallocated=unallocated,
        by_association=by_association,
        metrics=metrics,
        message=message,
        solver=solver,
        levels=levels,
        build_seconds=build,
        solve_seconds=solve,
        repair_seconds=repair_s,
        total_seconds=total,
        n_solves=n_solves,
        model_size=size,
    )
