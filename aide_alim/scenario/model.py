"""The scenario of one week: immutable, typed, validated objects.

Everything downstream (allocation, routing, documents) reads a :class:`Scenario` and never
changes it. Variants are made with :meth:`Scenario.replace` (or :func:`dataclasses.replace` on any
part), e.g. ``scenario.replace(policy=scenario.policy.replace(rule="maxmin"))``.

Units are in the field names or docstrings: kg, € (eur), km, minutes, g CO₂.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal, Self

from aide_alim.i18n import N_, _


def _check(condition: bool, message: str, **values: Any) -> None:
    """Raise ``message`` (an English msgid, formatted with ``values``) in the user's language."""
    if not condition:
        raise ValueError(_(message).format(**values))


class Temperature(StrEnum):
    """Temperature class of a lot, a storage space or a vehicle compartment."""

    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"

    @property
    def label_fr(self) -> str:
        labels = {
            "ambient": "ambiant",
            "chilled": "frais (0–4 °C)",
            "frozen": "surgelé (−18 °C)",
        }
        return labels[self.value]

    @property
    def needs_cold(self) -> bool:
        return self is not Temperature.AMBIENT


class Day(IntEnum):
    """Day of the week, Monday = 0 as in :meth:`datetime.date.weekday`."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def label_fr(self) -> str:
        return ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")[self]


WORKING_DAYS: frozenset[Day] = frozenset({Day.MON, Day.TUE, Day.WED, Day.THU, Day.FRI})


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A daily time window in minutes after midnight, e.g. ``09:00-12:00`` = (540, 720)."""

    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        _check(
            0 <= self.start_min < self.end_min <= 24 * 60,
            N_("Expected a window start < end within one day, got {value}."),
            value=self,
        )

    @classmethod
    def parse(cls, text: str) -> TimeWindow:
        """Parse ``HH:MM-HH:MM`` (also ``9h-12h``, ``09:00–12:00``)."""
        cleaned = text.strip().replace("–", "-").replace("h", ":").replace(" ", "")
        start, sep, end = cleaned.partition("-")
        if not sep:
            raise ValueError(
                _('expected a window like "09:00-12:00", got "{text}"').format(text=text)
            )
        start_min, end_min = _minutes(start, text), _minutes(end, text)
        if start_min >= end_min:
            raise ValueError(
                _('expected a window like "09:00-12:00" (start before end), got "{text}"').format(
                    text=text
                )
            )
        return cls(start_min, end_min)

    @property
    def minutes(self) -> int:
        return self.end_min - self.start_min

    def __str__(self) -> str:
        return f"{_hhmm(self.start_min)}-{_hhmm(self.end_min)}"


def _minutes(part: str, whole: str) -> int:
    hours, _colon, mins = part.partition(":")
    try:
        h, m = int(hours), int(mins or 0)
    except ValueError:
        raise ValueError(
            _('expected a window like "09:00-12:00", got "{text}"').format(text=whole)
        ) from None
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 24 * 60:
        raise ValueError(_('expected a window like "09:00-12:00", got "{text}"').format(text=whole))
    return h * 60 + m


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Category:
    """A product category: default temperature class and market value.

    ``value_source`` cites where ``value_eur_kg`` comes from, or starts with ``"estimate:"``.
    """

    id: str
    label: str
    temperature: Temperature
    value_eur_kg: float
    value_source: str


@dataclass(frozen=True, slots=True)
class Association:
    """A food-aid association (épicerie sociale, colis distribution, CCAS, restaurant solidaire)."""

    id: str
    name: str
    kind: str
    commune: str
    lat: float
    lon: float
    beneficiaries: int
    dry_kg: float
    chilled_kg: float
    frozen_kg: float
    open_days: frozenset[Day]
    receive_window: TimeWindow
    collects: bool = False
    budget_eur: float = 0.0
    refuses: frozenset[str] = frozenset()
    other_supply_kg: float = 0.0
    address: str = ""

    def storage_kg(self, temperature: Temperature) -> float:
        """Free storage this week for one temperature class [kg]."""
        return {
            Temperature.AMBIENT: self.dry_kg,
            Temperature.CHILLED: self.chilled_kg,
            Temperature.FROZEN: self.frozen_kg,
        }[temperature]


class SiteKind(StrEnum):
    HUB = "hub"
    SUPPLIER = "supplier"


