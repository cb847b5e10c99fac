"""The optimising rules as sequences of LPs: leximin, max-min and proportional with a cap.

**Leximin** (Ogryczak's iterative max-min with dual certification). Solve max t; the associations
whose fill row has a non-zero dual are *certified blocked*: the duals y ≥ 0 sum to 1 and give
``Σ y_a fill_a ≤ t*`` for every feasible allocation, so none of them can be raised above t* while
the others stay ≥ t*. They are fixed at t* (minus 1e-7 relative slack), t is removed from their
rows, and the LP is solved again; one LP per level (degenerate duals cost at most an extra LP).
Then the levels are fixed and the most food [kg] is distributed, minus ``ddm_penalty`` per kg
past its DDM and a 1e-3 tie-break per kg for the delivery distance (least logistics cost).

**Max-min**: one LP for t*, then the same final stage with every fill ≥ t*.

**Proportional** (Orgut, Ivy & Uzsoy 2016): with τ the common fill ratio a perfectly proportional
split would give (admissible supply + other supply, over total need), every fill ratio must stay
≤ (1 + cap)·τ; the lower bound (1 − cap)·τ is soft (bottleneck associations may not reach it): a
first LP minimises the total shortfall below it, a second distributes the most food with that
shortfall fixed.

Solvers. ``solver="highs"`` (default) solves leximin, max-min and max-total in HiGHS directly
(:mod:`~aide_alim.allocation.lp_highs`); ``"cbc"`` (and the ``proportional`` rule) go through
the PuLP model (:mod:`~aide_alim.allocation.lp_model`) with the same rows and names; if HiGHS
does not finish, the run is redone with CBC and the message says so.

**Days.** When the vans' daily capacity could bind, the rule is first solved without days and
the days are then planned by a small transportation LP; only if no plan fits is the model with
one column per possible day solved (see :func:`solve_rule`).

The LP's class quantities split back onto the lots (:mod:`~aide_alim.allocation.lot_classes`)
by a north-west-corner walk (largest class lines first, largest lots first), which gives each
lot few recipients.

Known limits: the split limit and the minimum delivery are not in the LP (they are binary);
the carton repair enforces them: it chooses a lot's recipients so that they can take the whole
lot and, on small scenarios, uses an exact max-min MIP with both limits
(:mod:`~aide_alim.allocation.split_mip`). With a tight split limit the most food an allocation
can give out at the leximin minimum fill can be below the proportional split's: a real price of
fairness, which that MIP certifies. Exact leximin
needs one LP per distinct level: when supply exceeds need and storage caps differ, that can be
one LP per association.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pulp

from aide_alim.allocation.admissible import Admissibility
from aide_alim.allocation.lot_classes import LotClasses, group_indices, merge_lots
from aide_alim.allocation.lp_highs import HighsModel
from aide_alim.allocation.lp_model import KTH_DAY, POPCOUNT, SLACK, LpModel, solve_cg
from aide_alim.allocation.solvers import SolverRun, highspy_available, quiet_highs
from aide_alim.scenario.model import Scenario

_DUAL_TOL = 1e-7
_MAX_LEVELS = 200


@dataclass
class LpOutcome:
    """Continuous allocation over admissible pairs (before cartons), and how it was found."""

    status: str  #: "optimal", "infeasible" or "failed"
    message: str = ""
    pair_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    kg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    column: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    levels: list[float] = field(default_factory=list)
    objective_kg: float = 0.0
    n_solves: int = 0
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    n_classes: int = 0
    n_columns: int = 0
    n_rows: int = 0
    n_active: int = 0  #: columns that column generation brought into the model
    ceiling: np.ndarray | None = None  #: proportional rule: most each may receive (basis)
    solver_used: str = ""


def _split_back(
    model: LpModel, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Class quantities → (pair index, kg, day, column) per lot line (north-west-corner walk
    per class)."""
    adm, classes = model.adm, model.classes
    starts = adm.lot_slices()
    positive = values > 1e-7
    out_p: list[np.ndarray] = []
    out_kg: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    out_c: list[np.ndarray] = []
    lots_by_class = group_indices(classes.lot_class)
    lot_groups = dict(zip(lots_by_class[0].tolist(), lots_by_class[1], strict=True))
    col_keys, col_groups = group_indices(model.col_class[positive])
    pos_cols = np.flatnonzero(positive)
    for k, idx in zip(col_keys.tolist(), col_groups, strict=True):
        cols = pos_cols[idx]
        cols = cols[np.argsort(-values[cols], kind="stable")]
        lots = lot_groups[k]
        lots = lots[np.argsort(-adm.lot_kg[lots], kind="stable")]
        col_end = np.cumsum(values[cols])
        lot_end = np.cumsum(adm.lot_kg[lots])
        cuts = np.union1d(col_end, lot_end)
        cuts = cuts[cuts <= min(col_end[-1], lot_end[-1]) + 1e-9]
        lo = np.r_[0.0, cuts[:-1]]
        width = cuts - lo
        keep = width > 1e-9
        mid = (lo + cuts)[keep] / 2
        ci = np.minimum(np.searchsorted(col_end, mid), cols.size - 1)
        li = np.minimum(np.searchsorted(lot_end, mid), lots.size - 1)
        lot_idx = lots[li]
        out_p.append(starts[lot_idx] + model.col_template[cols[ci]])
        out_kg.append(width[keep])
        out_d.append(model.col_day[cols[ci]])
        out_c.append(cols[ci])
    if not out_p:
        none = np.zeros(0, dtype=np.int64)
        return none, np.zeros(0), none, none
    return tuple(np.concatenate(v) for v in (out_p, out_kg, out_d, out_c))  # type: ignore[return-value]


