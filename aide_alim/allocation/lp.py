"""The linear models of the optimising rules: leximin, max-min and proportional with a cap.

**Lot classes.** Lots with the same temperature class, price, amount per kg in the basis (and
category, when ``category_balance`` is on) and the same admissible pairs (association, possible
delivery days, past-DDM flag) are interchangeable in every constraint, so the LP sees one column
per (lot class, association[, day]) and the class's total kg; this is exact (an allocation to a
class splits back onto its lots) and shrinks the model 10–50× on regional data. The split back
is a north-west-corner walk (largest class lines first, largest lots first), which gives each
lot few recipients. The logistics tie-break uses the class's mean distance.

**Rows** (all in kg unless stated): class supply; storage per association × temperature; budget
per association [€] or the collective fund [€]; per-category upper bound ``(1 + deviation_cap) ×``
the association's need-proportional share of that category (if ``category_balance``); vehicle
capacity per day and its refrigerated part, for associations that do not collect (added, with one
column per possible day, only when a quick bound shows a day could be over-filled; otherwise the
rows are redundant and the day is chosen at rounding); and one fill row per association,
``Σ basis·x / need − t ≥ −other / need``, i.e. fill ratio ≥ t.

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

Solver: HiGHS through PuLP with the interior-point method (``solver="ipm"``, with crossover so the
duals are vertex duals), 4.5× faster than CBC on these wide LPs; CBC (bundled with PuLP) on
request or as fallback. PuLP cannot warm start, so each level is a cold solve of a small model.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pulp

from aide_alim.allocation.admissible import Admissibility
from aide_alim.scenario.model import Scenario

_SLACK = 1e-7
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
    levels: list[float] = field(default_factory=list)
    objective_kg: float = 0.0
    n_solves: int = 0
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    n_classes: int = 0
    n_columns: int = 0
    n_rows: int = 0
    solver_used: str = ""


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


def _group(keys: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Unique keys and, for each, the indices where it occurs."""
    if keys.size == 0:
        return keys, []
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    return sorted_keys[np.r_[0, cuts]], np.split(order, cuts)


