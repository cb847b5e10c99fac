"""The week's rounds: one VRP instance per day, solved through ``solver.py``.

**Hub model** (``logistics.model = "hub"``), for every line of the allocation:

1. *When a lot is collected.* On the latest day *before* its delivery day on which the lot is
   available, its site open and a suitable vehicle works (refrigerated for chilled and frozen
   goods); it then waits at the hub. Failing such a day, on the delivery day itself. Lots at the
   hub need no collection.
2. *One instance a day* (family ``hub``), vehicles starting and ending at their depot, multi-trip
   (they may come back to the depot and leave again): pickups at suppliers for the coming days
   (hub → suppliers → hub), deliveries of what waits at the hub to associations that do not
   collect (hub → associations → hub), and, for lines collected on their delivery day, paired
   pickup-and-delivery from the site straight to the association in the same vehicle (no
   unloading at the hub). The solver is free to mix them in one round or not.
3. Associations with ``collects = true`` fetch their lines at the hub: they get a *hub pickup
   slot* on the delivery day, in their receiving window, once the goods are there (for a
   same-day line, the vehicle must unload at the hub early enough for that window). Their own
   trips are not counted in the totals (the same in both models).

Vehicles start and end at their own depot (``vehicle.depot``) and reload there. The hub model
assumes that depot is the hub: a vehicle based elsewhere would unload its collections at its own
depot, which the plan does not distinguish from the hub (base the fleet at the hub for this
model; the Dijon and synthetic fleets are).

**Direct model** (``"direct"``): one instance per day of paired pickups and deliveries (PyVRP
shipments: same vehicle, pickup before delivery) from each supplier site straight to each
association that does not collect; nothing is stored at the hub, so the site must be open on the
delivery day. Associations that collect fetch at the supplier site (a *site pickup slot*).

**Cold chain.** Loads have two dimensions, total kg and cold kg (chilled + frozen); an ambient
vehicle has zero cold capacity, so a chilled or frozen stop can never ride in it. Ambient and
cold goods of the same place are separate stops (they may go in different vehicles). A
refrigerated vehicle carries chilled and frozen goods together (insulated boxes assumed).

**Times.** Travel from the matrices; ``logistics.service_min`` is paid once per place a vehicle
stops at (several stops at one place in a row pay it once), ``service_min_per_100kg`` per stop;
a stop's service must end within its window; a vehicle's round lies within its shift and its
depot's opening hours.

**Stops that cannot be served** are reported with their reason, line by line, before the solver
sees them: no road path, no suitable vehicle that day, window out of reach within any shift. The
solver first tries to serve every stop; when the day's fleet cannot, it solves the
prize-collecting problem (each stop's prize: 1.5 × a round made for it alone) and the stops it
leaves out are reported as lacking capacity or time. A stop heavier than the largest suitable
vehicle is split into several visits.

**Objective** of every instance: Σ €/km × km + €/h × h of the rounds, in 10⁻⁵ €.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aide_alim.errors import StageError
from aide_alim.routing.graph import Place, association_key, places_of, site_key
from aide_alim.routing.matrices import Matrices, scenario_matrices
from aide_alim.routing.plan import RoutePlan, build_plan
from aide_alim.routing.solver import (
    VisitKind,
    VrpClient,
    VrpDepot,
    VrpProblem,
    VrpShipment,
    VrpSolution,
    VrpVehicleType,
    safety_cap_s,
    solve,
)
from aide_alim.scenario.model import Day, Scenario, Temperature, Vehicle

REQUIRED_COLUMNS: tuple[str, ...] = ("lot", "association", "day", "kg", "site", "temperature")
NO_IMPROVEMENT_ITERATIONS = 2_000
"""Stop a round problem after this many iterations without improvement (or at the time limit)."""
UNREACHABLE = 10**9
"""Matrix value for a pair with no road path [m or s]: far beyond any shift."""
PRIZE_FACTOR = 1.5
"""A stop's prize is this many times the cost of a round made for it alone (with the dearest
vehicle), so serving it always pays when it fits, yet infeasible rounds never pay (PyVRP's
penalties stay above the prizes); plus the fairness value of its food (``priority`` [€/kg] of
each association, see :func:`plan_routes`)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One allocation line, typed: ``kg`` of ``lot`` (at ``site``) for ``association`` on
    ``day``; ``collects`` if the association fetches it itself."""

    index: int
    lot: str
    association: str
    day: dt.date
    kg: float
    site: str
    temperature: str
    collects: bool

    @property
    def cold(self) -> bool:
        return Temperature(self.temperature).needs_cold


@dataclass(slots=True)
class Portion:
    """Part of one allocation line carried by one stop [kg]."""

    line: int
    kg: float


@dataclass
class Stop:
    """A visit to plan: a pickup at a site, a delivery to an association, or (direct model) a
    pickup paired with a delivery. Times in seconds after midnight of ``date``."""

    family: str  # "collection", "delivery" (from the hub) or "direct" (paired)
    date: dt.date
    place: Place
    cold: bool
    portions: list[Portion]
    tw: tuple[int, int]
    dest: Place | None = None  # direct model: the association
    dest_tw: tuple[int, int] = (0, 0)
    release: int = 0
    service: int = 0
    dest_service: int = 0
    to_hub: bool = False  # a same-day pair ending at the hub, where the association fetches it

    @property
    def kg(self) -> float:
        return sum(p.kg for p in self.portions)


@dataclass
class Unserved:
    """``kg`` of line ``line`` that no round carries: ``stage`` of the round, ``reason`` in
    English words (for the CLI) and its stable ``code`` (a key of
    :data:`aide_alim.routing.plan.UNSERVED_REASONS_FR`)."""

    line: int
    kg: float
    stage: str
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class Slot:
    """An association fetching one line itself: at the hub (``hub_pickup``) or at the supplier
    site (``site_pickup``), from ``arrival`` to ``departure`` [s after midnight of the line's
    day]."""

    family: str
    line: Line
    place: Place
    arrival: int
    departure: int


@dataclass
class Visit:
    """One solved stop of a route, in plan terms (see :func:`build_plan`)."""

    kind: str  # start, pickup, delivery, reload, end
    place: Place
    arrival: int | None
    departure: int | None
    trip: int
    stop: Stop | None = None


@dataclass
class SolvedRoute:
    family: str
    date: dt.date
    vehicle: Vehicle
    visits: list[Visit]
    distance_m: int
    duration_s: int


@dataclass
class Context:
    """What every round builder needs: scenario, lines, matrices and the growing results."""

    scenario: Scenario
    lines: list[Line]
    places: dict[str, Place]
    matrices: Matrices
    time_limit_s: float
    seed: int
    routes: list[SolvedRoute] = field(default_factory=list)
    unserved: list[Unserved] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    ready: dict[int, tuple[dt.date, int]] = field(default_factory=dict)
    collected_by: dict[int, str] = field(default_factory=dict)
    failed: set[int] = field(default_factory=set)
    solves: int = 0
    solve_seconds: float = 0.0
    collection_days: dict[tuple[str, bool], frozenset[dt.date]] = field(default_factory=dict)
    priority: dict[str, float] = field(default_factory=dict)
    workers: int | None = None
    on_day_solved: Callable[[dt.date], None] | None = None
    iterations: int | None = None  # per round problem; None: a time-limited search


def plan_routes(
    scenario: Scenario,
    lines: pd.DataFrame,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    cache_dir: Path | str | None = None,
    collection_days: Mapping[tuple[str, bool], frozenset[dt.date]] | None = None,
    priority: Mapping[str, float] | None = None,
    workers: int | None = None,
    on_day_solved: Callable[[dt.date], None] | None = None,
    iterations: int | None = None,
) -> RoutePlan:
    """Plan the week's collection and delivery rounds for the allocation ``lines``.

    ``lines`` has one row per lot × association × delivery day with at least the columns
    ``lot, association, day, kg, site, temperature`` (``collects`` defaults to the association's
    setting). ``time_limit_s`` is the search time per round problem (one day, one round family)
    and ``seed`` the solver's seed; both default to ``scenario.routing``. ``cache_dir`` keeps the
    distance matrices between runs.

    ``collection_days``: (site id, cold) → the days the planning model collects there (see
    :mod:`aide_alim.planning`); a line is then collected on the latest of them before its
    delivery day, else as described above. ``priority``: association id → weight of its food
    in the stops' prizes (the fairness value of a kg: high for the worst-served), so that a
    day short of time leaves out the food that matters least. ``workers``: processes solving
    the day problems in parallel (default: the CPUs, at most one per day; 1 = in this
    process); the result does not depend on it. ``on_day_solved(date)`` is called as each
    day's problem is solved (in the order they finish), for a progress display.
    ``iterations``: the search budget of each round problem, instead of the scenario's
    ``routing.iterations``.
    """
    started = time.perf_counter()
    table = _check_lines(scenario, lines)
    places = places_of(scenario)
    matrices = scenario_matrices(scenario, places, cache_dir=cache_dir)
    ctx = Context(
        scenario=scenario,
        lines=table,
        places={p.key: p for p in places},
        matrices=matrices,
        time_limit_s=scenario.routing.time_limit_s if time_limit_s is None else time_limit_s,
        seed=scenario.routing.seed if seed is None else seed,
        collection_days=dict(collection_days or {}),
        priority=dict(priority or {}),
        workers=workers,
        on_day_solved=on_day_solved,
        iterations=(scenario.routing.iterations if iterations is None else iterations) or None,
    )
    if scenario.logistics.model == "hub":
        _plan_hub(ctx)
    else:
        _plan_direct(ctx)
    return build_plan(ctx, wall_s=time.perf_counter() - started)


# --- input -------------------------------------------------------------------------------------


def _check_lines(scenario: Scenario, lines: pd.DataFrame) -> list[Line]:
    if len(lines) == 0:
        return []
    missing = [c for c in REQUIRED_COLUMNS if c not in lines.columns]
    if missing:
        raise StageError(
            "routing",
            f"the allocation lines lack column(s) {', '.join(missing)}; "
            f"expected at least {', '.join(REQUIRED_COLUMNS)}",
        )
    temperatures = {t.value for t in Temperature}
    records = lines.reset_index(drop=True).to_dict(orient="records")
    result: list[Line] = []
    for i, row in enumerate(records):
        where = f"allocation line {i + 1}"
        lot, assoc, site = str(row["lot"]), str(row["association"]), str(row["site"])
        if lot not in scenario.lot_by_id:
            raise StageError("routing", f"{where}: unknown lot {lot!r}")
        if assoc not in scenario.association_by_id:
            raise StageError("routing", f"{where}: unknown association {assoc!r}")
        if site not in scenario.site_by_id:
            raise StageError("routing", f"{where}: unknown site {site!r}")
        try:
            kg = float(row["kg"])
        except (TypeError, ValueError):
            kg = math.nan
        if not kg >= 0:
            raise StageError("routing", f"{where}: expected kg ≥ 0, found {row['kg']!r}")
        temperature = str(row["temperature"])
        if temperature not in temperatures:
            raise StageError(
                "routing",
                f"{where}: expected temperature ambient, chilled or frozen, found {temperature!r}",
            )
        collects = row.get("collects")
        if collects is None or (isinstance(collects, float) and math.isnan(collects)):
            collects = scenario.association_by_id[assoc].collects
        elif isinstance(collects, str):  # a CSV read without type inference
            collects = collects.strip().lower() in ("true", "1", "yes", "oui", "vrai")
        if kg > 0:
            result.append(
                Line(
                    index=len(result),
                    lot=lot,
                    association=assoc,
                    day=_as_date(row["day"], i),
                    kg=kg,
                    site=site,
                    temperature=temperature,
                    collects=bool(collects),
                )
            )
    return result


def _as_date(value: object, row: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(value).date()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise StageError(
            "routing", f"allocation line {row + 1}: expected a date in column day, found {value!r}"
        ) from None


# --- hub model ---------------------------------------------------------------------------------


def _plan_hub(ctx: Context) -> None:
    sc = ctx.scenario
    stock = sc.week_start - dt.timedelta(days=1)  # "at the hub before the week starts"
    collect_day: dict[int, dt.date] = {}
    for line in ctx.lines:
        if line.site == sc.hub:
            ctx.ready[line.index] = (stock, 0)
            continue
        day, reason, code = _collection_day(ctx, line)
        if day is None:
            ctx.unserved.append(Unserved(line.index, line.kg, "collection", reason, code))
        else:
            collect_day[line.index] = day
    dates = sorted(set(collect_day.values()) | {line.day for line in ctx.lines})
    # Each day's problem is known before any is solved (collection days are fixed above), so
    # the days are solved in parallel; a collection that then fails is carried over to the
    # deliveries of the later days that depended on it, in date order.
    prepared: list[Prepared] = []
    for date in dates:
        # One instance a day: collect for the coming days, deliver what waits at the hub, and
        # carry what is collected today for today straight to its association (same vehicle,
        # no unloading at the hub), except for associations that fetch at the hub.
        collect: list[Line] = []
        same_day: list[Line] = []
        for i, d in collect_day.items():
            line = ctx.lines[i]
            if d != date:
                continue
            if line.day == date:
                same_day.append(line)  # to its association, or to the hub in its window
            else:
                collect.append(line)
        from_stock = [
            line
            for line in ctx.lines
            if line.day == date
            and not line.collects
            and (line.index in ctx.ready or collect_day.get(line.index, date) < date)
        ]
        stops = _group_stops(ctx, collect, "collection", date)
        stops += _group_stops(ctx, from_stock, "delivery", date)
        stops += _group_stops(ctx, same_day, "same_day", date)
        prep = _prepare(ctx, "hub", date, stops)
        if prep is not None:
            prepared.append(prep)
    solutions = dict(zip((id(p) for p in prepared), _solve_all(ctx, prepared), strict=True))
    by_date = {p.date: p for p in prepared}
    for date in dates:
        prep = by_date.get(date)
        if prep is not None:
            _finish(ctx, prep, solutions[id(prep)])
        for line in ctx.lines:
            if line.day != date:
                continue
            if line.collects:
                if line.index in ctx.failed:
                    _hold_at_hub(ctx, line, "hub_pickup")
                elif line.index in ctx.ready:
                    _hub_slot(ctx, line)
            elif line.index in ctx.failed and collect_day.get(line.index, date) < date:
                _hold_at_hub(ctx, line, "delivery")
                _unload(ctx, line)
    _cap_unserved(ctx)


def _cap_unserved(ctx: Context) -> None:
    """A line whose collection failed may also have lost its delivery stop on its own day
    (the days are solved together): count no line as unserved beyond its kg."""
    seen: dict[int, float] = defaultdict(float)
    kept: list[Unserved] = []
    for u in ctx.unserved:
        room = ctx.lines[u.line].kg - seen[u.line]
        if room <= 1e-9:
            continue
        if u.kg > room:
            u = Unserved(u.line, room, u.stage, u.reason, u.code)
        seen[u.line] += u.kg
        kept.append(u)
    ctx.unserved = kept


def _unload(ctx: Context, line: Line) -> None:
    """Take ``line`` off the delivery visits of its day (its collection failed): a visit left
    with nothing to deliver is removed from its route."""
    for route in ctx.routes:
        if route.date != line.day:
            continue
        for visit in route.visits:
            if visit.stop is not None and visit.kind == "delivery":
                visit.stop.portions = [p for p in visit.stop.portions if p.line != line.index]
        route.visits = [
            v for v in route.visits if v.stop is None or v.kind != "delivery" or v.stop.portions
        ]


def _hold_at_hub(ctx: Context, line: Line, stage: str) -> None:
    """A line partly collected stays whole at the hub: report the part that did arrive."""
    lost = sum(u.kg for u in ctx.unserved if u.line == line.index)
    if line.kg - lost > 1e-6:
        reason = "the rest of this line could not be collected; this part waits at the hub"
        ctx.unserved.append(Unserved(line.index, line.kg - lost, stage, reason, "partly_collected"))


def _collection_day(ctx: Context, line: Line) -> tuple[dt.date | None, str, str]:
    """The latest day before the delivery day on which the lot is available, its site open and a
    suitable vehicle works; failing that, the delivery day itself (cross-dock).

    Returns ``(day, "", "")`` or ``(None, reason in words, reason code)``."""
    sc = ctx.scenario
    site = sc.site_by_id[line.site]
    lot = sc.lot_by_id[line.lot]
    first = max(lot.available, sc.week_start)
    closed = no_vehicle = 0
    candidates = [line.day - dt.timedelta(days=k) for k in range((line.day - first).days + 1)]
    planned = ctx.collection_days.get((line.site, line.cold))
    order = [*candidates[1:], *candidates[:1]]
    if planned:
        # A planned day before the delivery day first: a same-day pickup and delivery is the
        # hardest stop to fit in a morning.
        order = [d for d in order if d in planned] + order
    for date in order:
        if Day(date.weekday()) not in site.open_days:
            closed += 1
        elif not _vehicles(ctx, date, line.cold):
            no_vehicle += 1
        else:
            return date, "", ""
    span = f"between {first:%a %d/%m} and {line.day:%a %d/%m}"
    kind = "refrigerated vehicle" if line.cold else "vehicle"
    if line.day < first:
        return (
            None,
            f"lot {lot.id} is available only from {lot.available}, after its delivery day",
            "not_available",
        )
    if no_vehicle and not closed:
        return None, f"no {kind} works {span}", _no_vehicle_code(line.cold)
    if closed and not no_vehicle:
        return None, f"site {site.name} is closed {span}", "site_closed"
    return (
        None,
        f"no day {span} on which site {site.name} is open and a {kind} works",
        "no_collection_day",
    )


def _no_vehicle_code(cold: bool) -> str:
    return "no_refrigerated_vehicle" if cold else "no_vehicle"


def _hub_slot(ctx: Context, line: Line) -> None:
    assoc = ctx.scenario.association_by_id[line.association]
    date, ready = ctx.ready[line.index]
    window = assoc.receive_window
    start = max(window.start_min * 60, ready if date == line.day else 0)
    service = _fixed_s(ctx) + _service_s(ctx, line.kg)
    if start + service > window.end_min * 60:
        reason = (
            f"goods reach the hub at {_hhmm(ready)}, too late for {assoc.name}'s window {window}"
        )
        ctx.unserved.append(Unserved(line.index, line.kg, "hub_pickup", reason, "outside_window"))
        return
    ctx.slots.append(
        Slot("hub_pickup", line, ctx.places[site_key(ctx.scenario.hub)], start, start + service)
    )


# --- direct model ------------------------------------------------------------------------------


def _plan_direct(ctx: Context) -> None:
    sc = ctx.scenario
    prepared: list[Prepared] = []
    for date in sorted({line.day for line in ctx.lines}):
        shipped: list[Line] = []
        for line in ctx.lines:
            if line.day != date:
                continue
            site = sc.site_by_id[line.site]
            lot = sc.lot_by_id[line.lot]
            if lot.available > date:
                reason = f"lot {lot.id} is available only from {lot.available}"
                ctx.unserved.append(
                    Unserved(line.index, line.kg, "direct", reason, "not_available")
                )
            elif Day(date.weekday()) not in site.open_days and site.id != sc.hub:
                reason = (
                    f"site {site.name} is closed on {date:%a %d/%m} (the direct model has no "
                    "storage between supplier and association)"
                )
                ctx.unserved.append(Unserved(line.index, line.kg, "direct", reason, "site_closed"))
            elif line.collects:
                _site_slot(ctx, line)
            else:
                shipped.append(line)
        stops = _group_stops(ctx, shipped, "direct", date)
        prep = _prepare(ctx, "direct", date, stops)
        if prep is not None:
            prepared.append(prep)
    for prep, solution in zip(prepared, _solve_all(ctx, prepared), strict=True):
        _finish(ctx, prep, solution)


def _site_slot(ctx: Context, line: Line) -> None:
    assoc = ctx.scenario.association_by_id[line.association]
    site = ctx.scenario.site_by_id[line.site]
    start = max(assoc.receive_window.start_min, site.window.start_min) * 60
    end = min(assoc.receive_window.end_min, site.window.end_min) * 60
    service = _fixed_s(ctx) + _service_s(ctx, line.kg)
    if start + service > end:
        reason = (
            f"{assoc.name}'s window {assoc.receive_window} does not meet site {site.name}'s "
            f"window {site.window}"
        )
        ctx.unserved.append(Unserved(line.index, line.kg, "site_pickup", reason, "outside_window"))
        return
    ctx.slots.append(
        Slot("site_pickup", line, ctx.places[site_key(site.id)], start, start + service)
    )


# --- building and solving one instance ---------------------------------------------------------


def _vehicles(ctx: Context, date: dt.date, cold: bool) -> list[Vehicle]:
    """Vehicles working on ``date`` (refrigerated ones only if ``cold``)."""
    weekday = Day(date.weekday())
    return [
        v
        for v in ctx.scenario.vehicles
        if weekday in v.days and (v.refrigerated or not cold) and v.capacity_kg >= 1
    ]


def _service_s(ctx: Context, kg: float) -> int:
    """Handling time of ``kg`` at a stop [s] (the fixed time per place is in :func:`_leg`)."""
    return round(60 * ctx.scenario.logistics.service_min_per_100kg * kg / 100)


def _fixed_s(ctx: Context) -> int:
    """Fixed time at each place a vehicle stops at [s] (parking, paperwork)."""
    return round(60 * ctx.scenario.logistics.service_min)


def _leg(ctx: Context, a: int, b: int) -> int:
    """Travel time from place ``a`` to place ``b`` (matrix indices) plus the fixed stop time
    at ``b`` [s]."""
    if a == b:
        return 0
    return int(ctx.matrices.duration_s[a, b]) + _fixed_s(ctx)


def _group_stops(ctx: Context, lines: list[Line], family: str, date: dt.date) -> list[Stop]:
    """One stop per place (and destination) and temperature group, split into vehicle loads."""
    sc = ctx.scenario
    groups: dict[tuple[str, str, str, bool], list[Line]] = defaultdict(list)
    for line in lines:
        if family == "collection":
            key = (site_key(line.site), "", "", line.cold)
        elif family == "delivery":
            key = (association_key(line.association), "", "", line.cold)
        elif line.collects:
            # Same day, fetched at the hub: dropped at the hub within the association's window.
            key = (site_key(line.site), site_key(sc.hub), line.association, line.cold)
        else:
            key = (site_key(line.site), association_key(line.association), "", line.cold)
        groups[key].append(line)
    stops: list[Stop] = []
    for (origin, dest, window_of, cold), members in groups.items():
        fleet = _vehicles(ctx, date, cold)
        if not fleet:
            kind = "refrigerated vehicle" if cold else "vehicle"
            for line in members:
                reason = f"no {kind} works on {date:%a %d/%m}"
                code = _no_vehicle_code(cold)
                ctx.unserved.append(Unserved(line.index, line.kg, family, reason, code))
            continue
        limit = math.floor(max(v.capacity_kg for v in fleet))
        for portions in _split(members, limit):
            place = ctx.places[origin]
            stop = Stop(
                family=family, date=date, place=place, cold=cold, portions=portions, tw=(0, 0)
            )
            kg = stop.kg
            if family == "collection":
                site = sc.site_by_id[place.id]
                stop.tw = (site.window.start_min * 60, site.window.end_min * 60)
            elif family == "delivery":
                assoc = sc.association_by_id[place.id]
                w = assoc.receive_window
                stop.tw = (w.start_min * 60, w.end_min * 60)
            else:
                site = sc.site_by_id[place.id]
                stop.tw = (site.window.start_min * 60, site.window.end_min * 60)
                stop.dest = ctx.places[dest]
                assoc = sc.association_by_id[window_of or stop.dest.id]
                w = assoc.receive_window
                stop.dest_tw = (w.start_min * 60, w.end_min * 60)
                stop.dest_service = _service_s(ctx, kg)
                if window_of:
                    # Unloaded at the hub, then handed over: leave time for the handover.
                    handover = _fixed_s(ctx) + _service_s(ctx, kg)
                    stop.dest_tw = (
                        w.start_min * 60,
                        max(w.start_min * 60, w.end_min * 60 - handover),
                    )
                    stop.to_hub = True
            stop.service = _service_s(ctx, kg)
            stops.append(stop)
    return stops


def _split(members: list[Line], limit: int) -> list[list[Portion]]:
    """Pack the lines of one stop into visits of at most ``limit`` kg (splitting a line only
    when it alone exceeds what is left of a visit)."""
    visits: list[list[Portion]] = [[]]
    room = float(limit)
    for line in members:
        kg = line.kg
        while kg > 1e-9:
            if room <= 1e-9:
                visits.append([])
                room = float(limit)
            take = min(kg, room)
            visits[-1].append(Portion(line.index, take))
            kg -= take
            room -= take
    return [v for v in visits if v]


@dataclass
class Prepared:
    """One day's round problem, checked and built, ready for the solver."""

    family: str
    date: dt.date
    kept: list[Stop]
    fleet: list[Vehicle]
    depot_keys: list[str]
    problem: VrpProblem


