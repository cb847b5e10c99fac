"""One plan for the week: a fair allocation that the fleet really carries.

:func:`allocate_and_route` decides the allocation and the rounds together:

1. **Bound.** The planning model (:mod:`aide_alim.planning.model`) with lower-bound times, as a
   linear programme: no plan the rounds can carry has a higher minimum fill ratio or carries
   more kg (:class:`PlanBound`).
2. **Skeleton.** The same model with estimated times gives, by relax-and-fix, the visits of
   the week: on which days a refrigerated vehicle delivers to each association that does not
   collect, which days an ambient one does, and when each supplier's food is collected.
3. **Fair allocation on the skeleton.** The leximin allocation (:func:`allocate`, with its
   cartons, minimum quantities and split limits) where deliveries go only on those visits.
4. **Rounds** (:func:`plan_routes`) with the skeleton's collection days and prizes that carry
   the fairness value of each stop's food (the worst-served associations' food is the last to
   be left out when a day is short of time). If some food is left out, the allocation is
   shared again over the visits the rounds made and routed again (at most twice).
5. **Cuts** (``max_iterations`` > 1 only). If some stops are not served, the vehicle time of
   their class, day and window in the planning model is cut to what the rounds did serve
   there, the travel estimate of that class and day is scaled to what the rounds really took,
   and steps 2–4 run again. Not by default: on the Dijon week with routing seeds 1–8, none
   of the 11 plans of the cut passes that ran (when the reprises ended more than
   :data:`PASS_GAP` below the bound) was kept — minimum fill 0.61–0.73 and 4,670–4,820 kg,
   against 0.72–0.79 and 5,270–5,380 kg after the reprises: the cuts take away vehicle time
   the rounds could use — and they cost a whole routing each, up to 15 s a run.
6. **Keep** the fairest carried plan (what a round does not carry is taken out first): the
   highest minimum fill ratio, then the most kg, then the cheapest rounds, then the earlier
   pass. Its leftovers get their true reasons (:mod:`aide_alim.planning.reasons`).

The same scenario and seed give the same plan: every step is deterministic (LPs, the rounds'
iteration budget), and the day problems solved in parallel do not depend on each other.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aide_alim.allocation.admissible import Admissibility, admissibility
from aide_alim.background import in_background
from aide_alim.errors import AideAlimError
from aide_alim.planning.fleet import Fleet, fleet_of
from aide_alim.planning.model import Cut, PlanningModel, PlanningSolution, planning_size
from aide_alim.planning.skeleton import Skeleton, relax_and_fix, served_skeleton, skeleton_of
from aide_alim.scenario.model import Policy, Scenario

if TYPE_CHECKING:
    from aide_alim.allocation import Allocation
    from aide_alim.routing import RoutePlan

DEFAULT_ITERATIONS = 1
"""Passes of skeleton, allocation and rounds at most (more passes add the cuts of step 5)."""
BOUND_MIP_VISITS = 150
"""Weeks with at most this many possible visits get the bound by branch and bound (HiGHS)."""
BOUND_MIP_SECONDS = 2.0
"""Time given to each branch and bound of the bound [s]."""
MAX_PLANNING_SIZE = 40_000
"""Weeks whose planning model would have more delivery columns than this (admissible pairs ×
their possible days; :func:`planning_size`) are planned without it: its linear programmes grow
with lots × associations (measured: Dijon 10,300 and 30 generated associations 10,700, one to
two seconds per LP; 100 generated associations 111,000, more than two minutes per LP)."""
REPRISES = 2
"""Re-allocations on the visits the rounds made, per pass, at most."""
PASS_GAP = 0.05
"""No further pass once a kept plan's minimum fill ratio is within this of the bound."""
FAIRNESS_EUR = 200.0
"""Fairness value of delivering the worst-served association's whole need [€]: the prize a
round gets for its food, against the rounds' running cost (0.47 €/km: 10 % of that need is
worth a 40 km detour). Better-served associations' food is worth less, by (t / fill)⁴."""

ITERATION_COLUMNS: tuple[str, ...] = (
    "iteration", "kg_allocated", "kg_carried", "kg_not_carried", "lines_not_carried",
    "min_fill_ratio", "kg_kept", "min_fill_kept", "cost_eur", "cuts", "seconds",
)  # fmt: skip


