"""Fleet advice: what one more resource would bring this week, measured by re-solving the bound.

Each *candidate* is the week with one more resource:

- ``refrigerated_van``: one more refrigerated van (a copy of the scenario's own, else a
  900 kg van working 8 h–16 h) on one weekday the hub works;
- ``shift_hour``: one more hour at the end of one vehicle's shift, on one of its days;
- ``afternoon_window``: an association that receives only in the morning can also receive in
  the afternoon (its window then runs until 17 h), for the few the bound relies on most;
- ``freezer``: 50 % more freezer space at an association whose freezer the bound fills, and
  at all of them together. (The hub's cold room is not part of the scenario format: it is
  never a limit of the model, so there is nothing to measure there.)

For each, the week's bound (:func:`~aide_alim.planning.plan_bound`: the planning model with
lower-bound times; the highest minimum fill ratio, the most kg) is solved again on the
changed scenario, with its own admissibility, lot groups, visits and vehicle-time rows (the
model is rebuilt: clearly correct, 0.3 s on Dijon). The *gain* is that bound minus the week's:
"+X kg, +Y points de couverture minimale (au mieux)". Both figures are bounds, not rounds: a
gain says how far the limit moves, not what next week's rounds will carry; no gain means this
resource does not move the limit (the rounds may still use it better).

**Which candidates are solved.** The week's two linear programmes are solved once (kg first,
then the minimum fill from its basis: on Dijon 0.6 s instead of 3.5 s in the other order);
their duals say which rows bind. A van or an hour only adds vehicle minutes to time rows: if
``Σ dual × added minutes`` is below the tolerance in both programmes, the week's duals stay
feasible for the changed programme with (almost) the same value, so by weak duality neither
optimum can move: the candidate is reported with no gain, unsolved (``status = "slack"``).
A wider window is pruned the same way, with the minutes its visits stop taking in the rows they
leave (their stop, travel and the handling of all the association can store): exact when those
rows' duals are zero, as on Dijon, an estimate otherwise. Freezer candidates are always solved.
The same estimate ranks the others, solved in that order, at most
``max_solves`` (the rest: ``status = "skipped"``). Weeks small enough for the bound's branch
and bound (:data:`~aide_alim.planning.core.BOUND_MIP_VISITS`) are not pruned: there the
relaxation's duals say nothing about the integer bound.

Example (in a notebook)::

    >>> from aide_alim.scenario import load_scenario
    >>> from aide_alim.planning.advice import fleet_advice
    >>> advice = fleet_advice(load_scenario("scenarios/dijon"))  # doctest: +SKIP
    >>> advice.sentences_fr()  # doctest: +SKIP
    ['50 % de place en plus au congélateur des 17 associations où il est plein : +57 kg …']
    >>> advice.table()  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import overload

import numpy as np
import pandas as pd

from aide_alim.allocation.admissible import Admissibility, admissibility
from aide_alim.i18n import fmt
from aide_alim.planning.core import BOUND_MIP_VISITS, solve_bound
from aide_alim.planning.fleet import Fleet, breakpoints, fleet_of
from aide_alim.planning.model import PlanningModel
from aide_alim.scenario.model import Day, Scenario, TimeWindow, Vehicle

AFTERNOON_END_MIN = 17 * 60
"""End of the afternoon receiving window tried at morning-only associations [min]."""
MORNING_END_MIN = 14 * 60
"""A receiving window ending at or before this is morning-only [min]."""
EXTRA_SHIFT_MIN = 60
"""The extra time at the end of a shift [min]."""
FREEZER_SHARE = 0.5
"""Extra freezer space tried at an association whose freezer is full (share of its own)."""
WINDOW_CANDIDATES = 5
"""Morning-only associations tried with an afternoon window, at most."""
FREEZER_CANDIDATES = 3
"""Associations tried one by one with more freezer space, at most (plus all together)."""
MAX_SOLVES = 8
"""Candidates re-solved at most (large weeks); small weeks (branch and bound) allow more."""
SMALL_WEEK_SOLVES = 24
KG_TOL = 1.0
"""A gain below this many kg is no gain [kg]."""
FILL_TOL = 1e-3
"""A gain below this minimum fill ratio (0.1 point) is no gain."""
COLUMNS: tuple[str, ...] = (
    "resource_kind", "resource", "day", "subject", "kg_gain", "min_fill_gain", "bound_kg",
    "bound_min_fill_ratio", "status", "status_fr",
)  # fmt: skip
STATUS_FR = {
    "solved": "recalculé",
    "slack": "sans effet : ce que cette ressource desserre n'est pas ce qui limite",
    "skipped": "non calculé (au-delà du nombre de calculs prévus)",
}


@dataclass(frozen=True)
class Candidate:
    """One more resource: the week ``scenario`` with it, ``label_fr`` what it is in French
    ("un fourgon frigorifique de plus mardi"); ``kind``, ``day`` (0 = Monday) and ``subject``
    (vehicle or association id) for the tables. A caller may build its own (any changed
    scenario of the same week and places)."""

    kind: str
    label_fr: str
    scenario: Scenario
    day: int | None = None
    subject: str = ""
    #: the candidate only adds vehicle minutes or widens windows (prunable from the duals)
    prunable: bool = False


@dataclass(frozen=True)
class Advice:
    """What one candidate brings: the bound with it (``bound_kg`` [kg],
    ``bound_min_fill_ratio``) and its gain over the week's bound (``kg_gain`` [kg],
    ``min_fill_gain`` [ratio]; NaN when not measured). ``status``: ``"solved"``, ``"slack"``
    (no gain, proven from the week's duals without solving) or ``"skipped"`` (over the
    budget of solves)."""

    kind: str
    label_fr: str
    kg_gain: float
    min_fill_gain: float
    bound_kg: float
    bound_min_fill_ratio: float
    status: str
    day: int | None = None
    subject: str = ""

    @property
    def helps(self) -> bool:
        """The bound moves by at least a kg or a tenth of a point."""
        return self.kg_gain >= KG_TOL or self.min_fill_gain >= FILL_TOL

    @property
    def gain_fr(self) -> str:
        """``+57 kg, +0,7 point de couverture minimale``."""
        kg = max(self.kg_gain, 0.0)
        points = max(100 * self.min_fill_gain, 0.0)
        unit = "point" if round(points, 1) < 2 else "points"
        return f"+{fmt.kg(kg)}, +{fmt.number(points, 1)}{fmt.NBSP}{unit} de couverture minimale"

    @property
    def text_fr(self) -> str:
        """``Un fourgon frigorifique de plus mardi : +57 kg, +0,7 point … (au mieux).``"""
        return f"{fmt.capitalised(self.label_fr)} : {self.gain_fr} (au mieux)."


@dataclass(frozen=True)
class FleetAdvice(Sequence[Advice]):
    """Every candidate's :class:`Advice`, those that help first (most minimum fill, then most
    kg); the week's bound (``bound_kg`` [kg], ``bound_min_fill_ratio``); ``limit_fr`` what
    limits the bound in French (when nothing helps); ``solves`` candidates re-solved;
    ``seconds`` wall time [s]."""

    advice: tuple[Advice, ...]
    bound_kg: float
    bound_min_fill_ratio: float
    limit_fr: str = ""
    solves: int = 0
    seconds: float = field(default=0.0, compare=False)

    @overload
    def __getitem__(self, i: int) -> Advice: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Advice]: ...
    def __getitem__(self, i: int | slice) -> Advice | Sequence[Advice]:
        return self.advice[i]

    def __len__(self) -> int:
        return len(self.advice)

    def __iter__(self) -> Iterator[Advice]:
        return iter(self.advice)

    @property
    def helpful(self) -> tuple[Advice, ...]:
        return tuple(a for a in self.advice if a.helps)

    def sentences_fr(self, limit: int = 3, *, left_by_rounds_kg: float = 0.0) -> list[str]:
        """The ``limit`` best pieces of advice in French (and a sentence when no vehicle, hour
        or window helps), or one sentence saying that none of the resources tried would help
        and what the limit is. ``left_by_rounds_kg``: what the week's real rounds left at the
        suppliers for want of a vehicle [kg]; the advice, measured on the bound, cannot see
        it, and says so rather than seem to contradict the rounds."""
        best = self.helpful[:limit]
        fleet_kinds = {"refrigerated_van", "shift_hour", "afternoon_window"}
        rounds_text = ""
        if left_by_rounds_kg >= 1:
            rounds_text = (
                f" Les {fmt.kg(left_by_rounds_kg)} que les tournées elles-mêmes n'ont pas pu "
                "transporter tiennent à l'enchaînement des arrêts de ces jours-là, que ce calcul "
                "« au mieux » ne voit pas : un véhicule de plus ces jours-là pourrait les "
                "transporter."
            )
        if best:
            out = [a.text_fr for a in best]
            tried = [a for a in self.advice if a.kind in fleet_kinds and a.status != "skipped"]
            if tried and not any(a.helps for a in tried):
                limit_text = f" : ce qui le limite est {self.limit_fr}" if self.limit_fr else ""
                out.append(
                    "Un véhicule, une heure de service ou un créneau de réception de plus ne "
                    f"relèverait pas ce « au mieux » cette semaine{limit_text}.{rounds_text}"
                )
            return out
        limit_text = f" : la limite est {self.limit_fr}" if self.limit_fr else ""
        return [
            "Aucune ressource supplémentaire testée (véhicule, heure, créneau, congélateur) ne "
            f"relèverait ce « au mieux » cette semaine{limit_text}.{rounds_text}"
        ]

    def table(self) -> pd.DataFrame:
        """One row per candidate (see :data:`COLUMNS`); ``day`` as a French weekday."""
        rows = [
            {
                "resource_kind": a.kind,
                "resource": a.label_fr,
                "day": Day(a.day).label_fr if a.day is not None else "",
                "subject": a.subject,
                "kg_gain": round(a.kg_gain, 1) if math.isfinite(a.kg_gain) else math.nan,
                "min_fill_gain": round(a.min_fill_gain, 4)
                if math.isfinite(a.min_fill_gain)
                else math.nan,
                "bound_kg": round(a.bound_kg, 1) if math.isfinite(a.bound_kg) else math.nan,
                "bound_min_fill_ratio": round(a.bound_min_fill_ratio, 4)
                if math.isfinite(a.bound_min_fill_ratio)
                else math.nan,
                "status": a.status,
                "status_fr": STATUS_FR.get(a.status, a.status),
            }
            for a in self.advice
        ]
        return pd.DataFrame(rows, columns=list(COLUMNS))


# --- the week's bound and its duals -----------------------------------------------------------


@dataclass
class _Bound:
    kg: float
    min_fill: float
    model: PlanningModel
    dual_kg: dict[str, float]
    dual_fill: dict[str, float]
    fill: np.ndarray  #: per association, in the fill programme's solution
    storage_full: set[tuple[int, int]]  #: (association, temperature) full in either programme


def _bound(scenario: Scenario, adm: Admissibility, fleet: Fleet, *, duals: bool) -> _Bound:
    """The bound of :func:`plan_bound` (:func:`solve_bound`), with each LP's duals."""
    model = PlanningModel(scenario, adm, fleet, times="bound")
    names = list(model._rows)
    dual: dict[str, dict[str, float]] = {"kg": {}, "min_fill": {}}
    full: set[tuple[int, int]] = set()

    def read(objective: str) -> None:
        assert model._h is not None
        sol = model._h.getSolution()
        if not duals or not sol.dual_valid:
            return
        y, act = np.asarray(sol.row_dual), np.asarray(sol.row_value)
        for i, name in enumerate(names):
            if abs(y[i]) > 1e-12:
                dual[objective][name] = abs(float(y[i]))
            if name.startswith("storage:") and act[i] >= model._row_ub[name] - 1e-6:
                _, a, temp = name.split(":")
                full.add((int(a), int(temp)))

    bound_fill, bound_kg, fill = solve_bound(model, read)
    return _Bound(bound_kg, bound_fill, model, dual["kg"], dual["min_fill"], fill.fill, full)


