"""Collection and delivery rounds: routing graph, matrices, VRP instances and route plans.

``plan_routes(scenario, lines)`` takes the allocation's lines table and returns a
:class:`RoutePlan`; the VRP solver (PyVRP by default) sits behind :mod:`aide_alim.routing.solver`.
"""

from aide_alim.routing.matrices import Matrices, scenario_matrices
from aide_alim.routing.plan import UNSERVED_REASONS_FR, RoutePlan
from aide_alim.routing.rounds import plan_routes
from aide_alim.routing.solver import SolverError, SolveStatus

__all__ = [
    "UNSERVED_REASONS_FR",
    "Matrices",
    "RoutePlan",
    "SolveStatus",
    "SolverError",
    "plan_routes",
    "scenario_matrices",
]
