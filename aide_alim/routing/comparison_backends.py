"""The comparison backends: OR-Tools (:class:`OrToolsSolver`) and VROOM (:class:`VroomSolver`).

They solve the same :class:`~aide_alim.routing.solver.VrpProblem` as PyVRP, for the benchmarks
(``benchmarks/vrp.py``) and as drop-in replacements for the features they support (no reloads,
release times or optional stops). Both re-time the visit sequence their solver returns and check
its feasibility independently (the shared helpers at the end).
"""

from __future__ import annotations

import time

import numpy as np

from aide_alim.routing.solver import (
    UNBOUNDED,
    SolverError,
    SolveStatus,
    VisitKind,
    VrpProblem,
    VrpRoute,
    VrpSolution,
    VrpVehicleType,
    VrpVisit,
)

# --- OR-Tools ----------------------------------------------------------------------------------


class OrToolsSolver:
    """OR-Tools routing with guided local search (comparison backend).

    Supports capacities, time windows, service times, several depots and vehicle types, shift
    duration and paired shipments; no reloads, no release times, no optional stops.
    """

    name = "ortools"

    def solve(
        self,
        problem: VrpProblem,
        *,
        time_limit_s: float,
        seed: int,
        no_improvement: int | None = None,
        max_iterations: int | None = None,
    ) -> VrpSolution:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2

        _reject(problem, self.name, reloads=True, release=True, optional=True, max_duration=False)
        # OR-Tools nodes: one per depot visit slot and one per stop; map node → location.
        vehicles = [
            (t, v) for t, v in enumerate(problem.vehicle_types) for _ in range(v.num_available)
        ]
        node_loc = [d.location for d in problem.depots]
        node_info: list[tuple[VisitKind, int]] = [
            (VisitKind.DEPOT, i) for i in range(len(node_loc))
        ]
        for i, c in enumerate(problem.clients):
            node_loc.append(c.location)
            node_info.append((VisitKind.CLIENT, i))
        for i, s in enumerate(problem.shipments):
            node_loc.append(s.pickup_location)
            node_info.append((VisitKind.PICKUP, i))
            node_loc.append(s.delivery_location)
            node_info.append((VisitKind.DELIVERY, i))
        starts = [v.start_depot for _, v in vehicles]
        ends = [v.end_depot for _, v in vehicles]
        manager = pywrapcp.RoutingIndexManager(len(node_loc), len(vehicles), starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        locs = np.asarray(node_loc)
        service = np.zeros(len(node_loc), dtype=np.int64)
        tws: list[tuple[int, int]] = [(d.tw_early, d.tw_late) for d in problem.depots]
        demand = np.zeros((problem.num_dims, len(node_loc)), dtype=np.int64)
        node = len(problem.depots)
        for c in problem.clients:
            service[node] = c.service
            tws.append((c.tw_early, c.tw_late))
            demand[:, node] = np.asarray(c.pickup or [0] * problem.num_dims) - np.asarray(
                c.delivery or [0] * problem.num_dims
            )
            node += 1
        for s in problem.shipments:
            service[node], service[node + 1] = s.pickup_service, s.delivery_service
            tws += [s.pickup_tw, s.delivery_tw]
            demand[:, node], demand[:, node + 1] = s.amount, -np.asarray(s.amount)
            node += 2
        has_delivery = any(c.delivery and any(c.delivery) for c in problem.clients)

        def transit_cb(profile: int, unit_dist: int, unit_dur: int) -> int:
            dist = problem.distances[profile][np.ix_(locs, locs)]
            dur = problem.durations[profile][np.ix_(locs, locs)]
            cost = (unit_dist * dist + unit_dur * dur).tolist()

            def cb(i: int, j: int) -> int:
                return int(cost[manager.IndexToNode(i)][manager.IndexToNode(j)])

            return routing.RegisterTransitCallback(cb)

        time_cbs = {}
        for vehicle, (_, vt) in enumerate(vehicles):
            key = (vt.profile, vt.unit_distance_cost, vt.unit_duration_cost)
            if key not in time_cbs:
                time_cbs[key] = transit_cb(*key)
            routing.SetArcCostEvaluatorOfVehicle(time_cbs[key], vehicle)
            if vt.fixed_cost:
                routing.SetFixedCostOfVehicle(vt.fixed_cost, vehicle)

        dur_cbs = {}
        for p in {vt.profile for _, vt in vehicles}:
            dur = (problem.durations[p][np.ix_(locs, locs)] + service[:, None]).tolist()

            def dcb(i: int, j: int, dur: list[list[int]] = dur) -> int:
                return int(dur[manager.IndexToNode(i)][manager.IndexToNode(j)])

            dur_cbs[p] = routing.RegisterTransitCallback(dcb)
        horizon = int(min(UNBOUNDED, max(max(t[1] for t in tws), 1) * 2))
        routing.AddDimensionWithVehicleTransits(
            [dur_cbs[vt.profile] for _, vt in vehicles], horizon, horizon, False, "Time"
        )
        time_dim = routing.GetDimensionOrDie("Time")
        for n in range(len(problem.depots), len(node_loc)):
            time_dim.CumulVar(manager.NodeToIndex(n)).SetRange(tws[n][0], min(tws[n][1], horizon))
        for vehicle, (_, vt) in enumerate(vehicles):
            d_start, d_end = problem.depots[vt.start_depot], problem.depots[vt.end_depot]
            lo = max(vt.tw_early, d_start.tw_early)
            hi = min(vt.tw_late, d_end.tw_late, horizon)
            time_dim.CumulVar(routing.Start(vehicle)).SetRange(lo, hi)
            time_dim.CumulVar(routing.End(vehicle)).SetRange(lo, hi)
            if vt.shift_duration < UNBOUNDED:
                time_dim.SetSpanUpperBoundForVehicle(vt.shift_duration, vehicle)
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(vehicle)))
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(vehicle)))
        for dim in range(problem.num_dims):
            row = demand[dim].tolist()

            def qcb(i: int, row: list[int] = row) -> int:
                return int(row[manager.IndexToNode(i)])

            cb = routing.RegisterUnaryTransitCallback(qcb)
            caps = [vt.capacity[dim] for _, vt in vehicles]
            # Pure-delivery instances start full; the dimension then counts the load left.
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, not has_delivery, f"L{dim}")
            if has_delivery:
                load = routing.GetDimensionOrDie(f"L{dim}")
                for vehicle in range(len(vehicles)):
                    load.CumulVar(routing.Start(vehicle)).SetRange(0, caps[vehicle])
        node = len(problem.depots) + len(problem.clients)
        for _ in problem.shipments:
            p_idx, d_idx = manager.NodeToIndex(node), manager.NodeToIndex(node + 1)
            routing.AddPickupAndDelivery(p_idx, d_idx)
            routing.solver().Add(routing.VehicleVar(p_idx) == routing.VehicleVar(d_idx))
            routing.solver().Add(time_dim.CumulVar(p_idx) <= time_dim.CumulVar(d_idx))
            node += 2
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
            if problem.shipments
            else routing_enums_pb2.FirstSolutionStrategy.AUTOMATIC
        )
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
        started = time.perf_counter()
        assignment = routing.SolveWithParameters(params)
        runtime = time.perf_counter() - started
        if assignment is None:
            return VrpSolution(
                status=SolveStatus.INFEASIBLE,
                routes=(),
                unserved_clients=tuple(range(len(problem.clients))),
                unserved_shipments=tuple(range(len(problem.shipments))),
                distance=0,
                cost=float("inf"),
                runtime_s=runtime,
                solver=self.name,
            )
        routes = []
        for vehicle, (t, vt) in enumerate(vehicles):
            index = routing.Start(vehicle)
            if routing.IsEnd(assignment.Value(routing.NextVar(index))):
                continue
            order = []
            while True:
                order.append(manager.IndexToNode(index))
                if routing.IsEnd(index):
                    break
                index = assignment.Value(routing.NextVar(index))
            routes.append(_timed_route(problem, t, vt, [node_info[n] for n in order], self.name))
        return _solution_from_routes(problem, routes, runtime, self.name)


