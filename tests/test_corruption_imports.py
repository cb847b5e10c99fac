"""Random corruption of receipts and ledger imports: never an exception, always located problems,
and nothing recorded when there is a problem (the scenario's twin is in test_scenario_load)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import sqlalchemy as sa
from corruption_helpers import CORRUPTIONS, corrupt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import TINY

from aide_alim.db import Database, open_database
from aide_alim.errors import Problem
from aide_alim.history import publish_week, read_receipts, record_receipts
from aide_alim.history import schema as history_tables
from aide_alim.history.publish import HistoryError
from aide_alim.ledger import LedgerError, load_convention
from aide_alim.ledger import schema as ledger_tables
from aide_alim.ledger.csv_import import import_csv
from aide_alim.scenario import load_scenario

RECEIPTS = 'lot,association,kg_received,comment\nL1,A1,40,ok\nL3,A1,38,\nL2,A2,"40,0",\n'
EXPENSES = (
    "action;funder;date;label;amount_eur;document\n"
    "1.2;etat;15/11/2020;Formation;7 500,00;F-1\n"
    "1.1;metropole;2020-12-01;Mobilier;1 250,5;F-2\n"
)
VALUES = "action,indicator,period,value,text\n1.1,1.1.a,2020,12,\n1.1,1.1.a,2020-T4,3,\n"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def _history() -> Database:
    """One history for all the examples, with the tiny week published."""
    from aide_alim.allocation import allocate

    folder = Path(tempfile.mkdtemp(prefix="aide-alim-corruption-"))
    db = open_database(str(folder / "history.sqlite"))
    week = load_scenario(TINY)
    publish_week(db, week, allocate(week))
    return db


def _count(db: Database, table: sa.Table) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _located(problems: tuple[Problem, ...], file: str) -> None:
    """Each problem names the file, and a row or column unless it is about the whole file."""
    assert problems
    for problem in problems:
        assert Path(problem.file).name == file, problem
        located = problem.row is not None or problem.column is not None
        assert located or problem.message.startswith("expected"), problem
        assert problem.message and "\n" not in problem.message, problem


def _corrupted(text: str, name: str, how: str, data: st.DataObject) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="aide-alim-corrupt-"))
    (folder / name).write_text(text, encoding="utf-8")
    corrupt(folder, name, how, data)
    return folder / name


@SETTINGS
@given(how=CORRUPTIONS, data=st.data())
def test_corrupted_receipts_are_recorded_whole_or_refused_with_located_problems(
    how: str, data: st.DataObject
) -> None:
    db = _history()
    path = _corrupted(RECEIPTS, "retour.csv", how, data)
    before = _count(db, history_tables.receipt)
    try:
        table = read_receipts(path, validate=False)
        record_receipts(db, "2020-W41", table, file=path.name)
    except HistoryError as error:  # ReceiptError is one
        problems = getattr(error, "problems", ())
        _located(tuple(problems), path.name) if problems else None
        assert _count(db, history_tables.receipt) == before  # nothing recorded
    else:
        assert _count(db, history_tables.receipt) == before + len(table)


@SETTINGS
@given(which=st.sampled_from(["depenses.csv", "indicateurs.csv"]), how=CORRUPTIONS, data=st.data())
def test_corrupted_ledger_imports_are_recorded_whole_or_refused_with_located_problems(
    which: str, how: str, data: st.DataObject
) -> None:
    db = _history()
    convention = load_convention()
    path = _corrupted(EXPENSES if which == "depenses.csv" else VALUES, which, how, data)
    tables = (ledger_tables.expense, ledger_tables.indicator_value)
    before = [_count(db, t) for t in tables]
    try:
        import_csv(db, convention, path)
    except LedgerError as error:
        _located(error.problems, which)
        assert [_count(db, t) for t in tables] == before  # nothing recorded