@dataclass(frozen=True)
class PlanBound:
    """What no plan of this week's fleet can beat: the minimum fill ratio and the kg given out
    (delivered or fetched at the hub) [kg], from the planning model's linear relaxation with
    lower-bound times (see :mod:`aide_alim.planning.model`)."""

    min_fill_ratio: float
    kg_distributed: float
    seconds: float


@dataclass(frozen=True)
class Iteration:
    """One pass: allocation on a skeleton and its rounds. ``kg_allocated``, ``kg_carried``,
    ``kg_not_carried`` [kg], ``min_fill_ratio`` of the allocation; ``kg_kept`` and
    ``min_fill_kept`` once what the rounds do not carry is taken out; ``cost_eur`` of the
    rounds; ``cuts`` in the planning model for this pass; wall time [s]."""

    number: int
    kg_allocated: float
    kg_carried: float
    kg_not_carried: float
    lines_not_carried: int
    min_fill_ratio: float
    kg_kept: float
    min_fill_kept: float
    cost_eur: float
    cuts: int
    seconds: float


@dataclass(frozen=True)
class RoutedAllocation:
    """An allocation and the rounds that carry it.

    ``allocation`` is what is promised (nothing that no round carries), ``plan`` its rounds;
    ``iterations`` the passes made, ``chosen`` the index of the one kept; ``kg_held_back``
    [kg] what the kept pass's rounds could not carry and was taken out of its allocation;
    ``bound`` what no plan of this fleet can beat; ``skeleton`` the kept pass's visits;
    ``adm`` the admissible pairs of the week (for the reasons); ``seconds`` the wall time [s].
    """

    allocation: Allocation
    plan: RoutePlan
    iterations: tuple[Iteration, ...]
    chosen: int
    kg_held_back: float
    seconds: float
    bound: PlanBound | None = None
    skeleton: Skeleton | None = None
    leftovers: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def __iter__(self) -> Iterator[Any]:
        """``allocation, plan = allocate_and_route(...)`` works."""
        return iter((self.allocation, self.plan))

    def table(self) -> pd.DataFrame:
        """One row per pass (see :data:`ITERATION_COLUMNS`)."""
        rows = [
            {c: getattr(it, c if c != "iteration" else "number") for c in ITERATION_COLUMNS}
            for it in self.iterations
        ]
        return pd.DataFrame(rows, columns=list(ITERATION_COLUMNS))


Progress = Callable[[str], None]


def plan_bound(
    scenario: Scenario, adm: Admissibility | None = None, fleet: Fleet | None = None
) -> PlanBound:
    """A valid upper bound on the minimum fill ratio and the kg any plan of this week's fleet
    can reach (two linear programmes)."""
    started = time.perf_counter()
    adm = adm if adm is not None else admissibility(scenario)
    fleet = fleet if fleet is not None else fleet_of(scenario)
    model = PlanningModel(scenario, adm, fleet, times="bound")
    bound_fill, bound_kg, _ = solve_bound(model)
    return PlanBound(
        min_fill_ratio=bound_fill,
        kg_distributed=bound_kg,
        seconds=time.perf_counter() - started,
    )


def solve_bound(
    model: PlanningModel, after_lp: Callable[[str], None] | None = None
) -> tuple[float, float, PlanningSolution]:
    """The bound of a model with lower-bound times: (min fill ratio, kg, the min-fill LP's
    solution). Most kg first: the min-fill LP then starts from its basis (0.6 s in all on
    Dijon, against 3.5 s the other way round; the optima do not depend on the order).
    ``after_lp(objective)`` is called right after each LP, while its duals can be read."""
    kg = model.solve("kg")
    if after_lp is not None:
        after_lp("kg")
    fill = model.solve("min_fill")
    if after_lp is not None:
        after_lp("min_fill")
    visits = len(model.visits)
    bound_fill, bound_kg = _bound_value(fill, "min_fill"), _bound_value(kg, "kg", visits)
    if len(model.visits) <= BOUND_MIP_VISITS:
        # Small weeks: branch and bound on the visits tightens the relaxation a lot (a visit
        # cannot be 1/10th made); its bound is valid even if the time runs out.
        mip_kg = model.solve("kg", integer_s=BOUND_MIP_SECONDS)
        mip_fill = model.solve("min_fill", integer_s=BOUND_MIP_SECONDS)
        bound_fill = min(bound_fill, _bound_value(mip_fill, "min_fill"))
        bound_kg = min(bound_kg, _bound_value(mip_kg, "kg", visits))
    return bound_fill, bound_kg, fill


