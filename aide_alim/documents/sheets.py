"""What a route sheet says: one vehicle's rounds on one day, stop by stop, with what to load and
unload (at suppliers, at associations, and at the hub: stock taken out and goods brought back).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from aide_alim.documents.tables import KIND_FR, TEMPERATURE_NOTE_FR, as_date
from aide_alim.i18n import fmt
from aide_alim.scenario.model import Scenario, Temperature


@dataclass(frozen=True)
class SheetStop:
    """One stop of a route sheet: what to load and unload there."""

    kind: str
    place: str
    address: str
    arrival: str
    departure: str
    load: tuple[str, ...]
    unload: tuple[str, ...]
    on_board: str


@dataclass(frozen=True)
class SheetRound:
    """One round (family and trip) of a vehicle on a day."""

    title: str
    stops: tuple[SheetStop, ...]


@dataclass(frozen=True)
class RouteSheet:
    """One vehicle's work on one day: its rounds and ordered stops."""

    vehicle_id: str
    vehicle_label: str
    refrigerated: bool
    capacity_kg: float
    day: dt.date
    rounds: tuple[SheetRound, ...]
    temperature_notes: tuple[str, ...]
    km: float
    hours: float
    stops: pd.DataFrame = field(repr=False)
    signature: str = ""


FAMILY_FR = {
    "hub": "Tournée",
    "collection": "Ramasse chez les fournisseurs",
    "delivery": "Livraison aux associations",
    "direct": "Ramasse et livraison directe",
}


def _lot_text(scenario: Scenario, lot_id: str, kg: float) -> str:
    lot = scenario.lot_by_id.get(lot_id)
    if lot is None:
        return lot_id
    dlc = f", DLC {fmt.short_date(lot.use_by)}" if lot.use_by else ""
    return f"{lot.product} ({lot_id}) : {fmt.kg(kg)}, {lot.temperature.label_fr}{dlc}"


def _shares(
    kg_by_pair: dict[tuple[str, str], float],
    lots: tuple[str, ...],
    associations: tuple[str, ...],
    total: float,
) -> dict[str, float]:
    """kg of each lot handled at a stop: the allocation lines of those lots and recipients,
    scaled so that they add up to the stop's total (a line may be split between visits)."""
    by_lot = {lot: sum(kg_by_pair.get((lot, a), 0.0) for a in associations) for lot in lots}
    whole = sum(by_lot.values())
    if whole <= 0:
        return {lot: total / len(lots) for lot in lots} if lots else {}
    return {lot: kg * total / whole for lot, kg in by_lot.items()}


def _trip_balance(
    kg_by_pair: dict[tuple[str, str], float], trip: list[dict[Any, Any]]
) -> tuple[dict[str, float], dict[str, float]]:
    """What a trip takes from the hub and what it leaves there [kg per lot].

    A trip delivers lots it picked up on the way or loaded at the hub (stock collected earlier),
    and brings back to the hub what it picked up but did not deliver (stock for later days).
    """
    picked: dict[str, float] = {}
    dropped: dict[str, float] = {}
    for stop in trip:
        if stop["kind"] == "pickup":
            target, total = picked, float(stop["kg_picked"])
        elif stop["kind"] in ("delivery", "unload"):
            target, total = dropped, float(stop["kg_dropped"])
        else:
            continue
        for lot, kg in _shares(kg_by_pair, stop["lots"], stop["associations"], total).items():
            target[lot] = target.get(lot, 0.0) + kg
    from_hub = {lot: kg - picked.get(lot, 0.0) for lot, kg in dropped.items()}
    to_hub = {lot: kg - dropped.get(lot, 0.0) for lot, kg in picked.items()}
    return (
        {lot: kg for lot, kg in from_hub.items() if kg > 0.05},
        {lot: kg for lot, kg in to_hub.items() if kg > 0.05},
    )