# --- VROOM -------------------------------------------------------------------------------------


class VroomSolver:
    """VROOM through pyvroom (comparison backend): minimises the sum of durations, so the duration
    matrix handed over is the distance matrix (the benchmarks' objective). Supports capacities,
    time windows, service, several depots and vehicle types, shipments; no reloads, release times
    or optional stops."""

    name = "vroom"

    def solve(
        self,
        problem: VrpProblem,
        *,
        time_limit_s: float,
        seed: int,
        no_improvement: int | None = None,
        max_iterations: int | None = None,
    ) -> VrpSolution:
        import datetime as dt

        import vroom

        _reject(problem, self.name, reloads=True, release=True, optional=True, max_duration=True)
        if len(problem.distances) != 1:
            raise SolverError("The vroom backend supports one profile only.")
        inp = vroom.Input()
        dist = problem.distances[0]
        dur = problem.durations[0]
        inp.set_durations_matrix("car", np.asarray(dur, dtype=np.uint32))
        inp.set_costs_matrix("car", np.asarray(dist, dtype=np.uint32))
        vehicles = [
            (t, v) for t, v in enumerate(problem.vehicle_types) for _ in range(v.num_available)
        ]
        for k, (_, vt) in enumerate(vehicles):
            start = problem.depots[vt.start_depot]
            end = problem.depots[vt.end_depot]
            lo = max(vt.tw_early, start.tw_early)
            hi = min(vt.tw_late, end.tw_late, (1 << 32) - 1)
            inp.add_vehicle(
                vroom.Vehicle(
                    id=k,
                    start=start.location,
                    end=end.location,
                    capacity=list(vt.capacity),
                    time_window=vroom.TimeWindow(lo, hi),
                    costs=vroom.VehicleCosts(fixed=vt.fixed_cost, per_hour=3600),
                    max_travel_time=None if vt.shift_duration >= UNBOUNDED else vt.shift_duration,
                )
            )
        dims = problem.num_dims
        for i, c in enumerate(problem.clients):
            inp.add_job(
                vroom.Job(
                    id=i,
                    location=c.location,
                    default_service=c.service,
                    delivery=vroom.Amount(list(c.delivery) or [0] * dims),
                    pickup=vroom.Amount(list(c.pickup) or [0] * dims),
                    time_windows=[vroom.TimeWindow(c.tw_early, min(c.tw_late, (1 << 32) - 1))],
                )
            )
        base = len(problem.clients)
        for i, s in enumerate(problem.shipments):
            inp.add_shipment(
                vroom.ShipmentStep(
                    id=base + 2 * i,
                    location=s.pickup_location,
                    default_service=s.pickup_service,
                    time_windows=[vroom.TimeWindow(s.pickup_tw[0], min(s.pickup_tw[1], 2**32 - 1))],
                ),
                vroom.ShipmentStep(
                    id=base + 2 * i + 1,
                    location=s.delivery_location,
                    default_service=s.delivery_service,
                    time_windows=[
                        vroom.TimeWindow(s.delivery_tw[0], min(s.delivery_tw[1], 2**32 - 1))
                    ],
                ),
                amount=vroom.Amount(list(s.amount)),
            )
        started = time.perf_counter()
        sol = inp.solve(
            exploration_level=5, nb_threads=1, timeout=dt.timedelta(seconds=time_limit_s)
        )
        runtime = time.perf_counter() - started
        frame = sol.routes
        routes = []
        for vid, steps in frame.groupby("vehicle_id", sort=True):
            t, vt = vehicles[int(vid)]
            seq: list[tuple[VisitKind, int]] = []
            for _, step in steps.iterrows():
                kind = str(step["type"])
                if kind in ("start", "end"):
                    depot = vt.start_depot if kind == "start" else vt.end_depot
                    seq.append((VisitKind.DEPOT, depot))
                elif kind == "job":
                    seq.append((VisitKind.CLIENT, int(step["id"])))
                elif kind == "pickup":
                    seq.append((VisitKind.PICKUP, (int(step["id"]) - base) // 2))
                elif kind == "delivery":
                    seq.append((VisitKind.DELIVERY, (int(step["id"]) - base) // 2))
            routes.append(_timed_route(problem, t, vt, seq, self.name))
        return _solution_from_routes(problem, routes, runtime, self.name)


# --- shared helpers for the comparison backends ---------------------------------------------------


def _reject(
    problem: VrpProblem,
    name: str,
    *,
    reloads: bool,
    release: bool,
    optional: bool,
    max_duration: bool,
) -> None:
    if reloads and any(v.reload_depots for v in problem.vehicle_types):
        raise SolverError(f"The {name} backend does not support reloads (multi-trip vehicles).")
    if release and any(c.release_time for c in problem.clients):
        raise SolverError(f"The {name} backend does not support release times.")
    if optional and (
        any(not c.required for c in problem.clients)
        or any(not s.required for s in problem.shipments)
    ):
        raise SolverError(f"The {name} backend does not support optional stops.")
    del max_duration


def _timed_route(
    problem: VrpProblem,
    t: int,
    vt: VrpVehicleType,
    seq: list[tuple[VisitKind, int]],
    solver: str,
) -> VrpRoute:
    """Re-time a visit sequence (earliest start, waiting allowed) and measure it."""
    dist_m, dur_m = problem.distances[vt.profile], problem.durations[vt.profile]
    visits: list[VrpVisit] = []
    clock = max(vt.tw_early, problem.depots[vt.start_depot].tw_early)
    distance = 0
    prev_loc = None
    for kind, idx in seq:
        if kind is VisitKind.DEPOT:
            loc, service, early = problem.depots[idx].location, 0, 0
        elif kind is VisitKind.CLIENT:
            c = problem.clients[idx]
            loc, service, early = c.location, c.service, c.tw_early
        elif kind is VisitKind.PICKUP:
            s = problem.shipments[idx]
            loc, service, early = s.pickup_location, s.pickup_service, s.pickup_tw[0]
        else:
            s = problem.shipments[idx]
            loc, service, early = s.delivery_location, s.delivery_service, s.delivery_tw[0]
        arrive = clock if prev_loc is None else clock + int(dur_m[prev_loc, loc])
        if prev_loc is not None:
            distance += int(dist_m[prev_loc, loc])
        start = max(arrive, early)
        visits.append(VrpVisit(kind, idx, loc, 0, start, start + service, start - arrive))
        clock = start + service
        prev_loc = loc
    duration = visits[-1].start - visits[0].end
    return VrpRoute(vehicle_type=t, visits=tuple(visits), distance=distance, duration=duration)


def _solution_from_routes(
    problem: VrpProblem, routes: list[VrpRoute], runtime: float, solver: str
) -> VrpSolution:
    served_c = {v.index for r in routes for v in r.visits if v.kind is VisitKind.CLIENT}
    served_s = {v.index for r in routes for v in r.visits if v.kind is VisitKind.PICKUP}
    unserved_c = tuple(i for i in range(len(problem.clients)) if i not in served_c)
    unserved_s = tuple(i for i in range(len(problem.shipments)) if i not in served_s)
    feasible = not unserved_c and not unserved_s and all(_route_ok(problem, r) for r in routes)
    distance = sum(r.distance for r in routes)
    return VrpSolution(
        status=SolveStatus.FEASIBLE if feasible else SolveStatus.INFEASIBLE,
        routes=tuple(routes),
        unserved_clients=unserved_c,
        unserved_shipments=unserved_s,
        distance=distance,
        cost=float(distance) if feasible else float("inf"),
        runtime_s=runtime,
        solver=solver,
    )


def _route_ok(problem: VrpProblem, route: VrpRoute) -> bool:
    """Independent feasibility check: capacity, time windows, shift length."""
    vt = problem.vehicle_types[route.vehicle_type]
    dims = problem.num_dims
    load = np.zeros(dims, dtype=np.int64)
    for v in route.visits:
        if v.kind is VisitKind.CLIENT:
            load += np.asarray(problem.clients[v.index].delivery or [0] * dims)
    if (load > np.asarray(vt.capacity)).any():
        return False
    for v in route.visits:
        if v.kind is VisitKind.CLIENT:
            c = problem.clients[v.index]
            load += np.asarray(c.pickup or [0] * dims) - np.asarray(c.delivery or [0] * dims)
            late = c.tw_late
        elif v.kind is VisitKind.PICKUP:
            load += np.asarray(problem.shipments[v.index].amount)
            late = problem.shipments[v.index].pickup_tw[1]
        elif v.kind is VisitKind.DELIVERY:
            load -= np.asarray(problem.shipments[v.index].amount)
            late = problem.shipments[v.index].delivery_tw[1]
        else:
            late = problem.depots[v.index].tw_late
        if (load > np.asarray(vt.capacity)).any() or v.start > late:
            return False
    return route.duration <= vt.shift_duration and route.end <= vt.tw_late