def solve_rule(
    scenario: Scenario,
    adm: Admissibility,
    rule: str,
    *,
    solver: str = "highs",
    shortfall: np.ndarray | None = None,
    classes: LotClasses | None = None,
) -> LpOutcome:
    """Continuous allocation for ``leximin``, ``maxmin``, ``proportional`` or ``max_total``.

    ``max_total`` ignores fairness (used for the price of fairness). ``shortfall`` is a past
    shortfall per association in the basis, subtracted from its other supply (memory).

    When the vans' daily capacity could bind, the rule is first solved without the days (one
    column per class and association, no vehicle rows), then :func:`_day_plan` looks for
    delivery days that carry that allocation within every day's capacity. If there are, the
    relaxed optimum is optimal for the model with days too (it is feasible there, and no
    allocation of the larger relaxed set is better); if not, the model with one column per
    possible day is solved, starting from the relaxed allocation's pairs. On the national
    benchmark the relaxation has half the columns and its LPs solve about twice as fast.
    """
    t0 = time.perf_counter()
    classes = merge_lots(scenario, adm) if classes is None else classes
    build = time.perf_counter() - t0
    if not LpModel.days_matter(adm):
        out, _ = _solve(scenario, adm, rule, solver, shortfall, classes, with_days=False)
    elif not highspy_available():
        out, _ = _solve(scenario, adm, rule, solver, shortfall, classes, with_days=True)
    else:
        out, model = _solve(scenario, adm, rule, solver, shortfall, classes, with_days=False)
        seed = None
        if out.status == "optimal" and model is not None:
            t1 = time.perf_counter()
            values = model.values()
            plan = _day_plan(model, values)
            out.build_seconds += time.perf_counter() - t1
            if plan is not None:
                _apply_day_plan(out, plan)
                out.build_seconds += build
                return out
            seed = _pair_key(model, np.flatnonzero(values > 1e-7))
        if out.status == "infeasible":  # the model with days only has more rows
            out.build_seconds += build
            return out
        relaxed = out
        model = None  # free the relaxed model before building the one with days
        out, _ = _solve(scenario, adm, rule, solver, shortfall, classes, with_days=True, seed=seed)
        out.n_solves += relaxed.n_solves
        out.solve_seconds += relaxed.solve_seconds
        out.build_seconds += relaxed.build_seconds
    out.build_seconds += build
    return out


