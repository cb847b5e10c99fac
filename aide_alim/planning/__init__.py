"""Allocation and rounds decided together: the week's plan, its bound and its reasons.

- :mod:`.fleet`: visits, windows and the vehicle time they take;
- :mod:`.model`: the planning model (its relaxation is the bound);
- :mod:`.skeleton`: the visits a pass asks the rounds to make;
- :mod:`.core`: :func:`allocate_and_route`, the plan the fleet really carries;
- :mod:`.reasons`: the true reason of every kg left over;
- :mod:`.advice`: what one more resource (van, hour, window, freezer) would bring.
"""

from aide_alim.planning.core import (
    DEFAULT_ITERATIONS,
    ITERATION_COLUMNS,
    Iteration,
    PlanBound,
    RoutedAllocation,
    Skeleton,
    allocate_and_route,
    plan_bound,
)

__all__ = [
    "DEFAULT_ITERATIONS",
    "ITERATION_COLUMNS",
    "Iteration",
    "PlanBound",
    "RoutedAllocation",
    "Skeleton",
    "allocate_and_route",
    "plan_bound",
]