def _prepare(ctx: Context, family: str, date: dt.date, stops: list[Stop]) -> Prepared | None:
    """Check and build one instance (stops no vehicle can serve are reported here)."""
    if not stops:
        return None
    sc = ctx.scenario
    fleet = [v for v in _vehicles(ctx, date, cold=False)]
    depot_keys = sorted({site_key(v.depot) for v in fleet})
    mat = ctx.matrices

    def ok_for(stop: Stop, v: Vehicle) -> str:
        """Empty if ``v`` alone could serve ``stop``, else why not."""
        if stop.cold and not v.refrigerated:
            return "cold"
        depot = mat.index(site_key(v.depot))
        path = [mat.index(stop.place.key)]
        tws = [stop.tw]
        services = [stop.service]
        if stop.dest is not None:
            path.append(mat.index(stop.dest.key))
            tws.append(stop.dest_tw)
            services.append(stop.dest_service)
        legs = [depot, *path, depot]
        for a, b in itertools.pairwise(legs):
            if not mat.reachable[a, b]:
                return f"no road path from {mat.names[a]} to {mat.names[b]}"
        clock = max(v.shift.start_min * 60, stop.release) + _leg(ctx, depot, path[0])
        for k, node in enumerate(path):
            if k:
                clock += _leg(ctx, path[k - 1], node)
            clock = max(clock, tws[k][0])
            if clock + services[k] > tws[k][1]:
                return "window"
            clock += services[k]
        clock += _leg(ctx, path[-1], depot)
        if clock > v.shift.end_min * 60:
            return "shift"
        return ""

    kept: list[Stop] = []
    for stop in stops:
        reasons = [ok_for(stop, v) for v in fleet]
        if "" in reasons:
            kept.append(stop)
            continue
        road = next((r for r in reasons if r.startswith("no road path")), None)
        if road is not None:
            reason, code = road, "unreachable"
        elif all(r == "cold" for r in reasons):
            reason = f"no refrigerated vehicle works on {date:%a %d/%m}"
            code = "no_refrigerated_vehicle"
        else:
            # Some vehicle gets there within the stop's window but not back within its shift.
            code = "shift_too_short" if "shift" in reasons else "outside_window"
            where = (
                stop.place.name if stop.dest is None else f"{stop.place.name} → {stop.dest.name}"
            )
            window = _window_text(stop)
            reason = (
                f"{where}: window {window} cannot be met within any working vehicle's shift "
                f"(travel from the depot, {round((stop.service + stop.dest_service) / 60)} min "
                "of handling)"
            )
        _drop(ctx, stop, reason, code)
    if not kept:
        return None

    # Locations: depots first, then one per stop (and destination).
    loc_keys = list(depot_keys)
    for stop in kept:
        loc_keys.append(stop.place.key)
        if stop.dest is not None:
            loc_keys.append(stop.dest.key)
    idx = np.asarray([mat.index(k) for k in loc_keys])
    reach = mat.reachable[np.ix_(idx, idx)]
    dist = np.where(reach, mat.distance_m[np.ix_(idx, idx)], UNREACHABLE)
    dur = np.where(reach, mat.duration_s[np.ix_(idx, idx)], UNREACHABLE)
    # The fixed handling time of a stop is paid once per place: it is added to every leg that
    # arrives at a different place, so stops of one place in a row pay it once.
    place_of = np.asarray([mat.index(k) for k in loc_keys])
    fixed = _fixed_s(ctx)
    dur = np.where(reach & (place_of[:, None] != place_of[None, :]), dur + fixed, dur)
    np.fill_diagonal(dist, 0)
    np.fill_diagonal(dur, 0)
    coords = np.asarray([[ctx.places[k].lon, ctx.places[k].lat] for k in loc_keys])
    depots = tuple(
        VrpDepot(
            location=i,
            tw_early=sc.site_by_id[ctx.places[k].id].window.start_min * 60,
            tw_late=sc.site_by_id[ctx.places[k].id].window.end_min * 60,
            name=k,
        )
        for i, k in enumerate(depot_keys)
    )
    types: list[VrpVehicleType] = []
    for v in fleet:
        d = depot_keys.index(site_key(v.depot))
        cap = math.floor(v.capacity_kg)
        dist_cost = round(v.cost_eur_km * 100)  # 10⁻⁵ € per metre
        time_cost = round(v.cost_eur_h * 100_000 / 3600)  # 10⁻⁵ € per second
        types.append(
            VrpVehicleType(
                num_available=1,
                capacity=(cap, cap if v.refrigerated else 0),
                start_depot=d,
                end_depot=d,
                tw_early=v.shift.start_min * 60,
                tw_late=v.shift.end_min * 60,
                unit_distance_cost=max(dist_cost, 1 if time_cost == 0 else 0),
                unit_duration_cost=time_cost,
                reload_depots=(d,),
                name=v.id,
            )
        )
    clients: list[VrpClient] = []
    shipments: list[VrpShipment] = []
    loc = len(depot_keys)
    for stop in kept:
        load = (math.ceil(stop.kg - 1e-9), math.ceil(stop.kg - 1e-9) if stop.cold else 0)
        prize = _prize(ctx, stop, fleet, types)
        if stop.dest is None:
            clients.append(
                VrpClient(
                    location=loc,
                    delivery=load if stop.family == "delivery" else (0, 0),
                    pickup=load if stop.family == "collection" else (0, 0),
                    service=stop.service,
                    tw_early=stop.tw[0],
                    tw_late=max(stop.tw[0], stop.tw[1] - stop.service),
                    release_time=stop.release,
                    required=False,
                    prize=prize,
                    name=stop.place.key,
                )
            )
            loc += 1
        else:
            shipments.append(
                VrpShipment(
                    pickup_location=loc,
                    delivery_location=loc + 1,
                    amount=load,
                    pickup_service=stop.service,
                    delivery_service=stop.dest_service,
                    pickup_tw=(stop.tw[0], max(stop.tw[0], stop.tw[1] - stop.service)),
                    delivery_tw=(
                        stop.dest_tw[0],
                        max(stop.dest_tw[0], stop.dest_tw[1] - stop.dest_service),
                    ),
                    required=False,
                    prize=prize,
                    name=f"{stop.place.key}->{stop.dest.key}",
                )
            )
            loc += 2
    problem = VrpProblem(
        coords=coords,
        distances=(dist,),
        durations=(dur,),
        depots=depots,
        vehicle_types=tuple(types),
        clients=tuple(clients),
        shipments=tuple(shipments),
    )
    return Prepared(family, date, kept, fleet, depot_keys, problem)