# --- candidates ---------------------------------------------------------------------------


def _van_model(scenario: Scenario) -> Vehicle:
    own = [v for v in scenario.vehicles if v.refrigerated]
    if own:
        return max(own, key=lambda v: (v.capacity_kg, v.id))
    return Vehicle(
        id="frigo",
        depot=scenario.hub,
        capacity_kg=900.0,
        refrigerated=True,
        name="Fourgon frigorifique",
    )


def _vehicle_label(v: Vehicle) -> str:
    return f"« {v.name or v.id} »"


def candidates_of(scenario: Scenario, week: _Bound | None = None) -> list[Candidate]:
    """The resources tried for this week (see the module docstring); ``week`` (the week's
    bound) chooses the associations tried for windows and freezers."""
    out: list[Candidate] = []
    hub = scenario.site_by_id[scenario.hub]
    model = _van_model(scenario)
    for d in sorted(hub.open_days):
        van = replace(model, id=f"{model.id}_en_plus", days=frozenset({d}))
        out.append(
            Candidate(
                "refrigerated_van",
                f"un fourgon frigorifique de plus {d.label_fr} (comme {_vehicle_label(model)})",
                scenario.replace(vehicles=(*scenario.vehicles, van)),
                day=int(d),
                subject=van.id,
                prunable=any(
                    v.refrigerated and d in v.days and v.capacity_kg >= 1 for v in scenario.vehicles
                ),
            )
        )
    for i, v in enumerate(scenario.vehicles):
        end = min(v.shift.end_min + EXTRA_SHIFT_MIN, 24 * 60)
        if end <= v.shift.end_min or v.capacity_kg < 1:
            continue
        for d in sorted(v.days):
            longer = replace(
                v,
                id=f"{v.id}_heure_en_plus",
                days=frozenset({d}),
                shift=TimeWindow(v.shift.start_min, end),
            )
            rest = replace(v, days=v.days - {d})
            vehicles = [*scenario.vehicles[:i], *([rest] if rest.days else [])]
            vehicles += [*scenario.vehicles[i + 1 :], longer]
            out.append(
                Candidate(
                    "shift_hour",
                    f"une heure de plus pour {_vehicle_label(v)} {d.label_fr} "
                    f"(jusqu'à {fmt.clock_fr(end)})",
                    scenario.replace(vehicles=tuple(vehicles)),
                    day=int(d),
                    subject=v.id,
                    prunable=True,
                )
            )
    assocs = scenario.associations
    morning = [
        a
        for a, x in enumerate(assocs)
        if not x.collects
        and x.receive_window.end_min <= MORNING_END_MIN
        and x.receive_window.start_min < AFTERNOON_END_MIN
    ]
    if week is not None:
        # The associations the minimum fill rests on most (fill rows' duals), then the least
        # filled in the bound's solution.
        fill = week.fill if week.fill.size == len(assocs) else np.zeros(len(assocs))
        morning.sort(key=lambda a: (-week.dual_fill.get(f"fill:{a}", 0.0), float(fill[a]), a))
    for a in morning[:WINDOW_CANDIDATES]:
        x = assocs[a]
        wider = replace(x, receive_window=TimeWindow(x.receive_window.start_min, AFTERNOON_END_MIN))
        out.append(
            Candidate(
                "afternoon_window",
                f"que {x.name} puisse aussi recevoir l'après-midi "
                f"(de {fmt.clock_fr(x.receive_window.start_min)} à "
                f"{fmt.clock_fr(AFTERNOON_END_MIN)})",
                scenario.replace(associations=_swap(assocs, a, wider)),
                subject=x.id,
                prunable=True,
            )
        )
    frozen = 2
    full_rows = week.storage_full if week is not None else set()
    full = sorted(a for a, t in full_rows if t == frozen and assocs[a].frozen_kg > 0)
    if full:
        assert week is not None
        full.sort(
            key=lambda a: (
                -week.dual_fill.get(f"storage:{a}:{frozen}", 0.0),
                -week.dual_kg.get(f"storage:{a}:{frozen}", 0.0) * assocs[a].frozen_kg,
                a,
            )
        )
        more = list(assocs)
        for a in full:
            more[a] = replace(assocs[a], frozen_kg=assocs[a].frozen_kg * (1 + FREEZER_SHARE))
        if len(full) > 1:
            extra = sum(assocs[a].frozen_kg for a in full) * FREEZER_SHARE
            out.append(
                Candidate(
                    "freezer",
                    f"{fmt.number(100 * FREEZER_SHARE)}{fmt.NBSP}% de place en plus au "
                    f"congélateur des {len(full)} associations où il est plein "
                    f"({fmt.kg(extra)} en tout)",
                    scenario.replace(associations=tuple(more)),
                    subject="*",
                )
            )
        for a in full[:FREEZER_CANDIDATES]:
            x = assocs[a]
            out.append(
                Candidate(
                    "freezer",
                    f"{fmt.number(100 * FREEZER_SHARE)}{fmt.NBSP}% de place en plus au "
                    f"congélateur de {x.name} (+{fmt.kg(x.frozen_kg * FREEZER_SHARE)})",
                    scenario.replace(associations=_swap(assocs, a, more[a])),
                    subject=x.id,
                )
            )
    return out


