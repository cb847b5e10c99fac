"""The result of routing: :class:`RoutePlan`, tidy tables of rounds, stops and unserved lines.

Tables (pandas DataFrames):

- ``stops``: one row per visit, in route order: ``day`` (date), ``family`` (``hub`` or
  ``direct`` rounds; ``hub_pickup`` or ``site_pickup`` when an association fetches a line
  itself), ``vehicle`` ("" for an association's own pickup), ``trip`` (1, 2, … when a vehicle
  goes back to its depot and leaves again), ``seq``, ``kind`` (start, pickup, delivery, unload
  (at the hub, for an association that fetches it there the same day), reload, end,
  hub_pickup, site_pickup), ``place``, ``place_name``, ``place_kind``, ``lat``, ``lon``,
  ``arrival``, ``departure`` (timestamps, local time), ``kg_picked``, ``kg_dropped`` [kg],
  ``load_ambient_kg``, ``load_chilled_kg``, ``load_frozen_kg`` (on board after the stop [kg]),
  ``lots`` and ``associations`` (space-separated ids of the lots handled and their recipients).
- ``rounds``: one row per vehicle, day and round family: ``day``, ``family``, ``vehicle``,
  ``refrigerated``, ``trips``, ``stops``, ``start``, ``end``, ``km``, ``hours``, ``cost_eur``
  (€/km × km + €/h × h), ``co2_kg`` (g CO₂/km × km), ``kg_picked``, ``kg_dropped``.
- ``unserved``: allocation lines (or parts of lines [kg]) that no round carries, with ``stage``,
  the ``reason`` in English words (for the CLI), its stable ``reason_code`` (a key of
  :data:`UNSERVED_REASONS_FR`, for programs and translations) and ``reason_fr`` (the French
  label): ``lot, association, day, site, temperature, kg, stage, reason, reason_code,
  reason_fr``.
- ``lines``: every allocation line with its fate: ``status`` (delivered, hub_pickup,
  site_pickup, unserved, partial), ``collection_day``, ``collection_vehicle``,
  ``delivery_vehicle``, ``handover`` (time the association gets it).

``totals`` (dict): ``km``, ``hours``, ``cost_eur``, ``co2_kg``, ``vehicles_used`` (distinct
vehicles), ``vehicle_days``, ``rounds``, ``trips``, ``stops``, ``kg_collected`` (picked up at
suppliers), ``kg_delivered`` (dropped at associations by a vehicle), ``kg_self_collected`` (fetched
by associations), ``kg_carried`` (the two together), ``kg_unserved``, ``lines_unserved``,
``eur_per_kg_carried`` [€/kg] and ``co2_g_per_kg_carried`` [g/kg] (to compare models that do
not carry the same amount), ``solves``, ``solve_seconds``, ``wall_s``.
Totals count vehicle rounds only (associations' own trips are left out in both models), so a hub
plan and a direct plan of the same allocation compare directly.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from aide_alim.routing.round_types import Context

STOP_COLUMNS: tuple[str, ...] = (
    "day", "family", "vehicle", "trip", "seq", "kind", "place", "place_name", "place_kind",
    "lat", "lon", "arrival", "departure", "kg_picked", "kg_dropped", "load_ambient_kg",
    "load_chilled_kg", "load_frozen_kg", "lots", "associations",
)  # fmt: skip
ROUND_COLUMNS: tuple[str, ...] = (
    "day", "family", "vehicle", "refrigerated", "trips", "stops", "start", "end", "km", "hours",
    "cost_eur", "co2_kg", "kg_picked", "kg_dropped",
)  # fmt: skip
UNSERVED_COLUMNS: tuple[str, ...] = (
    "lot", "association", "day", "site", "temperature", "kg", "stage", "reason", "reason_code",
    "reason_fr",
)  # fmt: skip
#: Why a round does not carry a line: stable ``reason_code`` → French label for documents.
UNSERVED_REASONS_FR: dict[str, str] = {
    "no_vehicle": "aucun véhicule ne circule ces jours-là",
    "no_refrigerated_vehicle": "aucun véhicule réfrigéré ne circule ces jours-là",
    "not_served_by_solver": "les véhicules de ce jour-là n'ont plus de place ni de temps",
    "shift_too_short": "le trajet ne tient dans le service d'aucun chauffeur",
    "outside_window": "les horaires de réception ne tiennent pas dans les tournées",
    "unreachable": "aucun itinéraire routier connu",
    "no_feasible_round": "aucune tournée possible n'a été trouvée à temps",
    "partly_collected": "la ramasse n'a pas pu se faire en entier",
    "site_closed": "le fournisseur est fermé ces jours-là",
    "not_available": "le lot n'est disponible qu'après le jour prévu",
    "no_collection_day": "aucun jour où le fournisseur est ouvert et un véhicule adapté circule",
}
LINE_COLUMNS: tuple[str, ...] = (
    "lot", "association", "day", "site", "temperature", "kg", "status", "collection_day",
    "collection_vehicle", "delivery_vehicle", "handover",
)  # fmt: skip


@dataclass(frozen=True)
class RoutePlan:
    """The week's rounds for one organisation ``model`` (``hub`` or ``direct``).

    See the module docstring for the columns of :attr:`stops`, :attr:`rounds`,
    :attr:`unserved` and :attr:`lines` and the keys of :attr:`totals`.
    """

    model: str
    week: str
    stops: pd.DataFrame
    rounds: pd.DataFrame
    unserved: pd.DataFrame
    lines: pd.DataFrame
    totals: dict[str, Any]
    places: pd.DataFrame = field(repr=False)
    matrix_source: str = "geodesic"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary: model, totals, rounds, stops and unserved lines."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))

        return {
            "model": self.model,
            "week": self.week,
            "matrices": self.matrix_source,
            "totals": self.totals,
            "rounds": records(self.rounds),
            "stops": records(self.stops),
            "unserved": records(self.unserved),
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw places and rounds on ``ax`` (a new figure if ``None``); no map tiles needed."""
        from aide_alim.routing.map import plot_plan

        return plot_plan(self, ax=ax)

    def save_map(self, path: str | Path) -> Path:
        """Save the map of the rounds as an image (PNG, SVG or PDF by suffix)."""
        from aide_alim.routing.map import save_map

        return save_map(self, Path(path))