def _solve_one(args: tuple[VrpProblem, float, int, int | None]) -> VrpSolution:
    problem, time_limit_s, seed, iterations = args
    return solve(
        problem,
        time_limit_s=safety_cap_s(time_limit_s, iterations),
        seed=seed,
        no_improvement=NO_IMPROVEMENT_ITERATIONS,
        max_iterations=iterations,
    )


def _solve_all(ctx: Context, prepared: list[Prepared]) -> list[VrpSolution]:
    """Solve the prepared problems, in parallel processes when there are several (the
    solutions are those of a sequential run: each search has its own seed and budget)."""
    jobs = [(p.problem, ctx.time_limit_s, ctx.seed, ctx.iterations) for p in prepared]
    import multiprocessing

    tell = ctx.on_day_solved or (lambda _date: None)
    workers = ctx.workers or min(len(jobs), os.cpu_count() or 1)
    # A daemonic process (a Dask or multiprocessing worker) may not start children.
    if workers <= 1 or len(jobs) <= 1 or multiprocessing.current_process().daemon:
        solutions = []
        for prep, job in zip(prepared, jobs, strict=True):
            solutions.append(_solve_one(job))
            tell(prep.date)
        return solutions

    # Largest problems first, so that the last one to finish is a small one.
    order = sorted(range(len(jobs)), key=lambda i: -len(prepared[i].kept))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = {pool.submit(_solve_one, jobs[i]): i for i in order}
        for future in as_completed(futures):
            tell(prepared[futures[future]].date)
        return [future.result() for future in sorted(futures, key=futures.__getitem__)]


