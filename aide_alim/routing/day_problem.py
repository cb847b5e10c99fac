"""One day's round problem: the day's lines grouped into stops and split into vehicle loads,
checked, built into a :class:`~aide_alim.routing.solver.VrpProblem`, solved (several days in
parallel processes) and recorded in the :class:`~aide_alim.routing.round_types.Context`.

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
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from aide_alim.routing.graph import association_key, site_key
from aide_alim.routing.round_types import Context, Line, Portion, SolvedRoute, Stop, Unserved, Visit
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
from aide_alim.scenario.model import Day, Vehicle

NO_IMPROVEMENT_ITERATIONS = 2_000
"""Stop a round problem after this many iterations without improvement (or at the time limit)."""
UNREACHABLE = 10**9
"""Matrix value for a pair with no road path [m or s]: far beyond any shift."""
PRIZE_FACTOR = 1.5
"""A stop's prize is this many times the cost of a round made for it alone (with the dearest
vehicle), so serving it always pays when it fits, yet infeasible rounds never pay (PyVRP's
penalties stay above the prizes); plus the fairness value of its food (``priority`` [€/kg] of
each association, see :func:`~aide_alim.routing.rounds.plan_routes`)."""


def working_vehicles(ctx: Context, date: dt.date, cold: bool) -> list[Vehicle]:
    """Vehicles working on ``date`` (refrigerated ones only if ``cold``)."""
    weekday = Day(date.weekday())
    return [
        v
        for v in ctx.scenario.vehicles
        if weekday in v.days and (v.refrigerated or not cold) and v.capacity_kg >= 1
    ]


def service_s(ctx: Context, kg: float) -> int:
    """Handling time of ``kg`` at a stop [s] (the fixed time per place is in :func:`_leg`)."""
    return round(60 * ctx.scenario.logistics.service_min_per_100kg * kg / 100)


def fixed_s(ctx: Context) -> int:
    """Fixed time at each place a vehicle stops at [s] (parking, paperwork)."""
    return round(60 * ctx.scenario.logistics.service_min)


def _leg(ctx: Context, a: int, b: int) -> int:
    """Travel time from place ``a`` to place ``b`` (matrix indices) plus the fixed stop time
    at ``b`` [s]."""
    if a == b:
        return 0
    return int(ctx.matrices.duration_s[a, b]) + fixed_s(ctx)


def group_stops(ctx: Context, lines: list[Line], family: str, date: dt.date) -> list[Stop]:
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
        fleet = working_vehicles(ctx, date, cold)
        if not fleet:
            kind = "refrigerated vehicle" if cold else "vehicle"
            for line in members:
                reason = f"no {kind} works on {date:%a %d/%m}"
                code = no_vehicle_code(cold)
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
                stop.dest_service = service_s(ctx, kg)
                if window_of:
                    # Unloaded at the hub, then handed over: leave time for the handover.
                    handover = fixed_s(ctx) + service_s(ctx, kg)
                    stop.dest_tw = (
                        w.start_min * 60,
                        max(w.start_min * 60, w.end_min * 60 - handover),
                    )
                    stop.to_hub = True
            stop.service = service_s(ctx, kg)
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


def prepare_day(ctx: Context, family: str, date: dt.date, stops: list[Stop]) -> Prepared | None:
    """Check and build one instance (stops no vehicle can serve are reported here)."""
    if not stops:
        return None
    sc = ctx.scenario
    fleet = [v for v in working_vehicles(ctx, date, cold=False)]
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
    fixed = fixed_s(ctx)
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


def solve_days(ctx: Context, prepared: list[Prepared]) -> list[VrpSolution]:
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


def finish_day(ctx: Context, prep: Prepared, solution: VrpSolution) -> None:
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
        return f"{hhmm(t[0])}-{hhmm(t[1])}"

    return w(stop.tw) if stop.dest is None else f"{w(stop.tw)} then {w(stop.dest_tw)}"


def hhmm(seconds: int) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def no_vehicle_code(cold: bool) -> str:
    return "no_refrigerated_vehicle" if cold else "no_vehicle"
