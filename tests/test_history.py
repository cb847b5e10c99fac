"""Publishing weeks: one transaction, refused twice, replaced with audit, safe under kill/race."""

# ruff: noqa: F811  (the db and db_url fixtures are imported from history_helpers)

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from history_helpers import (
    Status,
    allocation,
    association,
    db,  # noqa: F401 - fixture
    db_url,  # noqa: F401 - fixture
    lot,
    routes,
    scenario,
    two_week_scenario,
)

from aide_alim.db import current_revision, head_revision, open_database
from aide_alim.history import (
    AlreadyPublishedError,
    HistoryError,
    publications,
    publish_week,
    read_history,
    snapshot_files,
)
from aide_alim.history import schema as t
from aide_alim.history.publish import READY_HOOK_ENV, SLEEP_HOOK_ENV

TESTS = Path(__file__).parent


def _count(db, table: sa.Table) -> int:  # type: ignore[no-untyped-def]
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_open_creates_schema_at_head_and_reopens(db_url: str) -> None:
    first = open_database(db_url)
    assert current_revision(first) == head_revision()
    first.close()
    again = open_database(db_url)  # already at head: a no-op, nothing lost
    assert current_revision(again) == head_revision()
    assert set(sa.inspect(again.engine).get_table_names()) >= {
        "publication", "offer", "allocation_line", "association_week", "unallocated",
        "route_row", "receipt",
    }  # fmt: skip
    again.close()


def test_schema_module_matches_the_migrations(db) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.read() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    others = ("ledger", "portal_", "offers_")  # the ledger's, portal's and register's tables
    ours = [d for d in diff if not any(name in repr(d) for name in others)]
    assert ours == []


def test_default_location_follows_env_then_xdg(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from aide_alim.db import default_url

    monkeypatch.delenv("AIDE_ALIM_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path}/aide_alim/history.sqlite"
    monkeypatch.setenv("AIDE_ALIM_DB", "sqlite:///elsewhere.sqlite")
    assert default_url() == "sqlite:///elsewhere.sqlite"
    monkeypatch.delenv("AIDE_ALIM_DB")
    db = open_database()
    assert (tmp_path / "aide_alim" / "history.sqlite").exists()
    db.close()


def test_sqlite_pragmas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = open_database(str(tmp_path / "h.sqlite"))  # a plain path is a SQLite file
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    db.close()


def test_bad_url_is_a_clear_error() -> None:
    from aide_alim.db import DatabaseError

    with pytest.raises(DatabaseError, match="database URL"):
        open_database("nosuchdialect://x/y")


def test_publish_records_the_whole_week(db) -> None:
    scn, alloc = two_week_scenario()
    pub = publish_week(db, scn, alloc, routes(cost_eur=12.0), note="semaine test")
    assert _count(db, t.allocation_line) == 2
    assert _count(db, t.offer) == 1
    assert _count(db, t.association_week) == 2
    assert _count(db, t.route_row) == 2  # one stop, one round
    listing = publications(db)
    assert listing[["id", "week", "version", "active", "note"]].values.tolist() == [
        [pub, "2020-W41", 1, True, "semaine test"]
    ]
    files = snapshot_files(db, "2020-W41")
    assert set(files) >= {"scenario.toml", "associations.csv", "lots.csv", "sites.csv"}
    assert "l1" in files["lots.csv"]
    with db.read() as conn:
        row = conn.execute(sa.select(t.publication)).mappings().one()
    assert json.loads(row["route_totals_json"])["cost_eur"] == 12.0
    assert json.loads(row["policy_json"])["rule"] == "leximin"
    assert json.loads(row["metrics_json"])["gini"] == 0.1
    with db.read() as conn:
        extra = conn.execute(sa.select(t.association_week.c.extra_json)).scalars().first()
    assert json.loads(extra) == {"envy": 0.0}


def test_publishing_a_week_twice_is_refused(db) -> None:
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)
    with pytest.raises(AlreadyPublishedError, match=r"2020-W41 is already published.*--replace"):
        publish_week(db, scn.replace(week="2020-w41"), alloc)
    assert _count(db, t.publication) == 1
    assert _count(db, t.allocation_line) == 2


def test_replace_keeps_the_earlier_version_for_audit(db) -> None:
    scn, alloc = two_week_scenario()
    first = publish_week(db, scn, alloc)
    better = allocation(scn, {("l1", "a1"): 70.0, ("l1", "a2"): 50.0})
    second = publish_week(db, scn, better, replace=True, note="correction")
    listing = publications(db).set_index("id")
    assert listing.loc[first, "active"] == False  # noqa: E712
    assert listing.loc[first, "replaced_by"] == second
    assert listing.loc[first, "replaced_at"] is not None
    assert listing.loc[second, "active"] == True  # noqa: E712
    assert listing.loc[second, "version"] == 2
    # Both versions' lines are kept; the history reads the active one only.
    assert _count(db, t.allocation_line) == 4
    history = read_history(db)
    got = history.deliveries.set_index("association")["kg"].to_dict()
    assert got == {"a1": 70.0, "a2": 50.0}


def test_failed_allocation_is_not_published(db) -> None:
    scn, _ = two_week_scenario()
    bad = allocation(scn, {}, status=Status.INFEASIBLE)
    with pytest.raises(HistoryError, match="did not succeed"):
        publish_week(db, scn, bad)
    assert _count(db, t.publication) == 0


def test_error_midway_leaves_nothing(db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aide_alim.history import publish as module

    scn, alloc = two_week_scenario()

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(module, "_unallocated_rows", boom)  # after publication, offers, lines
    with pytest.raises(RuntimeError):
        publish_week(db, scn, alloc)
    for table in (t.publication, t.offer, t.association_week, t.allocation_line):
        assert _count(db, table) == 0
    monkeypatch.undo()
    publish_week(db, scn, alloc)
    assert _count(db, t.publication) == 1


def _child(url: str, week: str, env: dict[str, str], go: Path | None = None) -> subprocess.Popen:
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import history_helpers as h; "
        f"h.child_publish({url!r}, {week!r}, {str(go) if go else None!r})"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.communicate()}")
        assert time.monotonic() < deadline, "child never reached the publish transaction"
        time.sleep(0.02)


def test_publish_killed_midway_leaves_no_partial_week(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    open_database(db_url).close()
    ready = tmp_path / "inside-transaction"
    child = _child(db_url, "2020-W41", {SLEEP_HOOK_ENV: "60", READY_HOOK_ENV: str(ready)})
    _wait_for(ready, child)  # every row of the week is written, the commit is not
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    db = open_database(db_url)
    for table in (t.publication, t.offer, t.association_week, t.allocation_line, t.unallocated):
        assert _count(db, table) == 0, table.name
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)  # the week can be published again
    assert publications(db)["version"].tolist() == [1]
    db.close()


def test_two_concurrent_publishes_exactly_one_wins(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The database does not exist yet: both processes also create its schema at the same time.
    go = tmp_path / "go"
    # Each holds its transaction open 1 s after writing: the two transactions overlap.
    children = [_child(db_url, "2020-W41", {SLEEP_HOOK_ENV: "1"}, go) for _ in range(2)]
    time.sleep(0.2)
    go.touch()
    results = [c.communicate(timeout=120) for c in children]
    codes = sorted(c.returncode for c in children)
    assert codes == [0, 3], results
    loser = next(err for c, (_, err) in zip(children, results, strict=True) if c.returncode == 3)
    assert "2020-W41 is already published" in loser
    db = open_database(db_url)
    assert publications(db)[["week", "version", "active"]].values.tolist() == [
        ["2020-W41", 1, True]
    ]
    assert _count(db, t.allocation_line) == 2
    db.close()


def test_concurrent_replaces_one_wins_the_others_are_told_the_truth(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Issue 15, item 8: SQLite gave versions 2, 3 and 4 (each replace silently replaced the
    # previous winner); PostgreSQL told the losers to "publish again with --replace".
    db = open_database(db_url)
    scn, alloc = two_week_scenario()
    publish_week(db, scn, alloc)
    db.close()
    go = tmp_path / "go"
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); import history_helpers as h; "
        f"h.child_replace({db_url!r}, '2020-W41', 1, {str(go)!r})"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, SLEEP_HOOK_ENV: "1"},  # the transactions overlap
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)  # two are enough: SQLite recorded both, as versions 2 and 3
    ]
    time.sleep(0.2)
    go.touch()
    results = [c.communicate(timeout=120) for c in children]
    assert sorted(c.returncode for c in children) == [0, 4], results
    for child, (_, err) in zip(children, results, strict=True):
        if child.returncode == 4:
            assert "2020-W41 was published by someone else (version 2" in err
            assert "to replace version 1; this plan was not recorded" in err
    db = open_database(db_url)
    table = publications(db)[["version", "active"]].values.tolist()
    assert sorted(table) == [[1, False], [2, True]]
    db.close()


