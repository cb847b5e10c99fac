"""Small hand-built scenarios, allocations and databases for the history and indicator tests.

The allocation is built by hand (lot × association kg) with the columns of the allocation
stage's contract, so that every figure a test expects can be computed on paper.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from aide_alim.db import Database, open_database
from aide_alim.history import publish_week, record_receipts
from aide_alim.scenario import (
    DEFAULT_CATEGORIES,
    Association,
    Day,
    Lot,
    Policy,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
)

POSTGRES_ENV = "AIDE_ALIM_TEST_POSTGRES_URL"


class Status(StrEnum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"

    @property
    def is_ok(self) -> bool:
        return self is Status.OPTIMAL


@dataclass(frozen=True)
class HandAllocation:
    status: Status
    message: str
    rule: str
    basis: str
    lines: pd.DataFrame
    unallocated: pd.DataFrame
    by_association: pd.DataFrame
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HandRoutes:
    stops: pd.DataFrame
    rounds: pd.DataFrame
    unserved: pd.DataFrame
    totals: Mapping[str, Any]


def association(aid: str, beneficiaries: int, other_kg: float = 0.0, **kw: Any) -> Association:
    return Association(
        aid, kw.get("name", f"Association {aid}"), "épicerie sociale", "21231",
        47.32, 5.04, beneficiaries, 1000, 300, 100,
        frozenset({Day.MON, Day.TUE, Day.WED, Day.THU, Day.FRI}),
        TimeWindow.parse("09:00-17:00"), other_supply_kg=other_kg,
    )  # fmt: skip


def lot(
    lid: str,
    kg: float,
    *,
    site: str = "s1",
    category: str = "epicerie_seche",
    temperature: Temperature = Temperature.AMBIENT,
    price: float = 0.0,
    value: float = 2.0,
    week: str = "2020-W41",
) -> Lot:
    monday = dt.date.fromisocalendar(int(week[:4]), int(week[-2:]), 1)
    return Lot(lid, site, f"Produit {lid}", category, temperature, kg, 1.0, price, value, monday)


def scenario(week: str, associations: list[Association], lots: list[Lot], **kw: Any) -> Scenario:
    sites = (
        Site("hub", "Entrepôt", SiteKind.HUB, 47.3, 5.0),
        Site("s1", "Supermarché", SiteKind.SUPPLIER, 47.32, 5.04),
        Site("s2", "Ferme", SiteKind.SUPPLIER, 47.35, 5.1),
    )
    return Scenario(
        name=kw.get("name", "essai"), week=week, hub="hub", associations=tuple(associations),
        sites=sites, lots=tuple(lots), vehicles=(), categories=DEFAULT_CATEGORIES,
    )  # fmt: skip


def allocation(
    scn: Scenario, kg: Mapping[tuple[str, str], float], *, status: Status = Status.OPTIMAL
) -> HandAllocation:
    """An allocation giving ``kg[(lot, association)]``; the rest of each lot is unallocated."""
    lots = scn.lot_by_id
    lines = pd.DataFrame(
        [
            {
                "lot": lot_id, "association": aid, "day": scn.week_start, "kg": q,
                "units": int(q // lots[lot_id].unit_kg), "site": lots[lot_id].site,
                "category": lots[lot_id].category, "temperature": str(lots[lot_id].temperature),
                "value_eur": q * lots[lot_id].value_eur_kg,
                "price_eur": q * lots[lot_id].price_eur_kg, "collects": False,
            }
            for (lot_id, aid), q in kg.items()
        ]
    )  # fmt: skip
    given: dict[str, float] = {}
    for (lot_id, _), q in kg.items():
        given[lot_id] = given.get(lot_id, 0.0) + q
    unallocated = pd.DataFrame(
        [
            {"lot": x.id, "kg": x.kg - given.get(x.id, 0.0), "reason": "storage"}
            for x in scn.lots
            if x.kg - given.get(x.id, 0.0) > 1e-9
        ],
        columns=["lot", "kg", "reason"],
    )
    rows = []
    for a in scn.associations:
        got = sum(q for (_, aid), q in kg.items() if aid == a.id)
        need = scn.need(a)
        rows.append(
            {
                "association": a.id, "need": need, "received": got, "received_kg": got,
                "other_supply": a.other_supply_kg,
                "fill_ratio": (got + a.other_supply_kg) / need,
                "fair_share": None, "deviation": None,
                "value_eur": sum(q * lots[x].value_eur_kg for (x, aid), q in kg.items()
                                 if aid == a.id),
                "paid_eur": sum(q * lots[x].price_eur_kg for (x, aid), q in kg.items()
                                if aid == a.id),
                "envy": 0.0,
            }
        )  # fmt: skip
    return HandAllocation(
        status, "", "leximin", "kg", lines, unallocated, pd.DataFrame(rows),
        {"min_fill_ratio": min(r["fill_ratio"] for r in rows), "gini": 0.1},
    )  # fmt: skip


def routes(cost_eur: float, km: float = 10.0) -> HandRoutes:
    stops = pd.DataFrame([{"round": "r1", "stop": 0, "site": "hub"}])
    return HandRoutes(
        stops, pd.DataFrame([{"round": "r1", "km": km}]), pd.DataFrame(columns=["association"]),
        {"km": km, "hours": 1.5, "cost_eur": cost_eur, "co2_kg": km * 0.216},
    )  # fmt: skip


# -- databases ----------------------------------------------------------------------------------


def sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


def _fresh_postgres(base: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the test server, dropped afterwards."""
    name = f"aide_alim_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def database_params() -> list[Any]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param(
            "postgres",
            id="postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} unset"
                ),
            ],
        ),
    ]


