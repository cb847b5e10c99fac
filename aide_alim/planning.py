"""Allocation and rounds together: an allocation that the rounds can carry.

The allocation's only logistics bound is an aggregate one: per delivery day, the kg the vehicles
may deliver (all vehicles, and refrigerated ones for chilled and frozen food), starting from one
full load per vehicle working that day. That ignores shift length, stop counts and distances,
so on a busy day the rounds may not carry everything allocated (on the Dijon week, the single
refrigerated van's shift is the bottleneck from Wednesday on).

:func:`allocate_and_route` closes the loop:

1. allocate, then plan the rounds;
2. if some kg of lines delivered by a vehicle are not carried for lack of capacity or time
   (routing ``reason_code`` in :data:`CAPACITY_CODES`), lower that day's limits and allocate
   again: the total limit of day ``d`` becomes at most the ambient kg allocated for delivery
   that day minus the ambient kg not carried, plus the cold kg allocated (and the same for the
   refrigerated limit with cold kg), less a safety margin of ``margin`` × the fleet's capacity
   that day from the second tightening on, so that the loop ends;
3. at most ``max_iterations`` allocations; for each, what its rounds do not carry (capacity
   again, or other reasons: a window no shift meets, a site closed, an association's own pickup
   slot) is taken out of it (:func:`aide_alim.allocation.core.without_kg`): that food stays at
   the supplier, reported as unallocated with reason ``vehicle_capacity`` (lack of capacity or
   time) or ``no_round`` (anything else);
4. of these *carried* allocations, the one with the best minimum fill ratio is kept (ties: the
   most kg, then the earlier one) and its rounds are planned again for exactly what is left
   (taking food out never adds a stop; should something still not be carried, it is taken out
   in turn, at most twice). So no association is promised food that no round carries, and the
   prospection summary says what stayed and why.

Ranking the tries after taking out what is not carried, rather than by kg not carried, matters:
the solver leaves out the dearest stops, often the same far associations, so the try with the
fewest kg not carried can still hurt the worst-off most once those kg are taken out (Dijon week:
min fill 0.48 against 0.66 for the best try).

No a-priori bound is added: vehicles may do several trips a day, so a shift can carry more than
one load, and a bound that holds for every stop pattern (e.g. shift / (service + round trip to
the farthest stop)) is far too loose to matter; the feedback loop is the guarantee.

The result is deterministic for a given scenario and seed as long as the round solver stops on
its iteration limit rather than on its time limit (see :mod:`aide_alim.routing.rounds`).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aide_alim.allocation.admissible import DayLimits
from aide_alim.scenario.model import Policy, Scenario

if TYPE_CHECKING:
    from aide_alim.allocation import Allocation
    from aide_alim.routing import RoutePlan

#: Routing reason codes that mean "the vehicles of that day lack capacity or time": the day's
#: limits are lowered for them.
CAPACITY_CODES: frozenset[str] = frozenset(
    {"not_served_by_solver", "no_feasible_round", "partly_collected"}
)
DEFAULT_ITERATIONS = 4
"""Allocations tried at most (each followed by a routing)."""
DEFAULT_MARGIN = 0.05
"""Extra cut per tightening after the first, as a share of the fleet's capacity that day."""

ITERATION_COLUMNS: tuple[str, ...] = (
    "iteration", "kg_allocated", "kg_carried", "kg_not_carried", "lines_not_carried",
    "min_fill_ratio", "kg_kept", "min_fill_kept", "limited_days", "seconds",
)  # fmt: skip


@dataclass(frozen=True)
class Iteration:
    """One allocation and its rounds: ``day_limits`` used (date → (total kg, cold kg)), kg
    allocated, carried and not carried by the rounds [kg], min fill ratio; ``kg_kept`` and
    ``min_fill_kept`` once what is not carried is taken out; wall time [s]."""

    number: int
    day_limits: dict[dt.date, tuple[float, float]]
    kg_allocated: float
    kg_carried: float
    kg_not_carried: float
    lines_not_carried: int
    min_fill_ratio: float
    kg_kept: float
    min_fill_kept: float
    seconds: float


