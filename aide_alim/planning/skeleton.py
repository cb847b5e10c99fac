"""The week's skeleton: the visits a pass of the planning asks the rounds to make.

:func:`relax_and_fix` rounds the planning model's linear relaxation to whole cold visits;
:func:`skeleton_of` turns a solution into what :func:`aide_alim.allocation.allocate` and
:func:`aide_alim.routing.plan_routes` take (delivery days, collection days, kg per day);
:func:`served_skeleton` is the same for the visits the rounds did make.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from aide_alim.planning.model import PlanningModel, PlanningSolution
from aide_alim.scenario.model import Scenario

if TYPE_CHECKING:
    from aide_alim.routing import RoutePlan

KEEP_SHARE = 0.5
"""A delivery day of the skeleton is kept for an association if the planning model gives it at
least this share of its best day's kg of that class."""
DAY_SLACK = 0.1
"""The allocation may deliver up to this share more kg on a day than the skeleton (cartons,
leximin's later levels)."""
REPRISE_SLACK = 0.05
"""Re-allocating on the visits made, a day's deliveries may carry this share more kg than
they did."""


@dataclass(frozen=True)
class Skeleton:
    """The visits a pass plans: delivery days per (association, cold) as weekday masks,
    collection days per (site, cold), and per day the kg (all, cold) its deliveries may carry
    (:data:`DAY_SLACK` above the planned kg)."""

    delivery_days: dict[tuple[str, bool], int]
    collection_days: dict[tuple[str, bool], frozenset[dt.date]]
    solution: PlanningSolution | None
    week_start: dt.date
    day_limits: dict[dt.date, tuple[float, float]]

    strict: bool = False

    @property
    def collection_masks(self) -> dict[tuple[str, bool], int]:
        """The collection days as weekday masks (for :func:`allocate`): the cold ones (the
        refrigerated vans' time is what binds; ambient food is collected whenever the rounds
        see fit), and the ambient ones too for a ``strict`` skeleton (the visits made)."""
        return {
            k: sum(1 << (d - self.week_start).days for d in days)
            for k, days in self.collection_days.items()
            if k[1] or self.strict
        }


def skeleton_of(scenario: Scenario, solution: PlanningSolution) -> Skeleton:
    """The visits of a planning solution, in the terms of :func:`allocate` and
    :func:`plan_routes`."""
    delivery: dict[tuple[str, bool], int] = defaultdict(int)
    collection: dict[tuple[str, bool], set[dt.date]] = defaultdict(set)
    # Cold visits are decided (binary); ambient ones are wherever the model moves ambient food.
    for v in solution.visits:
        if v.cold and v.kind == "delivery":
            delivery[(v.place, True)] |= 1 << v.day
        elif v.cold:
            collection[(v.place, True)].add(scenario.week_start + dt.timedelta(days=v.day))
    # An association's ambient food comes on the day the model gives it most, and on the days
    # that carry at least half as much (each delivery is a stop of the ambient vans).
    ambient = {k: kg for k, kg in solution.delivered.items() if not k[2] and kg > 1e-6}
    top: dict[str, float] = defaultdict(float)
    for (assoc, _day, _cold), kg in ambient.items():
        top[assoc] = max(top[assoc], kg)
    for (assoc, day, _cold), kg in ambient.items():
        if kg >= KEEP_SHARE * top[assoc]:
            delivery[(assoc, False)] |= 1 << day
    for (site, day, cold), kg in solution.collected.items():
        if not cold and kg > 1e-6:
            collection[(site, False)].add(scenario.week_start + dt.timedelta(days=day))
    collects = {a.id for a in scenario.associations if a.collects}
    per_day: dict[tuple[int, bool], float] = defaultdict(float)
    for (assoc, day, cold), kg in solution.delivered.items():
        if assoc not in collects:
            per_day[(day, cold)] += kg
    return Skeleton(
        delivery_days=dict(delivery),
        collection_days={k: frozenset(d) for k, d in collection.items()},
        solution=solution,
        week_start=scenario.week_start,
        day_limits=_limits(scenario, per_day, slack=DAY_SLACK),
    )