def food_bound(scenario: Scenario, adm: Admissibility) -> tuple[float, float]:
    """What no plan can beat, the fleet aside: (the highest minimum fill ratio, the most kg
    [kg]) of the allocation LP without vehicle rows and without category balance (supply,
    storage, budgets and the admissible pairs only).

    A relaxation of the planning model of :mod:`aide_alim.planning.model` (same rows for the
    food, fewer columns there): a valid, looser bound that takes seconds where the planning
    model has millions of columns (two LPs here, by column generation). NaN if HiGHS fails.
    """
    policy = scenario.policy
    if policy.category_balance:
        scenario = scenario.replace(policy=policy.replace(category_balance=False))
    need = adm.assoc_need
    with np.errstate(divide="ignore", invalid="ignore"):
        alone = np.where(need > 0, adm.assoc_other / need, np.inf)
    if not highspy_available():
        return float("nan"), float("nan")
    classes = merge_lots(scenario, adm)
    model = HighsModel(scenario, adm, classes, fairness=True, shortfall=None, with_days=False)
    if model.n_columns == 0:
        worst = float(alone.min()) if alone.size else float("nan")
        return worst, 0.0
    run = SolverRun("highs")
    model.activate(model.initial_columns())
    # Associations no lot can reach are fixed at their other supply by the model.
    fill = min(model.fixed.values(), default=float("inf"))
    if model.free():
        model.set_level_objective()
        if solve_cg(model, run, np.zeros(model.n_columns), 1.0) != "optimal":
            return float("nan"), float("nan")
        fill = min(fill, model.t_value())
    # Most kg: t stays free, so the fill rows do not bind.
    model.gain = np.ones(model.n_columns)
    model.set_food_objective()
    if solve_cg(model, run, model.gain, 0.0) != "optimal":
        return fill, float("nan")
    return fill, float(model.values().sum())


def _solve(
    scenario: Scenario,
    adm: Admissibility,
    rule: str,
    solver: str,
    shortfall: np.ndarray | None,
    classes: LotClasses,
    *,
    with_days: bool,
    seed: np.ndarray | None = None,
) -> tuple[LpOutcome, LpModel | None]:
    """One model of the rule, with or without the days (see :func:`solve_rule`); ``seed``:
    (class, association) keys whose columns start in the model. Returns the outcome and the
    solved model (None if it was redone with CBC)."""
    t0 = time.perf_counter()
    direct = solver == "highs" and rule != "proportional" and highspy_available()
    kind = HighsModel if direct else LpModel
    model = kind(
        scenario,
        adm,
        classes,
        fairness=rule != "max_total",
        shortfall=shortfall,
        with_days=with_days,
    )
    start = model.initial_columns()
    if seed is not None and model.n_columns:
        start = np.union1d(start, np.flatnonzero(np.isin(_pair_key(model), seed)))
    model.activate(start)
    build = time.perf_counter() - t0
    run = SolverRun(solver)
    out = LpOutcome(status="optimal", n_classes=int(classes.kg.size), n_columns=model.n_columns)
    try:
        if model.n_columns == 0:
            out.message = "no lot can go to any association"
        elif rule in ("leximin", "maxmin"):
            out.status = _levels(model, run, out, leximin=rule == "leximin")
        elif rule == "proportional":
            out.status = _proportional(model, run, out)
        elif rule == "max_total":
            model.set_food_objective()
            out.status = solve_cg(model, run, model.gain, 0.0)
        else:
            raise ValueError(f"Expected an optimising rule, got {rule!r}.")
    finally:
        out.n_solves = run.n_solves
        out.solve_seconds = run.seconds
        out.build_seconds = build
        out.solver_used = run.name
        out.n_rows = len(model.rows)
        out.n_active = int(model.active.sum())
        if run.message:
            out.message = (out.message + " " + run.message).strip()
    # With levels fixed the LP is feasible by construction (the fixed ones are met by the
    # solution that set them): "infeasible" there is HiGHS's tolerance against the levels'
    # tiny slack, seen on abundant supply with many levels. CBC then redoes the run.
    numerical = out.status == "infeasible" and bool(model.fixed)
    if direct and (out.status == "failed" or numerical):
        retry, retry_model = _solve(
            scenario, adm, rule, "cbc", shortfall, classes, with_days=with_days, seed=seed
        )
        why = (
            "it found the levels already fixed infeasible within its tolerance"
            if numerical
            else out.message
        )
        retry.message = (
            f"HiGHS did not finish ({why}); solved with CBC instead. {retry.message}"
        ).strip()
        retry.n_solves += out.n_solves
        retry.solve_seconds += out.solve_seconds
        retry.build_seconds += out.build_seconds
        return retry, retry_model
    if out.status == "optimal" and model.n_columns:
        values = model.values()
        out.objective_kg = float(values.sum())
        t1 = time.perf_counter()
        out.pair_index, out.kg, out.day, out.column = _split_back(model, values)
        out.build_seconds += time.perf_counter() - t1
    return out, model


