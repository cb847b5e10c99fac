"""Web portal: accounts, sessions, login failures, audit log, declarations, background jobs.

Revision ID: 0002_portal
Revises: 0002_ledger
Create Date: 2026-12-04

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_portal"
down_revision: str | None = "0002_ledger"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "portal_user",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("association", sa.String(100), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=False, server_default=""),
        sa.Column("invite_hash", sa.String(64), nullable=True),
        sa.Column("invite_expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("login", name="uq_portal_user_login"),
        sa.UniqueConstraint("invite_hash", name="uq_portal_user_invite"),
    )
    op.create_table(
        "portal_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["portal_user.id"], ondelete="CASCADE", name="fk_portal_session_user"
        ),
    )
    op.create_table(
        "portal_login_failure",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(200), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_portal_login_failure_login", "portal_login_failure", ["login", "at"])
    op.create_index("ix_portal_login_failure_ip", "portal_login_failure", ["ip", "at"])
    op.create_table(
        "portal_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("login", sa.String(200), nullable=False, server_default=""),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index("ix_portal_audit_at", "portal_audit", ["at"])
    op.create_table(
        "portal_declaration",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("association", sa.String(100), nullable=False),
        sa.Column("beneficiaries", sa.Integer, nullable=False),
        sa.Column("dry_kg", sa.Float, nullable=False),
        sa.Column("chilled_kg", sa.Float, nullable=False),
        sa.Column("frozen_kg", sa.Float, nullable=False),
        sa.Column("closed_days", sa.String(40), nullable=False, server_default=""),
        sa.Column("refuses", sa.Text, nullable=False, server_default=""),
        sa.Column("budget_eur", sa.Float, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_portal_declaration_week", "portal_declaration", ["week", "association"])
    op.create_table(
        "portal_job",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("week", sa.String(8), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False, server_default=""),
        sa.Column("progress", sa.Text, nullable=False, server_default=""),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("upload", sa.String(300), nullable=False, server_default=""),
        sa.Column("lock_key", sa.String(40), nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("lock_key", name="uq_portal_job_lock"),
    )


def downgrade() -> None:
    for table in (
        "portal_job",
        "portal_declaration",
        "portal_audit",
        "portal_login_failure",
        "portal_session",
        "portal_user",
    ):
        op.drop_table(table)