def test_publish_different_weeks_in_a_row(db) -> None:
    for week in ("2020-W41", "2020-W42", "2020-W43"):
        scn = scenario(week, [association("a1", 10)], [lot("l1", 10, week=week)])
        publish_week(db, scn, allocation(scn, {("l1", "a1"): 10.0}))
    assert read_history(db).week_list == ["2020-W41", "2020-W42", "2020-W43"]
    assert read_history(db, "2020-W42", "2020-W42").week_list == ["2020-W42"]


def test_snapshot_rebuilds_the_published_scenario(db) -> None:
    from aide_alim.history import load_snapshot
    from aide_alim.scenario import load_scenario

    tiny = load_scenario(TESTS.parent / "scenarios" / "tiny")
    publish_week(db, tiny, allocation(tiny, {}))
    again = load_snapshot(db, "2020-W41")
    for part in ("name", "week", "hub", "associations", "sites", "lots", "vehicles", "policy"):
        assert getattr(again, part) == getattr(tiny, part), part
    with pytest.raises(HistoryError, match="No publication of week 2020-W50"):
        load_snapshot(db, "2020-W50")


def test_an_older_database_is_upgraded_without_losing_anything(db_url) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from aide_alim.db import alembic_config

    old = open_database(db_url, upgrade=False)
    with old.engine.begin() as conn:  # the database as the first release left it
        command.upgrade(alembic_config(conn), "0001_history")
    assert current_revision(old) == "0001_history"
    scn, alloc = two_week_scenario()
    publish_week(old, scn, alloc)
    old.close()
    new = open_database(db_url)
    assert current_revision(new) == head_revision()
    assert publications(new)["week"].tolist() == ["2020-W41"]
    assert read_history(new).deliveries["kg"].sum() == 120.0
    new.close()