def _pair_key(model: LpModel, cols: np.ndarray | None = None) -> np.ndarray:
    """(class, association) key of columns ``cols`` (all by default)."""
    cols = np.arange(model.n_columns) if cols is None else cols
    return model.col_class[cols] * model.adm.assoc_need.size + model.col_assoc[cols]


def _day_plan(
    model: LpModel, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Delivery days for a solution of the model without days: (column, day, share of the
    column's kg) for the vans' associations, such that no day carries more than its van
    capacity (total and refrigerated), or None if there are no such days.

    A small transportation LP: one variable per positive column and possible day, and the
    largest share of a day's capacity used, which it minimises: the load is spread over the
    days, so that the rounds that follow are not all packed on the same days (on the Dijon week
    the rounds held back 460 kg of a plan that only had to fit, 53 kg of the balanced one).
    """
    import highspy

    adm = model.adm
    cols = np.flatnonzero((values > 1e-7) & ~adm.assoc_collects[model.col_assoc])
    if cols.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    masks = model.col_days[cols].astype(np.int64)
    counts = POPCOUNT[masks]
    var_col = np.repeat(np.arange(cols.size), counts)
    rank = np.arange(var_col.size) - np.repeat(np.cumsum(counts) - counts, counts)
    var_day = KTH_DAY[masks[var_col], rank]
    cold = adm.lot_temp[model.classes.first_lot[model.col_class[cols]]] > 0
    n_vars, n = var_col.size, cols.size
    use = n_vars  #: the variable of the largest share of a day's capacity used
    capacity = np.r_[adm.day_capacity_kg, adm.day_cold_capacity_kg]
    # rows: one per column (its kg over its days), then 7 van rows and 7 refrigerated rows,
    # each ``load − capacity · use ≤ 0``
    days = np.arange(14)
    every = np.arange(n_vars)
    row = np.r_[var_col, n + var_day, np.where(cold[var_col], n + 7 + var_day, -1), n + days]
    var = np.r_[every, every, every, np.full(14, use)]
    coef = np.r_[np.ones(3 * n_vars), -capacity]
    keep = (row >= 0) & (coef != 0)
    row, var, coef = row[keep], var[keep], coef[keep]
    order = np.lexsort((var, row))
    row, var, coef = row[order], var[order], coef[order]
    n_rows = n + 14
    kg = values[cols]
    h = quiet_highs()
    inf = highspy.kHighsInf
    h.addVars(n_vars + 1, np.zeros(n_vars + 1), np.r_[np.full(n_vars, inf), 1.0])
    h.changeColCost(use, 1.0)
    lower = np.r_[kg * (1 - 1e-9), np.full(14, -inf)]
    upper = np.r_[kg, np.zeros(14)]
    starts = np.searchsorted(row, np.arange(n_rows)).astype(np.int32)
    h.addRows(n_rows, lower, upper, row.size, starts, var.astype(np.int32), coef)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    z = np.asarray(h.getSolution().col_value)[:n_vars]
    share = z / kg[var_col]
    on = share > 1e-9
    return cols[var_col[on]], var_day[on], share[on]


def _apply_day_plan(out: LpOutcome, plan: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Split the lines of ``out`` over the planned days of their columns (pair index, kg, day
    and column per line). Lines of columns without a plan (the associations that collect) keep
    day -1."""
    plan_col, plan_day, plan_share = plan
    if plan_col.size == 0:
        return
    order = np.argsort(plan_col, kind="stable")
    plan_col, plan_day, plan_share = plan_col[order], plan_day[order], plan_share[order]
    lo = np.searchsorted(plan_col, out.column, side="left")
    counts = np.searchsorted(plan_col, out.column, side="right") - lo
    reps = np.maximum(counts, 1)  # a line without a plan stays one line
    line = np.repeat(np.arange(out.column.size), reps)
    k = np.arange(line.size) - np.repeat(np.cumsum(reps) - reps, reps)
    planned = counts[line] > 0
    entry = np.where(planned, lo[line] + k, 0)
    out.pair_index, out.column = out.pair_index[line], out.column[line]
    out.kg = out.kg[line] * np.where(planned, plan_share[entry], 1.0)
    out.day = np.where(planned, plan_day[entry], out.day[line])


def _levels(model: LpModel, run: SolverRun, out: LpOutcome, *, leximin: bool) -> str:
    zero = np.zeros(model.n_columns)
    while model.free():
        model.set_level_objective()
        status = solve_cg(model, run, zero, 1.0)
        if status != "optimal":
            out.message = _explain(status, "max-min level")
            return status
        level = model.t_value()
        out.levels.append(level)
        free = model.free()
        if not leximin:
            model.set_t_lower(level - SLACK * max(1.0, abs(level)))
            break
        duals = np.abs(np.array([model.fill_dual(a) for a in free]))
        blocked = [a for a, y in zip(free, duals, strict=True) if y > _DUAL_TOL]
        if not blocked:
            blocked = [free[int(np.argmax(duals))]]
        if len(out.levels) >= _MAX_LEVELS:
            blocked = free
        for a in blocked:
            model.fix(a, level)
    model.set_food_objective()
    status = solve_cg(model, run, model.gain, 0.0)
    if status != "optimal":
        out.message = _explain(status, "final (most food)")
    return status


def _proportional(model: LpModel, run: SolverRun, out: LpOutcome) -> str:
    adm, prob, policy = model.adm, model.prob, model.scenario.policy
    cap = policy.deviation_cap
    lots_ok = np.unique(adm.pair_lot)
    supply = float((adm.lot_kg[lots_ok] * adm.lot_basis[lots_ok]).sum())
    need = adm.assoc_need
    tau = (supply + adm.assoc_other.sum()) / max(need.sum(), 1e-12)
    out.ceiling = (1 + cap) * tau * need - model.other + 1e-6 * np.maximum(need, 1.0)
    short = []
    cap_row = np.full(need.size, -1, dtype=np.int64)
    for a, con in model.fill_rows.items():
        con.expr[model.t] = 0.0
        upper = pulp.LpConstraint(
            pulp.LpAffineExpression(
                (v, c) for v, c in con.expr.items() if v is not model.t and c != 0
            ),
            pulp.LpConstraintLE,
            f"cap_{a}",
            max((1 + cap) * tau - model.other[a] / need[a], 0.0),  # other supply may exceed it
        )
        prob.addConstraint(upper)
        cap_row[a] = len(model.rows)
        model.rows.append(upper)
        s = prob.add_variable(f"shortfall_{a}", 0)
        con.expr[s] = 1.0
        con.constant = -((1 - cap) * tau - model.other[a] / need[a])
        short.append(s)
    model.families.append((cap_row[model.col_assoc], model.fill_coef))
    model.n_rows = len(model.rows)
    prob.setObjective(pulp.LpAffineExpression([(s, -1.0) for s in short]))
    status = solve_cg(model, run, np.zeros(model.n_columns), 0.0)
    if status != "optimal":
        out.message = _explain(status, "proportional shortfall")
        return status
    total = sum(float(s.varValue or 0.0) for s in short)
    out.levels.append(tau)
    prob.addConstraint(
        pulp.LpConstraint(
            pulp.LpAffineExpression([(s, 1.0) for s in short]),
            pulp.LpConstraintLE,
            "total_shortfall",
            total + 1e-7 * max(1.0, total),
        )
    )
    model.set_food_objective()
    status = solve_cg(model, run, model.gain, 0.0)
    if status != "optimal":
        out.message = _explain(status, "proportional final")
    return status


def _explain(status: str, stage: str) -> str:
    if status == "infeasible":
        return (
            f"The {stage} model is infeasible: the limits contradict each other "
            "(check negative storage, budgets or fixed levels)."
        )
    return f"The solver did not finish the {stage} model (status {status})."
