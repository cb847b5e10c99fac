"""Correcting and cancelling expenditures keeps the audit trail; dates outside the year are
refused."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from aide_alim.cli import main


@pytest.fixture
def run(tmp_path):  # type: ignore[no-untyped-def]
    db = str(tmp_path / "history.sqlite")

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["ledger", *args, "--db", db], catch_exceptions=False)

    return invoke


def _add(run, amount: str = "7500", date: str = "15/11/2020"):  # type: ignore[no-untyped-def]
    return run("add-expense", "--action", "1.2", "--funder", "etat", "--date", date,
               "--label", "Formation", "--amount", amount, "--document", "F-118")  # fmt: skip


def _expenses(run) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(run("show", "--what", "expenses", "--json").output)


def _spent(run) -> float:  # type: ignore[no-untyped-def]
    shown = json.loads(run("show", "--what", "statement", "--json").output)
    return next(r for r in shown if r["action"] == "1.2" and r["funder"] == "etat")["spent_eur"]


def test_a_cancelled_expenditure_stays_in_the_ledger_with_its_counter_entry(run) -> None:
    assert _add(run).exit_code == 0
    result = run("delete-expense", "1", "--reason", "saisie en double")
    assert result.exit_code == 0, result.output
    assert "Expenditure #1 cancelled by expenditure #2." in result.output
    amounts = sorted(e["amount_eur"] for e in _expenses(run))
    assert amounts == [-7500, 7500]
    assert _spent(run) == 0
    again = run("delete-expense", "1", "--reason", "encore")
    assert again.exit_code == 1 and "already cancelled by expenditure #2" in again.output


def test_a_correction_cancels_and_records_the_right_amount(run) -> None:
    assert _add(run).exit_code == 0
    result = run("correct-expense", "1", "--amount", "7 250,00", "--reason", "facture")
    assert result.exit_code == 0, result.output
    assert "cancelled by #2 and recorded again as #3" in result.output
    assert sorted(e["amount_eur"] for e in _expenses(run)) == [-7500, 7250, 7500]
    assert _spent(run) == 7250


def test_an_unknown_expenditure_cannot_be_corrected(run) -> None:
    assert _add(run).exit_code == 0  # the history exists; expenditure #9 does not
    result = run("delete-expense", "9", "--reason", "x")
    assert result.exit_code == 1 and "no such expenditure in 2020" in result.output


def test_correcting_never_creates_a_history(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Issue 15, item 9: a mistyped --db must not become a new, empty history.
    result = run("delete-expense", "9", "--reason", "x")
    assert result.exit_code == 1 and "no history database at" in result.output
    assert not (tmp_path / "history.sqlite").exists()


def test_an_expenditure_of_another_year_is_refused(run) -> None:
    result = _add(run, date="15/01/2021")
    assert result.exit_code == 1
    assert "expected a date in 2020, the year of the convention, found 2021-01-15" in result.output
    assert _expenses(run) == []
