"""The marginal cost of collecting an offer: cheapest insertion into the week's planned rounds.

The week's rounds (a :class:`~aide_alim.routing.RoutePlan`) are not re-solved for each offer:
the pickup is inserted where it costs least, between two consecutive visits of a trip that
already runs, or as a dedicated trip from the vehicle's depot (after its rounds of the day, or in
a vehicle that does not run that day). The matrices are the routing layer's
(:func:`~aide_alim.routing.scenario_matrices`), the times are the rounds' own (travel, a fixed
``service_min`` per place, ``service_min_per_100kg`` of handling).

An insertion is kept only if it holds the rounds' limits:

- a day on which the offer can be collected: on or after ``available``, on or before its last
  collection day (``collect_by`` and the DLC), an open day of the supplier;
- a vehicle that works that day, refrigerated for chilled and frozen food, with room for the kg
  on board from the pickup until the trip returns to the depot (the stops' ``load_*`` columns);
- the supplier's opening hours (waiting for the opening is allowed); every later visit of the
  trip and day still ends within its window (receiving window of an association, opening hours
  of a supplier) once delayed by the detour (later trips of the day are only checked against
  the shift), and the vehicle is back within its shift and its
  depot's hours. Waiting slack of later visits is not used, so the check is conservative.

An offer heavier than the vehicle takes several dedicated trips. The cost is the vehicle's
``cost_eur_km`` × extra km + ``cost_eur_h`` × extra hours, the CO₂ its ``co2_g_km`` × extra km.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aide_alim.offers.model import Offer, Supplier
from aide_alim.routing import RoutePlan, scenario_matrices
from aide_alim.routing.graph import association_key, places_of, site_key
from aide_alim.scenario.model import Scenario, Vehicle

if TYPE_CHECKING:
    from aide_alim.offers.week import SavedRounds


@dataclass(frozen=True, slots=True)
class Collection:
    """How an offer would be collected, and what it adds to the week's rounds.

    ``mode``: ``"round"`` (inserted into a trip), ``"trip"`` (dedicated trips, ``trips`` of
    them) or ``""`` when no vehicle can collect it (``reason_fr`` says why). ``km``, ``hours``,
    ``cost_eur``, ``co2_kg`` are the extra km, hours, € and kg CO₂; ``seconds`` the extra time
    of the vehicle that day [s] and ``slack_s`` the time it had left before its limits [s].
    """

    mode: str
    day: dt.date | None = None
    vehicle: str = ""
    km: float = 0.0
    hours: float = 0.0
    cost_eur: float = 0.0
    co2_kg: float = 0.0
    trips: int = 0
    seconds: int = 0
    slack_s: int = 0
    reason_fr: str = ""

    @property
    def feasible(self) -> bool:
        return bool(self.mode)


@dataclass(frozen=True, slots=True)
class _Visit:
    index: int  # matrix index of the place
    arrival: int  # [s] after midnight
    departure: int
    load_kg: float  # on board after the visit
    latest_end: int  # the visit's service must end by then [s]


@dataclass(frozen=True, slots=True)
class _Trip:
    day: dt.date
    vehicle: Vehicle
    visits: tuple[_Visit, ...]


class Rounds:
    """The week's planned rounds, ready for cheapest insertions of offers' pickups.

    ``suppliers``: the new suppliers of the offers to score (their places join the matrices);
    ``cache_dir`` keeps those matrices on disk (see :func:`~aide_alim.routing.scenario_matrices`).
    """

    def __init__(
        self,
        scenario: Scenario,
        plan: RoutePlan | SavedRounds,
        suppliers: Iterable[Supplier] = (),
        *,
        cache_dir: str | Path | None = None,
    ):
        self.scenario = scenario
        known = set(scenario.site_by_id)
        extra = tuple({s.id: s.site() for s in suppliers if s.id not in known}.values())
        places = places_of(scenario.replace(sites=scenario.sites + extra))
        self.matrices = scenario_matrices(scenario, places, cache_dir=cache_dir)
        self._windows = {site_key(s.id): s.window for s in scenario.sites + extra}
        self._windows.update(
            {association_key(a.id): a.receive_window for a in scenario.associations}
        )
        self.trips = self._trips(plan.stops)
        self.day_end: dict[tuple[str, dt.date], int] = {}
        for trip in self.trips:
            key = (trip.vehicle.id, trip.day)
            self.day_end[key] = max(self.day_end.get(key, 0), trip.visits[-1].arrival)

    def _trips(self, stops: pd.DataFrame) -> list[_Trip]:
        trips: list[_Trip] = []
        if stops.empty:
            return trips
        vehicles = self.scenario.vehicle_by_id
        moving = stops[stops["vehicle"].isin(list(vehicles))]
        for (day, vid, _trip), group in moving.groupby(["day", "vehicle", "trip"], sort=True):
            group = group.sort_values("seq")
            visits = []
            for row in group.to_dict("records"):
                place = str(row["place"])
                is_assoc = row["place_kind"] == "association"
                key = association_key(place) if is_assoc else site_key(place)
                arrival = _seconds(row["arrival"])
                departure = _seconds(row["departure"])
                load = sum(float(row[f"load_{t}_kg"]) for t in ("ambient", "chilled", "frozen"))
                window = self._windows.get(key)
                latest = window.end_min * 60 if window is not None else 24 * 3600
                visits.append(
                    _Visit(
                        self.matrices.index(key),
                        arrival if arrival is not None else departure or 0,
                        departure if departure is not None else arrival or 0,
                        float(load),
                        latest,
                    )
                )
            day_date = pd.Timestamp(str(day)).date()
            trips.append(_Trip(day_date, vehicles[str(vid)], tuple(visits)))
        return trips

    # -- the cheapest way to collect one offer ------------------------------------------------

    def cheapest(self, offer: Offer, kg: float | None = None) -> Collection:
        """The cheapest feasible collection of ``kg`` of ``offer`` (all of it by default)."""
        kg = offer.kg if kg is None else kg
        days = self.collection_days(offer)
        if not days:
            return Collection("", reason_fr=_no_day_reason(self.scenario, offer))
        cold = offer.temperature.needs_cold
        fleet = [v for v in self.scenario.vehicles if v.refrigerated or not cold]
        if not any(d in v.days for v in fleet for d in (self.scenario.day_of(x) for x in days)):
            what = "frigorifique " if cold else ""
            why = f"aucun véhicule {what}ne circule les jours de collecte"
            return Collection("", reason_fr=why)
        best: Collection | None = None
        for trip in self.trips:
            if trip.day in days and (trip.vehicle.refrigerated or not cold):
                found = self._insert(trip, offer.supplier, kg)
                if found is not None and (best is None or _key(found) < _key(best)):
                    best = found
        for day in days:
            weekday = self.scenario.day_of(day)
            for vehicle in fleet:
                if weekday in vehicle.days:
                    found = self._dedicated(day, vehicle, offer.supplier, kg)
                    if found is not None and (best is None or _key(found) < _key(best)):
                        best = found
        if best is None:
            why = "aucun véhicule n'a le temps de le collecter aux heures du fournisseur"
            return Collection("", reason_fr=why)
        return best

    def collection_days(self, offer: Offer) -> list[dt.date]:
        """The days of the week it can be collected on (available, not past, supplier open)."""
        last = offer.last_collection
        days = []
        for i in range(7):
            day = self.scenario.week_start + dt.timedelta(days=i)
            weekday = self.scenario.day_of(day)
            if day < offer.available or (last is not None and day > last):
                continue
            if weekday in offer.supplier.open_days:
                days.append(day)
        return days

    def _service(self, kg: float) -> int:
        return round(60 * self.scenario.logistics.service_min_per_100kg * kg / 100)

    def _fixed(self) -> int:
        return round(60 * self.scenario.logistics.service_min)

    def _leg_s(self, a: int, b: int) -> int:
        return 0 if a == b else int(self.matrices.duration_s[a, b]) + self._fixed()

    def _insert(self, trip: _Trip, supplier: Supplier, kg: float) -> Collection | None:
        vehicle = trip.vehicle
        s = self.matrices.index(site_key(supplier.id))
        dist = self.matrices.distance_m
        reach = self.matrices.reachable
        window = supplier.window
        visits = trip.visits
        day_end = self.day_end[(vehicle.id, trip.day)]
        limit = min(vehicle.shift.end_min, self._depot_close(vehicle)) * 60
        best: Collection | None = None
        # Room on board: the pickup rides from its insertion point to the end of the trip.
        tail_load = [0.0] * len(visits)
        running = 0.0
        for j in range(len(visits) - 2, -1, -1):
            running = max(running, visits[j].load_kg)
            tail_load[j] = running
        for i in range(len(visits) - 1):
            u, v = visits[i], visits[i + 1]
            if tail_load[i] + kg > vehicle.capacity_kg + 1e-6:
                continue
            if not (reach[u.index, s] and reach[s, v.index]):
                continue
            arrive = u.departure + self._leg_s(u.index, s)
            start = max(arrive, window.start_min * 60)
            done = start + self._service(kg)
            if done > window.end_min * 60:
                continue
            back = done + self._leg_s(s, v.index)
            delay = back - (u.departure + self._leg_s(u.index, v.index))
            delay = max(delay, 0)
            if day_end + delay > limit:
                continue
            if any(w.departure + delay > w.latest_end for w in visits[i + 1 : -1]):
                continue
            extra_m = int(dist[u.index, s]) + int(dist[s, v.index]) - int(dist[u.index, v.index])
            found = self._priced(
                "round", trip.day, vehicle, max(extra_m, 0), delay, 1, limit - day_end
            )
            if best is None or _key(found) < _key(best):
                best = found
        return best

    def _dedicated(
        self, day: dt.date, vehicle: Vehicle, supplier: Supplier, kg: float
    ) -> Collection | None:
        depot = self.matrices.index(site_key(vehicle.depot))
        s = self.matrices.index(site_key(supplier.id))
        if not (self.matrices.reachable[depot, s] and self.matrices.reachable[s, depot]):
            return None
        trips = max(1, math.ceil(kg / vehicle.capacity_kg - 1e-9))
        limit = min(vehicle.shift.end_min, self._depot_close(vehicle)) * 60
        used = self.day_end.get((vehicle.id, day))
        clock = used if used is not None else vehicle.shift.start_min * 60
        start_of_day = clock
        window = supplier.window
        per_trip = kg / trips
        for _ in range(trips):
            arrive = clock + self._leg_s(depot, s)
            start = max(arrive, window.start_min * 60)
            done = start + self._service(per_trip)
            if done > window.end_min * 60:
                return None
            clock = done + self._leg_s(s, depot) + self._service(per_trip)
        if clock > limit:
            return None
        metres = trips * (int(self.matrices.distance_m[depot, s]) + int(
            self.matrices.distance_m[s, depot]
        ))  # fmt: skip
        return self._priced("trip", day, vehicle, metres, clock - start_of_day, trips,
                            limit - start_of_day)  # fmt: skip

    def _depot_close(self, vehicle: Vehicle) -> int:
        depot = self.scenario.site_by_id.get(vehicle.depot)
        return depot.window.end_min if depot is not None else 24 * 60

    @staticmethod
    def _priced(
        mode: str, day: dt.date, vehicle: Vehicle, metres: int, seconds: int, trips: int, slack: int
    ) -> Collection:
        km = metres / 1000
        hours = seconds / 3600
        return Collection(
            mode=mode,
            day=day,
            vehicle=vehicle.id,
            km=km,
            hours=hours,
            cost_eur=vehicle.cost_eur_km * km + vehicle.cost_eur_h * hours,
            co2_kg=vehicle.co2_g_km * km / 1000,
            trips=trips,
            seconds=seconds,
            slack_s=slack,
        )


def _key(c: Collection) -> tuple[float, float, float]:
    return (round(c.cost_eur, 6), round(c.co2_kg, 6), c.hours)


def _seconds(value: Any) -> int | None:
    """Seconds after midnight of a stop's time (``None`` for a missing one; a saved plan
    writes it ``"NaT"``)."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return None
    return int(stamp.hour * 3600 + stamp.minute * 60 + stamp.second)


def _no_day_reason(scenario: Scenario, offer: Offer) -> str:
    sunday = scenario.week_start + dt.timedelta(days=6)
    last = offer.last_collection
    if offer.available > sunday:
        return f"disponible le {offer.available:%d/%m} seulement, après la semaine"
    if last is not None and last < max(offer.available, scenario.week_start):
        return f"à collecter au plus tard le {last:%d/%m}, avant le début de la semaine"
    return "le fournisseur est fermé tous les jours où la collecte est possible"