def _finish(ctx: Context, prep: Prepared, solution: VrpSolution) -> None:
    """Record one solved instance: its routes, and what it left out."""
    ctx.solves += 1
    ctx.solve_seconds += solution.runtime_s
    if not solution.is_feasible:
        for stop in prep.kept:
            effort = f"{ctx.iterations} iterations" if ctx.iterations else f"{ctx.time_limit_s:g} s"
            reason = f"no feasible {prep.family} round found in {effort}"
            _drop(ctx, stop, reason, "no_feasible_round")
        return
    _record(ctx, prep.family, prep.date, prep.kept, prep.fleet, prep.depot_keys, solution)


def _prize(ctx: Context, stop: Stop, fleet: list[Vehicle], types: list[VrpVehicleType]) -> int:
    mat = ctx.matrices
    path = [mat.index(stop.place.key)]
    service = stop.service
    if stop.dest is not None:
        path.append(mat.index(stop.dest.key))
        service += stop.dest_service
    dearest = 0
    for v, t in zip(fleet, types, strict=True):
        depot = mat.index(site_key(v.depot))
        legs = [depot, *path, depot]
        metres = sum(int(mat.distance_m[a, b]) for a, b in itertools.pairwise(legs))
        seconds = sum(_leg(ctx, a, b) for a, b in itertools.pairwise(legs)) + service
        dearest = max(dearest, t.unit_distance_cost * metres + t.unit_duration_cost * seconds)
    fairness = sum(
        p.kg * ctx.priority.get(ctx.lines[p.line].association, 0.0) for p in stop.portions
    )
    return round(PRIZE_FACTOR * dearest) + 1000 + 10 * math.ceil(stop.kg) + round(1e5 * fairness)


