"""The one parsing layer: numbers, dates, booleans and CSV dialect, and every reader using it.

Issue 15, item 2: US-format amounts were recorded 1000× too small, because the ledger, receipts
and convention readers each had their own number parser.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from aide_alim.cli import main
from aide_alim.history.receipts import ReceiptError, read_receipts
from aide_alim.ledger import LedgerError, load_convention
from aide_alim.ledger.convention_reader import parse_convention
from aide_alim.ledger.csv_import import import_csv
from aide_alim.ledger.store import read_expenses, read_indicator_values
from aide_alim.parsing import (
    AMBIGUOUS_HINT,
    Bad,
    csv_records,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12"),
        ("-3.5", "-3.5"),
        ("\u22123,5", "-3.5"),  # typographic minus
        ("0,47", "0.47"),
        ("0,125", "0.125"),  # a leading zero is never a thousands group
        ("12,5", "12.5"),
        ("1234,567", "1234.567"),  # 4 digits before the comma: not a group
        ("1 234,5", "1234.5"),
        ("1\u202f234,56 €", "1234.56"),
        ("1\u00a0000\u00a0000", "1000000"),
        ("1'234.5", "1234.5"),
        ("1.234,5", "1234.5"),
        ("1.234.567", "1234567"),
        ("1,234.5", "1234.5"),
        ("2,500.00", "2500.00"),
        ("1,000,000", "1000000"),
        ("€ 12", "12"),
        ("12 EUR", "12"),
        ("1e3", "1E+3"),
        ("1,5e3", "1.5E+3"),
    ],
)
def test_numbers_in_french_and_international_forms(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)
    assert parse_number(text) == float(Decimal(expected))


@pytest.mark.parametrize(
    "text",
    ["", "nan", "inf", "12 kg", "1,2,3", "12 34", "1 2345", "1.23.4", "1,234,5", "--1", "1e"],
)
def test_malformed_numbers_are_refused(text: str) -> None:
    assert parse_decimal(text) == Bad("a number")


@pytest.mark.parametrize("text", ["1,000", "2,500", "999,999", "-1,000 €"])
def test_a_comma_before_three_digits_is_ambiguous_unless_the_file_is_french(text: str) -> None:
    refused = parse_decimal(text)
    assert isinstance(refused, Bad) and refused.expected.endswith(AMBIGUOUS_HINT)
    french = parse_decimal(text, decimal_comma=True)
    assert french == Decimal(text.replace(" €", "").replace(",", "."))


def test_a_number_too_large_for_a_float_is_refused() -> None:
    assert parse_number("1e400") == Bad("a number")
    assert parse_decimal("1e9999") == Decimal("1e9999")  # exact: callers bound it
    assert parse_decimal("1e99999") == Bad("a number")  # an exponent past any real use


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-10-05", dt.date(2020, 10, 5)),
        ("05/10/2020", dt.date(2020, 10, 5)),
        ("5/10/20", dt.date(2020, 10, 5)),
        ("2020-10-05 00:00:00", dt.date(2020, 10, 5)),
        ("31/02/2020", None),
        ("demain", None),
    ],
)
def test_dates(text: str, expected: dt.date | None) -> None:
    result = parse_date(text)
    assert result == expected if expected else isinstance(result, Bad)


def test_booleans() -> None:
    assert [parse_bool(t) for t in ("Oui", "VRAI", "1.0", "non", "f")] == [1, 1, 1, 0, 0]
    assert isinstance(parse_bool("peut-être"), Bad)


def test_the_separator_tells_the_decimal_convention() -> None:
    french = csv_records("a;b\n1,5;2\n")
    assert not isinstance(french, Bad) and french.decimal_comma
    assert french.records == [["a", "b"], ["1,5", "2"]]
    international = csv_records('a,b\n"1,000.5",2\n')
    assert not isinstance(international, Bad) and not international.decimal_comma


# -- every reader -------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path):
    from aide_alim.db import open_database

    with open_database(str(tmp_path / "h.sqlite")) as database:
        yield database


def test_add_expense_with_a_us_amount_records_the_whole_amount(tmp_path) -> None:
    db = str(tmp_path / "h.sqlite")
    args = ["--action", "1.2", "--funder", "etat", "--date", "2020-11-15", "--label", "Formation"]
    result = CliRunner().invoke(
        main, ["ledger", "add-expense", *args, "--amount", "2,500.00", "--db", db]
    )
    assert result.exit_code == 0, result.output
    from aide_alim.db import open_database

    with open_database(db) as database:
        amounts = read_expenses(database, load_convention())["amount_eur"].tolist()
    assert amounts == [Decimal("2500.00")]


def test_add_expense_refuses_an_ambiguous_amount(tmp_path) -> None:
    db = tmp_path / "h.sqlite"
    args = ["--action", "1.2", "--funder", "etat", "--date", "2020-11-15", "--label", "Formation"]
    result = CliRunner().invoke(
        main, ["ledger", "add-expense", *args, "--amount", "2,500", "--db", str(db)]
    )
    assert result.exit_code != 0
    assert "ambiguity" in result.output and "Traceback" not in result.output
    assert not db.exists()


def test_csv_import_reads_us_amounts_and_indicator_values(db, tmp_path) -> None:
    convention = load_convention()
    expenses = tmp_path / "depenses.csv"
    expenses.write_text(
        'action,funder,date,label,amount_eur,document\n1.2,etat,2020-11-15,Formation,"1,000.00",F\n'
    )
    import_csv(db, convention, expenses)
    assert read_expenses(db, convention)["amount_eur"].tolist() == [Decimal("1000.00")]
    indicator = next(i for i in convention.indicators if i.kind == "nombre")
    values = tmp_path / "indicateurs.csv"
    values.write_text(
        f'action,indicator,period,value\n{indicator.action},{indicator.id},2020,"1,000.5"\n'
    )
    import_csv(db, convention, values)
    assert read_indicator_values(db, convention)["value"].tolist() == [1000.5]


def test_csv_import_refuses_an_ambiguous_amount_with_its_row(db, tmp_path) -> None:
    path = tmp_path / "depenses.csv"
    path.write_text('action,funder,date,label,amount_eur\n1.2,etat,2020-11-15,Formation,"1,000"\n')
    with pytest.raises(LedgerError) as info:
        import_csv(db, load_convention(), path)
    assert f"{path}, row 2, column amount_eur: expected an amount in euros" in str(info.value)
    assert "ambiguity" in str(info.value)


def test_french_csv_import_reads_a_decimal_comma(db, tmp_path) -> None:
    path = tmp_path / "depenses.csv"
    path.write_text("action;funder;date;label;amount_eur\n1.2;etat;15/11/2020;Formation;1,250\n")
    import_csv(db, load_convention(), path)
    assert read_expenses(db, load_convention())["amount_eur"].tolist() == [Decimal("1.25")]


def test_receipts_read_grouped_and_french_numbers(tmp_path) -> None:
    us = tmp_path / "us.csv"
    us.write_text('lot,association,kg_received\nl1,a1,"1,250.5"\n')
    assert read_receipts(us)["kg_received"].tolist() == [1250.5]
    french = tmp_path / "fr.csv"
    french.write_text("lot;association;kg_received\nl1;a1;1 250,5\nl2;a1;12,500\n")
    assert read_receipts(french)["kg_received"].tolist() == [1250.5, 12.5]
    ambiguous = tmp_path / "amb.csv"
    ambiguous.write_text('lot,association,kg_received\nl1,a1,"12,500"\n')
    with pytest.raises(ReceiptError, match=r"amb\.csv, row 2, column kg_received"):
        read_receipts(ambiguous)


def test_convention_amounts_use_the_same_parser() -> None:
    text = load_convention_text().replace("76000", '"76,000.00"', 1)
    assert "76,000.00" in text
    assert parse_convention(text) == parse_convention(load_convention_text())


def load_convention_text() -> str:
    from aide_alim.ledger.convention_files import default_convention_path

    return default_convention_path().read_text(encoding="utf-8")


@pytest.mark.parametrize("amount", ["1e308", "1e20", "100 000 000 000"])
def test_add_expense_refuses_absurd_amounts_without_a_traceback(tmp_path, amount: str) -> None:
    # Issue 15, item 5: InvalidOperation and OverflowError tracebacks before.
    db = tmp_path / "h.sqlite"
    args = ["--action", "1.2", "--funder", "etat", "--date", "2020-11-15", "--label", "Formation"]
    result = CliRunner().invoke(
        main, ["ledger", "add-expense", *args, "--amount", amount, "--db", str(db)]
    )
    assert (result.exit_code == 1 and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert "expected an amount below 100 000 000 000 €" in result.output
