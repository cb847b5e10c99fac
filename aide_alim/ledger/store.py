"""The ledger's entries in the history database: validated writes and tidy reads.

Every write validates all its rows first (collecting every located problem), then runs in one
transaction of :meth:`aide_alim.db.Database.transaction`. Axes 1 and 2 are entered by hand or from
a CSV (:mod:`aide_alim.ledger.csv_import`); actions 3.1 and 3.2 are filled from the history's
indicators (:mod:`aide_alim.ledger.axis3`). Reads return tidy tables with the columns of
:data:`EXPENSE_COLUMNS` and :data:`VALUE_COLUMNS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.errors import Problem
from aide_alim.i18n import _
from aide_alim.ledger import schema
from aide_alim.ledger.convention import Convention, LedgerError
from aide_alim.ledger.entries import Expense, IndicatorValue, expense_problems, value_problems

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
    return insert_expenses(db, convention, expenses, file=file, rows=rows)


def _expense_key(e: Expense) -> tuple[str, str, dt.date, str, int, str]:
    cents = int((e.amount_eur * 100).to_integral_value())
    return (e.action, e.funder, e.date, e.label.strip(), cents, e.document.strip())


def insert_expenses(
    db: Database,
    convention: Convention,
    expenses: Sequence[Expense],
    *,
    file: str,
    rows: Sequence[int | None],
) -> list[int]:
    """Insert validated expenditures in one transaction, refusing an expenditure already
    recorded (same action, funder, date, label, amount and document), e.g. when a CSV is
    imported twice; ``rows`` locate each one in the problems."""
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
    return upsert_values(db, convention, values)


def upsert_values(db: Database, convention: Convention, values: Sequence[IndicatorValue]) -> int:
    """Write validated indicator values in one transaction, each replacing any earlier value
    with the same (indicator, measure, subject, period); returns how many were written."""
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
