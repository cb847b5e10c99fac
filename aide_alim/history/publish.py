"""Publishing a week's chosen plan into the history, and reading publications back.

:func:`publish_week` writes everything about one week in a single transaction: the scenario
snapshot (its files, enough to rebuild it), the policy, the offers (lots), the allocation lines,
what was left unallocated and why, the per-association results, the rounds and the metrics. A
week is published once; ``replace=True`` publishes a new version and keeps the earlier one,
marked as replaced, for audit. Either the whole week is recorded or nothing is.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NewType, Protocol

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from aide_alim.db import Database
from aide_alim.errors import AideAlimError
from aide_alim.history import schema as t
from aide_alim.scenario.model import Scenario

PublicationId = NewType("PublicationId", int)

#: Test hooks: seconds to sleep inside the publish transaction, after the week's rows are written
#: and before the commit, and a file to create just before sleeping (lets a test kill a publish
#: midway or race two of them).
SLEEP_HOOK_ENV = "AIDE_ALIM_TEST_PUBLISH_SLEEP_S"
READY_HOOK_ENV = "AIDE_ALIM_TEST_PUBLISH_READY_FILE"


class HistoryError(AideAlimError):
    """Something about the history (a week, a publication, a receipt) is not as expected."""


class AlreadyPublishedError(HistoryError):
    """The week is already published (and ``replace`` was not asked for)."""

    def __init__(self, week: str, version: int, published_at: Any) -> None:
        self.week = week
        self.version = version
        when = published_at.strftime("%Y-%m-%d %H:%M") if published_at else "?"
        super().__init__(
            f"Week {week} is already published (version {version}, {when} UTC); nothing was "
            "recorded. Publish again with --replace (replace=True) to record a new version: "
            "the earlier one is kept for audit."
        )


class ConcurrentPublishError(AlreadyPublishedError):
    """Another publication of the week was recorded while this one was being prepared."""

    def __init__(self, week: str, version: int, published_at: Any, *, seen: int | None) -> None:
        super().__init__(week, version, published_at)
        when = published_at.strftime("%Y-%m-%d %H:%M") if published_at else "?"
        before = f"version {seen}" if seen is not None else "nothing"
        self.args = (
            f"Week {week} was published by someone else (version {version}, {when} UTC) while "
            f"this plan was being prepared to replace {before}; this plan was not recorded. "
            f"Check version {version}, then publish again with --replace if this plan should "
            "replace it.",
        )

    def __str__(self) -> str:
        return str(self.args[0])


class _AnyVersion:
    def __repr__(self) -> str:
        return "ANY_VERSION"


ANY_VERSION: Any = _AnyVersion()
"""``seen`` of :func:`publish_week` when the caller does not say what it saw."""


class _Allocation(Protocol):
    """What :func:`publish_week` reads of an :class:`aide_alim.allocation.Allocation`."""

    @property
    def status(self) -> Any: ...
    @property
    def message(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def basis(self) -> str: ...
    @property
    def lines(self) -> pd.DataFrame: ...
    @property
    def unallocated(self) -> pd.DataFrame: ...
    @property
    def by_association(self) -> pd.DataFrame: ...
    @property
    def metrics(self) -> Mapping[str, Any]: ...


class _RoutePlan(Protocol):
    """What :func:`publish_week` reads of an :class:`aide_alim.routing.RoutePlan`."""

    @property
    def stops(self) -> pd.DataFrame: ...
    @property
    def rounds(self) -> pd.DataFrame: ...
    @property
    def unserved(self) -> pd.DataFrame: ...
    @property
    def totals(self) -> Mapping[str, Any]: ...


def to_jsonable(value: Any) -> Any:
    """``value`` with numpy scalars, dates, enums and NaN made JSON-friendly (NaN → None)."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def _dumps(value: Any) -> str:
    return json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=True)


def _float(value: Any, default: float = 0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) else number


