"""The allocation LP kept alive in HiGHS (``highspy``) between solves.

``solver="highs"`` (default) drives HiGHS directly for leximin, max-min and max-total: the LP
stays alive between the leximin levels and the column-generation rounds (PuLP rebuilds and
cold-solves the model at every call: with dozens of solves per run its transfer alone cost more
than the solves). Re-solves use the interior-point method: on these degenerate LPs warm dual
simplex after a fixed level took 5–35 s where IPM takes about 1.5 s (département, measured).
During column generation the IPM runs without crossover (the interior duals price columns as
well, and the crossover was most of each round: 3,000–12,000 iterations per round at national
size); when nothing prices out, one crossover from the interior point gives the vertex solution,
whose duals certify the leximin levels and are priced once more. With every column in the model
(small scenarios) IPM crosses over at once, as before, and on large LPs too (over 5,000 rows:
there IPX needs many more iterations without a crossover).
"""

from __future__ import annotations

import time

import numpy as np

from aide_alim.allocation.lp_model import SLACK, LpModel
from aide_alim.allocation.solvers import SolverRun, quiet_highs

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


class HighsModel(LpModel):
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
        rhs = level - SLACK * max(1.0, abs(level)) - self.other[a] / self.need[a]
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

    def solve(self, run: SolverRun) -> str:
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

    def to_vertex(self, run: SolverRun) -> str:
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

    def _read(self, run: SolverRun, start: float) -> str:
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