def _record(
    ctx: Context,
    family: str,
    date: dt.date,
    kept: list[Stop],
    fleet: list[Vehicle],
    depot_keys: list[str],
    solution: VrpSolution,
) -> None:
    by_client = {}
    by_shipment = {}
    client = shipment = 0
    for stop in kept:
        if stop.dest is None:
            by_client[client] = stop
            client += 1
        else:
            by_shipment[shipment] = stop
            shipment += 1
    for c in solution.unserved_clients:
        _drop(ctx, by_client[c], _fleet_short(date), "not_served_by_solver")
    for s in solution.unserved_shipments:
        _drop(ctx, by_shipment[s], _fleet_short(date), "not_served_by_solver")
    for route in solution.routes:
        vehicle = fleet[route.vehicle_type]
        visits: list[Visit] = []
        trip = 1
        pending: list[Stop] = []
        for k, v in enumerate(route.visits):
            arrival = v.start - v.wait
            if v.kind is VisitKind.DEPOT:
                place = ctx.places[depot_keys[v.index]]
                if k == 0:
                    visits.append(Visit("start", place, None, v.end, trip))
                elif k == len(route.visits) - 1:
                    visits.append(Visit("end", place, arrival, None, trip))
                else:
                    visits.append(Visit("reload", place, arrival, v.end, trip))
                    # Goods picked up on this trip are at the hub from this arrival on.
                    _mark_ready(ctx, pending, vehicle, date, arrival)
                    pending = []
                    trip += 1
                continue
            if v.kind is VisitKind.CLIENT:
                stop = by_client[v.index]
                kind = "pickup" if stop.family == "collection" else "delivery"
                place = stop.place
            else:
                stop = by_shipment[v.index]
                kind = "pickup" if v.kind is VisitKind.PICKUP else "delivery"
                place = stop.place if kind == "pickup" else stop.dest  # type: ignore[assignment]
                if kind == "delivery" and stop.to_hub:
                    kind = "unload"
                    _mark_ready(ctx, [stop], vehicle, date, v.end)
            visits.append(Visit(kind, place, arrival, v.end, trip, stop))
            if stop.family == "collection":
                pending.append(stop)
        end = route.visits[-1].start
        _mark_ready(ctx, pending, vehicle, date, end)
        ctx.routes.append(
            SolvedRoute(family, date, vehicle, visits, route.distance, route.duration)
        )


def _mark_ready(
    ctx: Context, stops: list[Stop], vehicle: Vehicle, date: dt.date, at_hub: int
) -> None:
    for stop in stops:
        for p in stop.portions:
            ctx.ready[p.line] = (date, max(at_hub, ctx.ready.get(p.line, (date, 0))[1]))
            ctx.collected_by[p.line] = vehicle.id


def _drop(ctx: Context, stop: Stop, reason: str, code: str) -> None:
    for p in stop.portions:
        ctx.unserved.append(Unserved(p.line, p.kg, stop.family, reason, code))
        if stop.family == "collection":
            ctx.failed.add(p.line)


def _fleet_short(date: dt.date) -> str:
    return (
        f"the vehicles working on {date:%a %d/%m} lack capacity or time for this stop "
        "(not served by the solver)"
    )


def _window_text(stop: Stop) -> str:
    def w(t: tuple[int, int]) -> str:
        return f"{_hhmm(t[0])}-{_hhmm(t[1])}"

    return w(stop.tw) if stop.dest is None else f"{w(stop.tw)} then {w(stop.dest_tw)}"


def _hhmm(seconds: int) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
