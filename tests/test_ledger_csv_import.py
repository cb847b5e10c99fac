"""Import of expenditures and indicator values from a CSV: recognised by the header, every
problem located (file, row, column), nothing written on a problem, nothing counted twice.

Run against SQLite always and PostgreSQL when ``AIDE_ALIM_TEST_POSTGRES_URL`` is set (the
``db`` fixture of the history tests).
"""

# ruff: noqa: F811  (the db and db_url fixtures are imported from history_helpers)

from __future__ import annotations

import pytest
from history_helpers import db, db_url  # noqa: F401 - fixtures

from aide_alim.ledger import LedgerError, load_convention
from aide_alim.ledger.csv_import import import_csv
from aide_alim.ledger.store import read_expenses, read_indicator_values


@pytest.fixture(scope="module")
def convention():
    return load_convention()


def test_import_expenses_from_a_french_excel_csv(db, convention, tmp_path):
    path = tmp_path / "depenses.csv"
    path.write_text(
        "action;financeur;date;libellé;montant;pièce\n"
        "1.2;etat;15/11/2020;Formation aidants numériques;7 500,00 €;F-2020-118\n"
        "1.2;Metropole;16/11/2020;Formation aidants numériques;7500;F-2020-119\n",
        encoding="cp1252",
    )
    result = import_csv(db, convention, path)
    assert (result.kind, result.rows) == ("expenses", 2)
    table = read_expenses(db, convention)
    assert table["funder"].tolist() == ["etat", "metropole"]
    assert table["amount_eur"].sum() == 15000.0
    assert table["source"].tolist() == ["depenses.csv:2", "depenses.csv:3"]
    with pytest.raises(LedgerError) as again:  # the same file twice counts nothing twice
        import_csv(db, convention, path)
    assert f"{path}, row 2: already recorded as expenditure #1" in str(again.value)
    assert len(read_expenses(db, convention)) == 2


def test_import_errors_name_file_row_and_column_and_write_nothing(db, convention, tmp_path):
    path = tmp_path / "depenses.csv"
    path.write_text(
        "action,funder,date,label,amount_eur,document\n"
        "1.2,etat,2020-11-15,Formation,7500,F-1\n"
        "1.7,etat,2020-13-01,Formation,sept mille,F-2\n",
        encoding="utf-8",
    )
    with pytest.raises(LedgerError) as info:
        import_csv(db, convention, path)
    message = str(info.value)
    assert f'{path}, row 3, column date: expected a date like "2020-10-05"' in message
    assert f"{path}, row 3, column amount_eur: expected an amount in euros" in message
    assert f"{path}, row 3, column action: expected an action of the 2020 convention" in message
    assert read_expenses(db, convention).empty


def test_import_indicator_values(db, convention, tmp_path):
    path = tmp_path / "indicateurs.csv"
    path.write_text(
        "action,indicateur,période,valeur,commentaire\n"
        "2.1,2.1.a,2020,87,\n"
        "2.1,2.1.b,2020,,Objectifs atteints pour 61 mesures\n"
        "2.1,2.1.a,2020,90,\n",
        encoding="utf-8",
    )
    with pytest.raises(
        LedgerError,
        match=r"row 4, column period: same indicator, measure, "
        r"subject and period as row 2",
    ):
        import_csv(db, convention, path)
    path.write_text(path.read_text(encoding="utf-8").rsplit("2.1,2.1.a", 1)[0], encoding="utf-8")
    assert import_csv(db, convention, path).rows == 2
    values = read_indicator_values(db, convention)
    assert values.set_index("indicator")["text"].to_dict()["2.1.b"].startswith("Objectifs")


def test_an_unknown_header_is_refused(db, convention, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=r"x.csv, row 1: expected the header of expenditures"):
        import_csv(db, convention, path)
