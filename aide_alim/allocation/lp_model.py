"""The allocation LP over lot classes (PuLP), and its solve by column generation.

**Rows** (all in kg unless stated): class supply; storage per association × temperature; budget
per association [€] or the collective fund [€]; per-category upper bound ``(1 + deviation_cap) ×``
the association's need-proportional share of that category (if ``category_balance``); vehicle
capacity per day and its refrigerated part, for associations that do not collect (only in the
model with days: one column per possible day); and one fill row per association,
``Σ basis·x / need − t ≥ −other / need``, i.e. fill ratio ≥ t.

**Column generation.** Only a few columns are in the LP at first (every column below 20,000
columns; else the support of a greedy water-filling allocation, about one column per class and
association, and 4 associations per class); after each solve the reduced cost of every other
column is computed from the duals in one numpy pass and the attractive ones (plus each
association's 4 best) are added, until none prices out (:func:`solve_cg`). The restricted LP is
then optimal for the full LP and its duals certify the leximin levels.

:class:`LpModel` holds the rows in PuLP; :class:`~aide_alim.allocation.lp_highs.HighsModel`
keeps the same LP alive in HiGHS.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pulp

from aide_alim.allocation.admissible import Admissibility
from aide_alim.allocation.lot_classes import LotClasses, group_indices
from aide_alim.allocation.solvers import SolverRun
from aide_alim.scenario.model import Scenario

SLACK = 1e-7  #: relative slack under a fixed fill level
_FULL_MODEL_COLUMNS = 20_000  #: below this, every column is in the model from the start
_CG_TOL = 1e-7
_CG_PER_ASSOC = 4
#: number of days in a 7-bit day mask, and the k-th day of a mask (-1 if none)
POPCOUNT = np.array([bin(m).count("1") for m in range(128)], dtype=np.int64)
KTH_DAY = np.array(
    [[([d for d in range(7) if m >> d & 1] + [-1] * 7)[k] for k in range(7)] for m in range(128)],
    dtype=np.int64,
)


class LpModel:
    """The PuLP model over lot classes, solved by column generation.

    Every (class, association[, day]) column is known up front as numpy arrays, but only the
    *active* ones are PuLP variables. After each solve the reduced cost of every inactive
    column is computed from the row duals in one vectorised pass, and the most attractive
    columns are added until none prices out: the restricted LP is then optimal for the full LP
    and its duals are valid for the leximin certification. A leximin LP uses a few thousand
    of the hundreds of thousands of columns of a département, so each solve stays small.
    """

    def __init__(
        self,
        scenario: Scenario,
        adm: Admissibility,
        classes: LotClasses,
        *,
        fairness: bool,
        shortfall: np.ndarray | None,
        with_days: bool,
    ) -> None:
        policy = scenario.policy
        self.scenario, self.adm, self.classes = scenario, adm, classes
        starts = adm.lot_slices()
        n_assoc = adm.assoc_need.size
        self.with_days = with_days
        # Columns: one per template pair of each class (× possible day when days matter).
        first = classes.first_lot
        counts = (starts[first + 1] - starts[first]).astype(np.int64)
        col_class = np.repeat(np.arange(first.size), counts)
        col_template = np.arange(col_class.size) - np.repeat(np.cumsum(counts) - counts, counts)
        rep_pair = starts[first][col_class] + col_template if col_class.size else col_class
        col_day = np.full(col_class.size, -1, dtype=np.int64)
        col_km = np.concatenate(classes.km) if classes.km else np.zeros(0)
        if with_days and col_class.size:
            expand = ~adm.assoc_collects[adm.pair_assoc[rep_pair]]
            days = adm.pair_days[rep_pair].astype(np.int64)
            reps = np.where(expand, POPCOUNT[days], 1)
            col_class, col_template, rep_pair, days, expand, col_km = (
                np.repeat(v, reps)
                for v in (col_class, col_template, rep_pair, days, expand, col_km)
            )
            rank = np.arange(col_class.size) - np.repeat(np.cumsum(reps) - reps, reps)
            col_day = np.where(expand, KTH_DAY[days, np.minimum(rank, 6)], -1)
        self.col_class, self.col_template, self.col_day = col_class, col_template, col_day
        self.col_days = adm.pair_days[rep_pair]  #: day mask of each column's pair
        self.col_assoc = adm.pair_assoc[rep_pair]
        rep_lot = first[col_class]
        col_temp = adm.lot_temp[rep_lot]
        self.col_price = col_price = adm.lot_price[rep_lot]
        self.col_basis = col_basis = adm.lot_basis[rep_lot]
        col_ddm = adm.pair_past_ddm[rep_pair]
        km_scale = max(float(col_km.max()) if col_km.size else 0.0, 1e-9)
        self.gain = 1.0 - policy.ddm_penalty * col_ddm - 1e-3 * col_km / km_scale
        n_cols = col_class.size
        self.n_columns = n_cols

        self.prob = prob = pulp.LpProblem("allocation", pulp.LpMaximize)
        self.t = prob.add_variable("t", None)
        self.rows: list[pulp.LpConstraint] = []
        self.families: list[tuple[np.ndarray, np.ndarray]] = []
        assoc_ids = [a.id for a in scenario.associations]
        self.assoc_ids = assoc_ids
        le, ge = pulp.LpConstraintLE, pulp.LpConstraintGE

        def family(
            keys: np.ndarray,
            mask: np.ndarray,
            coefs: np.ndarray,
            make: Callable[[int], tuple[str, int, float]],
        ) -> None:
            """Rows for the distinct ``keys`` of the masked columns (``make(key)`` → row)."""
            row_of = np.full(n_cols, -1, dtype=np.int64)
            uniq = np.unique(keys[mask])
            index = {}
            for key in uniq.tolist():
                name, sense, rhs = make(key)
                index[key] = len(self.rows)
                con = pulp.LpConstraint(pulp.LpAffineExpression(), sense, name, float(rhs))
                prob.addConstraint(con)
                self.rows.append(con)
            if uniq.size:
                pos = np.searchsorted(uniq, keys[mask])
                row_of[mask] = np.array([index[k] for k in uniq.tolist()])[pos]
            self.families.append((row_of, np.where(mask, coefs, 0.0)))

        every = np.ones(n_cols, dtype=bool)
        one = np.ones(n_cols)
        family(col_class, every, one, lambda k: (f"supply_{k}", le, classes.kg[k]))
        family(
            self.col_assoc * 3 + col_temp,
            every,
            one,
            lambda key: (
                f"storage_{key // 3}_{assoc_ids[key // 3]}_{key % 3}",
                le,
                adm.assoc_storage[key // 3, key % 3],
            ),
        )
        sold = col_price > 0
        if sold.any():
            if policy.budget == "association":
                family(
                    self.col_assoc,
                    sold,
                    col_price,
                    lambda a: (f"budget_{a}_{assoc_ids[a]}", le, adm.assoc_budget[a]),
                )
            else:
                family(
                    np.zeros(n_cols, dtype=np.int64),
                    sold,
                    col_price,
                    lambda _: ("collective_fund", le, policy.collective_fund_eur),
                )
        if with_days:
            on_day = col_day >= 0
            family(col_day, on_day, one, lambda d: (f"vehicles_day{d}", le, adm.day_capacity_kg[d]))
            family(
                col_day,
                on_day & (col_temp > 0),
                one,
                lambda d: (f"refrigerated_day{d}", le, adm.day_cold_capacity_kg[d]),
            )
        if policy.category_balance:
            self._category_family(family, rep_lot)

        self.need = adm.assoc_need
        other = adm.assoc_other.copy()
        if shortfall is not None:
            other = other - shortfall
        self.other = other
        self.fill_rows: dict[int, pulp.LpConstraint] = {}
        self.fixed: dict[int, float] = {}
        if fairness:
            need_pos = self.need > 0
            fill_row = np.full(n_assoc, -1, dtype=np.int64)
            for a in np.flatnonzero(need_pos).tolist():
                expr = pulp.LpAffineExpression([(self.t, -1.0)])
                con = pulp.LpConstraint(
                    expr, ge, f"fill_{a}_{assoc_ids[a]}", -other[a] / self.need[a]
                )
                prob.addConstraint(con)
                fill_row[a] = len(self.rows)
                self.rows.append(con)
                self.fill_rows[a] = con
            with np.errstate(divide="ignore", invalid="ignore"):
                coef = np.where(need_pos[self.col_assoc], col_basis / self.need[self.col_assoc], 0)
            self.families.append((fill_row[self.col_assoc], coef))
            self.fill_coef = coef
            has_cols = np.zeros(n_assoc, dtype=bool)
            has_cols[self.col_assoc] = True
            for a in list(self.fill_rows):
                if not has_cols[a]:  # nothing can reach it: its level is its other supply
                    self.fix(a, other[a] / self.need[a])
        self.x: dict[int, pulp.LpVariable] = {}
        self.active = np.zeros(n_cols, dtype=bool)
        self.food_stage = False
        self.vertex = True  #: the last solution is a vertex (basic) one
        self.n_rows = len(self.rows)

    @staticmethod
    def days_matter(adm: Admissibility) -> bool:
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

    def _category_family(self, family: Callable[..., None], rep_lot: np.ndarray) -> None:
        scenario, adm = self.scenario, self.adm
        cap = scenario.policy.deviation_cap
        lot_cat = [lot.category for lot in scenario.lots]
        cat_ids = sorted(set(lot_cat))
        cat_of = {c: i for i, c in enumerate(cat_ids)}
        col_cat = np.array([cat_of[lot_cat[i]] for i in rep_lot.tolist()], dtype=np.int64)
        lot_cat_i = np.array([cat_of[c] for c in lot_cat], dtype=np.int64)
        supply = np.bincount(lot_cat_i, weights=adm.lot_kg, minlength=len(cat_ids))
        total_need = np.zeros(len(cat_ids))
        for c in range(len(cat_ids)):
            assocs = np.unique(self.col_assoc[col_cat == c])
            total_need[c] = adm.assoc_need[assocs].sum()
        n = len(cat_ids)
        keys = self.col_assoc * n + col_cat
        ok = total_need[col_cat] > 0

        def make(key: int) -> tuple[str, int, float]:
            a, c = divmod(key, n)
            share = supply[c] * adm.assoc_need[a] / total_need[c]
            return f"category_{a}_{cat_ids[c]}", pulp.LpConstraintLE, (1 + cap) * share

        family(keys, ok, np.ones(keys.size), make)

    # -- columns ------------------------------------------------------------------------
    def activate(self, cols: np.ndarray) -> None:
        """Make columns ``cols`` PuLP variables and put them in their rows (and objective)."""
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size == 0:
            return
        ids = self.assoc_ids
        new = [
            (j, self.prob.add_variable(f"give_{k}_{a}_{ids[a]}_{d if d >= 0 else 'any'}_{j}", 0))
            for j, k, a, d in zip(
                cols.tolist(),
                self.col_class[cols].tolist(),
                self.col_assoc[cols].tolist(),
                self.col_day[cols].tolist(),
                strict=True,
            )
        ]
        variables = [v for _, v in new]
        self.x.update(new)
        self.active[cols] = True
        rows = self.rows
        for row_of, coef in self.families:
            r = row_of[cols]
            c = coef[cols]
            keep = r >= 0
            for ri, v, co in zip(
                r[keep].tolist(),
                np.asarray(variables, dtype=object)[keep],
                c[keep].tolist(),
                strict=True,
            ):
                rows[ri].expr[v] = co
        if self.food_stage:
            objective = self.prob.objective
            for j, v in new:
                objective[v] = float(self.gain[j])
        for con in rows:
            con.modified = True

    def duals(self) -> np.ndarray:
        return np.array([r.pi or 0.0 for r in self.rows] + [0.0])

    def reduced(self, y: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """cost − Aᵀy for every column, with the row duals ``y`` in max form."""
        ay = np.zeros(self.n_columns)
        for row_of, coef in self.families:
            ay += coef * y[row_of]  # row -1 picks the trailing 0
        return cost - ay

    # -- leximin helpers ------------------------------------------------------------------
    def fix(self, a: int, level: float) -> None:
        """Fix association ``a``'s fill ratio at ≥ ``level`` (minus a tiny slack)."""
        con = self.fill_rows[a]
        con.expr[self.t] = 0.0
        rhs = level - SLACK * max(1.0, abs(level)) - self.other[a] / self.need[a]
        con.constant = -rhs
        self.fixed[a] = level

    def free(self) -> list[int]:
        return [a for a in self.fill_rows if a not in self.fixed]

    def set_food_objective(self) -> None:
        self.food_stage = True
        self.prob.setObjective(
            pulp.LpAffineExpression((v, float(self.gain[j])) for j, v in self.x.items())
        )

    def values(self) -> np.ndarray:
        out = np.zeros(self.n_columns)
        for j, v in self.x.items():
            out[j] = v.varValue or 0.0
        return out

    # -- backend operations (PuLP here; ``lp_highs.HighsModel`` drives highspy directly) ---
    def solve(self, run: SolverRun) -> str:
        return run.solve(self.prob)

    def to_vertex(self, run: SolverRun) -> str:
        """The PuLP solvers return a vertex solution already."""
        return "optimal"

    def set_level_objective(self) -> None:
        self.food_stage = False
        self.prob.setObjective(pulp.LpAffineExpression([(self.t, 1.0)]))

    def t_value(self) -> float:
        return float(self.t.varValue or 0.0)

    def set_t_lower(self, value: float) -> None:
        self.t.lowBound = value

    def fill_dual(self, a: int) -> float:
        return float(self.fill_rows[a].pi or 0.0)

    def basic_columns(self) -> np.ndarray:
        """Active columns with a positive value (for the dual sign check)."""
        return np.array(
            [j for j, v in self.x.items() if (v.varValue or 0.0) > 1e-7], dtype=np.int64
        )

    def initial_columns(self, per_class: int = 4) -> np.ndarray:
        """Columns to start from: every column if the model is small; else the support of a
        greedy allocation (:meth:`_greedy_support`) plus ``per_class`` associations per class
        (rotated, so the load spreads). The greedy support starts column generation near the
        max-min level with a restricted LP of a few columns per row: on the national benchmark
        the restricted LP starts at 50 k columns instead of 161 k and ends at 149 k instead of
        384 k, in 7 rounds as before."""
        if self.n_columns <= _FULL_MODEL_COLUMNS:
            return np.arange(self.n_columns)
        keys, groups = group_indices(self.col_class)
        picks = [self._greedy_support(keys, groups)]
        for k, idx in zip(keys.tolist(), groups, strict=True):
            if idx.size <= per_class:
                picks.append(idx)
            else:
                start = (k * 7919) % idx.size
                picks.append(np.take(idx, np.arange(start, start + per_class), mode="wrap"))
        return np.unique(np.concatenate(picks))

    def _greedy_support(self, keys: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
        """Columns of a quick allocation that ignores every row but supply and fill.

        Classes are taken from the fewest takers to the most. A first pass water-fills each
        class into its takers with the lowest fill ratio, which gives each association a
        plausible level; a second pass hands each class, lowest fill ratio first, to as few
        takers as it takes to bring them to that level. Every day column of the chosen
        (class, association) pairs is returned: about one pair per class and association,
        the size of an optimal basis.
        """
        need = np.where(self.need > 0, self.need, np.inf)
        takers = []
        for idx in groups:
            assoc, first = np.unique(self.col_assoc[idx], return_index=True)
            takers.append((idx, assoc, float(self.col_basis[idx[first[0]]])))
        order = np.argsort([a.size for _, a, _ in takers], kind="stable")
        supply = self.classes.kg[keys]
        level = np.where(self.need > 0, self.other / need, np.inf)
        for i in order.tolist():
            _, assoc, basis = takers[i]
            lv, w = level[assoc], need[assoc]
            o = np.argsort(lv, kind="stable")
            lv, w = lv[o], w[o]
            # basis needed to bring the j lowest to the level of the (j+1)-th
            cw = np.cumsum(w)
            with np.errstate(invalid="ignore"):  # takers without need: inf − inf, sorted last
                cost = cw * lv - np.cumsum(w * lv)
            j = max(int(np.searchsorted(cost, supply[i] * basis, side="right")), 1)
            if np.isfinite(cw[j - 1]):
                raised = (supply[i] * basis + np.sum(w[:j] * lv[:j])) / cw[j - 1]
                level[assoc[o[:j]]] = np.maximum(lv[:j], raised)
        goal = np.where(np.isfinite(level), level, 0.0) * self.need
        got = self.other.copy()
        picks = []
        for i in order.tolist():
            idx, assoc, basis = takers[i]
            o = assoc[np.argsort(got[assoc] / need[assoc], kind="stable")]
            room = np.maximum(goal[o] - got[o], 0.0)
            before = np.cumsum(room) - room
            give = np.clip(supply[i] * basis - before, 0.0, room)
            chosen = o[give > 0] if (give > 0).any() else o[:1]
            got[o] += give
            picks.append(idx[np.isin(self.col_assoc[idx], chosen)])
        return np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)