class _Model:
    """The PuLP model over lot classes, with the fill rows kept for the leximin loop."""

    def __init__(
        self,
        scenario: Scenario,
        adm: Admissibility,
        classes: LotClasses,
        *,
        fairness: bool,
        shortfall: np.ndarray | None,
    ) -> None:
        policy = scenario.policy
        self.scenario, self.adm, self.classes = scenario, adm, classes
        starts = adm.lot_slices()
        n_assoc = adm.assoc_need.size
        col_class, col_pair, col_day = [], [], []
        with_days = self._days_matter(adm)
        self.with_days = with_days
        for k, lot in enumerate(classes.first_lot.tolist()):
            s, e = int(starts[lot]), int(starts[lot + 1])
            for j, p in enumerate(range(s, e)):
                a = int(adm.pair_assoc[p])
                if with_days and not adm.assoc_collects[a]:
                    for d in range(7):
                        if adm.pair_days[p] >> d & 1:
                            col_class.append(k)
                            col_pair.append((j, p))
                            col_day.append(d)
                else:
                    col_class.append(k)
                    col_pair.append((j, p))
                    col_day.append(-1)
        self.col_class = np.array(col_class, dtype=np.int64)
        self.col_template = np.array([j for j, _ in col_pair], dtype=np.int64)
        rep_pair = np.array([p for _, p in col_pair], dtype=np.int64)
        self.col_day = np.array(col_day, dtype=np.int64)
        self.col_assoc = adm.pair_assoc[rep_pair] if rep_pair.size else rep_pair
        rep_lot = classes.first_lot[self.col_class] if rep_pair.size else rep_pair
        col_temp = adm.lot_temp[rep_lot]
        col_price = adm.lot_price[rep_lot]
        col_basis = adm.lot_basis[rep_lot]
        col_ddm = adm.pair_past_ddm[rep_pair]
        col_km = np.array(
            [classes.km[k][j] for k, j in zip(col_class, self.col_template, strict=True)]
        )
        km_scale = max(float(col_km.max()) if col_km.size else 0.0, 1e-9)
        self.gain = 1.0 - policy.ddm_penalty * col_ddm - 1e-3 * col_km / km_scale

        prob = pulp.LpProblem("allocation", pulp.LpMaximize)
        assoc_ids = [a.id for a in scenario.associations]
        x = [
            prob.add_variable(f"give_{k}_{a}_{assoc_ids[a]}_{d if d >= 0 else 'any'}", 0)
            for k, a, d in zip(col_class.__iter__(), self.col_assoc.tolist(), col_day, strict=True)
        ]
        self.x = x
        self.t = prob.add_variable("t", None)
        cols = np.arange(len(x))

        def add(name: str, idx: np.ndarray, coefs: np.ndarray | None, sense: int, rhs: float):
            co = np.ones(idx.size) if coefs is None else coefs
            expr = pulp.LpAffineExpression(
                zip(map(x.__getitem__, idx.tolist()), co.tolist(), strict=True)
            )
            con = pulp.LpConstraint(expr, sense, name, float(rhs))
            prob.addConstraint(con)
            return con

        le, ge = pulp.LpConstraintLE, pulp.LpConstraintGE
        keys, groups = _group(self.col_class)
        for k, idx in zip(keys.tolist(), groups, strict=True):
            add(f"supply_{k}", idx, None, le, classes.kg[k])
        keys, groups = _group(self.col_assoc * 3 + col_temp)
        for key, idx in zip(keys.tolist(), groups, strict=True):
            a, temp = divmod(key, 3)
            add(f"storage_{a}_{assoc_ids[a]}_{temp}", idx, None, le, adm.assoc_storage[a, temp])
        sold = col_price > 0
        if sold.any():
            if policy.budget == "association":
                keys, groups = _group(self.col_assoc[sold])
                for a, idx in zip(keys.tolist(), groups, strict=True):
                    sub = cols[sold][idx]
                    add(f"budget_{a}_{assoc_ids[a]}", sub, col_price[sub], le, adm.assoc_budget[a])
            else:
                sub = cols[sold]
                add("collective_fund", sub, col_price[sub], le, policy.collective_fund_eur)
        if with_days:
            for d in range(7):
                on_day = cols[self.col_day == d]
                if on_day.size:
                    add(f"vehicles_day{d}", on_day, None, le, adm.day_capacity_kg[d])
                    cold = on_day[col_temp[on_day] > 0]
                    if cold.size:
                        add(f"refrigerated_day{d}", cold, None, le, adm.day_cold_capacity_kg[d])
        if policy.category_balance:
            self._category_rows(add, cols, rep_lot)

        self.fill_rows: dict[int, pulp.LpConstraint] = {}
        self.fixed: dict[int, float] = {}
        self.prob = prob
        self.need = adm.assoc_need
        other = adm.assoc_other.copy()
        if shortfall is not None:
            other = other - shortfall
        self.other = other
        if fairness:
            by_assoc = dict(zip(*_group(self.col_assoc), strict=True))
            for a in range(n_assoc):
                if self.need[a] <= 0:
                    continue
                idx = by_assoc.get(a, np.zeros(0, dtype=np.int64))
                con = add(
                    f"fill_{a}_{assoc_ids[a]}",
                    idx,
                    col_basis[idx] / self.need[a],
                    ge,
                    -other[a] / self.need[a],
                )
                con.expr[self.t] = -1.0
                self.fill_rows[a] = con
                if idx.size == 0:  # nothing can reach it: its level is its other supply
                    self.fix(a, other[a] / self.need[a])
        self.col_basis = col_basis
        self.n_rows = len(prob.constraints)

    @staticmethod
    def _days_matter(adm: Admissibility) -> bool:
        """False when no day's vehicle capacity can be exceeded whatever the allocation."""
        deliver = ~adm.assoc_collects[adm.pair_assoc]
        for d in range(7):
            on = deliver & ((adm.pair_days >> d) & 1).astype(bool)
            if not on.any():
                continue
            for cold_only, cap in (
                (False, adm.day_capacity_kg[d]),
                (True, adm.day_cold_capacity_kg[d]),
            ):
                sel = on & (adm.lot_temp[adm.pair_lot] > 0) if cold_only else on
                if not sel.any():
                    continue
                lots = np.unique(adm.pair_lot[sel])
                assocs = np.unique(adm.pair_assoc[sel])
                temps = [1, 2] if cold_only else [0, 1, 2]
                bound = min(adm.lot_kg[lots].sum(), adm.assoc_storage[assocs][:, temps].sum())
                if bound > cap + 1e-9:
                    return True
        return False

    def _category_rows(
        self, add: Callable[..., object], cols: np.ndarray, rep_lot: np.ndarray
    ) -> None:
        scenario, adm = self.scenario, self.adm
        cap = scenario.policy.deviation_cap
        cats = np.array([scenario.lots[i].category for i in rep_lot.tolist()], dtype=object)
        cat_ids = sorted(set(cats.tolist()))
        lot_cat = np.array([lot.category for lot in scenario.lots], dtype=object)
        for c in cat_ids:
            in_c = cols[cats == c]
            supply = adm.lot_kg[lot_cat == c].sum()
            assocs = np.unique(self.col_assoc[in_c])
            total_need = adm.assoc_need[assocs].sum()
            if total_need <= 0:
                continue
            keys, groups = _group(self.col_assoc[in_c])
            for a, idx in zip(keys.tolist(), groups, strict=True):
                share = supply * adm.assoc_need[a] / total_need
                add(f"category_{a}_{c}", in_c[idx], None, pulp.LpConstraintLE, (1 + cap) * share)

    # -- leximin helpers ------------------------------------------------------------------
    def fix(self, a: int, level: float) -> None:
        """Fix association ``a``'s fill ratio at ≥ ``level`` (minus a tiny slack)."""
        con = self.fill_rows[a]
        con.expr[self.t] = 0.0
        rhs = level - _SLACK * max(1.0, abs(level)) - self.other[a] / self.need[a]
        con.constant = -rhs
        self.fixed[a] = level

    def free(self) -> list[int]:
        return [a for a in self.fill_rows if a not in self.fixed]

    def food_objective(self) -> pulp.LpAffineExpression:
        return pulp.LpAffineExpression(zip(self.x, self.gain.tolist(), strict=True))

    def values(self) -> np.ndarray:
        return np.array([v.varValue or 0.0 for v in self.x])