@dataclass(frozen=True)
class RoutedAllocation:
    """An allocation and the rounds that carry it.

    ``allocation`` is what is promised (after taking out what no round carries, see the module
    docstring), ``plan`` its rounds; ``iterations`` the allocations tried, ``chosen`` the index
    of the one kept; ``kg_held_back`` [kg] what was taken out of it afterwards (now unallocated
    with reason ``vehicle_capacity`` or ``no_round``); ``seconds`` the wall time [s].
    """

    allocation: Allocation
    plan: RoutePlan
    iterations: tuple[Iteration, ...]
    chosen: int
    kg_held_back: float
    seconds: float

    def __iter__(self) -> Iterator[Any]:
        """``allocation, plan = allocate_and_route(...)`` works."""
        return iter((self.allocation, self.plan))

    @property
    def day_limits(self) -> dict[dt.date, tuple[float, float]]:
        """The day limits of the allocation kept (date → (total kg, cold kg))."""
        return self.iterations[self.chosen].day_limits

    def table(self) -> pd.DataFrame:
        """One row per allocation tried (see :data:`ITERATION_COLUMNS`)."""
        rows = [
            {
                "iteration": it.number,
                "kg_allocated": it.kg_allocated,
                "kg_carried": it.kg_carried,
                "kg_not_carried": it.kg_not_carried,
                "lines_not_carried": it.lines_not_carried,
                "min_fill_ratio": it.min_fill_ratio,
                "kg_kept": it.kg_kept,
                "min_fill_kept": it.min_fill_kept,
                "limited_days": " ".join(f"{d:%a}" for d in sorted(it.day_limits)),
                "seconds": it.seconds,
            }
            for it in self.iterations
        ]
        return pd.DataFrame(rows, columns=list(ITERATION_COLUMNS))


def allocate_and_route(
    scenario: Scenario,
    policy: Policy | None = None,
    *,
    history: Mapping[str, float] | None = None,
    solver: str = "highs",
    time_limit_s: float | None = None,
    seed: int | None = None,
    max_iterations: int = DEFAULT_ITERATIONS,
    margin: float = DEFAULT_MARGIN,
    price_of_fairness: bool = True,
    first: Allocation | None = None,
) -> RoutedAllocation:
    """Allocate the week and plan its rounds so that every allocated kg is carried.

    ``policy``, ``history`` and ``solver`` go to :func:`aide_alim.allocation.allocate`;
    ``time_limit_s`` and ``seed`` to :func:`aide_alim.routing.plan_routes` (defaults: the
    scenario's). ``first``: an allocation already made of this scenario and policy without day
    limits, used as the first try instead of allocating again. See the module docstring for the
    loop. If an allocation fails (status not ok),
    it is returned as is with the rounds of its (empty) lines; callers check
    ``allocation.status``.

    Example::

        >>> allocation, plan = allocate_and_route(scenario)  # doctest: +SKIP
        >>> plan.totals["kg_unserved"]  # doctest: +SKIP
        0.0
    """
    from aide_alim.allocation import allocate
    from aide_alim.allocation.core import without_kg
    from aide_alim.errors import AideAlimError
    from aide_alim.routing import plan_routes

    if max_iterations < 1:
        raise AideAlimError(f"Expected max_iterations >= 1, got {max_iterations}.")
    if not 0 <= margin < 1:
        raise AideAlimError(f"Expected 0 <= margin < 1, got {margin}.")
    started = time.perf_counter()
    if policy is not None and policy != scenario.policy:
        scenario = scenario.replace(policy=policy)

    def route(lines: pd.DataFrame) -> RoutePlan:
        return plan_routes(scenario, lines, time_limit_s=time_limit_s, seed=seed)

    def take_out(allocation: Allocation, plan: RoutePlan, limits: DayLimits) -> Allocation:
        if plan.unserved.empty or not allocation.status.is_ok:
            return allocation
        return without_kg(
            scenario,
            allocation,
            plan.unserved[["lot", "association", "day", "kg"]],
            reasons=_reasons(plan.unserved),
            day_limits=dict(limits) or None,
        )

    fleet = _fleet_capacity(scenario)
    limits: dict[dt.date, tuple[float, float]] = {}
    tried: list[tuple[Allocation, RoutePlan, Allocation]] = []
    iterations: list[Iteration] = []
    for number in range(1, max_iterations + 1):
        t0 = time.perf_counter()
        if number == 1 and first is not None:
            allocation = first
        else:
            allocation = allocate(
                scenario,
                history=history,
                solver=solver,
                price_of_fairness=price_of_fairness,
                day_limits=dict(limits) or None,
            )
        plan = route(allocation.lines)
        kept = take_out(allocation, plan, limits)
        tried.append((allocation, plan, kept))
        iterations.append(
            _iteration(number, limits, allocation, plan, kept, time.perf_counter() - t0)
        )
        if not allocation.status.is_ok or plan.unserved.empty:
            break
        tighter = _tighten(scenario, allocation, plan, limits, fleet, margin * (number > 1))
        if tighter == limits:
            break  # nothing left that a day limit can fix
        limits = tighter

    chosen = min(
        range(len(iterations)),
        key=lambda i: (
            -round(_or(iterations[i].min_fill_kept, -math.inf), 6),
            -round(iterations[i].kg_kept, 3),
            i,
        ),
    )
    allocation, plan, kept = tried[chosen]
    kept_limits = iterations[chosen].day_limits
    held_back = 0.0
    for _ in range(2):  # taking food out never adds a stop, so once is almost always enough
        if kept is allocation:
            break
        held_back += float(plan.unserved["kg"].sum())
        allocation = kept
        plan = route(allocation.lines)
        kept = take_out(allocation, plan, kept_limits)
    return RoutedAllocation(
        allocation=allocation,
        plan=plan,
        iterations=tuple(iterations),
        chosen=chosen,
        kg_held_back=held_back,
        seconds=time.perf_counter() - started,
    )


