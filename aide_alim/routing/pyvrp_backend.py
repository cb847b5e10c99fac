"""The PyVRP backend (the default): :class:`PyVrpSolver` hands a
:class:`~aide_alim.routing.solver.VrpProblem` to PyVRP's iterated local search and reads its
routes back.

Its stopping criterion joins the rules :func:`~aide_alim.routing.solver.solve` asks for: an
iteration budget, a number of iterations without improvement and the time limit, consulted last
(see the reproducibility note of :mod:`aide_alim.routing.solver`). A problem whose stops are all
optional ("serve what you can") is solved in two searches: a probe for a plan that serves
everything, then the prize-collecting search started from what the probe found.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from typing import Any, Final

import numpy as np

from aide_alim.routing.solver import (
    SolveStatus,
    VisitKind,
    VrpProblem,
    VrpRoute,
    VrpSolution,
    VrpVisit,
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
