"""The planning model: which food goes to whom on which day, and which visits carry it.

A mixed-integer model over the week, solved as linear programmes (HiGHS, through ``highspy``):

- ``x[k, a, d]`` kg of lot group ``k`` delivered to association ``a`` on day ``d`` (the
  admissible pairs and days of :mod:`aide_alim.allocation.admissible`: reach, refusals, storage,
  DLC against open days); lots with the same site, temperature and admissible pairs are merged
  into one group;
- ``z[k, c]`` kg of group ``k`` collected on day ``c`` (site open, lot available, a vehicle of
  its class working; the hub's own stock needs none); what is delivered by day ``d`` must have
  been collected by day ``d`` (in the ``direct`` model, on day ``d`` itself);
- visits ``y[v]`` (:class:`~aide_alim.planning.fleet.Visit`; 0 or 1, relaxed to [0, 1] in the
  LPs): deliveries of cold or ambient food to an association that does not collect,
  collections at a site; food moves only through an open visit;
- supply, storage per temperature class, budgets, and the fill rows ``fill_a ≥ t``;
- **vehicle time** per vehicle class (refrigerated; all), day and interval ``[s, e]`` between
  window and shift breakpoints: the visits whose windows lie in ``[s, e]`` (their stop time,
  travel and handling per kg) fit in the vehicle minutes of that class within ``[s, e]``.
  Cold visits count in both classes' rows: refrigerated time goes to cold food first, ambient
  food takes a refrigerated van only where the ambient vans' time is used up.

**Two uses.** With *lower-bound* times (shortest travel into each place, the fixed stop time
paid once per place and day, the first leg of each vehicle before ``s`` left out), every plan
the rounds can carry satisfies the rows (with its visits at 0 or 1), so the relaxation's
optimum is a **valid upper bound** on the minimum fill ratio and on the kg carried. With
*estimated* times (mean travel from the nearest places, scaled per class and day by what the
solved rounds really took) its solution is the week's *skeleton*: the visits the rounds are
asked to make, where the fair allocation then puts the food. Capacity cuts from failed rounds
(:class:`Cut`) lower the minutes of one class, day and interval.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from aide_alim.allocation.admissible import Admissibility, days_of
from aide_alim.allocation.solvers import quiet_highs
from aide_alim.planning.fleet import Fleet, Visit, intervals
from aide_alim.scenario.model import Day, Lot, Scenario

if TYPE_CHECKING:
    import highspy

BIG = 1e7
MAX_FILL = 100.0
"""Upper bound of the fill ratio variable (keeps the LP well scaled)."""
MARGIN = 0.8
"""Share of the vehicle minutes the skeleton may plan: the rounds lose time to waiting for
windows, to collecting before delivering and to returns to the hub that the estimate does not
see (Dijon week: at 0.9 the refrigerated van's Friday morning overflows)."""


@dataclass(frozen=True)
class Cut:
    """At most ``minutes`` of vehicle time of the class (``cold``) on ``day`` for visits whose
    windows lie in ``[start, end]`` (learnt from rounds that could not serve more)."""

    cold: bool
    day: int
    start: int
    end: int
    minutes: float


@dataclass
class Groups:
    """Lots merged into groups: same site, temperature, price, basis and admissible pairs."""

    site: list[str]
    temp: np.ndarray  #: 0 ambient, 1 chilled, 2 frozen
    kg: np.ndarray
    price: np.ndarray
    basis: np.ndarray
    collect_days: list[list[int]]  #: days the group can be collected (empty: at the hub)
    pairs: list[tuple[np.ndarray, np.ndarray]]  #: (associations, day masks)


def planning_size(adm: Admissibility) -> int:
    """Delivery columns the planning model would have at most: the admissible (lot,
    association) pairs times their possible delivery days (lots are grouped, so fewer)."""
    days = np.unpackbits(adm.pair_days.astype(np.uint8)[:, None], axis=1)
    return int(days.sum())


def group_lots(scenario: Scenario, adm: Admissibility, fleet: Fleet) -> Groups:
    starts = adm.lot_slices()
    keys: dict[tuple[object, ...], int] = {}
    site: list[str] = []
    temp: list[int] = []
    kg: list[float] = []
    price: list[float] = []
    basis: list[float] = []
    collect_days: list[list[int]] = []
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    direct = scenario.logistics.model == "direct"
    for i, lot in enumerate(scenario.lots):
        s, e = int(starts[i]), int(starts[i + 1])
        if s == e:
            continue
        cdays = _collection_days(scenario, lot, fleet, direct)
        key = (
            lot.site,
            int(adm.lot_temp[i]),
            float(adm.lot_price[i]),
            float(adm.lot_basis[i]),
            tuple(cdays),
            adm.pair_assoc[s:e].tobytes(),
            adm.pair_days[s:e].tobytes(),
        )
        g = keys.setdefault(key, len(keys))
        if g == len(site):
            site.append(lot.site)
            temp.append(int(adm.lot_temp[i]))
            kg.append(0.0)
            price.append(float(adm.lot_price[i]))
            basis.append(float(adm.lot_basis[i]))
            collect_days.append(cdays)
            pairs.append((adm.pair_assoc[s:e].copy(), adm.pair_days[s:e].copy()))
        kg[g] += float(adm.lot_kg[i])
    return Groups(
        site=site,
        temp=np.array(temp, dtype=np.int64),
        kg=np.array(kg),
        price=np.array(price),
        basis=np.array(basis),
        collect_days=collect_days,
        pairs=pairs,
    )


def _collection_days(scenario: Scenario, lot: Lot, fleet: Fleet, direct: bool) -> list[int]:
    """Weekdays the lot can be collected (empty: it is at the hub)."""
    if lot.site == scenario.hub and not direct:
        return []
    site = scenario.site_by_id[lot.site]
    cold = lot.temperature.needs_cold
    first = (lot.available - scenario.week_start).days
    return [
        d for d in range(max(first, 0), 7) if Day(d) in site.open_days and fleet.working(d, cold)
    ]


@dataclass
class PlanningSolution:
    """What one solve of the planning model gives."""

    status: str  #: "optimal", "time_limit" (a solution, not proven), "infeasible", "error"
    min_fill: float  #: t of the solution
    kg: float  #: kg delivered
    dual_bound: float  #: HiGHS's bound on the objective (valid even when stopped early)
    objective: str  #: "min_fill" or "kg"
    visits: list[Visit] = field(default_factory=list)  #: open visits
    visit_value: np.ndarray = field(default_factory=lambda: np.zeros(0))  #: per model visit
    delivered: dict[tuple[str, int, bool], float] = field(default_factory=dict)
    collected: dict[tuple[str, int, bool], float] = field(default_factory=dict)
    fill: np.ndarray = field(default_factory=lambda: np.zeros(0))
    used_minutes: dict[tuple[bool, int, int, int], float] = field(default_factory=dict)
    seconds: float = 0.0


class PlanningModel:
    """The planning MILP of one week (see module docstring).

    ``times``: ``"bound"`` (lower-bound times) or ``"estimate"``; ``factor``: per (cold, day),
    the scale of the estimated travel; ``cuts``: capacity cuts from failed rounds;
    ``extra``: more resources for the fleet advice (see :mod:`aide_alim.planning.advice`).
    """

    def __init__(
        self,
        scenario: Scenario,
        adm: Admissibility,
        fleet: Fleet,
        *,
        times: str = "estimate",
        factor: Mapping[tuple[bool, int], float] | None = None,
        cuts: Iterable[Cut] = (),
        groups: Groups | None = None,
        margin: float = MARGIN,
    ) -> None:
        self.margin = margin
        self.row_cap: dict[str, float] = {}
        self.scenario = scenario
        self.adm = adm
        self.fleet = fleet
        self.times = times
        self.groups = groups or group_lots(scenario, adm, fleet)
        self.factor = dict(factor or {})
        self.cuts = list(cuts)
        self._link_d_visit: dict[tuple[str, int, bool], int] = {}
        self._link_d_big: dict[tuple[str, int, bool], float] = {}
        self._link_c_visit: dict[tuple[str, int, bool], int] = {}
        self._link_c_big: dict[tuple[str, int, bool], float] = {}
        self._z: list[tuple[int, int, int]] = []
        self._h: highspy.Highs | None = None
        self._place_day_col: list[int] = []
        self._build()

    # --- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        sc, adm, fleet, gr = self.scenario, self.adm, self.fleet, self.groups
        assocs = sc.associations
        direct = sc.logistics.model == "direct"
        cols_lb: list[float] = []
        cols_ub: list[float] = []
        rows: dict[str, list[tuple[int, float]]] = {}
        row_lb: dict[str, float] = {}
        row_ub: dict[str, float] = {}

        def col(lb: float, ub: float) -> int:
            cols_lb.append(lb)
            cols_ub.append(ub)
            return len(cols_lb) - 1

        def add(row: str, j: int, coef: float, lb: float = -np.inf, ub: float = np.inf) -> None:
            if row not in rows:
                rows[row] = []
                row_lb[row], row_ub[row] = lb, ub
            rows[row].append((j, coef))

        self.t = col(0.0, MAX_FILL)
        # Peak share of vehicle time used, over every class, day and interval: the skeleton
        # keeps it low (a small cost), so the week's visits spread over the days instead of
        # piling on the last one; at most ``margin`` (1 for the bound).
        self.peak = col(0.0, 1.0 if self.times == "bound" else self.margin)
        visits: dict[tuple[str, str, int, bool], int] = {}
        visit_of: list[Visit] = []

        def visit(kind: str, place: str, day: int, cold: bool) -> int:
            key = (kind, place, day, cold)
            j = visits.get(key)
            if j is None:
                if kind == "delivery":
                    w = sc.association_by_id[place].receive_window
                else:
                    w = sc.site_by_id[place].window
                v = fleet.visit(kind, place, day, cold, (w.start_min, w.end_min))
                j = col(0.0, 1.0)
                visits[key] = j
                visit_of.append(v)
                self._visit_col.append(j)
            return j

        self._visit_col: list[int] = []
        x_group: list[int] = []
        x_assoc: list[int] = []
        x_day: list[int] = []
        x_col: list[int] = []
        storage = adm.assoc_storage
        for g in range(gr.kg.size):
            cold = bool(gr.temp[g] > 0)
            pa, pd_ = gr.pairs[g]
            z_cols: dict[int, int] = {}
            if gr.collect_days[g]:
                for c in gr.collect_days[g]:
                    z_cols[c] = col(0.0, float(gr.kg[g]))
                    vc = visit("collection", gr.site[g], c, cold)
                    add(f"link_c:{gr.site[g]}:{c}:{int(cold)}", z_cols[c], 1.0, ub=0.0)
                    self._link_c_big[(gr.site[g], c, cold)] = self._link_c_big.get(
                        (gr.site[g], c, cold), 0.0
                    ) + float(gr.kg[g])
                    self._link_c_visit[(gr.site[g], c, cold)] = vc
                    add(f"flow:{g}", z_cols[c], 1.0, lb=0.0, ub=0.0)
                    self._z.append((g, c, z_cols[c]))
            for a, mask in zip(pa.tolist(), pd_.tolist(), strict=True):
                for d in days_of(int(mask)):
                    if gr.collect_days[g] and not any(c <= d for c in gr.collect_days[g]):
                        continue
                    if direct and gr.collect_days[g] and d not in z_cols:
                        continue
                    j = col(0.0, float(min(gr.kg[g], storage[a, gr.temp[g]])))
                    x_group.append(g)
                    x_assoc.append(a)
                    x_day.append(d)
                    x_col.append(j)
                    add(f"supply:{g}", j, 1.0, ub=float(gr.kg[g]))
                    add(f"storage:{a}:{gr.temp[g]}", j, 1.0, ub=float(storage[a, gr.temp[g]]))
                    if gr.price[g] > 0:
                        if sc.policy.budget == "association":
                            add(f"budget:{a}", j, float(gr.price[g]), ub=float(adm.assoc_budget[a]))
                        else:
                            add("budget", j, float(gr.price[g]), ub=sc.policy.collective_fund_eur)
                    if adm.assoc_need[a] > 0:
                        add(
                            f"fill:{a}",
                            j,
                            float(gr.basis[g] / adm.assoc_need[a]),
                            lb=-float(adm.assoc_other[a] / adm.assoc_need[a]),
                        )
                    if not adm.assoc_collects[a]:
                        vd = visit("delivery", assocs[a].id, d, cold)
                        key = (assocs[a].id, d, cold)
                        add(f"link_d:{key}", j, 1.0, ub=0.0)
                        self._link_d_visit[key] = vd
                        self._link_d_big[key] = min(
                            self._link_d_big.get(key, 0.0) + float(gr.kg[g]),
                            float(storage[a, 1:].sum() if cold else storage[a, 0]),
                        )
                    if gr.collect_days[g]:
                        add(f"flow:{g}", j, -1.0, lb=0.0, ub=0.0)
                        if direct:
                            add(f"same_day:{g}:{d}", j, -1.0, lb=0.0, ub=0.0)
            if gr.collect_days[g]:
                # Delivered by day d ≤ collected by day d (direct: collected on day d).
                delivery_days = sorted({x_day[i] for i in range(len(x_group)) if x_group[i] == g})
                for d in delivery_days:
                    name = f"prec:{g}:{d}"
                    for c, zc in z_cols.items():
                        if c <= d:
                            add(name, zc, 1.0, lb=0.0)
                    if direct and d in z_cols:
                        add(f"same_day:{g}:{d}", z_cols[d], 1.0)
        x_group_a = np.array(x_group, dtype=np.int64)
        x_assoc_a = np.array(x_assoc, dtype=np.int64)
        x_day_a = np.array(x_day, dtype=np.int64)
        for i in range(len(x_col)):
            g, d = int(x_group_a[i]), int(x_day_a[i])
            if gr.collect_days[g]:
                for dd in range(d, 7):
                    name = f"prec:{g}:{dd}"
                    if name in rows:
                        add(name, x_col[i], -1.0)
        for a in range(len(assocs)):
            if adm.assoc_need[a] > 0 and f"fill:{a}" in rows:
                add(f"fill:{a}", self.t, -1.0)
            elif adm.assoc_need[a] > 0:
                add(f"fill:{a}", self.t, -1.0, lb=-float(adm.assoc_other[a] / adm.assoc_need[a]))
        for key, vd in self._link_d_visit.items():
            add(f"link_d:{key}", vd, -self._link_d_big[key])
        for key, vc in self._link_c_visit.items():
            add(f"link_c:{key[0]}:{key[1]}:{int(key[2])}", vc, -self._link_c_big[key])

        # Vehicle time rows.
        bound = self.times == "bound"
        handling = self.fleet.handling_min_per_kg
        visit_list = visit_of
        spans = intervals(visit_list, fleet) if visit_list else []
        place_day: dict[tuple[str, int], int] = {}
        if bound:
            for k, v in enumerate(visit_list):
                pk = (v.place_key, v.day)
                if pk not in place_day:
                    place_day[pk] = col(0.0, 1.0)
                    self._place_day_col.append(place_day[pk])
                add(f"pd:{k}", self._visit_col[k], 1.0, ub=0.0)
                add(f"pd:{k}", place_day[pk], -1.0)
        kg_cols_of_visit: dict[int, list[int]] = defaultdict(list)
        for i, j in enumerate(x_col):
            a = int(x_assoc_a[i])
            if adm.assoc_collects[a]:
                continue
            cold = bool(gr.temp[int(x_group_a[i])] > 0)
            kg_cols_of_visit[visits[("delivery", assocs[a].id, int(x_day_a[i]), cold)]].append(j)
        for g, c, zc in self._z:
            kg_cols_of_visit[visits[("collection", gr.site[g], c, bool(gr.temp[g] > 0))]].append(zc)
        # One kg column per visit (its handling time), so that a time row has one term per
        # visit rather than one per lot group and association.
        kg_of_visit: dict[int, int] = {}
        for vcol, cols in kg_cols_of_visit.items():
            q = col(0.0, BIG)
            kg_of_visit[vcol] = q
            add(f"q:{vcol}", q, 1.0, lb=0.0, ub=0.0)
            for j in cols:
                add(f"q:{vcol}", j, -1.0)
        cut_cap: dict[tuple[bool, int, int, int], float] = {}
        for cut in self.cuts:
            k4 = (cut.cold, cut.day, cut.start, cut.end)
            cut_cap[k4] = min(cut_cap.get(k4, np.inf), cut.minutes)
        by_day: dict[int, list[int]] = defaultdict(list)
        for k, v in enumerate(visit_list):
            by_day[v.day].append(k)
        self.time_rows: dict[tuple[bool, int, int, int], str] = {}
        for day, ks in by_day.items():
            fd = fleet.days.get(day)
            for s, e in spans:
                inside = [
                    k for k in ks if s <= visit_list[k].window[0] and visit_list[k].window[1] <= e
                ]
                if not inside:
                    continue
                for cls in (True, False):
                    scope = [k for k in inside if visit_list[k].cold or not cls]
                    if not scope:
                        continue
                    cap = fd.minutes(s, e, cold=cls) if fd is not None else 0.0
                    if bound:
                        # The first leg of each vehicle may come before s.
                        n_veh = len(fd.of_class(cls)) if fd is not None else 0
                        cap += n_veh * max(visit_list[k].travel_lb_min for k in scope)
                    k4 = (cls, day, s, e)
                    if k4 in cut_cap:
                        cap = min(cap, cut_cap[k4])
                    name = f"time:{int(cls)}:{day}:{s}:{e}"
                    self.time_rows[k4] = name
                    self.row_cap[name] = cap
                    row_ub[name] = 0.0
                    row_lb[name] = -np.inf
                    rows[name] = [(self.peak, -cap)]
                    seen_pd: set[int] = set()
                    for k in scope:
                        v = visit_list[k]
                        if bound:
                            if cls:
                                rows[name].append(
                                    (self._visit_col[k], v.fixed_min + v.travel_lb_min)
                                )
                            else:
                                pdc = place_day[(v.place_key, v.day)]
                                if pdc not in seen_pd:
                                    seen_pd.add(pdc)
                                    rows[name].append((pdc, v.fixed_min + v.travel_lb_min))
                        else:
                            f = self.factor.get((cls, day), 1.0)
                            rows[name].append(
                                (self._visit_col[k], v.fixed_min + f * v.travel_est_min)
                            )
                        kg_col = kg_of_visit.get(self._visit_col[k])
                        if kg_col is not None:
                            rows[name].append((kg_col, handling))
        self.visits = visit_list
        self.x = (x_group_a, x_assoc_a, x_day_a, np.array(x_col, dtype=np.int64))
        self._rows, self._row_lb, self._row_ub = rows, row_lb, row_ub
        self._cols_lb, self._cols_ub = cols_lb, cols_ub
        self.n_cols = len(cols_lb)

    # --- solving ----------------------------------------------------------------------------

    def solve(
        self,
        objective: str = "min_fill",
        *,
        min_fill: float | None = None,
        open_visits: set[int] | None = None,
        free: set[int] | None = None,
        integer_s: float = 0.0,
    ) -> PlanningSolution:
        """Maximise ``objective`` (``"min_fill"`` or ``"kg"``) over the linear relaxation
        (visits between 0 and 1); with ``min_fill``, keep every fill ratio at least that (minus
        1e-6) and maximise kg. ``open_visits``: indices of :attr:`visits` fixed open, every
        other visit fixed closed, except those in ``free``. ``integer_s`` > 0: visits at 0 or
        1, branch and bound for at most that many seconds; the value returned as
        ``dual_bound`` is then HiGHS's bound, valid even when it stops early (used for the
        plan bound of small weeks, where it is much tighter than the relaxation). The HiGHS
        instance is kept between calls, so each solve starts from the previous basis."""
        import highspy

        started = time.perf_counter()
        h = self._highs()
        n = self.n_cols
        cost = np.zeros(n)
        lb = np.array(self._cols_lb, dtype=float)
        ub = np.array(self._cols_ub, dtype=float)
        _, _, xd, xc = self.x
        if objective == "min_fill":
            cost[self.t] = 1.0
            # A small reward for food so the solution does not throw it away.
            cost[xc] = 1e-6
        else:
            # Sooner is fresher: a small preference for early days, which also keeps the
            # week's visits from piling on its last day.
            cost[xc] = 1.0 - 2e-5 * xd
            if min_fill is not None:
                lb[self.t] = max(0.0, min_fill - 1e-6)
        if self.times != "bound":
            cost[self.peak] = -1e-3 if objective == "kg" else -1e-7
        else:
            lb[self.peak] = 1.0
        # Fewer visits when nothing else differs.
        cost[self._visit_col] -= 1e-4 if objective == "kg" else 1e-8
        if open_visits is not None:
            vc = np.array(self._visit_col, dtype=np.int64)
            is_open = np.zeros(vc.size, dtype=bool)
            is_open[list(open_visits)] = True
            lb[vc] = np.where(is_open, 1.0, 0.0)
            ub[vc] = lb[vc]
            if free:
                lb[vc[list(free)]] = 0.0
                ub[vc[list(free)]] = 1.0
        inf = highspy.kHighsInf
        every = np.arange(n, dtype=np.int32)
        # From scratch, primal simplex (see _highs). Once visits are fixed open or closed, the
        # previous basis is mostly still dual feasible: dual simplex re-solves the fixed model
        # 4 times faster (Dijon week: 0.46 s against 1.88 s for both fixed LPs).
        h.setOptionValue("simplex_strategy", 1 if open_visits is not None else 4)
        h.changeColsBounds(n, every, lb, np.where(np.isinf(ub), inf, ub))
        h.changeColsCost(n, every, cost)
        binary = np.array([*self._visit_col, *self._place_day_col], dtype=np.int32)
        if integer_s > 0 and binary.size:
            kinds = highspy.HighsVarType
            h.changeColsIntegrality(binary.size, binary, np.full(binary.size, kinds.kInteger))
            h.setOptionValue("time_limit", float(integer_s))
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        value = float(info.objective_function_value)
        if integer_s > 0 and binary.size:
            value = float(info.mip_dual_bound)
            has = info.primal_solution_status == 2
            kinds = highspy.HighsVarType
            h.changeColsIntegrality(binary.size, binary, np.full(binary.size, kinds.kContinuous))
            h.setOptionValue("time_limit", float("inf"))
            if math.isfinite(value):
                return PlanningSolution(
                    status="optimal"
                    if status == highspy.HighsModelStatus.kOptimal
                    else ("time_limit" if has else "bound_only"),
                    min_fill=float("nan"),
                    kg=0.0,
                    dual_bound=value,
                    objective=objective,
                    seconds=time.perf_counter() - started,
                )
        if status != highspy.HighsModelStatus.kOptimal:
            return PlanningSolution(
                status="infeasible" if status == highspy.HighsModelStatus.kInfeasible else "error",
                min_fill=float("nan"),
                kg=0.0,
                dual_bound=value,
                objective=objective,
                seconds=time.perf_counter() - started,
            )
        sol = np.asarray(h.getSolution().col_value)
        return self._read(sol, "optimal", value, objective, started)

    def _highs(self) -> highspy.Highs:
        """The model's rows in a HiGHS instance, made once (columns' bounds and costs are
        set by each solve)."""
        if self._h is not None:
            return self._h
        import highspy

        h = quiet_highs()
        inf = highspy.kHighsInf
        n = self.n_cols
        h.addVars(n, np.zeros(n), np.ones(n))
        names = list(self._rows)
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        for name in names:
            starts.append(len(index))
            for j, c in self._rows[name]:
                index.append(j)
                value.append(c)
        lo = np.array([self._row_lb[r] for r in names], dtype=float)
        hi = np.array([self._row_ub[r] for r in names], dtype=float)
        h.addRows(
            len(names),
            np.where(np.isinf(lo), -inf, lo),
            np.where(np.isinf(hi), inf, hi),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value, dtype=float),
        )
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        # Primal simplex: on these degenerate LPs it is 2-5 times faster than dual simplex
        # or the interior point (Dijon week: 0.9 s against 2.9-4.8 s).
        h.setOptionValue("simplex_strategy", 4)
        self._h = h
        return h

    def _read(
        self, sol: np.ndarray, status: str, dual: float, objective: str, started: float
    ) -> PlanningSolution:
        sc, gr, adm = self.scenario, self.groups, self.adm
        xg, xa, xd, xc = self.x
        xv = sol[xc]
        opened = [v for k, v in enumerate(self.visits) if sol[self._visit_col[k]] > 0.5]
        delivered: dict[tuple[str, int, bool], float] = defaultdict(float)
        received = np.zeros(len(sc.associations))
        for i in np.flatnonzero(xv > 1e-6):
            g, a, d = int(xg[i]), int(xa[i]), int(xd[i])
            delivered[(sc.associations[a].id, d, bool(gr.temp[g] > 0))] += float(xv[i])
            received[a] += float(xv[i] * gr.basis[g])
        collected: dict[tuple[str, int, bool], float] = defaultdict(float)
        for g, c, zc in self._z:
            if sol[zc] > 1e-6:
                collected[(gr.site[g], c, bool(gr.temp[g] > 0))] += float(sol[zc])
        need = adm.assoc_need
        with np.errstate(divide="ignore", invalid="ignore"):
            fill = np.where(need > 0, (received + adm.assoc_other) / need, np.inf)
        positive = fill[need > 0]
        used: dict[tuple[bool, int, int, int], float] = {}
        for k4, name in self.time_rows.items():
            used[k4] = float(sum(c * sol[j] for j, c in self._rows[name] if j != self.peak))
        return PlanningSolution(
            status=status,
            min_fill=float(positive.min()) if positive.size else float("nan"),
            kg=float(xv.sum()),
            dual_bound=dual,
            objective=objective,
            visits=opened,
            visit_value=np.asarray(sol[self._visit_col]),
            delivered=dict(delivered),
            collected=dict(collected),
            fill=fill,
            used_minutes=used,
            seconds=time.perf_counter() - started,
        )
