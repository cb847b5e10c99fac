"""Ledger entries in the history database: validation before writing, transactions, reads.

Run against SQLite always and PostgreSQL when ``AIDE_ALIM_TEST_POSTGRES_URL`` is set (the
``db`` fixture of the history tests).
"""

# ruff: noqa: F811  (the db and db_url fixtures are imported from history_helpers)

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from history_helpers import db, db_url  # noqa: F401 - fixtures
from ledger_helpers import hand_built_axis3

from aide_alim.ledger import LedgerError, load_convention
from aide_alim.ledger.axis3 import axis3_indicator_values, fill_axis3
from aide_alim.ledger.entries import Expense, IndicatorValue
from aide_alim.ledger.store import (
    add_expenses,
    delete_expense,
    read_expenses,
    read_indicator_values,
    set_indicator_values,
)


@pytest.fixture(scope="module")
def convention():
    return load_convention()


def test_expenses_round_trip_to_the_cent(db, convention):
    ids = add_expenses(
        db,
        convention,
        [
            Expense(
                "1.1", "etat", dt.date(2020, 6, 1), "Agents d’accompagnement", Decimal("76000")
            ),
            Expense("3.2", "metropole", dt.date(2020, 11, 30), "Étude", Decimal("4275.10"), "M-42"),
        ],
    )
    assert len(ids) == 2
    table = read_expenses(db, convention)
    assert table["amount_eur"].tolist() == [76000.0, 4275.10]
    assert table["document"].tolist() == ["", "M-42"]
    (correction,) = add_expenses(
        db,
        convention,
        [
            Expense(
                "3.2", "metropole", dt.date(2020, 12, 1), "Avoir sur l’étude", Decimal("-275.10")
            )
        ],
    )
    spent = read_expenses(db, convention).groupby("action")["amount_eur"].sum()
    assert spent["3.2"] == pytest.approx(4000.0)
    assert delete_expense(db, convention, correction) is True
    assert delete_expense(db, convention, ids[0]) is True
    assert delete_expense(db, convention, ids[0]) is False
    assert len(read_expenses(db, convention)) == 1


def test_a_bad_expense_writes_nothing_and_says_where(db, convention):
    good = Expense("1.1", "etat", dt.date(2020, 6, 1), "Agents", Decimal("100"))
    bad = Expense("9.9", "region", dt.date(2020, 6, 1), "", Decimal("0"))
    with pytest.raises(LedgerError) as info:
        add_expenses(db, convention, [good, bad])
    message = str(info.value)
    assert "4 errors in the expenditures" in message
    assert "saisie, row 2, column action: expected an action of the 2020 convention" in message
    assert "column funder: expected one of etat, metropole, found 'region'" in message
    assert (
        "column amount_eur: expected a non-zero amount in € (negative for a correction), found 0"
        in message
    )
    assert read_expenses(db, convention).empty


def test_setting_an_indicator_again_replaces_it(db, convention):
    set_indicator_values(db, convention, [IndicatorValue("1.1", "1.1.a", "2020", 120.0)])
    set_indicator_values(db, convention, [IndicatorValue("1.1", "1.1.a", "2020", 135.0)])
    set_indicator_values(db, convention, [IndicatorValue("1.1", "1.1.a", "2020-T4", 40.0)])
    values = read_indicator_values(db, convention)
    assert values[["period", "value"]].values.tolist() == [["2020", 135.0], ["2020-T4", 40.0]]
    assert values["unit"].tolist() == ["personnes", "personnes"]  # from the convention


def test_indicator_value_validation(db, convention):
    with pytest.raises(LedgerError) as info:
        set_indicator_values(
            db,
            convention,
            [
                IndicatorValue("1.2", "1.2.c", "2020"),  # qualitative with no text
                IndicatorValue("1.1", "1.2.a", "2020", 3.0),  # wrong action
                IndicatorValue("1.1", "1.1.a", "2021", 3.0),  # another year
                IndicatorValue("1.1", "1.1.a", "2020-13", 3.0),  # not a period
            ],
        )
    message = str(info.value)
    assert "row 1, column text: indicator 1.2.c is a text assessment" in message
    assert "row 2, column action: indicator 1.2.a belongs to action 1.2, found '1.1'" in message
    assert "row 3, column period: expected a period of 2020, found '2021'" in message
    assert "row 4, column period: expected a period such as 2020" in message
    assert read_indicator_values(db, convention).empty


def test_axis3_values_replace_the_previous_ones(db, convention):
    tables = hand_built_axis3()
    written = fill_axis3(db, convention, tables)
    assert written == len(axis3_indicator_values(convention, tables))
    set_indicator_values(db, convention, [IndicatorValue("1.1", "1.1.a", "2020", 10.0)])
    # The history changes: one association disappears; its values must not linger.
    smaller = replace(
        tables,
        volume=tables.volume[tables.volume["association"] != "A3"],
        regularity=tables.regularity[tables.regularity["association"] != "A3"],
        financial=tables.financial[tables.financial["association"] != "A3"],
    )
    fill_axis3(db, convention, smaller)
    values = read_indicator_values(db, convention)
    assert "A3" not in set(values["subject"])
    assert {"A1", "A2"} <= set(values["subject"])
    assert values.loc[values["indicator"] == "1.1.a", "value"].tolist() == [10.0]  # hand entry kept


def test_schema_module_matches_migration_0002(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from aide_alim.db import current_revision
    from aide_alim.ledger import schema

    assert current_revision(db) == "0002_ledger" or current_revision(db) > "0002_ledger"
    with db.read() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    ours = [d for d in diff if "ledger" in repr(d)]  # the history's tables are not ours
    assert ours == []
