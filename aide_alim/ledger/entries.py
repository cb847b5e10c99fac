"""Entries of the ledger: expenditures and indicator values, stored in the history database.

- An **expenditure** charges an amount [€] to one action and one funder (party id of the
  convention, e.g. ``etat`` or ``metropole``), with a date, a label and a document reference
  (invoice, mandate, deliberation number). A negative amount records a correction (an
  "avoir", or the cancellation of a mistaken entry), so the ledger keeps its audit trail.
- An **indicator value** answers an indicator of an action sheet for a period (``2020``,
  ``2020-T4``, ``2020-10``, ``2020-W41``): a number (``value``, in ``unit``) or a text assessment
  (``text``), optionally for one ``measure`` of the indicator (e.g. "kg rendus accessibles") and
  one ``subject`` (e.g. an association). Setting a value again for the same key replaces it.

Every write validates all its rows first (collecting every located problem), then runs in one
transaction of :meth:`aide_alim.db.Database.transaction`. Axes 1 and 2 are entered by hand or from
a CSV (:func:`import_csv`); actions 3.1 and 3.2 are filled from the history's indicators
(:mod:`aide_alim.ledger.axis3`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.errors import Problem
from aide_alim.i18n import N_, _
from aide_alim.ledger import schema
from aide_alim.ledger.convention import MAX_AMOUNT_EUR, Convention, LedgerError
from aide_alim.parsing import (
    MAX_TEXT_CHARS,
    Bad,
    clean_text,
    number_expected,
    parse_date,
    parse_decimal,
    parse_number,
)
from aide_alim.scenario.categories import slug
from aide_alim.scenario.io import read_csv_bytes

EXPENSE_COLUMNS = ["id", "action", "funder", "date", "label", "amount_eur", "document", "source"]
VALUE_COLUMNS = [
    "id",
    "action",
    "indicator",
    "measure",
    "subject",
    "period",
    "value",
    "text",
    "unit",
    "source",
]
PERIOD_PATTERN = re.compile(r"^(\d{4})(-(T[1-4]|S[12]|W(0[1-9]|[1-4]\d|5[0-3])|0[1-9]|1[0-2]))?$")
PERIOD_HELP = N_("a period such as 2020, 2020-T4, 2020-S2, 2020-10 or 2020-W41")

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
class Expense:
    """One expenditure charged to an action and a funder (``amount_eur`` [€], exact)."""

    action: str
    funder: str
    date: dt.date
    label: str
    amount_eur: Decimal
    document: str = ""
    source: str = "saisie"


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One value of an indicator for a period: a number ``value`` [``unit``] and/or a ``text``."""

    action: str
    indicator: str
    period: str
    value: float | None = None
    text: str = ""
    measure: str = ""
    subject: str = ""
    unit: str = ""
    source: str = "saisie"


# ------------------------------------------------------------------------------- validation


def expense_problems(
    convention: Convention, expense: Expense, *, file: str = "saisie", row: int | None = None
) -> list[Problem]:
    """What is wrong with one expenditure for this convention (empty when it is fine)."""
    problems: list[Problem] = []
    actions = [a.id for a in convention.actions]
    if expense.action not in actions:
        problems.append(
            Problem(
                file,
                row,
                "action",
                _(
                    "expected an action of the {year} convention ({actions}), found {value!r}"
                ).format(year=convention.year, actions=", ".join(actions), value=expense.action),
            )
        )
    if expense.funder not in convention.funders:
        problems.append(
            Problem(
                file,
                row,
                "funder",
                _("expected one of {choices}, found {value!r}").format(
                    choices=", ".join(convention.funders), value=expense.funder
                ),
            )
        )
    if not expense.label.strip():
        problems.append(Problem(file, row, "label", _("expected a label, found nothing")))
    elif len(expense.label) > MAX_TEXT_CHARS:
        problems.append(
            Problem(
                file,
                row,
                "label",
                _("expected a label of at most {limit} characters, found {length}").format(
                    limit=MAX_TEXT_CHARS, length=len(expense.label)
                ),
            )
        )
    if not expense.amount_eur.is_finite() or expense.amount_eur == 0:
        problems.append(
            Problem(
                file,
                row,
                "amount_eur",
                _(
                    "expected a non-zero amount in € (negative for a correction), found {value}"
                ).format(value=expense.amount_eur),
            )
        )
    elif expense.amount_eur != expense.amount_eur.quantize(Decimal("0.01")):
        problems.append(
            Problem(
                file,
                row,
                "amount_eur",
                _("expected at most 2 decimals (cents), found {value}").format(
                    value=expense.amount_eur
                ),
            )
        )
    if expense.date.year != convention.year:  # else it would count in this year's parity
        problems.append(
            Problem(
                file,
                row,
                "date",
                _("expected a date in {year}, the year of the convention, found {date}").format(
                    year=convention.year, date=expense.date.isoformat()
                ),
            )
        )
    return problems


