"""What the portal shows of published weeks: an association's plan, its receipts, the weeks.

The plan is rebuilt from the history database (the week's scenario snapshot, its allocation
lines, its per-association results and its stored rounds) into the same
:class:`~aide_alim.documents.plans.AssociationPlan` the documents render, so the page and the
PDF say what ``aide-alim run`` writes. When and where come from the rounds' stops: deliveries
with their arrival window, pickups at the hub or at a supplier with theirs.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.documents import tables
from aide_alim.documents.plans import AssociationPlan, Handover, arrival_window, explain_share
from aide_alim.history import schema as h
from aide_alim.history.publish import iso_week
from aide_alim.i18n import fmt
from aide_alim.scenario.model import Lot, Scenario, TimeWindow

_MODES = {
    "delivery": "livraison",
    "hub_pickup": "retrait à la plateforme",
    "site_pickup": "retrait chez le fournisseur",
}
_CACHE_SIZE = 16
_weeks: OrderedDict[tuple[int, int], _Week] = OrderedDict()  # see _week()
_lock = threading.Lock()
_loading = threading.Lock()


@dataclass(frozen=True)
class WeekRef:
    """A published week as the portal lists it."""

    week: str
    publication_id: int
    version: int
    published_at: dt.datetime


def published_weeks(db: Database, association: str | None = None) -> list[WeekRef]:
    """The published weeks, newest first (those listing ``association`` if given)."""
    p, aw = h.publication, h.association_week
    query = sa.select(p.c.week, p.c.id, p.c.version, p.c.published_at).where(
        p.c.active_week.is_not(None)
    )
    if association is not None:
        query = query.where(
            sa.exists().where(aw.c.publication_id == p.c.id, aw.c.association == association)
        )
    with db.read() as conn:
        rows = conn.execute(query.order_by(p.c.week.desc())).all()
    return [WeekRef(r.week, int(r.id), int(r.version), r.published_at) for r in rows]


def active_id(conn: sa.Connection, week: str) -> int | None:
    p = h.publication
    found = conn.execute(sa.select(p.c.id).where(p.c.active_week == iso_week(week))).scalar()
    return int(found) if found is not None else None


@dataclass
class _Week:
    """Everything the pages read of one publication, prepared once (publications never change:
    a replaced week is a new publication)."""

    scenario: Scenario
    by_association: pd.DataFrame
    lines: dict[str, pd.DataFrame]
    stops: pd.DataFrame
    unserved: pd.DataFrame
    rule: str
    plans: dict[str, AssociationPlan] = field(default_factory=dict)


def _week(db: Database, publication_id: int) -> _Week:
    key = (id(db.engine), publication_id)
    with _lock:
        if key in _weeks:
            _weeks.move_to_end(key)
            return _weeks[key]
    with _loading:  # one thread loads a week; the others wait for it instead of loading it too
        with _lock:
            if key in _weeks:
                return _weeks[key]
        return _load_week(db, publication_id, key)


def _load_week(db: Database, publication_id: int, key: tuple[int, int]) -> _Week:
    from aide_alim.scenario import load_scenario

    aw, line, p = h.association_week, h.allocation_line, h.publication
    with db.read() as conn:
        text, rule = conn.execute(
            sa.select(p.c.scenario_json, p.c.rule).where(p.c.id == publication_id)
        ).one()
        results = conn.execute(sa.select(aw).where(aw.c.publication_id == publication_id))
        by_association = pd.DataFrame([dict(r) for r in results.mappings()])
        rows = conn.execute(sa.select(line).where(line.c.publication_id == publication_id))
        lines = pd.DataFrame([dict(r) for r in rows.mappings()], columns=list(line.c.keys()))
        stops = _route_table(conn, publication_id, "stops")
        unserved = _route_table(conn, publication_id, "unserved")
    with tempfile.TemporaryDirectory(prefix="aide_alim_portal_") as folder:
        for name, content in json.loads(text).items():
            Path(folder, Path(name).name).write_text(content, encoding="utf-8")
        scenario = load_scenario(folder)
    lines = tables.lines_table(scenario, lines.drop(columns=["id", "publication_id"]))
    week = _Week(
        scenario=scenario,
        by_association=by_association,
        lines={str(a): g.reset_index(drop=True) for a, g in lines.groupby("association")},
        stops=tables.stops_table(scenario, SimpleNamespace(stops=stops)),
        unserved=unserved,
        rule=str(rule),
    )
    with _lock:
        _weeks[key] = week
        while len(_weeks) > _CACHE_SIZE:
            _weeks.popitem(last=False)
    return week


def warm(db: Database) -> None:
    """Prepare the latest published week ahead of its first reader (run at server start)."""
    weeks = published_weeks(db)
    if weeks:
        _week(db, weeks[0].publication_id)


def week_scenario(db: Database, publication_id: int) -> Scenario:
    """The scenario recorded with a publication."""
    return _week(db, publication_id).scenario


def week_stops(db: Database, publication_id: int) -> pd.DataFrame:
    """The stops of a publication's rounds (:func:`aide_alim.documents.tables.stops_table`)."""
    return _week(db, publication_id).stops