def _bound_value(solution: PlanningSolution, objective: str, visits: int = 0) -> float:
    if solution.status == "infeasible":
        return 0.0
    value = solution.dual_bound
    if objective == "min_fill":
        # The objective carries a 1e-6 reward per kg: take it back out, rounding up.
        value = value - 1e-6 * solution.kg + 1e-6
    else:
        # The kg objective (PlanningModel.solve) weighs a kg delivered on day d by
        # 1 - 2e-5 d (d <= 6) and costs 1e-4 per visit: a plan carrying K kg scores at least
        # (1 - 1.2e-4) K - 1e-4 visits, so K is at most this.
        value = (value + 1e-4 * visits) / (1 - 1.2e-4)
    return float(value) if math.isfinite(value) else math.inf


def priority_of(allocation: Allocation) -> dict[str, float]:
    """Fairness value of a kg for each association [€/kg] (see :data:`FAIRNESS_EUR`)."""
    table = allocation.by_association
    if table.empty:
        return {}
    fill = table["fill_ratio"].to_numpy(dtype=float)
    need = table["need"].to_numpy(dtype=float)
    positive = fill[(need > 0) & np.isfinite(fill)]
    worst = max(float(positive.min()), 1e-3) if positive.size else 1.0
    out: dict[str, float] = {}
    for assoc, f, n in zip(table["association"], fill, need, strict=True):
        if n > 0 and np.isfinite(f):
            out[str(assoc)] = FAIRNESS_EUR / n * (worst / max(f, worst)) ** 4
    return out