def _round_stops(
    scenario: Scenario, kg_by_pair: dict[tuple[str, str], float], trip: pd.DataFrame
) -> list[SheetStop]:
    """Stops of one round with what to load and unload: goods at suppliers and associations,
    and at the hub the stock a trip takes out and the goods it brings back."""
    records = trip.to_dict("records")
    bounds = [i for i, r in enumerate(records) if r["kind"] in ("start", "reload", "end")]
    rows: list[dict[str, Any]] = []
    for i, stop in enumerate(records):
        load: dict[str, float] = {}
        unload: dict[str, float] = {}
        kind = stop["kind"]
        if kind == "pickup":
            load = _shares(kg_by_pair, stop["lots"], stop["associations"], float(stop["kg_picked"]))
        elif kind in ("delivery", "unload"):
            total = float(stop["kg_dropped"])
            unload = _shares(kg_by_pair, stop["lots"], stop["associations"], total)
        if kind in ("reload", "end"):  # the trip that ends here leaves its surplus at the hub
            start = max((b for b in bounds if b < i), default=0)
            unload = _trip_balance(kg_by_pair, records[start : i + 1])[1]
        if kind in ("start", "reload"):  # the trip that starts here takes stock from the hub
            end = min((b for b in bounds if b > i), default=len(records) - 1)
            load = _trip_balance(kg_by_pair, records[i : end + 1])[0]
        board = [
            f"{label} {fmt.kg(float(stop[col]))}"
            for label, col in (
                ("ambiant", "load_ambient_kg"),
                ("frais", "load_chilled_kg"),
                ("surgelé", "load_frozen_kg"),
            )
            if float(stop[col]) > 0
        ]
        for_whom = ""
        if kind == "unload" and stop["associations"]:
            names = [
                scenario.association_by_id[a].name if a in scenario.association_by_id else a
                for a in stop["associations"]
            ]
            for_whom = f" – pour {', '.join(names)}"
        last = rows[-1] if rows else None
        if last is not None and (last["place"], last["kind"]) == (stop["place_name"], kind):
            # The solver visits a supplier once per recipient: one row per place on the sheet.
            last["departure"] = stop["departure_min"]
            last["on_board"] = board
            for lot, kg in load.items():
                last["load"][lot] = last["load"].get(lot, 0.0) + kg
            for lot, kg in unload.items():
                last["unload"][lot] = last["unload"].get(lot, 0.0) + kg
            continue
        rows.append(
            {
                "kind": kind,
                "place": stop["place_name"],
                "address": stop["address"],
                "arrival": stop["arrival_min"],
                "departure": stop["departure_min"],
                "load": dict(load),
                "unload": dict(unload),
                "on_board": board,
                "for_whom": for_whom,
            }
        )
    return [
        SheetStop(
            kind=KIND_FR.get(str(r["kind"]), str(r["kind"])),
            place=str(r["place"]),
            address=str(r["address"]),
            arrival=fmt.clock(r["arrival"]),
            departure=fmt.clock(r["departure"]),
            load=tuple(_lot_text(scenario, lot, kg) for lot, kg in sorted(r["load"].items())),
            unload=tuple(
                _lot_text(scenario, lot, kg) + r["for_whom"]
                for lot, kg in sorted(r["unload"].items())
            ),
            on_board=", ".join(r["on_board"]) or "vide",
        )
        for r in rows
    ]


def route_sheets(
    scenario: Scenario, lines: pd.DataFrame, stops: pd.DataFrame, plan: Any
) -> list[RouteSheet]:
    """One sheet per vehicle and day the plan uses (associations' own pickups are left out)."""
    sheets: list[RouteSheet] = []
    driven = stops[stops["vehicle"] != ""] if len(stops) else stops
    if driven.empty:
        return sheets
    rounds_table = getattr(plan, "rounds", None)
    for key, group in driven.groupby(["vehicle", "day"], sort=True):
        vehicle_id, day = cast(tuple[str, dt.date], key)
        vehicle = scenario.vehicle_by_id.get(vehicle_id)
        later = lines[lines["day"] >= day]  # a collection may bring lots for later days
        day_lines = cast(
            dict[tuple[str, str], float],
            later.groupby(["lot", "association"])["kg"].sum().to_dict(),
        )
        temperatures: set[Temperature] = set()
        rounds: list[tuple[float, SheetRound]] = []
        for family, route in group.groupby("family", sort=True):
            route = route.sort_values("seq", kind="stable")  # trips are separated by reloads
            for ids in route["lots"]:
                temperatures.update(
                    scenario.lot_by_id[lot].temperature for lot in ids if lot in scenario.lot_by_id
                )
            trips = int(route["trip"].max())
            title = FAMILY_FR.get(str(family), str(family))
            if trips > 1:
                title += f" ({trips} voyages)"
            trip = route
            start = float(trip["departure_min"].min())
            rounds.append(
                (start, SheetRound(title, tuple(_round_stops(scenario, day_lines, trip))))
            )
        notes = [TEMPERATURE_NOTE_FR[t] for t in sorted(temperatures) if t.needs_cold]
        if notes:
            notes.append(
                "Chargez les produits froids en dernier et déchargez-les en premier ; "
                "vérifiez la température du caisson avant le départ."
            )
        km, hours = _round_totals(rounds_table, vehicle_id, day, scenario)
        sheets.append(
            RouteSheet(
                vehicle_id=vehicle_id,
                vehicle_label=(vehicle.name or vehicle.id) if vehicle else vehicle_id,
                refrigerated=bool(vehicle and vehicle.refrigerated),
                capacity_kg=vehicle.capacity_kg if vehicle else math.nan,
                day=day,
                rounds=tuple(r for _, r in sorted(rounds, key=lambda x: x[0])),
                temperature_notes=tuple(notes),
                km=km,
                hours=hours,
                stops=group.reset_index(drop=True),
                signature=f"Document établi par {scenario.signature}.",
            )
        )
    return sheets


def _round_totals(
    rounds: Any, vehicle: str, day: dt.date, scenario: Scenario
) -> tuple[float, float]:
    """Distance [km] and duration [h] of a vehicle's rounds on a day, from the plan's rounds."""
    if rounds is None or len(rounds) == 0:
        return math.nan, math.nan
    days = pd.Series([as_date(d, scenario) for d in rounds["day"]], index=rounds.index)
    mine = rounds[(rounds["vehicle"] == vehicle) & (days == day)]
    return float(mine["km"].sum()), float(mine["hours"].sum())