_banner_silenced = False


def _silence_highs_banner() -> None:
    """HiGHS prints a copyright banner on stdout when its first instance is created, whatever
    the options; the library never prints, so that first instance is made with stdout closed."""
    global _banner_silenced
    if _banner_silenced:
        return
    _banner_silenced = True
    try:
        import highspy
    except ImportError:  # pragma: no cover - CBC fallback handles it
        return
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no real stdout (e.g. some notebook kernels)
        highspy.Highs()
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


class _Solver:
    """Runs PuLP solves, counts them and falls back from HiGHS to CBC."""

    def __init__(self, solver: str) -> None:
        if solver not in ("highs", "cbc"):
            raise ValueError(f"Expected solver highs or cbc, got {solver!r}.")
        self.name = solver
        self.n_solves = 0
        self.seconds = 0.0
        self.message = ""

    def _make(self) -> pulp.LpSolver:
        if self.name == "highs":
            _silence_highs_banner()
            return pulp.HiGHS(msg=False, solver="ipm")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pulp.PULP_CBC_CMD(msg=False)

    def solve(self, prob: pulp.LpProblem) -> str:
        """Solve; returns "optimal", "infeasible" or "failed"."""
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self.name == "highs" and not pulp.HiGHS(msg=False).available():
                    raise pulp.PulpSolverError("HiGHS (highspy) is not installed")
                status = prob.solve(self._make())
        except pulp.PulpSolverError as exc:
            if self.name == "highs":
                self.message = f"HiGHS failed ({exc}); solved with CBC instead."
                self.name = "cbc"
                self.seconds += time.perf_counter() - start
                return self.solve(prob)
            self.seconds += time.perf_counter() - start
            return "failed"
        self.seconds += time.perf_counter() - start
        self.n_solves += 1
        if status == pulp.LpStatusOptimal:
            return "optimal"
        if status == pulp.LpStatusInfeasible:
            return "infeasible"
        return "failed"