def _optional_float(value: Any) -> float | None:
    number = _float(value, math.nan)
    return None if math.isnan(number) else number


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def iso_week(text: str) -> str:
    """The canonical form ``YYYY-Www`` of an ISO week (``2020-w5`` → ``2020-W05``)."""
    from aide_alim.scenario.model import parse_iso_week

    try:
        year, week, _ = parse_iso_week(text).isocalendar()
    except ValueError as exc:
        message = str(exc)
        raise HistoryError(message[:1].upper() + message[1:] + ".") from None
    return f"{year}-W{week:02d}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def scenario_snapshot(scenario: Scenario) -> dict[str, str]:
    """The scenario's files (``scenario.toml`` and the CSV tables) as file name → text."""
    from aide_alim.scenario.write import scenario_files

    return scenario_files(scenario)


def active_publication(conn: sa.Connection, week: str) -> sa.Row[Any] | None:
    """The published (not replaced) version of ``week``, or ``None``."""
    p = t.publication
    return conn.execute(sa.select(p).where(p.c.active_week == week)).first()


def active_version(db: Database, week: str) -> int | None:
    """The version of ``week`` published now (``None``: not published), for ``seen``."""
    with db.read() as conn:
        current = active_publication(conn, iso_week(week))
    return None if current is None else int(current.version)


def publish_week(
    db: Database,
    scenario: Scenario,
    allocation: _Allocation,
    routes: _RoutePlan | None = None,
    *,
    replace: bool = False,
    note: str = "",
    seen: int | None = ANY_VERSION,
) -> PublicationId:
    """Record the week's plan in the history, in one transaction; return its publication id.

    ``seen``: the version that was active when the caller prepared this plan (``None``: the
    week was not published); if another one is active now, the plan was prepared against an
    outdated state and is refused with :class:`ConcurrentPublishError`, on SQLite and
    PostgreSQL alike. Raises :class:`AlreadyPublishedError` if ``scenario.week`` is already
    published and ``replace`` is false, and :class:`HistoryError` if the allocation did not
    succeed.
    """
    status = getattr(allocation.status, "is_ok", None)
    if status is False:
        raise HistoryError(
            f"The allocation of week {scenario.week} did not succeed "
            f"({allocation.status}: {allocation.message}); nothing was published."
        )
    week = iso_week(scenario.week)
    snapshot = _dumps(scenario_snapshot(scenario))
    try:
        with db.transaction() as conn:
            current = active_publication(conn, week)
            version = None if current is None else int(current.version)
            if replace and seen is not ANY_VERSION and version != seen and current is not None:
                # the week was published (again) since the caller looked
                raise ConcurrentPublishError(week, current.version, current.published_at, seen=seen)
            pub_id = _publish(conn, scenario, allocation, routes, week, snapshot, replace, note)
    except IntegrityError as exc:
        # Another process published the same week between our check and our insert (the
        # unique constraints caught it: PostgreSQL runs the two transactions side by side).
        with db.read() as conn:
            row = active_publication(conn, week)
        if row is None:
            raise HistoryError(
                f"Week {week} could not be published, nothing was recorded: {exc.orig}"
            ) from exc
        if replace:
            before = row.version - 1 if seen is ANY_VERSION else seen
            raise ConcurrentPublishError(week, row.version, row.published_at, seen=before) from None
        raise AlreadyPublishedError(week, row.version, row.published_at) from None
    return PublicationId(pub_id)