def allocate_and_route(
    scenario: Scenario,
    policy: Policy | None = None,
    *,
    history: Mapping[str, float] | None = None,
    solver: str = "highs",
    time_limit_s: float | None = None,
    seed: int | None = None,
    max_iterations: int = DEFAULT_ITERATIONS,
    price_of_fairness: bool = True,
    first: Allocation | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    on_day_solved: Callable[[dt.date], None] | None = None,
    bound_source: Callable[[], PlanBound | None] | None = None,
) -> RoutedAllocation:
    """Allocate the week and plan its rounds together (see the module docstring).

    ``policy``, ``history`` and ``solver`` go to :func:`aide_alim.allocation.allocate`;
    ``time_limit_s``, ``seed`` and ``workers`` to :func:`aide_alim.routing.plan_routes`
    (defaults: the scenario's). ``max_iterations``: passes at most (over 1, with the cuts of
    step 5). ``first``: the allocation of this scenario without logistics
    (used for its price of fairness and as the plan if the fleet carries all of it).
    ``progress`` receives a short French message at each step, ``on_day_solved`` each day of
    the rounds as it is solved (see :func:`aide_alim.routing.plan_routes`). If an allocation
    fails (status not ok), it is returned as is with the rounds of its (empty) lines; callers
    check ``allocation.status``. ``bound_source``: a function that returns the week's
    :class:`PlanBound` when the caller solves it anyway (the fleet advice does); else it is
    solved here, on another core.

    Example::

        >>> allocation, plan = allocate_and_route(scenario)  # doctest: +SKIP
        >>> plan.totals["kg_unserved"]  # doctest: +SKIP
        0.0
    """
    from aide_alim.allocation import allocate
    from aide_alim.allocation.core import without_kg
    from aide_alim.planning.reasons import leftover_reasons, with_reasons
    from aide_alim.routing import plan_routes

    if max_iterations < 1:
        raise AideAlimError(f"Expected max_iterations >= 1, got {max_iterations}.")
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    if policy is not None and policy != scenario.policy:
        scenario = scenario.replace(policy=policy)
    adm = admissibility(scenario)
    fleet = fleet_of(scenario)
    modelled = planning_size(adm) <= MAX_PLANNING_SIZE
    bound_of: Callable[[], PlanBound | None] = lambda: None  # noqa: E731
    if modelled and bound_source is not None:
        bound_of = bound_source
    elif modelled:
        say("borne : ce que la flotte peut transporter au mieux")
        # The bound needs no other step: it is solved on another core while the skeleton is.
        bound_of = in_background(lambda: plan_bound(scenario, adm, fleet), enabled=workers != 1)
    if first is None:
        first = allocate(
            scenario, history=history, solver=solver, price_of_fairness=price_of_fairness
        )
    if not first.status.is_ok:
        plan = plan_routes(scenario, first.lines, time_limit_s=time_limit_s, seed=seed)
        return RoutedAllocation(first, plan, (), 0, 0.0, time.perf_counter() - started, bound_of())

    cuts: list[Cut] = []
    factor: dict[tuple[bool, int], float] = {}
    tried: list[tuple[Allocation, RoutePlan, Allocation, Skeleton | None]] = []
    iterations: list[Iteration] = []

    several = modelled and max_iterations > 1

    def label_of(number: int, reprise: int = 0) -> str:
        # The pass number only means something to whoever asked for several passes.
        name = f"passe {number}" if several else ""
        if reprise:
            name = f"{name} (reprise {reprise})" if name else f"reprise {reprise}"
        return name

    def tell(label: str, what: str) -> None:
        say(f"{label} : {what}" if label else what)

    def attempt(skeleton: Skeleton | None, label: str) -> tuple[Allocation, RoutePlan] | None:
        t0 = time.perf_counter()
        if skeleton is None:
            allocation = first
        else:
            allocation = allocate(
                scenario,
                history=history,
                solver=solver,
                price_of_fairness=False,
                day_limits=skeleton.day_limits,
                delivery_days=skeleton.delivery_days,
                collection_days=skeleton.collection_masks,
            )
        if not allocation.status.is_ok:
            return None
        tell(label, "tournées")
        plan = plan_routes(
            scenario,
            allocation.lines,
            time_limit_s=time_limit_s,
            seed=seed,
            collection_days=skeleton.collection_days if skeleton is not None else None,
            priority=priority_of(allocation),
            workers=workers,
            on_day_solved=on_day_solved,
        )
        kept = _take_out(scenario, allocation, plan, skeleton, without_kg)
        tried.append((allocation, plan, kept, skeleton))
        iterations.append(_iteration(len(iterations) + 1, allocation, plan, kept, len(cuts), t0))
        return allocation, plan

    if not modelled:
        # Too large a week for the planning model to solve in minutes: the allocation alone,
        # its rounds, then leximin again over the visits they made (no bound).
        say("semaine trop grande pour le modèle de planification : répartition puis tournées")
        done = attempt(None, label_of(1))
        last = done[1] if done is not None else None
        for again in range(REPRISES):
            if last is None or last.unserved.empty:
                break
            tell(label_of(1), "répartition sur les visites faites")
            served = served_skeleton(scenario, last, None, keep_unvisited=True)
            done = attempt(served, label_of(1, again + 1))
            last = done[1] if done is not None else None
    for number in range(1, max_iterations + 1 if modelled else 1):
        tell(label_of(number), "visites de la semaine (modèle de planification)")
        model = PlanningModel(scenario, adm, fleet, factor=factor, cuts=cuts)
        solution = relax_and_fix(model, min_kg=scenario.policy.min_delivery_kg)
        if solution.status not in ("optimal", "time_limit"):
            break
        skeleton = skeleton_of(scenario, solution)
        done = attempt(skeleton, label_of(number))
        if done is None:
            break
        allocation, plan = done
        if plan.unserved.empty:
            break
        # Leximin after the rounds: share the food again over the visits they did make (the
        # new shares may again not all fit: then once more over what those rounds made).
        last = plan
        for again in range(REPRISES):
            tell(label_of(number), "répartition sur les visites faites")
            served = served_skeleton(scenario, last, solution)
            done = attempt(served, label_of(number, again + 1))
            if done is None or done[1].unserved.empty:
                break
            last = done[1]
        if done is not None and done[1].unserved.empty:
            break
        bound = bound_of()
        if bound is not None and _best_fill(iterations) >= bound.min_fill_ratio - PASS_GAP:
            # Close enough to what no plan can beat: another pass costs a whole cold search
            # of the rounds, and its cuts mostly take away time the rounds could use.
            break
        new_cuts = _cuts(model, solution, plan, scenario)
        factor = _refine(factor, model, solution, plan, scenario)
        if not new_cuts:
            break
        cuts += new_cuts

    if not tried:
        raise AideAlimError("the planning model found no plan for this week")
    bound = bound_of()
    chosen = min(
        range(len(iterations)),
        key=lambda i: (
            -round(_finite(iterations[i].min_fill_kept), 6),
            -round(iterations[i].kg_kept, 3),
            round(iterations[i].cost_eur, 2),
            i,
        ),
    )
    allocation, plan, kept, kept_skeleton = tried[chosen]
    # What the rounds do not carry is out of the promise; the rounds stay as solved (taking a
    # line off a stop never makes a round infeasible), so promise and rounds agree exactly.
    held_back = float(plan.unserved["kg"].sum()) if len(plan.unserved) else 0.0
    allocation, plan = kept, carried_only(plan)
    pof = first.metrics.get("price_of_fairness_kg")
    if pof is not None and np.isfinite(pof):
        ceiling = float(pof) + float(first.metrics.get("kg_distributed", 0.0))
        metrics = dict(allocation.metrics)
        metrics["price_of_fairness_kg"] = ceiling - float(metrics.get("kg_distributed", 0.0))
        allocation = _with_metrics(allocation, metrics)
    leftovers = leftover_reasons(scenario, allocation, plan, fleet, kept_skeleton, adm)
    allocation = with_reasons(allocation, leftovers)
    if bound is not None:
        allocation = _with_metrics(
            allocation,
            {
                **allocation.metrics,
                "bound_min_fill_ratio": bound.min_fill_ratio,
                "bound_kg_distributed": bound.kg_distributed,
            },
        )
    return RoutedAllocation(
        allocation=allocation,
        plan=plan,
        iterations=tuple(iterations),
        chosen=chosen,
        kg_held_back=held_back,
        seconds=time.perf_counter() - started,
        bound=bound,
        skeleton=kept_skeleton,
        leftovers=leftovers,
    )