def solve_cg(model: LpModel, run: SolverRun, cost: np.ndarray, t_cost: float) -> str:
    """Solve the current stage to optimality over all columns (column generation).

    ``cost`` is each column's objective coefficient (max form), ``t_cost`` that of t.
    """
    batch = max(1000, 2 * model.n_rows)
    status = model.solve(run)
    while True:
        if status != "optimal":
            return status
        cand = np.zeros(0, dtype=np.int64)
        if not model.active.all():
            y = model.duals()
            sign = _dual_sign(model, y, cost, t_cost)
            r = model.reduced(sign * y, cost)
            r[model.active] = -np.inf
            cand = np.flatnonzero(r > _CG_TOL)
        if cand.size == 0:
            if model.vertex:
                return status
            # the interior duals price nothing more in: cross over and price again with the
            # vertex duals (the ones the leximin certification uses)
            status = model.to_vertex(run)
            continue
        top = cand[np.argsort(-r[cand], kind="stable")[:batch]]
        # Also each association's best few columns, attractive or nearly so: the duals of a
        # max-min LP are degenerate, and this cuts the number of rounds by about half.
        inactive = np.flatnonzero(~model.active)
        order = inactive[np.lexsort((-r[inactive], model.col_assoc[inactive]))]
        assoc_sorted = model.col_assoc[order]
        rank = np.arange(order.size) - np.searchsorted(assoc_sorted, assoc_sorted, side="left")
        near = order[(rank < _CG_PER_ASSOC) & np.isfinite(r[order])]
        model.activate(np.union1d(top, near))
        status = model.solve(run)


def _dual_sign(model: LpModel, y: np.ndarray, cost: np.ndarray, t_cost: float) -> float:
    """+1 if the solver's duals are max-form shadow prices, −1 if min-form (HiGHS through
    PuLP reports the duals of the minimisation it solves): the sign for which the reduced
    cost of the basic columns vanishes."""
    cols = model.basic_columns()
    if cols.size:
        ay = np.zeros(cols.size)
        for row_of, coef in model.families:
            ay += coef[cols] * y[row_of[cols]]
        plus = np.abs(cost[cols] - ay).max()
        minus = np.abs(cost[cols] + ay).max()
        return 1.0 if plus <= minus else -1.0
    # only t is basic: its column is −1 in the free fill rows
    sum_free = sum(model.fill_dual(a) for a in model.free())
    return 1.0 if abs(t_cost + sum_free) <= abs(t_cost - sum_free) else -1.0
