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

How one day's instance is built and solved (cold chain, times, stops that cannot be served,
objective) is told in :mod:`aide_alim.routing.day_problem`; what the rounds are made of (lines,
stops, solved routes, the shared context) is in :mod:`aide_alim.routing.round_types`.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from aide_alim.errors import StageError
from aide_alim.routing.day_problem import (
    Prepared,
    finish_day,
    fixed_s,
    group_stops,
    hhmm,
    no_vehicle_code,
    prepare_day,
    service_s,
    solve_days,
    working_vehicles,
)
from aide_alim.routing.graph import places_of, site_key
from aide_alim.routing.matrices import scenario_matrices
from aide_alim.routing.plan import RoutePlan, build_plan
from aide_alim.routing.round_types import Context, Line, Slot, Unserved
from aide_alim.scenario.model import Day, Scenario, Temperature

REQUIRED_COLUMNS: tuple[str, ...] = ("lot", "association", "day", "kg", "site", "temperature")


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
        stops = group_stops(ctx, collect, "collection", date)
        stops += group_stops(ctx, from_stock, "delivery", date)
        stops += group_stops(ctx, same_day, "same_day", date)
        prep = prepare_day(ctx, "hub", date, stops)
        if prep is not None:
            prepared.append(prep)
    solutions = dict(zip((id(p) for p in prepared), solve_days(ctx, prepared), strict=True))
    by_date = {p.date: p for p in prepared}
    for date in dates:
        prep = by_date.get(date)
        if prep is not None:
            finish_day(ctx, prep, solutions[id(prep)])
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
        elif not working_vehicles(ctx, date, line.cold):
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
        return None, f"no {kind} works {span}", no_vehicle_code(line.cold)
    if closed and not no_vehicle:
        return None, f"site {site.name} is closed {span}", "site_closed"
    return (
        None,
        f"no day {span} on which site {site.name} is open and a {kind} works",
        "no_collection_day",
    )


def _hub_slot(ctx: Context, line: Line) -> None:
    assoc = ctx.scenario.association_by_id[line.association]
    date, ready = ctx.ready[line.index]
    window = assoc.receive_window
    start = max(window.start_min * 60, ready if date == line.day else 0)
    service = fixed_s(ctx) + service_s(ctx, line.kg)
    if start + service > window.end_min * 60:
        reason = (
            f"goods reach the hub at {hhmm(ready)}, too late for {assoc.name}'s window {window}"
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
        stops = group_stops(ctx, shipped, "direct", date)
        prep = prepare_day(ctx, "direct", date, stops)
        if prep is not None:
            prepared.append(prep)
    for prep, solution in zip(prepared, solve_days(ctx, prepared), strict=True):
        finish_day(ctx, prep, solution)


def _site_slot(ctx: Context, line: Line) -> None:
    assoc = ctx.scenario.association_by_id[line.association]
    site = ctx.scenario.site_by_id[line.site]
    start = max(assoc.receive_window.start_min, site.window.start_min) * 60
    end = min(assoc.receive_window.end_min, site.window.end_min) * 60
    service = fixed_s(ctx) + service_s(ctx, line.kg)
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
