"""An independent check of a written week: reads only ``donnees/*.csv`` and the scenario.

It shares no code with the planning: it re-derives from the files what a driver, an association
and an auditor would check — cold chain, load, shift, windows, open days, every promised line
delivered, no lot given more than offered, nothing delivered after its DLC.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from aide_alim.scenario.model import Day, Scenario

COLD = ("chilled", "frozen")


def _minutes(text: object) -> int | None:
    if not isinstance(text, str) or ":" not in text:
        return None
    text = text.strip()[-5:]
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _date(value: object) -> dt.date:
    return pd.Timestamp(str(value)).date()


def check_week(scenario: Scenario, folder: Path, *, tol_kg: float = 1e-3) -> list[str]:
    """Every violation found in the written week (empty when the plan is feasible)."""
    data = folder / "donnees"
    lines = pd.read_csv(data / "attribution.csv", dtype={"lot": str, "association": str})
    stops = pd.read_csv(
        data / "arrets.csv", dtype={"vehicle": str, "place": str, "lots": str, "associations": str}
    ).fillna({"vehicle": "", "lots": "", "associations": ""})
    problems: list[str] = []
    vehicles = {v.id: v for v in scenario.vehicles}
    assocs = scenario.association_by_id
    sites = scenario.site_by_id
    lots = scenario.lot_by_id

    # No lot over-given; DLC; the association's open days.
    given = lines.groupby("lot")["kg"].sum()
    for lot_id, kg in given.items():
        if kg > lots[str(lot_id)].kg + tol_kg:
            problems.append(f"lot {lot_id}: {kg} kg given, {lots[str(lot_id)].kg} offered")
    for row in lines.itertuples(index=False):
        day = _date(row.day)
        lot = lots[str(row.lot)]
        if lot.use_by is not None and day > lot.use_by:
            problems.append(f"{row.lot} → {row.association} on {day}: after its DLC {lot.use_by}")
        if Day(day.weekday()) not in assocs[str(row.association)].open_days:
            problems.append(f"{row.lot} → {row.association} on {day}: association closed")
        if day < lot.available:
            problems.append(f"{row.lot} → {row.association} on {day}: not yet available")

    per_kg = scenario.logistics.service_min_per_100kg / 100  # handling [min/kg]
    driven = stops[stops["vehicle"] != ""]
    for row in driven.itertuples(index=False):
        v = vehicles[str(row.vehicle)]
        day = _date(row.day)
        where = f"{row.vehicle} {day} stop {row.seq} ({row.kind} {row.place})"
        if Day(day.weekday()) not in v.days:
            problems.append(f"{where}: the vehicle does not work that day")
        cold = float(row.load_chilled_kg) + float(row.load_frozen_kg)
        load = cold + float(row.load_ambient_kg)
        if cold > tol_kg and not v.refrigerated:
            problems.append(f"{where}: {cold} kg of cold food in a vehicle without cold")
        if load > v.capacity_kg + tol_kg:
            problems.append(f"{where}: {load} kg on board, capacity {v.capacity_kg}")
        arrival, departure = _minutes(row.arrival), _minutes(row.departure)
        for t in (arrival, departure):
            if t is not None and not v.shift.start_min <= t <= v.shift.end_min:
                problems.append(f"{where}: at {t // 60:02d}:{t % 60:02d}, outside shift {v.shift}")
        # A vehicle may arrive early and wait: the handling must lie in the window.
        handled = float(row.kg_dropped) + float(row.kg_picked)
        start = None if departure is None else departure - per_kg * handled
        if row.kind == "delivery" and str(row.place) in assocs:
            w = assocs[str(row.place)].receive_window
            if (
                start is not None
                and departure is not None
                and not (w.start_min - 1 <= start and departure <= w.end_min + 1)
            ):
                problems.append(f"{where}: outside the receiving window {w}")
            if Day(day.weekday()) not in assocs[str(row.place)].open_days:
                problems.append(f"{where}: association closed that day")
        if row.kind == "pickup" and str(row.place) in sites:
            site = sites[str(row.place)]
            w = site.window
            if (
                start is not None
                and departure is not None
                and not (w.start_min - 1 <= start and departure <= w.end_min + 1)
            ):
                problems.append(f"{where}: outside the site's window {w}")
            if Day(day.weekday()) not in site.open_days and site.id != scenario.hub:
                problems.append(f"{where}: site closed that day")

    # Every promised line reaches its association: a delivery (or hub pickup) that day names it.
    handed: dict[tuple[str, str], set[str]] = {}
    for row in stops.itertuples(index=False):
        if row.kind not in ("delivery", "hub_pickup", "site_pickup", "unload"):
            continue
        day = str(_date(row.day))
        for assoc in str(row.associations).split():
            handed.setdefault((assoc, day), set()).update(str(row.lots).split())
    for row in lines.itertuples(index=False):
        key = (str(row.association), str(_date(row.day)))
        if str(row.lot) not in handed.get(key, set()):
            problems.append(f"{row.lot} → {row.association} on {key[1]}: promised, never handed")
    return problems