def carried_only(plan: RoutePlan) -> RoutePlan:
    """``plan`` without its unserved lines: what its rounds carry, and nothing else."""
    if plan.unserved.empty:
        return plan
    lost = plan.unserved.assign(day=pd.to_datetime(plan.unserved["day"]).dt.date)
    lost_kg = lost.groupby(["lot", "association", "day"])["kg"].sum()
    lines = plan.lines.copy()
    key = list(
        zip(lines["lot"], lines["association"], pd.to_datetime(lines["day"]).dt.date, strict=True)
    )
    lines["kg"] = [
        max(float(kg) - float(lost_kg.get(k, 0.0)), 0.0)
        for kg, k in zip(lines["kg"], key, strict=True)
    ]
    lines = lines[(lines["kg"] > 1e-6) & (lines["status"] != "unserved")].reset_index(drop=True)
    lines.loc[lines["status"] == "partial", "status"] = "delivered"
    totals = dict(plan.totals)
    totals["kg_lines"] = round(float(lines["kg"].sum()), 3)
    totals["kg_unserved"] = 0.0
    totals["lines_unserved"] = 0
    return replace(plan, unserved=plan.unserved.iloc[0:0], lines=lines, totals=totals)


def _best_fill(iterations: list[Iteration]) -> float:
    return max((_finite(it.min_fill_kept) for it in iterations), default=-math.inf)


def _with_metrics(allocation: Allocation, metrics: dict[str, float]) -> Allocation:
    return replace(allocation, metrics=metrics)


def _finite(value: float) -> float:
    return value if value is not None and np.isfinite(value) else -math.inf


def _take_out(
    scenario: Scenario,
    allocation: Allocation,
    plan: RoutePlan,
    skeleton: Skeleton | None,
    without_kg: Callable[..., Allocation],
) -> Allocation:
    """``allocation`` less what its rounds do not carry (that food stays at the supplier)."""
    if plan.unserved.empty:
        return allocation
    return without_kg(
        scenario,
        allocation,
        plan.unserved[["lot", "association", "day", "kg"]],
        default_reason="vehicle_capacity",
        day_limits=skeleton.day_limits if skeleton is not None else None,
        delivery_days=skeleton.delivery_days if skeleton is not None else None,
        collection_days=skeleton.collection_masks if skeleton is not None else None,
    )