def build_plan(ctx: Context, *, wall_s: float) -> RoutePlan:
    """Turn the solved rounds of :mod:`aide_alim.routing.rounds` into a :class:`RoutePlan`."""
    sc = ctx.scenario
    lines = ctx.lines
    temp_of = {line.index: line.temperature for line in lines}

    def stamp(date: dt.date, seconds: int | None) -> pd.Timestamp | None:
        if seconds is None:
            return None
        return pd.Timestamp(date) + pd.Timedelta(seconds=int(seconds))

    stop_rows: list[dict[str, Any]] = []
    round_rows: list[dict[str, Any]] = []
    fate: dict[int, dict[str, Any]] = defaultdict(dict)
    for route in ctx.routes:
        trips = max(v.trip for v in route.visits)
        picked = dropped = 0.0
        load = {"ambient": 0.0, "chilled": 0.0, "frozen": 0.0}
        for seq, visit in enumerate(route.visits):
            stop = visit.stop
            kg_p = kg_d = 0.0
            if visit.kind in ("start", "reload"):
                # Leaving the depot: everything to deliver on this trip is on board.
                load = {"ambient": 0.0, "chilled": 0.0, "frozen": 0.0}
                for later in route.visits[seq + 1 :]:
                    if later.kind in ("reload", "end"):
                        break
                    if (
                        later.kind == "delivery"
                        and later.stop is not None
                        and later.stop.dest is None
                    ):
                        for p in later.stop.portions:
                            load[temp_of[p.line]] += p.kg
            elif visit.kind == "end":
                load = {"ambient": 0.0, "chilled": 0.0, "frozen": 0.0}
            elif stop is not None:
                for p in stop.portions:
                    if visit.kind == "pickup":
                        load[temp_of[p.line]] += p.kg
                        kg_p += p.kg
                    else:
                        load[temp_of[p.line]] -= p.kg
                        kg_d += p.kg
                    _note_fate(fate[p.line], route, visit)
            picked += kg_p
            dropped += kg_d
            portions = stop.portions if stop is not None else []
            stop_rows.append(
                {
                    "day": route.date,
                    "family": route.family,
                    "vehicle": route.vehicle.id,
                    "trip": visit.trip,
                    "seq": seq,
                    "kind": visit.kind,
                    "place": visit.place.id,
                    "place_name": visit.place.name,
                    "place_kind": visit.place.kind,
                    "lat": visit.place.lat,
                    "lon": visit.place.lon,
                    "arrival": stamp(route.date, visit.arrival),
                    "departure": stamp(route.date, visit.departure),
                    "kg_picked": round(kg_p, 3),
                    "kg_dropped": round(kg_d, 3),
                    "load_ambient_kg": round(max(load["ambient"], 0.0), 3),
                    "load_chilled_kg": round(max(load["chilled"], 0.0), 3),
                    "load_frozen_kg": round(max(load["frozen"], 0.0), 3),
                    "lots": _ids(lines, portions, "lot"),
                    "associations": _ids(lines, portions, "association"),
                }
            )
        km = route.distance_m / 1000
        hours = route.duration_s / 3600
        v = route.vehicle
        round_rows.append(
            {
                "day": route.date,
                "family": route.family,
                "vehicle": v.id,
                "refrigerated": v.refrigerated,
                "trips": trips,
                "stops": sum(1 for x in route.visits if x.stop is not None),
                "start": stamp(route.date, route.visits[0].departure),
                "end": stamp(route.date, route.visits[-1].arrival),
                "km": round(km, 3),
                "hours": round(hours, 3),
                "cost_eur": round(v.cost_eur_km * km + v.cost_eur_h * hours, 2),
                "co2_kg": round(v.co2_g_km * km / 1000, 3),
                "kg_picked": round(picked, 3),
                "kg_dropped": round(dropped, 3),
            }
        )
    for slot in ctx.slots:
        line = slot.line
        fate[line.index]["self"] = slot.family
        fate[line.index]["handover"] = stamp(line.day, slot.arrival)
        stop_rows.append(
            {
                "day": line.day,
                "family": slot.family,
                "vehicle": "",
                "trip": 0,
                "seq": 0,
                "kind": slot.family,
                "place": slot.place.id,
                "place_name": slot.place.name,
                "place_kind": slot.place.kind,
                "lat": slot.place.lat,
                "lon": slot.place.lon,
                "arrival": stamp(line.day, slot.arrival),
                "departure": stamp(line.day, slot.departure),
                "kg_picked": round(line.kg, 3),
                "kg_dropped": 0.0,
                "load_ambient_kg": 0.0,
                "load_chilled_kg": 0.0,
                "load_frozen_kg": 0.0,
                "lots": line.lot,
                "associations": line.association,
            }
        )
    stops = pd.DataFrame(stop_rows, columns=list(STOP_COLUMNS))
    if not stops.empty:
        stops = stops.sort_values(["day", "vehicle", "family", "seq"], kind="stable").reset_index(
            drop=True
        )
    rounds = pd.DataFrame(round_rows, columns=list(ROUND_COLUMNS))
    if not rounds.empty:
        rounds = rounds.sort_values(["day", "vehicle", "family"], kind="stable").reset_index(
            drop=True
        )

    unserved_rows: dict[tuple[int, str, str, str], float] = defaultdict(float)
    for u in ctx.unserved:
        unserved_rows[(u.line, u.stage, u.reason, u.code)] += u.kg
    unserved = pd.DataFrame(
        [
            {
                "lot": lines[line].lot,
                "association": lines[line].association,
                "day": lines[line].day,
                "site": lines[line].site,
                "temperature": lines[line].temperature,
                "kg": round(kg, 3),
                "stage": stage,
                "reason": reason,
                "reason_code": code,
                "reason_fr": UNSERVED_REASONS_FR.get(code, code),
            }
            for (line, stage, reason, code), kg in unserved_rows.items()
        ],
        columns=list(UNSERVED_COLUMNS),
    )
    bad_lines = {line for line, *_ in unserved_rows}
    line_rows = []
    for row in lines:
        f = fate.get(row.index, {})
        if row.index in bad_lines:
            status = "partial" if f.get("delivery_vehicle") or f.get("self") else "unserved"
        elif f.get("self"):
            status = str(f["self"])
        else:
            status = "delivered"
        line_rows.append(
            {
                "lot": row.lot,
                "association": row.association,
                "day": row.day,
                "site": row.site,
                "temperature": row.temperature,
                "kg": row.kg,
                "status": status,
                "collection_day": f.get("collection_day"),
                "collection_vehicle": f.get("collection_vehicle", ""),
                "delivery_vehicle": f.get("delivery_vehicle", ""),
                "handover": f.get("handover"),
            }
        )
    line_table = pd.DataFrame(line_rows, columns=list(LINE_COLUMNS))

    kg_collected = (
        float(
            stops.loc[
                (stops["kind"] == "pickup") & (stops["place_kind"] != "hub"), "kg_picked"
            ].sum()
        )
        if not stops.empty
        else 0.0
    )
    kg_delivered = (
        float(stops.loc[stops["kind"] == "delivery", "kg_dropped"].sum())
        if not stops.empty
        else 0.0
    )
    kg_self = (
        float(stops.loc[stops["kind"].isin(["hub_pickup", "site_pickup"]), "kg_picked"].sum())
        if not stops.empty
        else 0.0
    )
    totals: dict[str, Any] = {
        "model": sc.logistics.model,
        "km": round(float(rounds["km"].sum()), 3),
        "hours": round(float(rounds["hours"].sum()), 3),
        "cost_eur": round(float(rounds["cost_eur"].sum()), 2),
        "co2_kg": round(float(rounds["co2_kg"].sum()), 3),
        "vehicles_used": int(rounds["vehicle"].nunique()),
        "vehicle_days": int(rounds[["vehicle", "day"]].drop_duplicates().shape[0]),
        "rounds": len(rounds),
        "trips": int(rounds["trips"].sum()),
        "stops": int(rounds["stops"].sum()),
        "kg_lines": round(sum(line.kg for line in lines), 3),
        "kg_collected": round(kg_collected, 3),
        "kg_delivered": round(kg_delivered, 3),
        "kg_self_collected": round(kg_self, 3),
        "kg_unserved": round(float(unserved["kg"].sum()), 3),
        "kg_carried": round(kg_delivered + kg_self, 3),
        "eur_per_kg_carried": round(float(rounds["cost_eur"].sum()) / (kg_delivered + kg_self), 4)
        if kg_delivered + kg_self > 0
        else 0.0,
        "co2_g_per_kg_carried": round(
            1000 * float(rounds["co2_kg"].sum()) / (kg_delivered + kg_self), 2
        )
        if kg_delivered + kg_self > 0
        else 0.0,
        "lines_unserved": len(bad_lines),
        "solves": ctx.solves,
        "solve_seconds": round(ctx.solve_seconds, 3),
        "time_limit_s": ctx.time_limit_s,
        "seed": ctx.seed,
        "wall_s": round(wall_s, 3),
    }
    totals = {k: (0.0 if isinstance(v, float) and math.isnan(v) else v) for k, v in totals.items()}
    places = pd.DataFrame(
        [
            {"key": p.key, "id": p.id, "name": p.name, "kind": p.kind, "lat": p.lat, "lon": p.lon}
            for p in ctx.places.values()
        ]
    )
    return RoutePlan(
        model=sc.logistics.model,
        week=sc.week,
        stops=stops,
        rounds=rounds,
        unserved=unserved,
        lines=line_table,
        totals=totals,
        places=places,
        matrix_source=ctx.matrices.source,
    )


def _note_fate(f: dict[str, Any], route: Any, visit: Any) -> None:
    if visit.kind == "pickup":
        f["collection_day"] = route.date
        f["collection_vehicle"] = route.vehicle.id
    elif visit.kind == "delivery":
        f["delivery_vehicle"] = route.vehicle.id
        f["handover"] = pd.Timestamp(route.date) + pd.Timedelta(seconds=int(visit.arrival or 0))


def _ids(lines: list[Any], portions: list[Any], column: str) -> str:
    seen: dict[str, None] = {}
    for p in portions:
        seen[str(getattr(lines[p.line], column))] = None
    return " ".join(seen)