def value_problems(
    convention: Convention, value: IndicatorValue, *, file: str = "saisie", row: int | None = None
) -> list[Problem]:
    """What is wrong with one indicator value for this convention (empty when it is fine)."""
    problems: list[Problem] = []
    try:
        indicator = convention.indicator(value.indicator)
    except KeyError:
        ids = ", ".join(i.id for i in convention.indicators)
        return [
            Problem(
                file,
                row,
                "indicator",
                _("expected an indicator of the {year} convention ({ids}), found {value!r}").format(
                    year=convention.year, ids=ids, value=value.indicator
                ),
            )
        ]
    if value.action != indicator.action:
        problems.append(
            Problem(
                file,
                row,
                "action",
                _("indicator {indicator} belongs to action {action}, found {value!r}").format(
                    indicator=indicator.id, action=indicator.action, value=value.action
                ),
            )
        )
    match = PERIOD_PATTERN.match(value.period)
    if match is None:
        problems.append(
            Problem(
                file,
                row,
                "period",
                _("expected {expected}, found {value!r}").format(
                    expected=_(PERIOD_HELP), value=value.period
                ),
            )
        )
    elif int(match.group(1)) != convention.year:
        problems.append(
            Problem(
                file,
                row,
                "period",
                _("expected a period of {year}, found {value!r}").format(
                    year=convention.year, value=value.period
                ),
            )
        )
    if value.value is not None and not math.isfinite(value.value):
        message = _("expected a number, found {value}").format(value=value.value)
        problems.append(Problem(file, row, "value", message))
    elif value.value is not None and value.value < 0:
        # every indicator of the conventions counts something (persons, visits, €)
        problems.append(
            Problem(
                file,
                row,
                "value",
                _("expected a number >= 0 (a count), found {value}").format(
                    value=f"{value.value:g}"
                ),
            )
        )
    if indicator.kind == "nombre" and value.value is None and not value.text.strip():
        problems.append(
            Problem(
                file,
                row,
                "value",
                _(
                    "indicator {indicator} is a number ({unit}); expected a value, found nothing"
                ).format(indicator=indicator.id, unit=indicator.unit or "sans unité"),
            )
        )
    if indicator.kind == "qualitatif" and not value.text.strip() and value.value is None:
        problems.append(
            Problem(
                file,
                row,
                "text",
                _(
                    "indicator {indicator} is a text assessment; expected a text, found nothing"
                ).format(indicator=indicator.id),
            )
        )
    return problems


# ---------------------------------------------------------------------------- database writes


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def add_expenses(
    db: Database, convention: Convention, expenses: Sequence[Expense], *, file: str = "saisie"
) -> list[int]:
    """Record expenditures in one transaction (all or none); returns their ids.

    Raises :class:`LedgerError` listing every problem (``row`` = position + 1 in ``expenses``
    unless the expenses come from a file).
    """
    problems = [
        p
        for i, e in enumerate(expenses)
        for p in expense_problems(
            convention, e, file=file, row=i + 1 if len(expenses) > 1 else None
        )
    ]
    if problems:
        raise LedgerError(problems, what=_("the expenditures"))
    rows = [i + 1 if len(expenses) > 1 else None for i in range(len(expenses))]
    return _insert_expenses(db, convention, expenses, file=file, rows=rows)


def _expense_key(e: Expense) -> tuple[str, str, dt.date, str, int, str]:
    cents = int((e.amount_eur * 100).to_integral_value())
    return (e.action, e.funder, e.date, e.label.strip(), cents, e.document.strip())


