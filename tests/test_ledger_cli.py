"""``aide-alim ledger``: exit codes and messages of each command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from aide_alim.cli import main

COMMANDS = [
    "show", "add-expense", "delete-expense", "correct-expense", "set-indicator", "import",
    "check", "report",
]  # fmt: skip


@pytest.fixture
def run(tmp_path):
    db = str(tmp_path / "history.sqlite")

    def invoke(*args: str):
        return CliRunner().invoke(main, ["ledger", *args, "--db", db], catch_exceptions=False)

    return invoke


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_with_an_example(command):
    result = CliRunner().invoke(main, ["ledger", command, "--help"])
    assert result.exit_code == 0
    assert "Example: aide-alim ledger " + command in " ".join(result.output.split())


def test_add_expense_then_show(run):
    result = run(
        "add-expense",
        "--action",
        "1.2",
        "--funder",
        "etat",
        "--date",
        "15/11/2020",
        "--label",
        "Formation",
        "--amount",
        "7 500,00",
        "--document",
        "F-118",
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Recorded expenditure #1: action 1.2, etat, 7\u202f500,00\u00a0€, 2020-11-15.\n"
    )
    shown = json.loads(run("show", "--what", "statement", "--json").output)
    row = next(r for r in shown if r["action"] == "1.2" and r["funder"] == "etat")
    assert (row["committed_eur"], row["spent_eur"], row["execution_rate"]) == (7500, 7500, 1.0)
    assert len(json.loads(run("show", "--what", "commitments", "--json").output)) == 20


def test_a_bad_expense_is_a_clear_error_without_traceback(run):
    result = run(
        "add-expense",
        "--action",
        "1.2",
        "--funder",
        "region",
        "--date",
        "2020-11-15",
        "--label",
        "Formation",
        "--amount",
        "100",
    )
    assert result.exit_code == 1
    assert "Error: 1 error in the expenditures:" in result.output
    assert "add-expense, column funder: expected one of etat, metropole, found 'region'" in (
        result.output
    )
    assert "Traceback" not in result.output
    bad_amount = run(
        "add-expense",
        "--action",
        "1.2",
        "--funder",
        "etat",
        "--date",
        "2020-11-15",
        "--label",
        "x",
        "--amount",
        "sept",
    )
    assert bad_amount.exit_code == 1
    assert "--amount: expected an amount in euros like 1234,56" in bad_amount.output
    bad_date = run("check", "--today", "demain")
    assert bad_date.exit_code == 1
    assert '--today: expected a date like "2020-10-05"' in bad_date.output


def test_set_indicator(run):
    ok = run("set-indicator", "--indicator", "2.2.a", "--period", "2020", "--value", "31")
    assert (ok.exit_code, ok.output) == (0, "Set indicator 2.2.a (2020) = 31.\n")
    unknown = run("set-indicator", "--indicator", "9.9.z", "--period", "2020", "--value", "1")
    assert unknown.exit_code == 1
    assert "--indicator: expected one of 1.1.a, 1.1.b" in unknown.output


def test_check_reports_a_parity_breach_and_exits_1(run, tmp_path):
    csv = tmp_path / "depenses.csv"
    csv.write_text(
        "action;financeur;date;libellé;montant;pièce\n"
        "2.1;etat;01/09/2020;ASLL;66 500;M-1\n"
        "2.1;metropole;01/09/2020;ASLL;60 000;M-2\n",
        encoding="utf-8",
    )
    imported = run("import", str(csv))
    assert imported.output == f"Imported 2 expenditures from {csv}.\n"
    result = run("check", "--today", "2020-12-01")
    assert result.exit_code == 1
    assert (
        "[error] action 2.1, Dijon Métropole: Dijon Métropole a dépensé 60\u202f000,00\u00a0€ "
        "pour 66\u202f500,00\u00a0€ financés par l'État"
    ) in result.output
    assert result.output.rstrip().endswith("2 errors, 43 warnings.")


def test_another_year_needs_its_convention(run):
    result = run("show", "--year", "2021")
    assert result.exit_code == 1
    assert "no convention for 2021 is shipped (only 2020)" in result.output


def test_report_writes_the_three_files(run, tmp_path):
    from aide_alim.db import open_database

    open_database(str(tmp_path / "history.sqlite")).close()  # report never creates a history
    out = tmp_path / "rapport"
    result = run("report", "--year", "2020", "--out", str(out), "--today", "2021-02-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Execution report 2020: 0 published weeks, 0 expenditures, 0 errors, 45 warnings."
    )
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".aide-alim-output",  # the folder is aide-alim's: a later report replaces it whole
        "rapport_execution_2020.html",
        "rapport_execution_2020.pdf",
        "registre_2020.xlsx",
    ]


def test_import_says_how_many_corrections_and_refuses_negative_counts(run, tmp_path):
    # Issue 15, item 12: negative expenditures and counts were imported without a word.
    expenses = tmp_path / "depenses.csv"
    expenses.write_text(
        "action,funder,date,label,amount_eur\n"
        "1.2,etat,2020-11-15,Formation,7500\n"
        "1.2,etat,2020-11-20,Avoir formation,-500\n"
    )
    result = run("import", str(expenses))
    assert result.exit_code == 0, result.output
    assert "Of which 1 correction: a negative amount" in result.output
    values = tmp_path / "indicateurs.csv"
    values.write_text("action,indicator,period,value\n1.1,1.1.a,2020,-3\n")
    result = run("import", str(values))
    assert result.exit_code == 1
    assert "row 2, column value: expected a number >= 0 (a count), found -3" in result.output


def test_show_speaks_french_by_default_and_english_when_asked(run, speak):
    run("add-expense", "--action", "1.2", "--funder", "etat", "--date", "2020-11-15",
        "--label", "Formation", "--amount", "7500", "--document", "F-118")  # fmt: skip
    speak("C.UTF-8")
    french = run("show", "--what", "expenses").output.splitlines()
    assert french[0].endswith("— 2020 (dépenses)")
    assert french[1].split() == ["n°", "action", "financeur", "date", "libellé", "montant",
                                 "(€)", "pièce", "source"]  # fmt: skip
    assert "dimanche 15/11/2020" in french[2] and "7\u202f500" in french[2]
    statement = run("show", "--what", "statement").output
    assert "engagé (€) dépensé (€) reste (€) taux d'exécution" in statement
    assert "100\u00a0%" in statement and "execution_rate" not in statement
    speak("en_US.UTF-8")
    english = run("show", "--what", "expenses").output.splitlines()
    assert english[0].endswith("— 2020 (expenses)")
    assert english[1].split() == ["id", "action", "funder", "date", "label", "amount_eur",
                                  "document", "source"]  # fmt: skip
    assert "2020-11-15" in english[2] and "7500" in english[2]
    assert "committed_eur" in run("show", "--what", "statement").output