def _iteration(
    number: int,
    allocation: Allocation,
    plan: RoutePlan,
    kept: Allocation,
    cuts: int,
    t0: float,
) -> Iteration:
    kg = float(allocation.lines["kg"].sum()) if len(allocation.lines) else 0.0
    not_carried = float(plan.unserved["kg"].sum()) if len(plan.unserved) else 0.0
    lines = plan.unserved[["lot", "association", "day"]].drop_duplicates()
    return Iteration(
        number=number,
        kg_allocated=kg,
        kg_carried=float(plan.totals.get("kg_carried", kg - not_carried)),
        kg_not_carried=not_carried,
        lines_not_carried=len(lines),
        min_fill_ratio=float(allocation.metrics.get("min_fill_ratio", float("nan"))),
        kg_kept=float(kept.lines["kg"].sum()) if len(kept.lines) else 0.0,
        min_fill_kept=float(kept.metrics.get("min_fill_ratio", float("nan"))),
        cost_eur=float(plan.totals.get("cost_eur", 0.0)),
        cuts=cuts,
        seconds=time.perf_counter() - t0,
    )


def _failed_visits(plan: RoutePlan, scenario: Scenario) -> list[tuple[str, str, int, bool]]:
    """(kind, place, weekday, cold) of the stops the rounds left out for lack of time or
    room."""
    out: set[tuple[str, str, int, bool]] = set()
    records: list[dict[Any, Any]] = plan.unserved.to_dict("records")
    for row in records:
        cold = str(row["temperature"]) in ("chilled", "frozen")
        stage = str(row["stage"])
        day = (pd.Timestamp(row["day"]).date() - scenario.week_start).days
        if stage in ("delivery", "same_day"):
            out.add(("delivery", str(row["association"]), day, cold))
        elif stage == "collection":
            out.add(("collection", str(row["site"]), -1, cold))
    return sorted(out)


def _cuts(
    model: PlanningModel, solution: PlanningSolution, plan: RoutePlan, scenario: Scenario
) -> list[Cut]:
    """For each stop left out, the vehicle minutes of its class, day and window are cut to
    what the planning model gave the visits the rounds did serve there."""
    failed = _failed_visits(plan, scenario)
    if not failed:
        return []
    failed_keys = {(k, p, c) for k, p, _, c in failed if k == "collection"}
    failed_exact = {f for f in failed if f[0] == "delivery"}
    out: list[Cut] = []
    for v in solution.visits:
        hit = (v.kind, v.place, v.day, v.cold) in failed_exact or (
            v.kind == "collection" and (v.kind, v.place, v.cold) in failed_keys
        )
        if not hit:
            continue
        for cls in (True, False) if v.cold else (False,):
            key = (cls, v.day, v.window[0], v.window[1])
            used = solution.used_minutes.get(key)
            if used is None:
                continue
            mine = v.fixed_min + model.factor.get((cls, v.day), 1.0) * v.travel_est_min
            # The model plans at most ``margin`` of a row's minutes: the cut is on the row.
            out.append(
                Cut(cls, v.day, v.window[0], v.window[1], max(used - mine, 0.0) / model.margin)
            )
    return out


def _refine(
    factor: dict[tuple[bool, int], float],
    model: PlanningModel,
    solution: PlanningSolution,
    plan: RoutePlan,
    scenario: Scenario,
) -> dict[tuple[bool, int], float]:
    """Scale the travel estimate of each class and day that failed by the rounds' real time
    per visit against the model's estimate (never below what it was)."""
    out = dict(factor)
    failed_days = {d for _, _, d, _ in _failed_visits(plan, scenario) if d >= 0}
    rounds = plan.rounds
    if rounds.empty:
        return out
    for day in failed_days:
        date = scenario.week_start + dt.timedelta(days=day)
        on = pd.to_datetime(rounds["day"]).dt.date == date
        for cls in (True, False):
            sel = rounds[on & (rounds["refrigerated"] if cls else True)]
            real_min = float(sel["hours"].sum()) * 60
            visits = [v for v in solution.visits if v.day == day and (v.cold or not cls)]
            f = out.get((cls, day), 1.0)
            est = sum(v.fixed_min + f * v.travel_est_min for v in visits)
            travel = sum(v.travel_est_min for v in visits)
            if travel > 0 and real_min > est:
                out[(cls, day)] = f + (real_min - est) / travel
    return out


__all__ = [
    "DEFAULT_ITERATIONS",
    "ITERATION_COLUMNS",
    "Iteration",
    "PlanBound",
    "RoutedAllocation",
    "Skeleton",
    "allocate_and_route",
    "plan_bound",
    "solve_bound",
]