def _or(value: float, default: float) -> float:
    return default if value is None or not np.isfinite(value) else float(value)


def _fleet_capacity(scenario: Scenario) -> dict[dt.date, tuple[float, float]]:
    """Per date of the week: one load per vehicle working (all, refrigerated) [kg]."""
    out: dict[dt.date, tuple[float, float]] = {}
    for i in range(7):
        date = scenario.week_start + dt.timedelta(days=i)
        working = [v for v in scenario.vehicles if date.weekday() in {int(d) for d in v.days}]
        total = float(sum(v.capacity_kg for v in working))
        cold = float(sum(v.capacity_kg for v in working if v.refrigerated))
        out[date] = (total, cold)
    return out


def _day_of(value: object) -> dt.date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _tighten(
    scenario: Scenario,
    allocation: Allocation,
    plan: RoutePlan,
    limits: dict[dt.date, tuple[float, float]],
    fleet: dict[dt.date, tuple[float, float]],
    margin: float,
) -> dict[dt.date, tuple[float, float]]:
    """New day limits: each day's delivered kg less what the rounds did not carry (see module
    docstring). Lines fetched by the association itself are not under a day limit."""
    collects = {a.id: a.collects for a in scenario.associations}
    un = plan.unserved
    un = un[un["reason_code"].isin(CAPACITY_CODES)]
    un = un[~un["association"].map(collects).fillna(False).astype(bool)]
    if un.empty:
        return limits
    lines = allocation.lines[~allocation.lines["collects"].astype(bool)]
    cold_line = lines["temperature"].map(_is_cold).astype(bool)
    cold_un = un["temperature"].map(_is_cold).astype(bool)
    out = dict(limits)
    for day in sorted({_day_of(d) for d in un["day"]}):
        on = lines["day"].map(_day_of) == day
        u_on = un["day"].map(_day_of) == day
        amb_kg = float(lines.loc[on & ~cold_line, "kg"].sum())
        cold_kg = float(lines.loc[on & cold_line, "kg"].sum())
        amb_short = float(un.loc[u_on & ~cold_un, "kg"].sum())
        cold_short = float(un.loc[u_on & cold_un, "kg"].sum())
        cap_total, cap_cold = out.get(day, fleet.get(day, (0.0, 0.0)))
        full_total, full_cold = fleet.get(day, (0.0, 0.0))
        total, cold = cap_total, cap_cold
        if amb_short > 0:
            total = min(total, amb_kg - amb_short + cold_kg - margin * full_total)
        if cold_short > 0:
            cold = min(cold, cold_kg - cold_short - margin * full_cold)
        out[day] = (max(total, 0.0), max(min(cold, total), 0.0))
    return out


def _is_cold(temperature: object) -> bool:
    return str(temperature) in ("chilled", "frozen")


def _reasons(unserved: pd.DataFrame) -> dict[str, str]:
    """Unallocated reason per lot taken out: ``vehicle_capacity`` if any of its kg lacked
    capacity or time, else ``no_round``."""
    out: dict[str, str] = {}
    for lot, code in zip(unserved["lot"], unserved["reason_code"], strict=True):
        reason = "vehicle_capacity" if code in CAPACITY_CODES else "no_round"
        if out.get(str(lot)) != "vehicle_capacity":
            out[str(lot)] = reason
    return out


def _iteration(
    number: int,
    limits: dict[dt.date, tuple[float, float]],
    allocation: Allocation,
    plan: RoutePlan,
    kept: Allocation,
    seconds: float,
) -> Iteration:
    kg = float(allocation.lines["kg"].sum()) if len(allocation.lines) else 0.0
    not_carried = float(plan.unserved["kg"].sum()) if len(plan.unserved) else 0.0
    lines = plan.unserved[["lot", "association", "day"]].drop_duplicates()
    return Iteration(
        number=number,
        day_limits=dict(limits),
        kg_allocated=kg,
        kg_carried=float(plan.totals.get("kg_carried", kg - not_carried)),
        kg_not_carried=not_carried,
        lines_not_carried=len(lines),
        min_fill_ratio=float(allocation.metrics.get("min_fill_ratio", float("nan"))),
        kg_kept=float(kept.lines["kg"].sum()) if len(kept.lines) else 0.0,
        min_fill_kept=float(kept.metrics.get("min_fill_ratio", float("nan"))),
        seconds=seconds,
    )