def _publish(
    conn: sa.Connection,
    scenario: Scenario,
    allocation: _Allocation,
    routes: _RoutePlan | None,
    week: str,
    snapshot: str,
    replace: bool,
    note: str,
) -> int:
    p = t.publication
    now = _now()
    current = active_publication(conn, week)
    if current is not None and not replace:
        raise AlreadyPublishedError(week, current.version, current.published_at)
    last = conn.execute(sa.select(sa.func.max(p.c.version)).where(p.c.week == week)).scalar()
    if current is not None:
        conn.execute(
            p.update().where(p.c.id == current.id).values(active_week=None, replaced_at=now)
        )
    policy = scenario.policy
    values = {
        "week": week,
        "version": int(last or 0) + 1,
        "active_week": week,
        "published_at": now,
        "note": note,
        "scenario_name": scenario.name,
        "rule": str(getattr(allocation, "rule", policy.rule)),
        "basis": str(getattr(allocation, "basis", policy.basis)),
        "status": str(allocation.status),
        "message": str(allocation.message or ""),
        "mean_value_eur_kg": float(scenario.mean_value_eur_kg),
        "policy_json": _dumps({k: getattr(policy, k) for k in policy.field_names()}),
        "scenario_json": snapshot,
        "metrics_json": _dumps(dict(allocation.metrics)),
        "route_totals_json": _dumps(dict(routes.totals)) if routes is not None else None,
    }
    pub_id = int(conn.execute(p.insert().values(**values).returning(p.c.id)).scalar_one())
    if current is not None:
        conn.execute(p.update().where(p.c.id == current.id).values(replaced_by=pub_id))

    _insert(conn, t.offer, _offer_rows(scenario, pub_id))
    _insert(conn, t.association_week, _association_rows(scenario, allocation, pub_id))
    _insert(conn, t.allocation_line, _line_rows(allocation.lines, pub_id))
    _insert(conn, t.unallocated, _unallocated_rows(allocation.unallocated, pub_id))
    if routes is not None:
        _insert(conn, t.route_row, _route_rows(routes, pub_id))
    ready = os.environ.get(READY_HOOK_ENV)
    if ready:
        Path(ready).touch()
    hook = os.environ.get(SLEEP_HOOK_ENV)
    if hook:
        time.sleep(float(hook))
    return pub_id


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _offer_rows(scenario: Scenario, pub_id: int) -> list[dict[str, Any]]:
    sites = scenario.site_by_id
    return [
        {
            "publication_id": pub_id,
            "lot": lot.id,
            "site": lot.site,
            "site_name": sites[lot.site].name if lot.site in sites else "",
            "product": lot.product,
            "category": lot.category,
            "temperature": str(lot.temperature),
            "kg": float(lot.kg),
            "unit_kg": float(lot.unit_kg),
            "price_eur_kg": float(lot.price_eur_kg),
            "value_eur_kg": float(lot.value_eur_kg),
            "available": lot.available,
            "use_by": lot.use_by,
            "best_before": lot.best_before,
        }
        for lot in scenario.lots
    ]


_RESULT_COLUMNS = (
    "association",
    "need",
    "received",
    "received_kg",
    "other_supply",
    "fill_ratio",
    "fair_share",
    "deviation",
    "value_eur",
    "paid_eur",
)


def _association_rows(
    scenario: Scenario, allocation: _Allocation, pub_id: int
) -> list[dict[str, Any]]:
    table = allocation.by_association
    by_id: dict[str, dict[Any, Any]] = {}
    if table is not None and len(table):
        for found in table.to_dict("records"):
            by_id[str(found["association"])] = found
    rows = []
    for a in scenario.associations:
        record = by_id.get(a.id, {})
        need = _float(record.get("need"), scenario.need(a))
        other = _float(record.get("other_supply"), scenario.other_supply(a))
        received = _float(record.get("received"))
        fill = _float(record.get("fill_ratio"), (received + other) / need if need > 0 else 0.0)
        extra = {k: v for k, v in record.items() if k not in _RESULT_COLUMNS}
        rows.append(
            {
                "publication_id": pub_id,
                "association": a.id,
                "name": a.name,
                "kind": a.kind,
                "commune": a.commune,
                "beneficiaries": int(a.beneficiaries),
                "need": need,
                "need_kg": float(a.beneficiaries * scenario.policy.ration_kg),
                "received": received,
                "received_kg": _float(record.get("received_kg")),
                "other_supply": other,
                "other_supply_kg": float(a.other_supply_kg),
                "fill_ratio": fill,
                "fair_share": _optional_float(record.get("fair_share")),
                "deviation": _optional_float(record.get("deviation")),
                "value_eur": _float(record.get("value_eur")),
                "paid_eur": _float(record.get("paid_eur")),
                "extra_json": _dumps(extra),
            }
        )
    return rows


