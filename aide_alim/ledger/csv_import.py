"""Import of expenditures or indicator values from a CSV file (:func:`import_csv`).

The file is recognised by its header, in French or English; every row is parsed and validated
(:mod:`aide_alim.ledger.entries`) before anything is written, then all rows go to the database in
one transaction (:mod:`aide_alim.ledger.store`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from aide_alim.db import Database
from aide_alim.errors import Problem
from aide_alim.i18n import _
from aide_alim.ledger.convention import Convention, LedgerError
from aide_alim.ledger.entries import (
    Expense,
    IndicatorValue,
    expense_problems,
    parse_amount,
    value_problems,
)
from aide_alim.ledger.store import insert_expenses, upsert_values
from aide_alim.parsing import Bad, clean_text, number_expected, parse_date, parse_number
from aide_alim.scenario.categories import slug
from aide_alim.scenario.io import read_csv_bytes

# CSV headers users may write (French or English), mapped to the canonical column.
_EXPENSE_ALIASES = {
    "action": "action",
    "funder": "funder",
    "financeur": "funder",
    "date": "date",
    "label": "label",
    "libelle": "label",
    "libellé": "label",
    "objet": "label",
    "amount_eur": "amount_eur",
    "amount": "amount_eur",
    "montant": "amount_eur",
    "montant_eur": "amount_eur",
    "document": "document",
    "piece": "document",
    "pièce": "document",
    "justificatif": "document",
    "reference": "document",
    "référence": "document",
}
_VALUE_ALIASES = {
    "action": "action",
    "indicator": "indicator",
    "indicateur": "indicator",
    "measure": "measure",
    "mesure": "measure",
    "subject": "subject",
    "structure": "subject",
    "period": "period",
    "periode": "period",
    "période": "period",
    "value": "value",
    "valeur": "value",
    "text": "text",
    "texte": "text",
    "commentaire": "text",
    "unit": "unit",
    "unite": "unit",
    "unité": "unit",
    "source": "source",
}
_EXPENSE_REQUIRED = ("action", "funder", "date", "label", "amount_eur")
_VALUE_REQUIRED = ("action", "indicator", "period")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What :func:`import_csv` recorded: ``kind`` is "expenses" or "indicators"."""

    kind: str
    rows: int
    #: expenditures with a negative amount (corrections), said aloud by the CLI
    corrections: int = 0


class _CsvRows(NamedTuple):
    """A CSV file's header, its rows (spreadsheet row number, cells by header), and whether its
    numbers use a decimal comma (a ``;`` separated French export)."""

    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    decimal_comma: bool


def _read_csv_rows(path: Path) -> _CsvRows:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LedgerError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    _("cannot read the file ({error})").format(error=exc.strerror),
                )
            ],
            what=path.name,
        ) from None
    table = read_csv_bytes(raw, path.name)
    if isinstance(table, Problem):
        raise LedgerError([table], what=path.name)
    header = list(table.header)
    rows = [
        (
            raw_row.row,
            {
                h: (raw_row.cells[i] if i < len(raw_row.cells) else "")
                for i, h in enumerate(header)
                if h
            },
        )
        for raw_row in table.rows
    ]
    return _CsvRows(header, rows, table.decimal_comma)


def funder_id(text: str, convention: Convention) -> str:
    """The funder key a user wrote, in any case or accents, as id or party name: ``"État"`` →
    ``"etat"``, ``"Dijon Métropole"`` → ``"metropole"``; unknown text is returned lower-cased."""
    key = slug(text)
    for party in convention.parties:
        if key in (slug(party.id), slug(party.name)):
            return party.id
    return text.strip().lower()


def _canonical(header: list[str], aliases: dict[str, str]) -> dict[str, str]:
    return {h: aliases[h.lower()] for h in header if h.lower() in aliases}


def import_csv(db: Database, convention: Convention, path: str | Path) -> ImportResult:
    """Import expenditures or indicator values from a CSV (``,`` or ``;`` separated, UTF-8 or
    Excel's cp1252), recognised by its header:

    - expenditures: ``action, funder (financeur), date, label (libellé), amount_eur (montant),
      document``;
    - indicator values: ``action, indicator (indicateur), period (période), value (valeur),
      text (commentaire), measure, subject (structure), unit, source``.

    Every row is checked first; any problem (file, row as a spreadsheet numbers it, column)
    aborts the import with nothing written. Otherwise all rows go in one transaction. An
    expenditure already recorded (same action, funder, date, label, amount and document) is
    refused, so importing the same file twice counts nothing twice; indicator values replace
    the earlier value of the same key.
    """
    file = Path(path)
    csv_rows = _read_csv_rows(file)
    header = csv_rows.header
    name = str(file)
    if not csv_rows.rows:
        problem = Problem(name, None, None, _("expected at least one row under the header"))
        raise LedgerError([problem], what=file.name)
    expense_map = _canonical(header, _EXPENSE_ALIASES)
    value_map = _canonical(header, _VALUE_ALIASES)
    if "indicator" in value_map.values():
        return _import_values(db, convention, name, csv_rows, value_map)
    if "amount_eur" in expense_map.values():
        return _import_expenses(db, convention, name, csv_rows, expense_map)
    raise LedgerError(
        [
            Problem(
                name,
                1,
                None,
                _(
                    "expected the header of expenditures (action, funder, date, label, "
                    "amount_eur, document) or of indicator values (action, indicator, period, "
                    "value, text), found: {header}"
                ).format(header=", ".join(header) or _("nothing")),
            )
        ],
        what=file.name,
    )