def _insert_expenses(
    db: Database,
    convention: Convention,
    expenses: Sequence[Expense],
    *,
    file: str,
    rows: Sequence[int | None],
) -> list[int]:
    """Insert in one transaction, refusing an expenditure already recorded (same action,
    funder, date, label, amount and document), e.g. when a CSV is imported twice."""
    now = _now()
    ids: list[int] = []
    table = schema.expense
    with db.transaction() as conn:
        existing = {
            (r.action, r.funder, r.date, r.label, int(r.amount_cents), r.document): int(r.id)
            for r in conn.execute(
                sa.select(table).where(table.c.convention_year == convention.year)
            )
        }
        problems: list[Problem] = []
        seen: dict[tuple[str, str, dt.date, str, int, str], int | None] = {}
        for e, row in zip(expenses, rows, strict=True):
            key = _expense_key(e)
            if key in existing:
                problems.append(
                    Problem(
                        file,
                        row,
                        None,
                        _(
                            "already recorded as expenditure #{id} (same action, "
                            "funder, date, label, amount and document); nothing was recorded"
                        ).format(id=existing[key]),
                    )
                )
            elif key in seen:
                message = _("same expenditure as row {row}").format(row=seen[key])
                problems.append(Problem(file, row, None, message))
            seen[key] = row
        if problems:
            raise LedgerError(problems, what=_("the expenditures"))
        for e in expenses:
            result = conn.execute(
                table.insert().values(
                    convention_year=convention.year,
                    action=e.action,
                    funder=e.funder,
                    date=e.date,
                    label=e.label.strip(),
                    amount_cents=_expense_key(e)[4],
                    document=e.document.strip(),
                    source=e.source,
                    recorded_at=now,
                )
            )
            assert result.inserted_primary_key is not None
            ids.append(int(result.inserted_primary_key[0]))
    return ids


def set_indicator_values(
    db: Database, convention: Convention, values: Sequence[IndicatorValue], *, file: str = "saisie"
) -> int:
    """Record indicator values in one transaction, each replacing any earlier value with the
    same (indicator, measure, subject, period); returns how many were written."""
    problems = [
        p
        for i, v in enumerate(values)
        for p in value_problems(convention, v, file=file, row=i + 1 if len(values) > 1 else None)
    ]
    if problems:
        raise LedgerError(problems, what=_("the indicator values"))
    return _upsert_values(db, convention, values)


def _upsert_values(db: Database, convention: Convention, values: Sequence[IndicatorValue]) -> int:
    now = _now()
    with db.transaction() as conn:
        for v in values:
            _delete_same_key(conn, convention, v)
            unit = v.unit or convention.indicator(v.indicator).unit
            conn.execute(schema.indicator_value.insert().values(_row(convention, v, now, unit)))
    return len(values)


def _delete_same_key(conn: sa.Connection, convention: Convention, v: IndicatorValue) -> None:
    """Remove the value an indicator value replaces (same indicator, measure, subject, period)."""
    table = schema.indicator_value
    conn.execute(
        table.delete().where(
            table.c.convention_year == convention.year,
            table.c.indicator == v.indicator,
            table.c.measure == v.measure,
            table.c.subject == v.subject,
            table.c.period == v.period,
        )
    )


def _row(
    convention: Convention, v: IndicatorValue, now: dt.datetime, unit: str | None
) -> dict[str, Any]:
    """The database row of one indicator value."""
    return {
        "convention_year": convention.year,
        "action": v.action,
        "indicator": v.indicator,
        "measure": v.measure,
        "subject": v.subject,
        "period": v.period,
        "value": v.value,
        "text": v.text,
        "unit": unit,
        "source": v.source,
        "recorded_at": now,
    }


def replace_source_values(
    db: Database, convention: Convention, values: Sequence[IndicatorValue], *, source: str
) -> int:
    """Replace every value of the convention's year that came from ``source`` by ``values``
    (all carrying that source), in one transaction; returns how many were written.

    Used for values computed from another table (the history): a refresh leaves no stale row
    behind, e.g. for an association that no longer appears.
    """
    if any(v.source != source for v in values):
        raise ValueError(f"every value must come from {source!r}")
    problems = [p for i, v in enumerate(values) for p in value_problems(convention, v, row=i + 1)]
    if problems:
        raise LedgerError(problems, what=f"the values computed from {source}")
    table = schema.indicator_value
    now = _now()
    with db.transaction() as conn:
        conn.execute(
            table.delete().where(
                table.c.convention_year == convention.year, table.c.source == source
            )
        )
        for v in values:
            _delete_same_key(conn, convention, v)
        if values:
            conn.execute(table.insert(), [_row(convention, v, now, v.unit) for v in values])
    return len(values)