@pytest.fixture(params=database_params())
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A URL of an empty database: a SQLite file always, PostgreSQL when configured."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        yield from _fresh_postgres(os.environ[POSTGRES_ENV])


@pytest.fixture(params=database_params())
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    """An empty history database at the newest schema: SQLite always, PostgreSQL if configured.

    PostgreSQL: one database for the session, emptied before each test (creating a database
    per test costs about a second).
    """
    if request.param == "sqlite":
        database = open_database(sqlite_url(tmp_path))
        yield database
        database.close()
        return
    database = _postgres_session_db()
    with database.engine.begin() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
        if names:
            quoted = ", ".join(f'"{n}"' for n in names)
            conn.exec_driver_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    yield database


_SESSION: dict[str, Database] = {}


def _postgres_session_db() -> Database:
    """The PostgreSQL database shared by the ``db`` fixture, dropped when the tests end."""
    if "postgres" not in _SESSION:
        import atexit

        urls = _fresh_postgres(os.environ[POSTGRES_ENV])
        _SESSION["postgres"] = open_database(next(urls))

        def drop() -> None:
            _SESSION.pop("postgres").close()
            for _ in urls:  # runs the generator's clean-up: DROP DATABASE
                pass

        atexit.register(drop)
    return _SESSION["postgres"]


# -- child processes (publish killed midway, concurrent publishes) -------------------------------


def two_week_scenario(week: str = "2020-W41") -> tuple[Scenario, HandAllocation]:
    scn = scenario(week, [association("a1", 100), association("a2", 50)], [lot("l1", 120)])
    return scn, allocation(scn, {("l1", "a1"): 80.0, ("l1", "a2"): 40.0})


def child_publish(url: str, week: str, go_file: str | None = None) -> None:
    """Run in a child process: publish ``week`` (after ``go_file`` appears); exit 3 if refused."""
    import sys
    import time
    from pathlib import Path

    from aide_alim.history import AlreadyPublishedError, publish_week

    scn, alloc = two_week_scenario(week)
    db = open_database(url)
    if go_file:
        deadline = time.monotonic() + 60
        while not Path(go_file).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    try:
        pub = publish_week(db, scn, alloc)
    except AlreadyPublishedError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(3) from None
    print(pub)


def child_replace(url: str, week: str, seen: int, go_file: str) -> None:
    """Run in a child process: replace version ``seen`` of ``week`` (after ``go_file`` appears);
    exit 4 if another process replaced it first."""
    import sys
    import time
    from pathlib import Path

    from aide_alim.history import ConcurrentPublishError, publish_week

    scn, alloc = two_week_scenario(week)
    db = open_database(url)
    deadline = time.monotonic() + 60
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        pub = publish_week(db, scn, alloc, replace=True, seen=seen)
    except ConcurrentPublishError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(4) from None
    print(pub)


CHILLED: dict[str, Any] = {"category": "produits_laitiers", "temperature": Temperature.CHILLED}


def publish_three_weeks(db: Database) -> None:
    """The three-week history of ``test_indicators`` (see its docstring for the figures)."""
    people = [association("a1", 100), association("a2", 50, other_kg=10)]
    policy = Policy(ration_kg=1.0)
    w41 = scenario(
        "2020-W41",
        people,
        [lot("l1", 100), lot("l2", 40, site="s2", price=0.5, value=3, **CHILLED)],
    ).replace(policy=policy)
    a41 = {("l1", "a1"): 60.0, ("l2", "a1"): 20.0, ("l1", "a2"): 30.0, ("l2", "a2"): 20.0}
    publish_week(db, w41, allocation(w41, a41), routes(cost_eur=30.0))
    w42 = scenario("2020-W42", people, [lot("l1", 50, week="2020-W42")]).replace(policy=policy)
    publish_week(db, w42, allocation(w42, {("l1", "a1"): 50.0}), routes(cost_eur=10.0))
    w43 = scenario(
        "2020-W43",
        people,
        [
            lot("l1", 80, site="s2", price=1.0, value=4, week="2020-W43"),
            lot("l2", 20, week="2020-W43"),
        ],
    ).replace(policy=policy)
    a43 = {("l1", "a1"): 40.0, ("l1", "a2"): 40.0, ("l2", "a2"): 20.0}
    publish_week(db, w43, allocation(w43, a43))
    returned = pd.DataFrame(
        {"lot": ["l1", "l2"], "association": ["a2", "a2"], "kg_received": [30.0, 20.0],
         "comment": ["carton abîmé", ""]}
    )  # fmt: skip
    diff = record_receipts(db, "2020-W43", returned)
    columns = ["lot", "association", "planned_kg", "kg_received", "difference_kg", "flag"]
    assert diff[columns].to_dict("records") == [
        {"lot": "l1", "association": "a2", "planned_kg": 40.0, "kg_received": 30.0,
         "difference_kg": -10.0, "flag": "less"}
    ]  # fmt: skip


@pytest.fixture(scope="module", params=database_params())
def module_db(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Database]:
    """One database for a whole test module (tests that only read what a fixture published)."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([sqlite_url(tmp_path_factory.mktemp("history"))])
    else:
        urls = _fresh_postgres(os.environ[POSTGRES_ENV])
    url = next(urls)
    database = open_database(url)
    yield database
    database.close()
    for _ in urls:  # drops the PostgreSQL database
        pass
