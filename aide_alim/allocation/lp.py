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
capacity per day and its refrigerated part, for associations that do not collect (only in the
model with days, see **Days** below); and one fill row per association,
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

Solvers. ``solver="highs"`` (default) drives HiGHS directly through ``highspy`` for leximin,
max-min and max-total: the LP stays alive between the leximin levels and the column-generation
rounds (PuLP rebuilds and cold-solves the model at every call: with dozens of solves per run
its transfer alone cost more than the solves). Re-solves use the interior-point method: on
these degenerate LPs warm dual simplex after a fixed level took 5–35 s where IPM takes about
1.5 s (département, measured). During column generation the IPM runs without crossover (the
interior duals price columns as well, and the crossover was most of each round: 3,000–12,000
iterations per round at national size); when nothing prices out, one crossover from the interior
point gives the vertex solution, whose duals certify the leximin levels and are priced once
more. With every column in the model (small scenarios) IPM crosses over at once, as before, and
on large LPs too (over 5,000 rows: there IPX needs many more iterations without a crossover).
``"cbc"`` (and the ``proportional`` rule) go through the PuLP model with the same rows and
names; if HiGHS does not finish, the run is redone with CBC and the message says so.

**Column generation.** Only a few columns are in the LP at first (every column below 20,000
columns; else the support of a greedy water-filling allocation, about one column per class and
association, and 4 associations per class); after each solve the reduced cost of every other
column is computed from the duals in one numpy pass and the attractive ones (plus each
association's 4 best) are added, until none prices out. The restricted LP is then optimal for
the full LP and its duals certify the leximin levels.

**Days.** When the vans' daily capacity could bind, the rule is first solved without days and
the days are then planned by a small transportation LP; only if no plan fits is the model with
one column per possible day solved (see :func:`solve_rule`).

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

import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pulp

from aide_alim.allocation.admissible import Admissibility
from aide_alim.scenario.model import Scenario

if TYPE_CHECKING:
    import highspy

_SLACK = 1e-7
_DUAL_TOL = 1e-7
_MAX_LEVELS = 200
_FULL_MODEL_COLUMNS = 20_000  #: below this, every column is in the model from the start
_CG_TOL = 1e-7
_CG_PER_ASSOC = 4
_IPM = -1
#: column-generation rounds skip the crossover only up to this many rows. Measured under the
#: same load: département (2,411 rows) 1.6 → 0.44 s per round without it (leximin 23.6 → 16.8 s
#: solve); national (17,817 rows) IPX then needs 78–99 instead of 47–57 iterations from the 4th
#: round on (4 rounds: 99 s with crossover, 114 s without).
_NO_CROSSOVER_MAX_ROWS = 5_000
_PRIMAL = 4  #: HiGHS simplex_strategy: primal simplex
#: primal simplex iterations a column-generation round may take before IPM takes over
#: (benchmarks: rounds near a level's optimum take 16-800 iterations, early rounds 7,000-10,000;
#: a failed attempt costs 0.3-3 s at national size, the last rounds then take 2 s, not 40 s)
_PRIMAL_ROUND_ITERATIONS = 1_000
_NO_LIMIT = 2_147_483_647
#: number of days in a 7-bit day mask, and the k-th day of a mask (-1 if none)
_POPCOUNT = np.array([bin(m).count("1") for m in range(128)], dtype=np.int64)
_KTH_DAY = np.array(
    [[([d for d in range(7) if m >> d & 1] + [-1] * 7)[k] for k in range(7)] for m in range(128)],
    dtype=np.int64,
)


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
            reps = np.where(expand, _POPCOUNT[days], 1)
            col_class, col_template, rep_pair, days, expand, col_km = (
                np.repeat(v, reps)
                for v in (col_class, col_template, rep_pair, days, expand, col_km)
            )
            rank = np.arange(col_class.size) - np.repeat(np.cumsum(reps) - reps, reps)
            col_day = np.where(expand, _KTH_DAY[days, np.minimum(rank, 6)], -1)
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
        rhs = level - _SLACK * max(1.0, abs(level)) - self.other[a] / self.need[a]
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

    # -- backend operations (PuLP here; :class:`_HighsModel` drives highspy directly) ------
    def solve(self, run: _Solver) -> str:
        return run.solve(self.prob)

    def to_vertex(self, run: _Solver) -> str:
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
        keys, groups = _group(self.col_class)
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


class _HighsModel(_Model):
    """The same model, kept alive in HiGHS (highspy) between solves.

    PuLP rebuilds and cold-solves the whole model at every call; the leximin loop and column
    generation re-solve the same LP dozens of times with small changes, so for HiGHS the rows
    and columns go straight to a ``highspy.Highs`` instance that is modified in place (new
    columns, a fixed level, a new objective). Re-solves after new columns or a fixed level use
    IPM; after a new objective, primal simplex from the current basis. The rows are those of
    the PuLP model (same names, same bounds), so both backends solve the same LP.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        import highspy

        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.highspy = highspy
        h = quiet_highs()
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        inf = highspy.kHighsInf
        lower = np.array([r.getLb() if r.getLb() is not None else -inf for r in self.rows])
        upper = np.array([r.getUb() if r.getUb() is not None else inf for r in self.rows])
        n = len(self.rows)
        h.addRows(
            n,
            lower,
            upper,
            0,
            np.zeros(n, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        fill_index = {id(con): i for i, con in enumerate(self.rows)}
        self.fill_row_index = {a: fill_index[id(con)] for a, con in self.fill_rows.items()}
        t_rows = np.array(
            [self.fill_row_index[a] for a in self.fill_rows if a not in self.fixed], dtype=np.int32
        )
        h.addCols(
            1,
            np.zeros(1),
            np.array([-inf]),
            np.array([inf]),
            t_rows.size,
            np.zeros(1, dtype=np.int32),
            t_rows,
            -np.ones(t_rows.size),
        )
        self.h = h
        for a, level in self.fixed.items():
            self._fix_row(a, level)
        self.col_of = np.full(self.n_columns, -1, dtype=np.int64)  # HiGHS column of each column
        self.order: list[int] = []
        self.col_value = np.zeros(1)
        self.row_dual = np.zeros(n)
        self._strategy = 1
        self._primal_cap: int | None = None
        self.vertex = False

    def _fix_row(self, a: int, level: float) -> None:
        if not hasattr(self, "h"):
            return
        row = self.fill_row_index[a]
        self.h.changeCoeff(row, 0, 0.0)
        rhs = level - _SLACK * max(1.0, abs(level)) - self.other[a] / self.need[a]
        self.h.changeRowBounds(row, rhs, self.highspy.kHighsInf)

    def fix(self, a: int, level: float) -> None:
        super().fix(a, level)
        self._fix_row(a, level)

    def activate(self, cols: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size == 0:
            return
        rows = np.stack([row_of[cols] for row_of, _ in self.families])
        coefs = np.stack([coef[cols] for _, coef in self.families])
        keep = (rows >= 0) & (coefs != 0)
        counts = keep.sum(axis=0)
        starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int32)
        index = rows.T[keep.T].astype(np.int32)
        value = coefs.T[keep.T].astype(float)
        costs = self.gain[cols] if self.food_stage else np.zeros(cols.size)
        inf = self.highspy.kHighsInf
        self.h.addCols(
            cols.size,
            costs,
            np.zeros(cols.size),
            np.full(cols.size, inf),
            index.size,
            starts,
            index,
            value,
        )
        first = 1 + len(self.order)
        self.col_of[cols] = np.arange(first, first + cols.size)
        self.order.extend(cols.tolist())
        self.active[cols] = True
        # New columns at zero keep the current basis primal feasible: primal simplex goes on
        # from it, for at most ``_PRIMAL_ROUND_ITERATIONS`` iterations in the level stage
        # (then a fresh IPM: when the level still moves a lot, IPM is faster). National
        # benchmark: the last rounds of a level took 0.1 s instead of 36-39 s with IPM.
        if self.vertex:
            self._strategy = _PRIMAL
            self._primal_cap = None if self.food_stage else _PRIMAL_ROUND_ITERATIONS
        else:
            self._strategy = _IPM

    def solve(self, run: _Solver) -> str:
        start = time.perf_counter()
        if self._strategy == _IPM:
            # No crossover during the rounds: the interior duals price columns as well and
            # the crossover was two thirds of each round; ``to_vertex`` crosses over once,
            # when no column prices out.
            # (With every column in the model there are no rounds: cross over at once. On
            # large LPs IPX stops earlier when a crossover follows: there crossing over every
            # round was faster, see ``_NO_CROSSOVER_MAX_ROWS``.)
            whole = bool(self.active.all()) or self.h.getNumRow() > _NO_CROSSOVER_MAX_ROWS
            self.h.setOptionValue("solver", "ipm")
            self.h.setOptionValue("run_crossover", "on" if whole else "off")
            self.vertex = whole
        else:
            self.h.setOptionValue("solver", "simplex")
            self.h.setOptionValue("simplex_strategy", self._strategy)
            if self._primal_cap is not None:
                self.h.setOptionValue("simplex_iteration_limit", self._primal_cap)
            self.vertex = True
        self.h.run()
        if self._primal_cap is not None:
            self.h.setOptionValue("simplex_iteration_limit", _NO_LIMIT)
            self._primal_cap = None
            if self.h.getModelStatus() == self.highspy.HighsModelStatus.kIterationLimit:
                run.n_solves += 1
                run.seconds += time.perf_counter() - start
                self._strategy = _IPM
                return self.solve(run)
        self._strategy = _IPM  # after a level is fixed: IPM is steadier than dual simplex here
        run.n_solves += 1
        return self._read(run, start)

    def to_vertex(self, run: _Solver) -> str:
        """Cross over from the interior solution to an optimal vertex (basic) solution, whose
        duals certify the leximin levels and whose few positive columns make the allocation."""
        if self.vertex:
            return "optimal"
        start = time.perf_counter()
        self.h.crossover(self.h.getSolution())
        if self.h.getModelStatus() != self.highspy.HighsModelStatus.kOptimal:
            # crossover did not finish: solve again with the usual IPM + crossover
            self.h.setOptionValue("solver", "ipm")
            self.h.setOptionValue("run_crossover", "on")
            self.h.run()
            run.n_solves += 1
        self.vertex = True
        return self._read(run, start)

    def _read(self, run: _Solver, start: float) -> str:
        status = self.h.getModelStatus()
        solution = self.h.getSolution()
        self.col_value = np.asarray(solution.col_value)
        self.row_dual = np.asarray(solution.row_dual)
        run.seconds += time.perf_counter() - start
        model_status = self.highspy.HighsModelStatus
        if status == model_status.kOptimal:
            return "optimal"
        if status in (model_status.kInfeasible, model_status.kUnboundedOrInfeasible):
            return "infeasible"
        return "failed"

    def _set_costs(self, t_cost: float, x_costs: np.ndarray) -> None:
        n = 1 + len(self.order)
        costs = np.r_[t_cost, x_costs].astype(float)
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), costs)

    def set_level_objective(self) -> None:
        self.food_stage = False
        self._set_costs(1.0, np.zeros(len(self.order)))

    def set_food_objective(self) -> None:
        self.food_stage = True
        self._set_costs(0.0, self.gain[np.array(self.order, dtype=np.int64)])
        self._strategy = _PRIMAL  # a new objective keeps the basis primal feasible

    def t_value(self) -> float:
        return float(self.col_value[0])

    def set_t_lower(self, value: float) -> None:
        self.h.changeColBounds(0, value, self.highspy.kHighsInf)

    def fill_dual(self, a: int) -> float:
        return float(self.row_dual[self.fill_row_index[a]])

    def duals(self) -> np.ndarray:
        return np.r_[self.row_dual, 0.0]

    def values(self) -> np.ndarray:
        out = np.zeros(self.n_columns)
        if self.order:
            out[np.array(self.order)] = self.col_value[1 : 1 + len(self.order)]
        return out

    def basic_columns(self) -> np.ndarray:
        if not self.order:
            return np.zeros(0, dtype=np.int64)
        order = np.array(self.order, dtype=np.int64)
        return order[self.col_value[1 : 1 + order.size] > 1e-7]


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


def quiet_highs() -> highspy.Highs:
    """A new HiGHS instance that prints nothing: the banner silenced, the log off (the library
    never writes on stdout, where ``--json`` output goes)."""
    _silence_highs_banner()
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


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


def _highspy_available() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def _split_back(
    model: _Model, values: np.ndarray
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
        out_c.append(cols[ci])
    if not out_p:
        none = np.zeros(0, dtype=np.int64)
        return none, np.zeros(0), none, none
    return tuple(np.concatenate(v) for v in (out_p, out_kg, out_d, out_c))  # type: ignore[return-value]


def _solve_cg(model: _Model, run: _Solver, cost: np.ndarray, t_cost: float) -> str:
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


def _dual_sign(model: _Model, y: np.ndarray, cost: np.ndarray, t_cost: float) -> float:
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
    if not _Model.days_matter(adm):
        out, _ = _solve(scenario, adm, rule, solver, shortfall, classes, with_days=False)
    elif not _highspy_available():
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
    if not _highspy_available():
        return float("nan"), float("nan")
    classes = merge_lots(scenario, adm)
    model = _HighsModel(scenario, adm, classes, fairness=True, shortfall=None, with_days=False)
    if model.n_columns == 0:
        worst = float(alone.min()) if alone.size else float("nan")
        return worst, 0.0
    run = _Solver("highs")
    model.activate(model.initial_columns())
    # Associations no lot can reach are fixed at their other supply by the model.
    fill = min(model.fixed.values(), default=float("inf"))
    if model.free():
        model.set_level_objective()
        if _solve_cg(model, run, np.zeros(model.n_columns), 1.0) != "optimal":
            return float("nan"), float("nan")
        fill = min(fill, model.t_value())
    # Most kg: t stays free, so the fill rows do not bind.
    model.gain = np.ones(model.n_columns)
    model.set_food_objective()
    if _solve_cg(model, run, model.gain, 0.0) != "optimal":
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
) -> tuple[LpOutcome, _Model | None]:
    """One model of the rule, with or without the days (see :func:`solve_rule`); ``seed``:
    (class, association) keys whose columns start in the model. Returns the outcome and the
    solved model (None if it was redone with CBC)."""
    t0 = time.perf_counter()
    direct = solver == "highs" and rule != "proportional" and _highspy_available()
    kind = _HighsModel if direct else _Model
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
    run = _Solver(solver)
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
            out.status = _solve_cg(model, run, model.gain, 0.0)
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


def _pair_key(model: _Model, cols: np.ndarray | None = None) -> np.ndarray:
    """(class, association) key of columns ``cols`` (all by default)."""
    cols = np.arange(model.n_columns) if cols is None else cols
    return model.col_class[cols] * model.adm.assoc_need.size + model.col_assoc[cols]


def _day_plan(
    model: _Model, values: np.ndarray
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
    counts = _POPCOUNT[masks]
    var_col = np.repeat(np.arange(cols.size), counts)
    rank = np.arange(var_col.size) - np.repeat(np.cumsum(counts) - counts, counts)
    var_day = _KTH_DAY[masks[var_col], rank]
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


def _levels(model: _Model, run: _Solver, out: LpOutcome, *, leximin: bool) -> str:
    zero = np.zeros(model.n_columns)
    while model.free():
        model.set_level_objective()
        status = _solve_cg(model, run, zero, 1.0)
        if status != "optimal":
            out.message = _explain(status, "max-min level")
            return status
        level = model.t_value()
        out.levels.append(level)
        free = model.free()
        if not leximin:
            model.set_t_lower(level - _SLACK * max(1.0, abs(level)))
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
    status = _solve_cg(model, run, model.gain, 0.0)
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
    status = _solve_cg(model, run, np.zeros(model.n_columns), 0.0)
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
    status = _solve_cg(model, run, model.gain, 0.0)
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