def delete_expense(db: Database, convention: Convention, expense_id: int) -> bool:
    """Remove one expenditure of this convention's year; False when there is no such id."""
    table = schema.expense
    with db.transaction() as conn:
        result = conn.execute(
            table.delete().where(
                table.c.id == expense_id, table.c.convention_year == convention.year
            )
        )
    return bool(result.rowcount)


# ----------------------------------------------------------------------------- database reads


def read_expenses(db: Database, convention: Convention) -> pd.DataFrame:
    """The expenditures of the convention's year, tidy (``amount_eur`` [€]), by date."""
    table = schema.expense
    with db.read() as conn:
        rows = (
            conn.execute(
                sa.select(table)
                .where(table.c.convention_year == convention.year)
                .order_by(table.c.date, table.c.id)
            )
            .mappings()
            .all()
        )
    return expenses_frame(
        [
            {
                "id": r["id"],
                "action": r["action"],
                "funder": r["funder"],
                "date": r["date"],
                "label": r["label"],
                "amount_eur": r["amount_cents"] / 100,
                "document": r["document"],
                "source": r["source"],
            }
            for r in rows
        ]
    )


def read_indicator_values(db: Database, convention: Convention) -> pd.DataFrame:
    """The indicator values of the convention's year, tidy, by action, indicator and period."""
    table = schema.indicator_value
    with db.read() as conn:
        rows = (
            conn.execute(
                sa.select(table)
                .where(table.c.convention_year == convention.year)
                .order_by(
                    table.c.action,
                    table.c.indicator,
                    table.c.period,
                    table.c.measure,
                    table.c.subject,
                )
            )
            .mappings()
            .all()
        )
    return values_frame([{c: r[c] for c in VALUE_COLUMNS} for r in rows])


def expenses_frame(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """A tidy expenditures table (the columns of :data:`EXPENSE_COLUMNS`) from plain rows."""
    table = pd.DataFrame(list(rows), columns=EXPENSE_COLUMNS)
    table["amount_eur"] = table["amount_eur"].astype(float)
    for column in ("document", "source"):
        table[column] = table[column].fillna("").astype(str)
    return table


def values_frame(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """A tidy indicator values table (the columns of :data:`VALUE_COLUMNS`) from plain rows."""
    table = pd.DataFrame(list(rows), columns=VALUE_COLUMNS)
    table["value"] = table["value"].astype(float)
    for column in ("measure", "subject", "text", "unit", "source"):
        table[column] = table[column].fillna("").astype(str)
    return table


# --------------------------------------------------------------------------------- CSV import


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What :func:`import_csv` recorded: ``kind`` is "expenses" or "indicators"."""

    kind: str
    rows: int
    #: expenditures with a negative amount (corrections), said aloud by the CLI
    corrections: int = 0


AMOUNT_EXPECTED = N_("an amount in euros like 1234,56 or 1 234,56 €")


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal | Bad:
    """``1 234,56 €``, ``1,234.56``, ``76000`` → Decimal euros, or :class:`Bad` (see
    :mod:`aide_alim.parsing`; ``1,000`` is refused as ambiguous unless ``decimal_comma``)."""
    amount = parse_decimal(text, decimal_comma=decimal_comma)
    if isinstance(amount, Bad):
        return number_expected(amount, _(AMOUNT_EXPECTED))
    if abs(amount) >= MAX_AMOUNT_EUR:
        maximum = f"{MAX_AMOUNT_EUR:,.0f}".replace(",", " ")
        return Bad(_("an amount below {maximum} €").format(maximum=maximum))
    return amount


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
    _insert_expenses(db, convention, expenses, file=name, rows=row_numbers)
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
        problems.append(Problem(name, 1, "value", "missing column (value or text)"))
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
    _upsert_values(db, convention, values)
    return ImportResult("indicators", len(values))
