"""What the rounds are made of: the typed allocation :class:`Line`, the :class:`Stop` to visit
and its :class:`Portion` of each line, the solved :class:`SolvedRoute` and its :class:`Visit`
steps, an association's own pickup :class:`Slot`, the :class:`Unserved` kg, and the
:class:`Context` every round builder shares (scenario, matrices and the growing results, which
:func:`~aide_alim.routing.plan.build_plan` turns into a plan).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from aide_alim.routing.graph import Place
from aide_alim.routing.matrices import Matrices
from aide_alim.scenario.model import Scenario, Temperature, Vehicle


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