def _swap(items: tuple[object, ...], i: int, new: object) -> tuple[object, ...]:
    return (*items[:i], new, *items[i + 1 :])


# --- pruning ------------------------------------------------------------------------------


def _estimate(week: _Bound, fleet: Fleet, candidate: Candidate) -> tuple[float, float]:
    """Upper bounds on the kg and minimum-fill gains of ``candidate`` from the week's duals
    (``Σ dual × minutes added`` over the vehicle-time rows; infinite when a row it changes
    would disappear), for a candidate that only adds vehicle minutes; a ranking figure for
    the others."""
    model = week.model
    sc = candidate.scenario
    new_fleet = fleet_of(sc, fleet.matrices)
    visits = model.visits
    moved: dict[str, tuple[int, int]] = {}
    if candidate.kind == "afternoon_window":
        x = sc.association_by_id[candidate.subject]
        moved[x.id] = (x.receive_window.start_min, x.receive_window.end_min)
    new_visits = [
        replace(v, window=moved[v.place]) if v.kind == "delivery" and v.place in moved else v
        for v in visits
    ]
    gone = set(breakpoints(visits, fleet)) - set(breakpoints(new_visits, new_fleet))
    longest = max(fleet.travel_lb.values(), default=0.0)
    handling = fleet.handling_min_per_kg
    est_kg = est_fill = 0.0
    for (cls, day, s, e), name in model.time_rows.items():
        yk, yf = week.dual_kg.get(name, 0.0), week.dual_fill.get(name, 0.0)
        if yk < 1e-12 and yf < 1e-12:
            continue
        if s in gone or e in gone:
            return math.inf, math.inf
        old, new = fleet.days.get(day), new_fleet.days.get(day)
        delta = 0.0
        if new is not None:
            delta += new.minutes(s, e, cold=cls) - (old.minutes(s, e, cold=cls) if old else 0.0)
            n_old = len(old.of_class(cls)) if old else 0
            delta += max(len(new.of_class(cls)) - n_old, 0) * longest
        for v in visits:
            if v.kind == "delivery" and v.place in moved and v.day == day and (v.cold or not cls):
                w0, w1 = moved[v.place]
                if s <= v.window[0] and v.window[1] <= e and not (s <= w0 and w1 <= e):
                    a = sc.association_by_id[v.place]
                    room = a.dry_kg + a.chilled_kg + a.frozen_kg
                    delta += v.fixed_min + v.travel_lb_min + handling * room
        est_kg += yk * max(delta, 0.0)
        est_fill += yf * max(delta, 0.0)
    return est_kg, est_fill


