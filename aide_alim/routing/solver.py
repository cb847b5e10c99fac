"""The one small adapter between aide_alim and a vehicle-routing solver.

Rounds (``rounds.py``) and the benchmark script (``benchmarks/vrp.py``) both describe a problem as
a solver-neutral :class:`VrpProblem` (integer matrices, stops, shipments, vehicle types) and get a
:class:`VrpSolution` back; no solver object leaks past this module. The default backend is PyVRP
(chosen by measurement, see ``benchmarks/README.md``); OR-Tools and VROOM backends exist for the
comparison and as drop-in replacements for the features they support.

Units are the caller's: matrices, times and loads are non-negative integers (rounds use metres,
seconds and kilograms).

**Reproducibility.** A search stopped by the clock does as many iterations as the machine allows,
so its result changes with the load. A search stopped by an iteration budget
(``max_iterations``) does not: with the same problem and seed PyVRP gives the same solution on
any machine, and the time limit is then only a safety cap. The weekly rounds use the budget of
:class:`~aide_alim.scenario.model.RoutingParams`; the benchmarks, which compare quality per second,
ask for a time-limited solve.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Literal, Protocol

import numpy as np

from aide_alim.errors import AideAlimError
from aide_alim.scenario.model import RoutingParams

UNBOUNDED = (1 << 44) - 1
"""Largest time or distance a problem may hold (PyVRP's ``MAX_VALUE``); used for "no limit"."""

DEFAULT_ITERATIONS: Final[int] = RoutingParams().iterations
"""Iteration budget of a round problem when the caller does not give one (``RoutingParams``)."""

SAFETY_CAP_FACTOR: Final[float] = 10.0
"""With the default budget, the wall-clock cap is this many times ``time_limit_s``: the budget,
not the clock, must end the search even on a loaded machine (see ``RoutingParams``)."""


def safety_cap_s(time_limit_s: float, iterations: int | None) -> float:
    """Wall-clock cap of a round problem [s]: ``time_limit_s`` itself for a time-limited search,
    :data:`SAFETY_CAP_FACTOR` × ``time_limit_s`` when an iteration budget ends the search."""
    return time_limit_s * SAFETY_CAP_FACTOR if iterations else time_limit_s


StopRule = Literal["auto"]
AUTO: Final[StopRule] = "auto"


class SolverError(AideAlimError):
    """The problem cannot be handed to the solver (bad data or an unsupported feature)."""


class SolveStatus(StrEnum):
    """Outcome of one solve: ``feasible`` (every constraint holds) or ``infeasible``."""

    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"


@dataclass(frozen=True, slots=True)
class VrpDepot:
    """A depot: where vehicles start, end and (for multi-trip vehicles) reload."""

    location: int
    tw_early: int = 0
    tw_late: int = UNBOUNDED
    name: str = ""


@dataclass(frozen=True, slots=True)
class VrpClient:
    """A stop visited once: goods dropped (``delivery``) and/or taken (``pickup``) per dimension.

    ``release_time``: the goods to deliver reach the depot at that time, so the trip serving this
    stop cannot leave the depot earlier. An optional stop (``required=False``) may be left out at
    the price of its ``prize``.
    """

    location: int
    delivery: tuple[int, ...] = ()
    pickup: tuple[int, ...] = ()
    service: int = 0
    tw_early: int = 0
    tw_late: int = UNBOUNDED
    release_time: int = 0
    required: bool = True
    prize: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class VrpShipment:
    """A paired pickup and delivery: ``amount`` loaded at one place, unloaded at another, by the
    same vehicle, pickup first."""

    pickup_location: int
    delivery_location: int
    amount: tuple[int, ...]
    pickup_service: int = 0
    delivery_service: int = 0
    pickup_tw: tuple[int, int] = (0, UNBOUNDED)
    delivery_tw: tuple[int, int] = (0, UNBOUNDED)
    required: bool = True
    prize: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class VrpVehicleType:
    """``num_available`` identical vehicles.

    ``start_depot``/``end_depot`` index :attr:`VrpProblem.depots`; ``tw_early``/``tw_late`` bound
    the route's start and end; ``shift_duration`` bounds its length (travel, service and
    waiting). ``reload_depots`` make the vehicle multi-trip. ``profile`` selects the matrices the
    vehicle uses.
    """

    num_available: int
    capacity: tuple[int, ...]
    start_depot: int = 0
    end_depot: int = 0
    tw_early: int = 0
    tw_late: int = UNBOUNDED
    shift_duration: int = UNBOUNDED
    max_distance: int = UNBOUNDED
    fixed_cost: int = 0
    unit_distance_cost: int = 1
    unit_duration_cost: int = 0
    profile: int = 0
    reload_depots: tuple[int, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class VrpProblem:
    """A routing problem in integers. ``distances[p][i, j]`` and ``durations[p][i, j]`` are the
    matrices of profile ``p`` between locations ``i`` and ``j``; ``coords`` (one row per location)
    only guides neighbourhoods and plots."""

    coords: np.ndarray
    distances: tuple[np.ndarray, ...]
    durations: tuple[np.ndarray, ...]
    depots: tuple[VrpDepot, ...]
    vehicle_types: tuple[VrpVehicleType, ...]
    clients: tuple[VrpClient, ...] = ()
    shipments: tuple[VrpShipment, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.coords)
        if not self.depots:
            raise SolverError("Expected at least one depot, got none.")
        if not self.vehicle_types:
            raise SolverError("Expected at least one vehicle type, got none.")
        if len(self.distances) != len(self.durations) or not self.distances:
            raise SolverError("Expected as many duration matrices as distance matrices (≥ 1).")
        for matrix in (*self.distances, *self.durations):
            if matrix.shape != (n, n):
                raise SolverError(f"Expected {n}×{n} matrices, got {matrix.shape}.")
            if (matrix < 0).any():
                raise SolverError("Expected non-negative distances and durations.")
        dims = {len(v.capacity) for v in self.vehicle_types}
        dims |= {len(c.delivery) for c in self.clients if c.delivery}
        dims |= {len(c.pickup) for c in self.clients if c.pickup}
        dims |= {len(s.amount) for s in self.shipments}
        if len(dims) > 1:
            raise SolverError(f"Expected one number of load dimensions, got {sorted(dims)}.")

    @property
    def num_dims(self) -> int:
        return len(self.vehicle_types[0].capacity)


class VisitKind(StrEnum):
    DEPOT = "depot"
    CLIENT = "client"
    PICKUP = "pickup"
    DELIVERY = "delivery"


@dataclass(frozen=True, slots=True)
class VrpVisit:
    """One step of a route. ``index`` is the depot, client or shipment index of its kind;
    ``start``/``end`` bound the service (a depot's start = arrival, end = departure)."""

    kind: VisitKind
    index: int
    location: int
    trip: int
    start: int
    end: int
    wait: int = 0


@dataclass(frozen=True, slots=True)
class VrpRoute:
    """One vehicle's route: visits from the start depot to the end depot, with reloads between
    trips. ``distance`` and ``duration`` are in the matrix units."""

    vehicle_type: int
    visits: tuple[VrpVisit, ...]
    distance: int
    duration: int

    @property
    def start(self) -> int:
        return self.visits[0].end

    @property
    def end(self) -> int:
        return self.visits[-1].start


@dataclass(frozen=True)
class VrpSolution:
    """The best solution a solver found, in the problem's units."""

    status: SolveStatus
    routes: tuple[VrpRoute, ...]
    unserved_clients: tuple[int, ...]
    unserved_shipments: tuple[int, ...]
    distance: int
    cost: float
    runtime_s: float
    solver: str
    iterations: int = 0
    details: dict[str, object] = field(default_factory=dict)

    @property
    def is_feasible(self) -> bool:
        return self.status is SolveStatus.FEASIBLE


class VrpSolver(Protocol):
    """What a backend offers: a name and :meth:`solve`."""

    name: str

    def solve(
        self,
        problem: VrpProblem,
        *,
        time_limit_s: float,
        seed: int,
        no_improvement: int | None = None,
        max_iterations: int | None = None,
    ) -> VrpSolution: ...


def get_solver(name: str = "pyvrp") -> VrpSolver:
    """A solver backend by name: ``pyvrp`` (default), ``ortools`` or ``vroom``."""
    backends: dict[str, type] = {
        "pyvrp": PyVrpSolver,
        "ortools": OrToolsSolver,
        "vroom": VroomSolver,
    }
    if name not in backends:
        raise SolverError(f"Expected a solver in {', '.join(backends)}, got {name!r}.")
    solver: VrpSolver = backends[name]()
    return solver


def solve(
    problem: VrpProblem,
    *,
    time_limit_s: float,
    seed: int = 1,
    no_improvement: int | None = None,
    max_iterations: int | StopRule | None = AUTO,
    solver: str = "pyvrp",
) -> VrpSolution:
    """Solve ``problem`` with the named backend (one thread).

    - ``max_iterations``: stop after that many search iterations (PyVRP only); with a fixed seed
      the answer is then the same whatever the machine load, and ``time_limit_s`` [s] is only a
      safety cap. ``None``: a time-limited solve that spends ``time_limit_s`` (the benchmarks).
      ``"auto"`` (default): a caller that asks for ``no_improvement`` wants a search that ends by
      itself (the weekly rounds), so it gets the default budget :data:`DEFAULT_ITERATIONS` under a
      cap of :data:`SAFETY_CAP_FACTOR` × ``time_limit_s``; any other caller gets a time-limited
      solve.
    - ``no_improvement``: also stop after that many iterations without a better solution (PyVRP
      only); small problems then stop early.

    ``VrpSolution.details["stopped_by"]`` says which rule ended the search (``iterations``,
    ``no_improvement`` or ``time_limit``): only the last one depends on the machine's speed.
    """
    if max_iterations == AUTO:
        if no_improvement is None:
            max_iterations = None
        else:
            max_iterations = DEFAULT_ITERATIONS or None
            time_limit_s = safety_cap_s(time_limit_s, max_iterations)
    elif max_iterations is not None and (
        isinstance(max_iterations, bool)
        or not isinstance(max_iterations, int)
        or max_iterations < 0
    ):
        raise SolverError(f"Expected max_iterations >= 0 or None, got {max_iterations!r}.")
    if not time_limit_s > 0:
        raise SolverError(f"Expected time_limit_s > 0, got {time_limit_s}.")
    return get_solver(solver).solve(
        problem,
        time_limit_s=time_limit_s,
        seed=seed,
        no_improvement=no_improvement,
        max_iterations=max_iterations or None,
    )


FEASIBILITY_SHARE: Final[int] = 8
"""The "serve everything" attempt of a serve-what-you-can problem gives up when an eighth of the
iteration budget has found no feasible plan. Measured on the Dijon week's 15 day problems (800
iterations): the feasible ones found their first feasible plan by iteration 6 to 61, the
infeasible ones never did, and their iterations are the slowest of all (about 7 ms against 2 ms
in the prize-collecting search)."""


class _FirstFeasible:
    """Stop at the first feasible solution, or once ``iterations`` (if given) have found none."""

    def __init__(self, iterations: int | None) -> None:
        self._left = iterations

    def __call__(self, best_cost: int) -> bool:
        if best_cost < np.iinfo(np.int64).max:
            return True
        if self._left is None:
            return False
        self._left -= 1
        return self._left < 0


def _pyvrp_stop(
    time_limit_s: float,
    no_improvement: int | None,
    max_iterations: int | None,
    *,
    probe: bool = False,
) -> Any:
    """PyVRP's stopping criterion: the time limit, plus the iteration rules asked for.
    ``probe``: the search only asks whether every stop can be served, and stops at the first
    plan that does."""
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

    criteria: list[Any] = []
    if probe:
        cap = None if max_iterations is None else max(1, max_iterations // FEASIBILITY_SHARE)
        criteria.append(_FirstFeasible(cap))
    elif max_iterations is not None:
        criteria.append(MaxIterations(max_iterations))
    if no_improvement is not None:
        criteria.append(NoImprovement(no_improvement))
    # Last, so that it is consulted only while the iteration rules let the search go on.
    criteria.append(MaxRuntime(time_limit_s))
    return criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)


def _stopped_by(
    iterations: int, runtime_s: float, time_limit_s: float, max_iterations: int | None
) -> str:
    if max_iterations is not None and iterations >= max_iterations:
        return "iterations"
    if runtime_s >= time_limit_s:
        return "time_limit"
    return "no_improvement"


# --- PyVRP -------------------------------------------------------------------------------------


class PyVrpSolver:
    """PyVRP's iterated local search (the default backend)."""

    name = "pyvrp"

    def solve(
        self,
        problem: VrpProblem,
        *,
        time_limit_s: float,
        seed: int,
        no_improvement: int | None = None,
        max_iterations: int | None = None,
    ) -> VrpSolution:
        import pyvrp
        from pyvrp import PenaltyParams
        from pyvrp.exceptions import PenaltyBoundWarning

        stops: list[str] = []

        def run(data: Any, probe: bool = False, **kwargs: Any) -> Any:
            # A fresh criterion per search: PyVRP's criteria count iterations and time inside.
            phase_started = time.perf_counter()
            stop = _pyvrp_stop(time_limit_s, no_improvement, max_iterations, probe=probe)
            result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, **kwargs)
            elapsed = time.perf_counter() - phase_started
            stops.append(_stopped_by(result.num_iterations, elapsed, time_limit_s, max_iterations))
            return result

        optional = [c for c in problem.clients if not c.required]
        optional += [s for s in problem.shipments if not s.required]  # type: ignore[misc]
        all_optional = len(optional) == len(problem.clients) + len(problem.shipments) > 0
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            data = self._data(problem)
            if not all_optional:
                result = run(data)
            else:
                # "Serve what you can": first look for a plan that serves everything (PyVRP's
                # search finds one far sooner when every stop is required), then improve it in
                # the prize-collecting search, which keeps a feasible best throughout. Started
                # from nothing, that search often ends up serving everything too, but on some
                # Dijon days over a quarter to a third more kilometres.
                required = dataclasses.replace(
                    problem,
                    clients=tuple(
                        dataclasses.replace(c, required=True, prize=0) for c in problem.clients
                    ),
                    shipments=tuple(
                        dataclasses.replace(s, required=True, prize=0) for s in problem.shipments
                    ),
                )
                probe = run(self._data(required), probe=True).best
                initial = (
                    _same_routes(data, probe) if probe.is_feasible() else pyvrp.Solution(data, [])
                )
                # Penalties must be able to outweigh the prizes, or serving everything late
                # or overloaded always looks better than a feasible plan that serves less.
                top_prize = max(x.prize for x in optional)
                penalty = PenaltyParams(
                    max_penalty=max(PenaltyParams().max_penalty, 20 * top_prize)
                )
                result = run(
                    data, params=pyvrp.SolveParams(penalty=penalty), initial_solution=initial
                )
        return self._solution(problem, result, time.perf_counter() - started, stops)

    def _solution(
        self, problem: VrpProblem, result: Any, runtime: float, stops: list[str]
    ) -> VrpSolution:
        best = result.best
        routes = tuple(_pyvrp_route(problem, route) for route in best.routes())
        served_clients = {v.index for r in routes for v in r.visits if v.kind is VisitKind.CLIENT}
        served_ships = {v.index for r in routes for v in r.visits if v.kind is VisitKind.PICKUP}
        return VrpSolution(
            status=SolveStatus.FEASIBLE if best.is_feasible() else SolveStatus.INFEASIBLE,
            routes=routes,
            unserved_clients=tuple(
                i for i in range(len(problem.clients)) if i not in served_clients
            ),
            unserved_shipments=tuple(
                i for i in range(len(problem.shipments)) if i not in served_ships
            ),
            distance=int(best.distance()),
            cost=float(result.cost()),
            runtime_s=runtime,
            solver=self.name,
            iterations=result.num_iterations,
            # The clock ended some search: this solution may differ on a busier machine.
            details={"stopped_by": "time_limit" if "time_limit" in stops else stops[-1]},
        )

    @staticmethod
    def _data(problem: VrpProblem) -> Any:
        from pyvrp import Client, Depot, Location, ProblemData, Shipment, VehicleType

        dims = problem.num_dims
        zero = [0] * dims
        locations = [
            Location(x=float(x), y=float(y), name=str(i)) for i, (x, y) in enumerate(problem.coords)
        ]
        depots = [
            Depot(location=d.location, tw_early=d.tw_early, tw_late=d.tw_late, name=d.name)
            for d in problem.depots
        ]
        clients = [
            Client(
                location=c.location,
                delivery=list(c.delivery) or zero,
                pickup=list(c.pickup) or zero,
                service_duration=c.service,
                tw_early=c.tw_early,
                tw_late=c.tw_late,
                release_time=c.release_time,
                prize=c.prize,
                required=c.required,
                name=c.name,
            )
            for c in problem.clients
        ]
        shipments = [
            Shipment(
                pickup_location=s.pickup_location,
                delivery_location=s.delivery_location,
                pickup_tw_early=s.pickup_tw[0],
                pickup_tw_late=s.pickup_tw[1],
                pickup_service_duration=s.pickup_service,
                delivery_tw_early=s.delivery_tw[0],
                delivery_tw_late=s.delivery_tw[1],
                delivery_service_duration=s.delivery_service,
                amount=list(s.amount),
                prize=s.prize,
                required=s.required,
                name=s.name,
            )
            for s in problem.shipments
        ]
        vehicle_types = []
        for v in problem.vehicle_types:
            vehicle_types.append(
                VehicleType(
                    num_available=v.num_available,
                    capacity=list(v.capacity),
                    start_depot=v.start_depot,
                    end_depot=v.end_depot,
                    fixed_cost=v.fixed_cost,
                    tw_early=v.tw_early,
                    tw_late=v.tw_late,
                    shift_duration=v.shift_duration,
                    max_distance=v.max_distance,
                    unit_distance_cost=v.unit_distance_cost,
                    unit_duration_cost=v.unit_duration_cost,
                    profile=v.profile,
                    reload_depots=list(v.reload_depots),
                    name=v.name,
                )
            )
        return ProblemData(
            locations,
            clients,
            depots,
            vehicle_types,
            [np.asarray(m, dtype=np.int64) for m in problem.distances],  # type: ignore[misc]
            [np.asarray(m, dtype=np.int64) for m in problem.durations],  # type: ignore[misc]
            [],
            shipments,
        )


def _same_routes(data: Any, solution: Any) -> Any:
    """``solution``'s routes, trips and vehicles as a solution of ``data``, a problem with the
    same depots, stops and vehicles (only required flags and prizes may differ)."""
    from pyvrp import Activity, Route, Solution

    return Solution(
        data,
        [
            # The schedule opens and closes with the route's depots, which Route adds itself.
            Route(
                data, [Activity(a.type, a.idx) for a in list(r.schedule())[1:-1]], r.vehicle_type()
            )
            for r in solution.routes()
        ],
    )


def _pyvrp_route(problem: VrpProblem, route: Any) -> VrpRoute:
    visits = []
    for act in route.schedule():
        if act.is_depot():
            kind, loc = VisitKind.DEPOT, problem.depots[act.idx].location
        elif act.is_client():
            kind, loc = VisitKind.CLIENT, problem.clients[act.idx].location
        elif act.is_pickup():
            kind, loc = VisitKind.PICKUP, problem.shipments[act.idx].pickup_location
        else:
            kind, loc = VisitKind.DELIVERY, problem.shipments[act.idx].delivery_location
        visits.append(
            VrpVisit(
                kind=kind,
                index=int(act.idx),
                location=loc,
                trip=int(act.trip),
                start=int(act.start_time),
                end=int(act.end_time),
                wait=int(act.wait_duration),
            )
        )
    return VrpRoute(
        vehicle_type=int(route.vehicle_type()),
        visits=tuple(visits),
        distance=int(route.distance()),
        duration=int(route.duration()),
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
