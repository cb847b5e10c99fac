"""Ledger of the convention: expenditures and indicator values.

Revision ID: 0002_ledger
Revises: 0001_history
Create Date: 2026-11-28

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_ledger"
down_revision: str | None = "0001_history"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_expense",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("convention_year", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("funder", sa.String(32), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        # Integer cents: exact money on SQLite and PostgreSQL alike.
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("document", sa.String(200), nullable=False, server_default=""),
        sa.Column("source", sa.String(300), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_ledger_expense_year_action", "ledger_expense", ["convention_year", "action"]
    )
    op.create_table(
        "ledger_indicator_value",
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


def downgrade() -> None:
    op.drop_table("ledger_indicator_value")
    op.drop_index("ix_ledger_expense_year_action", table_name="ledger_expense")
    op.drop_table("ledger_expense")