def served_skeleton(
    scenario: Scenario,
    plan: RoutePlan,
    solution: PlanningSolution | None,
    *,
    keep_unvisited: bool = False,
) -> Skeleton:
    """The visits the rounds did make: delivery days of the lines delivered, collection days
    of the lines collected.

    ``keep_unvisited``: an association the rounds made no delivery to (of a class) keeps the
    days its lines of that class were planned on. Otherwise leximin over the visits made gives
    it nothing at all, and it stays at its other supply whatever the next rounds do; with its
    days kept, it shares the day's kg with the others and its food, now the worst-served's,
    carries the highest prize in the rounds. Used by the large-week path (100 generated
    associations: minimum fill 0.049 → 0.125)."""
    delivery: dict[tuple[str, bool], int] = defaultdict(int)
    planned: dict[tuple[str, bool], int] = defaultdict(int)
    collection: dict[tuple[str, bool], set[dt.date]] = defaultdict(set)
    per_day: dict[tuple[int, bool], float] = defaultdict(float)
    lines = plan.lines
    records: list[dict[Any, Any]] = lines.to_dict("records") if len(lines) else []
    for row in records:
        cold = str(row["temperature"]) in ("chilled", "frozen")
        status = str(row["status"])
        if status == "delivered":
            day = (pd.Timestamp(row["day"]).date() - scenario.week_start).days
            delivery[(str(row["association"]), cold)] |= 1 << day
            per_day[(day, cold)] += float(row["kg"])
        elif keep_unvisited and status in ("unserved", "partial"):
            day = (pd.Timestamp(row["day"]).date() - scenario.week_start).days
            planned[(str(row["association"]), cold)] |= 1 << day
        collected = row["collection_day"]
        if status in ("delivered", "hub_pickup") and isinstance(collected, dt.date | str):
            collection[(str(row["site"]), cold)].add(pd.Timestamp(collected).date())
    collects = {a.id for a in scenario.associations if a.collects}
    for key, mask in planned.items():
        if key not in delivery and key[0] not in collects:
            delivery[key] = mask
    return Skeleton(
        delivery_days=dict(delivery),
        collection_days={k: frozenset(d) for k, d in collection.items()},
        solution=solution,
        week_start=scenario.week_start,
        day_limits=_limits(scenario, per_day, slack=REPRISE_SLACK),
        strict=True,
    )


def _limits(
    scenario: Scenario, per_day: Mapping[tuple[int, bool], float], *, slack: float = 0.0
) -> dict[dt.date, tuple[float, float]]:
    out = {}
    for day in range(7):
        date = scenario.week_start + dt.timedelta(days=day)
        cold = per_day.get((day, True), 0.0)
        total = per_day.get((day, False), 0.0) + cold
        out[date] = ((1 + slack) * total + 1.0, (1 + slack) * cold + 1.0)
    return out


def relax_and_fix(
    model: PlanningModel, *, min_kg: float = 5.0, keep_share: float = 0.5
) -> PlanningSolution:
    """The week's skeleton by relax-and-fix: solve the linear relaxation (max min fill, then
    most kg at that level), open the cold visits that carry food there — per association and
    per site the day with most cold kg, and other days carrying at least ``keep_share`` of it
    — drop, in each vehicle-time row they overfill, the visits carrying least, then solve the
    LP with those cold visits fixed (ambient visits stay continuous: the ambient vans rarely
    bind and the rounds serve them in any case). Deterministic, four LPs.

    Used instead of branch and bound: HiGHS needs 6–8 s on the Dijon week to find a first
    good integer solution, this takes about 2 s and reaches the same minimum fill.
    """
    relaxed = model.solve("min_fill")
    if relaxed.status not in ("optimal", "time_limit"):
        return relaxed
    relaxed = model.solve("kg", min_fill=relaxed.min_fill)
    if relaxed.status not in ("optimal", "time_limit"):
        return relaxed
    kg_of = {
        **{("delivery", *k): v for k, v in relaxed.delivered.items()},
        **{("collection", *k): v for k, v in relaxed.collected.items()},
    }
    best: dict[tuple[str, str, bool], float] = defaultdict(float)
    for v in model.visits:
        kg = kg_of.get((v.kind, v.place, v.day, v.cold), 0.0)
        best[(v.kind, v.place, v.cold)] = max(best[(v.kind, v.place, v.cold)], kg)
    opened: set[int] = set()
    for k, v in enumerate(model.visits):
        kg = kg_of.get((v.kind, v.place, v.day, v.cold), 0.0)
        top = best[(v.kind, v.place, v.cold)]
        if not v.cold:
            if kg > 1e-6:
                opened.add(k)
        elif (
            kg >= min(min_kg, top) - 1e-9
            and kg > 1e-6
            and (v.kind == "collection" or kg >= keep_share * top)
        ):
            # A collection carries lots that may not wait for the site's best day.
            opened.add(k)
    # Visits overfilling a vehicle-time row go, least kg first.
    for (cls, day, s, e), name in sorted(model.time_rows.items()):
        cap = model.row_cap[name] * model.margin
        scope = [
            k
            for k in sorted(opened)
            if model.visits[k].day == day
            and (model.visits[k].cold or not cls)
            and s <= model.visits[k].window[0]
            and model.visits[k].window[1] <= e
        ]

        f = model.factor.get((cls, day), 1.0)

        def cost(k: int, f: float = f) -> float:
            v = model.visits[k]
            kg = kg_of.get((v.kind, v.place, v.day, v.cold), 0.0)
            return v.fixed_min + f * v.travel_est_min + model.fleet.handling_min_per_kg * kg

        used = sum(cost(k) for k in scope)
        for k in sorted(scope, key=lambda k: (kg_of.get(model.visits[k].key, 0.0), k)):
            if used <= cap + 1e-6:
                break
            if not model.visits[k].cold:
                continue
            opened.discard(k)
            used -= cost(k)
    ambient = {k for k, v in enumerate(model.visits) if not v.cold}
    fixed = model.solve("min_fill", open_visits=opened | ambient, free=ambient)
    if fixed.status not in ("optimal", "time_limit"):
        return fixed
    return model.solve("kg", open_visits=opened | ambient, free=ambient, min_fill=fixed.min_fill)
