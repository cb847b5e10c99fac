"""Tables of the ledger (SQLAlchemy Core), as created by migration ``0002_ledger``.

They live in the history database (:mod:`aide_alim.db`), next to the published weeks. Money is
stored in integer cents (exact on every backend); the tidy tables the library returns carry
``amount_eur`` floats. ``convention_year`` ties a row to one yearly convention.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

expense = sa.Table(
    "ledger_expense",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("convention_year", sa.Integer, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("funder", sa.String(32), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("document", sa.String(200), nullable=False, server_default=""),
    sa.Column("source", sa.String(300), nullable=False, server_default=""),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_ledger_expense_year_action", "convention_year", "action"),
)

indicator_value = sa.Table(
    "ledger_indicator_value",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("convention_year", sa.Integer, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("indicator", sa.String(32), nullable=False),
    sa.Column("measure", sa.String(100), nullable=False, server_default=""),
    sa.Column("subject", sa.String(200), nullable=False, server_default=""),
    sa.Column("period", sa.String(16), nullable=False),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("text", sa.Text, nullable=False, server_default=""),
    sa.Column("unit", sa.String(50), nullable=False, server_default=""),
    sa.Column("source", sa.String(300), nullable=False, server_default=""),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint(
        "convention_year",
        "indicator",
        "measure",
        "subject",
        "period",
        name="uq_ledger_indicator_value_key",
    ),
)
