"""Tables of the web portal (SQLAlchemy Core), as created by migration ``0002_portal``.

- ``portal_user``: one login; ``role`` is ``association``, ``coordinator`` or ``steering``; an
  association account names its ``association`` id. ``password_hash`` is Argon2id (empty until an
  invitation is used); an invitation stores only the SHA-256 of its token.
- ``portal_session``: server-side sessions (the cookie holds a random token, the table its
  SHA-256) with the session's CSRF token.
- ``portal_login_failure``: failed logins, for throttling.
- ``portal_audit``: who changed what and when (never updated, never deleted).
- ``portal_declaration``: what an association declares for a coming week (the latest counts).
- ``portal_job``: runs and publications started from the portal, done by the background worker;
  ``lock_key`` (unique while the job is pending) keeps two publications of a week apart.

Receipts confirmed in the portal go to the history's ``receipt`` table, as ``aide-alim receive``.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ROLES = ("association", "coordinator", "steering")

portal_user = sa.Table(
    "portal_user",
    metadata,
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

portal_session = sa.Table(
    "portal_session",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(
        ["user_id"], ["portal_user.id"], ondelete="CASCADE", name="fk_portal_session_user"
    ),
)

portal_login_failure = sa.Table(
    "portal_login_failure",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("login", sa.String(200), nullable=False),
    sa.Column("ip", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_portal_login_failure_login", "login", "at"),
    sa.Index("ix_portal_login_failure_ip", "ip", "at"),
)

portal_audit = sa.Table(
    "portal_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("login", sa.String(200), nullable=False, server_default=""),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_portal_audit_at", "at"),
)

portal_declaration = sa.Table(
    "portal_declaration",
    metadata,
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
    sa.Index("ix_portal_declaration_week", "week", "association"),
)

portal_job = sa.Table(
    "portal_job",
    metadata,
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