# --- the advice ---------------------------------------------------------------------------


def fleet_advice(
    scenario: Scenario,
    adm: Admissibility | None = None,
    fleet: Fleet | None = None,
    *,
    candidates: Sequence[Candidate] | None = None,
    max_solves: int | None = None,
) -> FleetAdvice:
    """What one more resource would bring this week (see the module docstring).

    ``adm`` and ``fleet``: the week's admissibility and fleet if already computed;
    ``candidates``: the resources to try (default :func:`candidates_of`; the caller's are
    all solved, never pruned); ``max_solves``: candidates re-solved at most (default
    :data:`MAX_SOLVES`, :data:`SMALL_WEEK_SOLVES` on weeks small enough for branch and bound).
    """
    started = time.perf_counter()
    adm = adm if adm is not None else admissibility(scenario)
    fleet = fleet if fleet is not None else fleet_of(scenario)
    week = _bound(scenario, adm, fleet, duals=True)
    small = len(week.model.visits) <= BOUND_MIP_VISITS
    mine = candidates is None
    tried = list(candidates) if candidates is not None else candidates_of(scenario, week)
    budget = max_solves if max_solves is not None else (SMALL_WEEK_SOLVES if small else MAX_SOLVES)
    ranked: list[tuple[float, float, int, Candidate]] = []
    out: list[Advice] = []
    for i, c in enumerate(tried):
        est_kg, est_fill = _estimate(week, fleet, c) if mine else (math.inf, math.inf)
        if mine and not small and c.prunable and est_kg < KG_TOL and est_fill < FILL_TOL:
            out.append(_advice(c, week, week.kg, week.min_fill, "slack"))
            continue
        ranked.append((est_fill, est_kg, i, c))
    # Non-prunable candidates first (windows, freezers), then by the duals' estimate.
    ranked.sort(key=lambda r: (r[3].prunable, -r[0], -r[1], r[2]))
    solves = 0
    for _, _, _, c in ranked:
        if solves >= budget:
            out.append(_advice(c, week, math.nan, math.nan, "skipped"))
            continue
        solves += 1
        sc = c.scenario
        changed = _bound(sc, admissibility(sc), fleet_of(sc, fleet.matrices), duals=False)
        out.append(_advice(c, week, changed.kg, changed.min_fill, "solved"))
    out.sort(
        key=lambda a: (
            not a.helps,
            -round(_finite(a.min_fill_gain), 4),
            -round(_finite(a.kg_gain), 1),
            a.status != "solved",
        )
    )
    return FleetAdvice(
        advice=tuple(out),
        bound_kg=week.kg,
        bound_min_fill_ratio=week.min_fill,
        limit_fr=_limit_fr(week),
        solves=solves,
        seconds=time.perf_counter() - started,
    )