def _split_back(model: _Model, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class quantities → (pair index, kg, day) per lot (north-west-corner walk per class)."""
    adm, classes = model.adm, model.classes
    starts = adm.lot_slices()
    positive = values > 1e-7
    out_p: list[np.ndarray] = []
    out_kg: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    lots_by_class = _group(classes.lot_class)
    lot_groups = dict(zip(lots_by_class[0].tolist(), lots_by_class[1], strict=True))
    col_keys, col_groups = _group(model.col_class[positive])
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
    if not out_p:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_p), np.concatenate(out_kg), np.concatenate(out_d)


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
    """
    t0 = time.perf_counter()
    classes = merge_lots(scenario, adm) if classes is None else classes
    model = _Model(scenario, adm, classes, fairness=rule != "max_total", shortfall=shortfall)
    build = time.perf_counter() - t0
    run = _Solver(solver)
    out = LpOutcome(
        status="optimal",
        n_classes=int(classes.kg.size),
        n_columns=len(model.x),
        n_rows=model.n_rows,
    )
    prob = model.prob
    try:
        if not model.x:
            out.message = "no lot can go to any association"
        elif rule in ("leximin", "maxmin"):
            status = _levels(model, run, out, leximin=rule == "leximin")
            if status != "optimal":
                out.status = status
        elif rule == "proportional":
            status = _proportional(model, run, out)
            if status != "optimal":
                out.status = status
        elif rule == "max_total":
            prob.setObjective(model.food_objective())
            out.status = run.solve(prob)
        else:
            raise ValueError(f"Expected an optimising rule, got {rule!r}.")
    finally:
        out.n_solves = run.n_solves
        out.solve_seconds = run.seconds
        out.build_seconds = build
        out.solver_used = run.name
        if run.message:
            out.message = (out.message + " " + run.message).strip()
    if out.status == "optimal" and model.x:
        values = model.values()
        out.objective_kg = float(values.sum())
        t1 = time.perf_counter()
        out.pair_index, out.kg, out.day = _split_back(model, values)
        out.build_seconds += time.perf_counter() - t1
    return out


def _levels(model: _Model, run: _Solver, out: LpOutcome, *, leximin: bool) -> str:
    prob = model.prob
    prob.setObjective(pulp.LpAffineExpression([(model.t, 1.0)]))
    while model.free():
        status = run.solve(prob)
        if status != "optimal":
            out.message = _explain(status, "max-min level")
            return status
        level = float(model.t.varValue or 0.0)
        out.levels.append(level)
        free = model.free()
        if not leximin:
            model.t.lowBound = level - _SLACK * max(1.0, abs(level))
            break
        duals = np.array([abs(model.fill_rows[a].pi or 0.0) for a in free])
        blocked = [a for a, y in zip(free, duals, strict=True) if y > _DUAL_TOL]
        if not blocked:
            blocked = [free[int(np.argmax(duals))]]
        if len(out.levels) >= _MAX_LEVELS:
            blocked = free
        for a in blocked:
            model.fix(a, level)
    prob.setObjective(model.food_objective())
    status = run.solve(prob)
    if status != "optimal":
        out.message = _explain(status, "final (most food)")
    return status


def _proportional(model: _Model, run: _Solver, out: LpOutcome) -> str:
    adm, prob, policy = model.adm, model.prob, model.scenario.policy
    cap = policy.deviation_cap
    lots_ok = np.unique(adm.pair_lot)
    supply = float((adm.lot_kg[lots_ok] * adm.lot_basis[lots_ok]).sum())
    need = adm.assoc_need
    tau = (supply + adm.assoc_other.sum()) / max(need.sum(), 1e-12)
    short = []
    for a, con in model.fill_rows.items():
        con.expr[model.t] = 0.0
        upper = pulp.LpConstraint(
            pulp.LpAffineExpression(
                (v, c) for v, c in con.expr.items() if v is not model.t and c != 0
            ),
            pulp.LpConstraintLE,
            f"cap_{a}",
            (1 + cap) * tau - model.other[a] / need[a],
        )
        prob.addConstraint(upper)
        s = prob.add_variable(f"shortfall_{a}", 0)
        con.expr[s] = 1.0
        con.constant = -((1 - cap) * tau - model.other[a] / need[a])
        short.append(s)
    prob.setObjective(pulp.LpAffineExpression([(s, -1.0) for s in short]))
    status = run.solve(prob)
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
    prob.setObjective(model.food_objective())
    status = run.solve(prob)
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