@dataclass(frozen=True, slots=True)
class Site:
    """A place where lots are picked up (supplier) or gathered (hub)."""

    id: str
    name: str
    kind: SiteKind
    lat: float
    lon: float
    open_days: frozenset[Day] = WORKING_DAYS
    window: TimeWindow = TimeWindow(8 * 60, 18 * 60)
    address: str = ""


@dataclass(frozen=True, slots=True)
class Lot:
    """An offer found by the prospection: a quantity of one product at one site.

    ``use_by`` is the DLC (hard limit: nothing is delivered after it); ``best_before`` the DDM
    (soft: the product stays edible after it).
    """

    id: str
    site: str
    product: str
    category: str
    temperature: Temperature
    kg: float
    unit_kg: float
    price_eur_kg: float
    value_eur_kg: float
    available: dt.date
    use_by: dt.date | None = None
    best_before: dt.date | None = None

    @property
    def is_donation(self) -> bool:
        return self.price_eur_kg == 0

    @property
    def units(self) -> int:
        """Whole cartons (or crates) in the lot."""
        return int(self.kg // self.unit_kg + 1e-9)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle of the shared fleet, based at a depot (a site id, usually the hub).

    ``co2_g_km`` defaults to 216 g/km: a diesel van < 1.5 t at 6.8 L/100 km (CGDD) × 3.17 kg
    CO₂e/L (arrêté du 26 avril 2017); ``cost_eur_km`` to 0.47 €/km, the fiscal barème
    kilométrique used as a proxy (no van cost study was found); see ``data/SOURCES.md``.
    """

    id: str
    depot: str
    capacity_kg: float
    refrigerated: bool
    cost_eur_km: float = 0.47
    cost_eur_h: float = 0.0
    co2_g_km: float = 216.0
    shift: TimeWindow = TimeWindow(8 * 60, 16 * 60)
    days: frozenset[Day] = WORKING_DAYS
    name: str = ""


Rule = Literal[
    "leximin",
    "maxmin",
    "proportional",
    "proportional_split",
    "fcfs",
    "round_robin",
    "least_served",
]
RULES: tuple[str, ...] = (
    "leximin",
    "maxmin",
    "proportional",
    "proportional_split",
    "fcfs",
    "round_robin",
    "least_served",
)
Basis = Literal["kg", "value", "meals"]
BASES: tuple[str, ...] = ("kg", "value", "meals")


class _Params:
    """Mixin of the parameter sections: ``replace()`` and the list of their field names."""

    __slots__ = ()

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Policy(_Params):
    """How lots are shared out (``[policy]`` in ``scenario.toml``).

    - ``rule``: the fairness rule (see :data:`RULES`); ``leximin`` raises the worst fill ratio,
      then the next, …, then maximises food distributed, then minimises logistics cost.
    - ``basis``: count need and fill in ``kg``, ``value`` (€ of market value) or ``meals``.
    - ``ration_kg``: weekly need per beneficiary [kg/person/week]; 1.05 is the national food-aid
      average (301,000 t for 5.5 M beneficiaries in 2017, Sénat rapport r18-034).
    - ``kg_per_meal``: 0.5 kg = 1 meal, the French food banks' convention (FFBA).
    - ``deviation_cap``: for ``proportional``, the largest relative deviation from each
      association's proportional share (Orgut et al. 2016).
    - ``category_balance``: if true, each association's share of every category is kept within
      ``deviation_cap`` of its fair share of that category (no one gets all the meat).
    - ``max_split``: most associations a lot is split between (handling cost).
    - ``min_delivery_kg``: smallest useful quantity of a lot for one association [kg].
    - ``budget``: who pays for lots that are sold: ``association`` (each within its
      ``budget_eur``) or ``collective`` (a shared fund of ``collective_fund_eur``).
    - ``ddm_penalty``: objective weight against giving lots past their DDM (soft limit).
    - ``memory``: carry forward past shortfalls from the history (least served so far).
    """

    rule: Rule = "leximin"
    basis: Basis = "kg"
    ration_kg: float = 1.05
    kg_per_meal: float = 0.5
    deviation_cap: float = 0.25
    category_balance: bool = False
    max_split: int = 6
    min_delivery_kg: float = 5.0
    budget: Literal["association", "collective"] = "association"
    collective_fund_eur: float = 0.0
    ddm_penalty: float = 0.1
    memory: bool = False

    def __post_init__(self) -> None:
        _check(
            self.rule in RULES,
            N_("Expected rule in {choices}, got {value!r}."),
            choices=", ".join(RULES),
            value=self.rule,
        )
        _check(
            self.basis in BASES,
            N_("Expected basis in kg, value, meals, got {value!r}."),
            value=self.basis,
        )
        _check(self.ration_kg > 0, N_("Expected ration_kg > 0, got {value}."), value=self.ration_kg)
        _check(
            self.kg_per_meal > 0,
            N_("Expected kg_per_meal > 0, got {value}."),
            value=self.kg_per_meal,
        )
        _check(
            self.deviation_cap >= 0,
            N_("Expected deviation_cap >= 0, got {value}."),
            value=self.deviation_cap,
        )
        _check(
            self.max_split >= 1, N_("Expected max_split >= 1, got {value}."), value=self.max_split
        )
        _check(self.min_delivery_kg >= 0, N_("Expected min_delivery_kg >= 0."))
        _check(
            self.budget in ("association", "collective"),
            N_("Expected budget in association, collective, got {value!r}."),
            value=self.budget,
        )
        _check(self.collective_fund_eur >= 0, N_("Expected collective_fund_eur >= 0."))
        _check(self.ddm_penalty >= 0, N_("Expected ddm_penalty >= 0."))


@dataclass(frozen=True, slots=True)
class Logistics(_Params):
    """How food moves (``[logistics]`` in ``scenario.toml``).

    - ``model``: ``hub`` (suppliers → hub → associations, or associations collect at the hub) or
      ``direct`` (pickup at the supplier and delivery to the association in one round).
    - ``speed_kmh``: mean speed on urban and peri-urban roads [km/h].
    - ``circuity``: road distance ÷ straight-line distance; 1.3 is the usual figure for French
      urban areas (an estimate: no source for Dijon was found).
    - ``service_min``: fixed time at each stop [min]; ``service_min_per_100kg``: handling time.
    - ``reach_km``: a lot only goes to associations within this straight-line distance of its
      site [km] (keeps a national or regional run from sending Lille's lots to Marseille).
    - ``road_graph``: optional GraphML road network (osmnx format), relative to the scenario.
    """

    model: Literal["hub", "direct"] = "hub"
    speed_kmh: float = 30.0
    circuity: float = 1.3
    service_min: float = 10.0
    service_min_per_100kg: float = 3.0
    reach_km: float = 80.0
    road_graph: str | None = None

    def __post_init__(self) -> None:
        _check(
            self.model in ("hub", "direct"),
            N_("Expected model hub or direct, got {value!r}"),
            value=self.model,
        )
        _check(self.speed_kmh > 0, N_("Expected speed_kmh > 0, got {value}."), value=self.speed_kmh)
        _check(self.circuity >= 1, N_("Expected circuity >= 1, got {value}."), value=self.circuity)
        _check(self.service_min >= 0, N_("Expected service_min >= 0."))
        _check(self.service_min_per_100kg >= 0, N_("Expected service_min_per_100kg >= 0."))
        _check(self.reach_km > 0, N_("Expected reach_km > 0, got {value}."), value=self.reach_km)


@dataclass(frozen=True, slots=True)
class RoutingParams(_Params):
    """Solver settings for the rounds (``[routing]`` in ``scenario.toml``).

    - ``time_limit_s``: search time per round problem (one day, one round family) [s] when
      ``iterations`` is 0; with an iteration budget it only sets the safety cap (see below).
    - ``seed``: random seed, so the same scenario gives the same rounds.
    - ``iterations``: iteration budget per round problem: the search stops after that many
      iterations of the solver, so the same scenario and seed give the same rounds whatever the
      machine and its load. A wall-clock safety cap of 10 × ``time_limit_s`` only stops a search
      the budget would let run away (the plan is then no longer reproducible). 0 = stop on
      ``time_limit_s`` alone, as before (faster on a quiet machine, not reproducible).
    """

    time_limit_s: float = 2.0
    seed: int = 1
    iterations: int = 800

    def __post_init__(self) -> None:
        _check(
            self.time_limit_s > 0,
            N_("Expected time_limit_s > 0, got {value}."),
            value=self.time_limit_s,
        )
        _check(
            isinstance(self.iterations, int) and not isinstance(self.iterations, bool),
            N_("Expected iterations to be a whole number, got {value!r}."),
            value=self.iterations,
        )
        _check(
            self.iterations >= 0,
            N_("Expected iterations >= 0, got {value}."),
            value=self.iterations,
        )
        # PyVRP takes a 32-bit seed: a larger one validated, then crashed the rounds.
        _check(
            isinstance(self.seed, int) and 0 <= self.seed < 2**32,
            N_("Expected a seed between 0 and {maximum}, got {value!r}."),
            maximum=2**32 - 1,
            value=self.seed,
        )


@dataclass(frozen=True)
class Scenario:
    """One week of prospected lots, the associations, sites, fleet and parameters.

    Collections are tuples in file order; ``categories`` maps category id → :class:`Category`.
    Look-ups by id go through :attr:`association_by_id`, :attr:`site_by_id`, :attr:`lot_by_id`
    and :attr:`vehicle_by_id`.
    """

    name: str
    week: str
    hub: str
    associations: tuple[Association, ...]
    sites: tuple[Site, ...]
    lots: tuple[Lot, ...]
    vehicles: tuple[Vehicle, ...]
    categories: Mapping[str, Category]
    policy: Policy = field(default_factory=Policy)
    logistics: Logistics = field(default_factory=Logistics)
    routing: RoutingParams = field(default_factory=RoutingParams)
    source: str = ""
    #: The territory the documents name (``Dijon Métropole``); empty = none named.
    territory: str = ""
    #: Who signs the documents (``la coordination de l'aide alimentaire de Dijon Métropole``).
    organisation: str = ""

    @property
    def signature(self) -> str:
        """Who the documents say they come from: the organisation, else the coordination of
        the territory, else the coordination of food aid."""
        if self.organisation:
            return self.organisation
        if self.territory:
            return f"la coordination de l'aide alimentaire – {self.territory}"
        return "la coordination de l'aide alimentaire"

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))
        self.week_start  # noqa: B018 - validates the ISO week early

    def replace(self, **changes: Any) -> Scenario:
        """A variant of this scenario with some fields changed."""
        return dataclasses.replace(self, **changes)

    @cached_property
    def week_start(self) -> dt.date:
        """Monday of the ISO week (e.g. ``2020-W41`` → 2020-10-05)."""
        return parse_iso_week(self.week)

    def date_of(self, day: Day) -> dt.date:
        return self.week_start + dt.timedelta(days=int(day))

    def day_of(self, date: dt.date) -> Day | None:
        """The weekday of ``date`` if it falls in this week, else ``None``."""
        offset = (date - self.week_start).days
        return Day(offset) if 0 <= offset < 7 else None

    @cached_property
    def association_by_id(self) -> Mapping[str, Association]:
        return MappingProxyType({a.id: a for a in self.associations})

    @cached_property
    def site_by_id(self) -> Mapping[str, Site]:
        return MappingProxyType({s.id: s for s in self.sites})

    @cached_property
    def lot_by_id(self) -> Mapping[str, Lot]:
        return MappingProxyType({lot.id: lot for lot in self.lots})

    @cached_property
    def vehicle_by_id(self) -> Mapping[str, Vehicle]:
        return MappingProxyType({v.id: v for v in self.vehicles})

    @property
    def hub_site(self) -> Site:
        return self.site_by_id[self.hub]

    def need(self, association: Association) -> float:
        """Weekly need of an association in the policy's basis (kg, € or meals)."""
        kg = association.beneficiaries * self.policy.ration_kg
        if self.policy.basis == "kg":
            return kg
        if self.policy.basis == "meals":
            return kg / self.policy.kg_per_meal
        return kg * self.mean_value_eur_kg

    @cached_property
    def mean_value_eur_kg(self) -> float:
        """Supply-weighted mean market value of this week's lots [€/kg] (1.0 if no lots)."""
        total = sum(lot.kg for lot in self.lots)
        if total <= 0:
            return 1.0
        return sum(lot.kg * lot.value_eur_kg for lot in self.lots) / total

    def amount(self, lot: Lot, kg: float) -> float:
        """``kg`` of ``lot`` counted in the policy's basis."""
        if self.policy.basis == "kg":
            return kg
        if self.policy.basis == "meals":
            return kg / self.policy.kg_per_meal
        return kg * lot.value_eur_kg

    def other_supply(self, association: Association) -> float:
        """Food the association gets elsewhere, in the policy's basis."""
        kg = association.other_supply_kg
        if self.policy.basis == "kg":
            return kg
        if self.policy.basis == "meals":
            return kg / self.policy.kg_per_meal
        return kg * self.mean_value_eur_kg


def parse_iso_week(text: str) -> dt.date:
    """Monday of an ISO week written ``YYYY-Www`` (e.g. ``2020-W41``)."""
    try:
        year_text, week_text = text.strip().upper().split("-W")
        return dt.date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError:
        raise ValueError(
            _('expected an ISO week like "2020-W41", got "{text}"').format(text=text)
        ) from None