def _finite(x: float) -> float:
    return x if math.isfinite(x) else -math.inf


def _advice(c: Candidate, week: _Bound, kg: float, fill: float, status: str) -> Advice:
    return Advice(
        kind=c.kind,
        label_fr=c.label_fr,
        kg_gain=kg - week.kg,
        min_fill_gain=fill - week.min_fill,
        bound_kg=kg,
        bound_min_fill_ratio=fill,
        status=status,
        day=c.day,
        subject=c.subject,
    )


_LIMITS_FR = {
    "supply": "la nourriture disponible cette semaine",
    "storage": "la place de stockage des associations",
    "time": "le temps des véhicules",
    "budget": "le budget des associations",
}


def _limit_fr(week: _Bound) -> str:
    """What holds the bound: for the minimum fill, then for the kg, the family of rows with
    the largest duals (for the kg, other than the food itself: what keeps the rest out)."""
    found: list[str] = []
    for duals, skip in ((week.dual_fill, ""), (week.dual_kg, "supply")):
        weight: dict[str, float] = {}
        for name, y in duals.items():
            family = name.split(":", 1)[0]
            if family in _LIMITS_FR and family != skip:
                weight[family] = weight.get(family, 0.0) + y
        if weight:
            text = _LIMITS_FR[max(sorted(weight), key=lambda f: weight[f])]
            if text not in found:
                found.append(text)
    return " et ".join(found)


__all__ = [
    "COLUMNS",
    "Advice",
    "Candidate",
    "FleetAdvice",
    "candidates_of",
    "fleet_advice",
]
