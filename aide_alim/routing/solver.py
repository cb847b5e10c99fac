"""The one small adapter between aide_alim and a vehicle-routing solver: the solver-neutral
problem and solution types, and :func:`solve`, which hands a problem to a backend.

The rounds (``day_problem.py``) and the benchmark script (``benchmarks/vrp.py``) both describe a
problem as a solver-neutral :class:`VrpProblem` (integer matrices, stops, shipments, vehicle
types) and get a :class:`VrpSolution` back; no solver object leaks past the backends. The default
backend is PyVRP (``pyvrp_backend.py``, chosen by measurement, see ``benchmarks/README.md``);
OR-Tools and VROOM backends (``comparison_backends.py``) exist for the comparison and as drop-in
replacements for the features they support.

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

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Literal, Protocol

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
    # Imported here: the backends build on this module's types.
    from aide_alim.routing.comparison_backends import OrToolsSolver, VroomSolver
    from aide_alim.routing.pyvrp_backend import PyVrpSolver

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
