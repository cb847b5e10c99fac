"""What the fleet can do in a week, in the planning model's terms: visits, windows and times.

A *visit* is a vehicle stopping at one place on one day for one vehicle class: a **delivery**
to an association that does not collect (its receiving window), or a **collection** at a
supplier (the site's window). Cold visits (chilled or frozen food) need a refrigerated vehicle;
ambient visits any vehicle. A visit costs vehicle time: a fixed stop time
(``logistics.service_min``), the travel to reach the place, and handling per kg
(``logistics.service_min_per_100kg``).

Two travel figures per place:

- ``travel_lb_min``: the shortest travel into the place from any other place the week may use
  (the hub, a supplier, an association). Every visit is entered from somewhere, so this is a
  **lower bound**; the planning bound uses it.
- ``travel_est_min``: the mean travel from the place's three nearest neighbours, an estimate of
  what a round really spends on it; the planning model uses it, scaled by a factor per vehicle
  class and day that the solved rounds refine (:func:`refine`).

The vehicle time available to visits whose windows lie within ``[s, e]`` on a day is the sum,
over the vehicles of the class working that day, of their shift's overlap with ``[s, e]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aide_alim.routing.graph import association_key, places_of, site_key
from aide_alim.routing.matrices import Matrices, scenario_matrices
from aide_alim.scenario.model import Day, Scenario, Vehicle

NEIGHBOURS = 3
"""Places averaged for the travel estimate of a visit."""


@dataclass(frozen=True, slots=True)
class Visit:
    """A possible stop: ``kind`` ``"delivery"`` (association ``place``) or ``"collection"``
    (site ``place``) on weekday ``day`` (0 = Monday of the week) for cold or ambient food,
    within ``window`` [min after midnight]; ``fixed_min`` the stop time, travel in minutes."""

    kind: str
    place: str
    day: int
    cold: bool
    window: tuple[int, int]
    fixed_min: float
    travel_lb_min: float
    travel_est_min: float

    @property
    def key(self) -> tuple[str, str, int, bool]:
        return (self.kind, self.place, self.day, self.cold)

    @property
    def place_key(self) -> str:
        return association_key(self.place) if self.kind == "delivery" else site_key(self.place)


@dataclass(frozen=True)
class FleetDay:
    """The vehicles working on weekday ``day``: all of them and the refrigerated ones."""

    day: int
    vehicles: tuple[Vehicle, ...]

    def of_class(self, cold: bool) -> tuple[Vehicle, ...]:
        return tuple(v for v in self.vehicles if v.refrigerated or not cold)

    def minutes(self, start: int, end: int, *, cold: bool) -> float:
        """Vehicle minutes of the class (refrigerated if ``cold``, else all) within
        ``[start, end]``."""
        return float(
            sum(
                max(0, min(end, v.shift.end_min) - max(start, v.shift.start_min))
                for v in self.of_class(cold)
            )
        )


@dataclass(frozen=True)
class Fleet:
    """The week's fleet by day, the scenario's handling time and the travel figures."""

    days: dict[int, FleetDay]
    handling_min_per_kg: float
    fixed_min: float
    travel_lb: dict[str, float]
    travel_est: dict[str, float]
    matrices: Matrices

    def working(self, day: int, cold: bool) -> bool:
        fd = self.days.get(day)
        return fd is not None and bool(fd.of_class(cold))

    def visit(self, kind: str, place: str, day: int, cold: bool, window: tuple[int, int]) -> Visit:
        key = association_key(place) if kind == "delivery" else site_key(place)
        return Visit(
            kind=kind,
            place=place,
            day=day,
            cold=cold,
            window=window,
            fixed_min=self.fixed_min,
            travel_lb_min=self.travel_lb[key],
            travel_est_min=self.travel_est[key],
        )


def fleet_of(scenario: Scenario, matrices: Matrices | None = None) -> Fleet:
    """The fleet of ``scenario`` with travel figures from its distance matrices."""
    places = places_of(scenario)
    if matrices is None:
        matrices = scenario_matrices(scenario, places)
    days: dict[int, FleetDay] = {}
    for i in range(7):
        working = tuple(v for v in scenario.vehicles if Day(i) in v.days and v.capacity_kg >= 1)
        if working:
            days[i] = FleetDay(i, working)
    minutes = np.where(matrices.reachable, matrices.duration_s / 60.0, np.inf)
    np.fill_diagonal(minutes, np.inf)
    travel_lb: dict[str, float] = {}
    travel_est: dict[str, float] = {}
    for i, key in enumerate(matrices.keys):
        into = np.sort(minutes[:, i])
        finite = into[np.isfinite(into)]
        travel_lb[key] = float(finite[0]) if finite.size else 0.0
        near = finite[:NEIGHBOURS]
        travel_est[key] = float(near.mean()) if near.size else 0.0
    lg = scenario.logistics
    return Fleet(
        days=days,
        handling_min_per_kg=lg.service_min_per_100kg / 100.0,
        fixed_min=lg.service_min,
        travel_lb=travel_lb,
        travel_est=travel_est,
        matrices=matrices,
    )


def breakpoints(visits: list[Visit], fleet: Fleet) -> list[int]:
    """Times [min] where a window or a shift starts or ends: the ends of the capacity
    intervals."""
    points = {w for v in visits for w in v.window}
    for fd in fleet.days.values():
        for v in fd.vehicles:
            points.update((v.shift.start_min, v.shift.end_min))
    return sorted(points)


def intervals(visits: list[Visit], fleet: Fleet) -> list[tuple[int, int]]:
    """Every ``[s, e]`` between breakpoints that holds at least one visit window; a window
    covering the whole day is its own interval."""
    points = breakpoints(visits, fleet)
    windows = {v.window for v in visits}
    out = []
    for i, s in enumerate(points):
        for e in points[i + 1 :]:
            if any(s <= w0 and w1 <= e for w0, w1 in windows):
                out.append((s, e))
    return out