def _route_table(conn: sa.Connection, publication_id: int, name: str) -> pd.DataFrame:
    r = h.route_row
    rows = conn.execute(
        sa.select(r.c.data_json)
        .where(r.c.publication_id == publication_id, r.c.table_name == name)
        .order_by(r.c.position)
    ).scalars()
    frame = pd.DataFrame([json.loads(x) for x in rows])
    for column in ("arrival", "departure"):  # stored as ISO text ("NaT" when absent)
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def week_lots(db: Database, week: str) -> Mapping[str, Lot]:
    """The lots of a published week by id (empty if the week is not published)."""
    with db.read() as conn:
        pub = active_id(conn, week)
    return {} if pub is None else _week(db, pub).scenario.lot_by_id


def association_plan(db: Database, week: str, association: str) -> AssociationPlan | None:
    """The published plan of ``association`` for ``week`` (``None`` if not published for it)."""
    with db.read() as conn:
        pub = active_id(conn, week)
    if pub is None:
        return None
    data = _week(db, pub)
    if association not in data.scenario.association_by_id:
        return None
    with _lock:
        found = data.plans.get(association)
    if found is not None:
        return found
    scenario = data.scenario
    a = scenario.association_by_id[association]
    mine = data.lines.get(association, tables.lines_table(scenario, pd.DataFrame()))
    plan = AssociationPlan(
        association=a,
        week=fmt.week_label(scenario.week_start),
        lines=mine,
        handovers=_handovers(scenario, association, mine, data.stops, data.unserved),
        total_kg=float(mine["kg"].sum()),
        total_units=int(mine["units"].sum()),
        total_value_eur=float(mine["value_eur"].sum()),
        total_price_eur=float(mine["price_eur"].sum()),
        total_meals=float(mine["meals"].sum()),
        explanation=explain_share(scenario, a, mine, data.by_association, data.rule),
        rule=data.rule,
    )
    with _lock:
        data.plans[association] = plan
    return plan


def _handovers(
    scenario: Scenario,
    association: str,
    lines: pd.DataFrame,
    stops: pd.DataFrame,
    unserved: pd.DataFrame,
) -> tuple[Handover, ...]:
    """Deliveries and pickups of the association's lots, then lots no round carries."""
    mine = set(lines["lot"].astype(str)) if len(lines) else set()
    hours = scenario.association_by_id[association].receive_window
    groups: dict[tuple[Any, ...], tuple[float, float, list[str]]] = {}
    covered: set[tuple[str, dt.date]] = set()
    for stop in stops.to_dict("records"):
        if stop["kind"] not in _MODES or association not in stop["associations"]:
            continue
        lots = [x for x in stop["lots"] if x in mine]
        if not lots:
            continue
        vehicle = scenario.vehicle_by_id.get(str(stop["vehicle"]))
        label = (vehicle.name or vehicle.id) if vehicle else "vos moyens"
        place = stop["place_name"] if stop["kind"] != "delivery" else "chez vous"
        key = (stop["day"], _MODES[stop["kind"]], place, stop["address"], label)
        start, end, before = groups.get(key, (stop["arrival_min"], stop["departure_min"], []))
        groups[key] = (
            min(start, stop["arrival_min"]),
            max(end, stop["departure_min"]),
            before + lots,
        )
        covered.update((x, stop["day"]) for x in lots)
    result = [
        Handover(day, mode, place, address, _window(mode, start, end, hours), vehicle,
                 tuple(dict.fromkeys(lots)))
        for (day, mode, place, address, vehicle), (start, end, lots) in groups.items()
    ]  # fmt: skip
    reasons: dict[str, str] = {}
    if len(unserved) and "association" in unserved:
        from aide_alim.documents.plans import unserved_reason_fr

        for row in unserved[unserved["association"] == association].to_dict("records"):
            reasons[str(row["lot"])] = unserved_reason_fr(
                str(row.get("stage", "")), str(row.get("reason", "")),
                str(row.get("reason_code", "") or ""),
            )  # fmt: skip
    left: dict[dt.date, list[str]] = {}
    for lot, day in zip(lines["lot"].astype(str), lines["day"], strict=True):
        if (lot, day) not in covered:
            left.setdefault(day, []).append(lot)
    for day, lots in left.items():
        why = "; ".join(dict.fromkeys(reasons[x] for x in lots if x in reasons))
        result.append(
            Handover(day, "à convenir", "", "", "", "–", tuple(dict.fromkeys(lots)),
                     (why + ". " if why else "")
                     + "Contactez la coordination pour convenir d'un retrait.")
        )  # fmt: skip
    return tuple(sorted(result, key=lambda x: (x.day, x.slot, x.mode)))


def _window(mode: str, start: float, end: float, hours: TimeWindow) -> str:
    """When to expect a delivery (the documents' arrival window), or when to collect."""
    if mode != "livraison":
        return f"à partir de {fmt.clock_fr(start)}"
    return arrival_window(start, end, hours)


def latest_receipts(db: Database, week: str, association: str) -> dict[str, dict[str, Any]]:
    """Lot → the latest receipt recorded for ``association`` in ``week`` (any source)."""
    r = h.receipt
    with db.read() as conn:
        rows = conn.execute(
            sa.select(r.c.lot, r.c.kg_received, r.c.comment, r.c.source, r.c.recorded_at)
            .where(r.c.week == iso_week(week), r.c.association == association)
            .order_by(r.c.id)
        ).mappings()
        latest = {str(row["lot"]): dict(row) for row in rows}
    return latest