def _missing_columns(name: str, mapping: dict[str, str], required: Sequence[str]) -> list[Problem]:
    present = set(mapping.values())
    return [
        Problem(name, 1, column, _("missing column"))
        for column in required
        if column not in present
    ]


def _import_expenses(
    db: Database,
    convention: Convention,
    name: str,
    csv_rows: _CsvRows,
    mapping: dict[str, str],
) -> ImportResult:
    problems = _missing_columns(name, mapping, _EXPENSE_REQUIRED)
    if problems:
        raise LedgerError(problems, what=Path(name).name)
    expenses: list[Expense] = []
    row_numbers: list[int | None] = []
    for row_no, raw in csv_rows.rows:
        row = {mapping[k]: v for k, v in raw.items() if k in mapping}
        if not any(row.values()):
            continue
        row_problems: list[Problem] = []
        date = parse_date(row.get("date", ""))
        if isinstance(date, Bad):
            found = row.get("date", "")
            row_problems.append(
                Problem(
                    name,
                    row_no,
                    "date",
                    _("expected {expected}, found {value!r}").format(
                        expected=date.expected, value=found
                    ),
                )
            )
            date = dt.date(convention.year, 1, 1)
        amount = parse_amount(row.get("amount_eur", ""), decimal_comma=csv_rows.decimal_comma)
        if isinstance(amount, Bad):
            found = row.get("amount_eur", "")
            row_problems.append(
                Problem(
                    name,
                    row_no,
                    "amount_eur",
                    _("expected {expected}, found {value!r}").format(
                        expected=amount.expected, value=found
                    ),
                )
            )
            amount = Decimal(1)
        expense = Expense(
            action=row.get("action", ""),
            funder=funder_id(row.get("funder", ""), convention),
            date=date,
            label=clean_text(row.get("label", "")),
            amount_eur=amount,
            document=clean_text(row.get("document", "")),
            source=f"{Path(name).name}:{row_no}",
        )
        row_problems += expense_problems(convention, expense, file=name, row=row_no)
        problems += row_problems
        expenses.append(expense)
        row_numbers.append(row_no)
    if problems:
        raise LedgerError(problems, what=Path(name).name)
    insert_expenses(db, convention, expenses, file=name, rows=row_numbers)
    corrections = sum(e.amount_eur < 0 for e in expenses)
    return ImportResult("expenses", len(expenses), corrections)


def _import_values(
    db: Database,
    convention: Convention,
    name: str,
    csv_rows: _CsvRows,
    mapping: dict[str, str],
) -> ImportResult:
    problems = _missing_columns(name, mapping, _VALUE_REQUIRED)
    if "value" not in mapping.values() and "text" not in mapping.values():
        problems.append(Problem(name, 1, "value", _("missing column (value or text)")))
    if problems:
        raise LedgerError(problems, what=Path(name).name)
    values: list[IndicatorValue] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for row_no, raw in csv_rows.rows:
        row = {mapping[k]: v for k, v in raw.items() if k in mapping}
        if not any(row.values()):
            continue
        number: float | None = None
        if row.get("value", ""):
            parsed = parse_number(
                row["value"].strip().removesuffix("%").strip(), decimal_comma=csv_rows.decimal_comma
            )
            if isinstance(parsed, Bad):
                expected = number_expected(parsed, _("a number")).expected
                message = _("expected {expected}, found {value!r}").format(
                    expected=expected, value=row["value"]
                )
                problems.append(Problem(name, row_no, "value", message))
            else:
                number = parsed
        value = IndicatorValue(
            action=row.get("action", ""),
            indicator=row.get("indicator", ""),
            period=row.get("period", ""),
            value=number,
            text=clean_text(row.get("text", "")),
            measure=row.get("measure", ""),
            subject=row.get("subject", ""),
            unit=row.get("unit", ""),
            source=row.get("source", "") or f"{Path(name).name}:{row_no}",
        )
        key = (value.indicator, value.measure, value.subject, value.period)
        if key in seen:
            problems.append(
                Problem(
                    name,
                    row_no,
                    "period",
                    _("same indicator, measure, subject and period as row {row}").format(
                        row=seen[key]
                    ),
                )
            )
        seen[key] = row_no
        problems += value_problems(convention, value, file=name, row=row_no)
        values.append(value)
    if problems:
        raise LedgerError(problems, what=Path(name).name)
    upsert_values(db, convention, values)
    return ImportResult("indicators", len(values))