def _line_rows(lines: pd.DataFrame, pub_id: int) -> list[dict[str, Any]]:
    if lines is None or not len(lines):
        return []
    return [
        {
            "publication_id": pub_id,
            "lot": str(r["lot"]),
            "association": str(r["association"]),
            "day": _date(r.get("day")),
            "kg": _float(r["kg"]),
            "units": int(_float(r.get("units"))),
            "site": str(r.get("site", "")),
            "category": str(r.get("category", "")),
            "temperature": str(r.get("temperature", "")),
            "value_eur": _float(r.get("value_eur")),
            "price_eur": _float(r.get("price_eur")),
            "collects": bool(r.get("collects", False)),
        }
        for r in lines.to_dict("records")
    ]


def _unallocated_rows(table: pd.DataFrame, pub_id: int) -> list[dict[str, Any]]:
    if table is None or not len(table):
        return []
    return [
        {
            "publication_id": pub_id,
            "lot": str(r["lot"]),
            "kg": _float(r["kg"]),
            "reason": str(r.get("reason", "") or ""),
        }
        for r in table.to_dict("records")
    ]


def _route_rows(routes: _RoutePlan, pub_id: int) -> list[dict[str, Any]]:
    rows = []
    for name in ("stops", "rounds", "unserved"):
        table = getattr(routes, name, None)
        if table is None or not len(table):
            continue
        for position, record in enumerate(table.to_dict("records")):
            rows.append(
                {
                    "publication_id": pub_id,
                    "table_name": name,
                    "position": position,
                    "data_json": _dumps(record),
                }
            )
    return rows


# -- reading back -------------------------------------------------------------------------------


def publications(db: Database, *, week: str | None = None) -> pd.DataFrame:
    """Every publication (replaced ones included, for audit), oldest first.

    Columns: id, week, version, active, published_at, replaced_by, replaced_at, note,
    scenario_name, rule, basis, status.
    """
    p = t.publication
    query = sa.select(
        p.c.id,
        p.c.week,
        p.c.version,
        p.c.active_week.is_not(None).label("active"),
        p.c.published_at,
        p.c.replaced_by,
        p.c.replaced_at,
        p.c.note,
        p.c.scenario_name,
        p.c.rule,
        p.c.basis,
        p.c.status,
    ).order_by(p.c.week, p.c.version)
    if week is not None:
        query = query.where(p.c.week == week)
    with db.read() as conn:
        rows = conn.execute(query).mappings().all()
    columns = [c.name for c in query.selected_columns]
    frame = pd.DataFrame([dict(r) for r in rows], columns=columns)
    frame["active"] = frame["active"].astype(bool)
    return frame


def snapshot_files(db: Database, week: str, *, version: int | None = None) -> dict[str, str]:
    """The scenario files recorded with a week (the published version unless ``version``)."""
    p = t.publication
    query = sa.select(p.c.scenario_json).where(p.c.week == week)
    query = query.where(p.c.version == version) if version else query.where(p.c.active_week == week)
    with db.read() as conn:
        text = conn.execute(query).scalar()
    if text is None:
        which = f"version {version} of week {week}" if version else f"week {week}"
        raise HistoryError(f"No publication of {which} in the history.")
    return dict(json.loads(text))


def load_snapshot(db: Database, week: str, *, version: int | None = None) -> Scenario:
    """Rebuild the scenario of a published week from its recorded files."""
    from aide_alim.scenario import load_scenario

    files = snapshot_files(db, week, version=version)
    with tempfile.TemporaryDirectory(prefix="aide_alim_snapshot_") as folder:
        for name, text in files.items():
            Path(folder, name).write_text(text, encoding="utf-8")
        return load_scenario(folder)
