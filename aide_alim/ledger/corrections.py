"""Correcting the ledger without erasing it: an expenditure is cancelled by a counter-entry
(the same amount, negative) and corrected by a counter-entry plus the right one, so the audit
trail shows what was recorded, when, and why it changed.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.errors import Problem
from aide_alim.i18n import _
from aide_alim.ledger import schema
from aide_alim.ledger.convention import Convention, LedgerError
from aide_alim.ledger.entries import Expense
from aide_alim.ledger.store import add_expenses

CANCELS = "annulation #"


def _recorded(db: Database, convention: Convention, expense_id: int) -> Expense:
    """The expenditure ``expense_id`` of this convention's year, if it still stands."""
    table = schema.expense
    with db.read() as conn:
        row = conn.execute(
            sa.select(table).where(
                table.c.id == expense_id, table.c.convention_year == convention.year
            )
        ).first()
        cancelled = conn.execute(
            sa.select(table.c.id).where(
                table.c.convention_year == convention.year,
                table.c.source == f"{CANCELS}{expense_id}",
            )
        ).first()
    where = _("expenditure #{id}").format(id=expense_id)
    if row is None:
        raise _refused(where, _("no such expenditure in {year}").format(year=convention.year))
    if cancelled is not None:
        raise _refused(where, _("already cancelled by expenditure #{id}").format(id=cancelled.id))
    if str(row.source).startswith(CANCELS):
        raise _refused(where, _("it is itself a cancellation; correct the original"))
    return Expense(
        row.action, row.funder, row.date, row.label,
        Decimal(int(row.amount_cents)) / 100, row.document, row.source,
    )  # fmt: skip


def _refused(where: str, message: str) -> LedgerError:
    return LedgerError([Problem(where, None, None, message)], what=_("the correction"))


def _counter_entry(original: Expense, expense_id: int, reason: str) -> Expense:
    return dataclasses.replace(
        original,
        label=f"Annulation de la dépense n°{expense_id} ({reason.strip() or 'sans motif'})",
        amount_eur=-original.amount_eur,
        source=f"{CANCELS}{expense_id}",
    )


def cancel_expense(db: Database, convention: Convention, expense_id: int, reason: str) -> int:
    """Cancel expenditure ``expense_id`` by a counter-entry; returns the counter-entry's id."""
    original = _recorded(db, convention, expense_id)
    (counter,) = add_expenses(
        db, convention, [_counter_entry(original, expense_id, reason)], file="delete-expense"
    )
    return counter


def correct_expense(
    db: Database, convention: Convention, expense_id: int, reason: str, **changes: Any
) -> tuple[int, int]:
    """Replace expenditure ``expense_id`` by a copy with ``changes`` (action, funder, date,
    label, amount_eur, document): a counter-entry and the corrected entry, in one transaction.
    Returns their ids."""
    original = _recorded(db, convention, expense_id)
    corrected = dataclasses.replace(original, source=f"correction #{expense_id}", **changes)
    counter, new = add_expenses(
        db,
        convention,
        [_counter_entry(original, expense_id, reason), corrected],
        file="correct-expense",
    )
    return counter, new
