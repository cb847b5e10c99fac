"""History of published weeks: publications, offers, allocation lines, results, routes, receipts.

Revision ID: 0001_history
Revises:
Create Date: 2026-11-28

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001_history"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        # Equals ``week`` while this version is the published one, NULL once replaced: the
        # unique constraint lets exactly one publication per week be active, even when two
        # processes publish at once (NULLs are distinct in SQLite and PostgreSQL).
        sa.Column("active_week", sa.String(8), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by", sa.Integer, nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("scenario_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("mean_value_eur_kg", sa.Float, nullable=False),
        sa.Column("policy_json", sa.Text, nullable=False),
        sa.Column("scenario_json", sa.Text, nullable=False),
        sa.Column("metrics_json", sa.Text, nullable=False),
        sa.Column("route_totals_json", sa.Text, nullable=True),
        sa.UniqueConstraint("week", "version", name="uq_publication_week_version"),
        sa.UniqueConstraint("active_week", name="uq_publication_active_week"),
        sa.ForeignKeyConstraint(
            ["replaced_by"], ["publication.id"], name="fk_publication_replaced_by"
        ),
    )
    op.create_index("ix_publication_week", "publication", ["week"])

    op.create_table(
        "offer",
        sa.Column("publication_id", sa.Integer, nullable=False),
        sa.Column("lot", sa.String(100), nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("site_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("product", sa.String(200), nullable=False, server_default=""),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("temperature", sa.String(16), nullable=False),
        sa.Column("kg", sa.Float, nullable=False),
        sa.Column("unit_kg", sa.Float, nullable=False),
        sa.Column("price_eur_kg", sa.Float, nullable=False),
        sa.Column("value_eur_kg", sa.Float, nullable=False),
        sa.Column("available", sa.Date, nullable=False),
        sa.Column("use_by", sa.Date, nullable=True),
        sa.Column("best_before", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("publication_id", "lot", name="pk_offer"),
        sa.ForeignKeyConstraint(
            ["publication_id"], ["publication.id"], ondelete="CASCADE", name="fk_offer_publication"
        ),
    )

    op.create_table(
        "association_week",
        sa.Column("publication_id", sa.Integer, nullable=False),
        sa.Column("association", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("kind", sa.String(100), nullable=False, server_default=""),
        sa.Column("commune", sa.String(100), nullable=False, server_default=""),
        sa.Column("beneficiaries", sa.Integer, nullable=False),
        sa.Column("need", sa.Float, nullable=False),
        sa.Column("need_kg", sa.Float, nullable=False),
        sa.Column("received", sa.Float, nullable=False),
        sa.Column("received_kg", sa.Float, nullable=False),
        sa.Column("other_supply", sa.Float, nullable=False),
        sa.Column("other_supply_kg", sa.Float, nullable=False),
        sa.Column("fill_ratio", sa.Float, nullable=False),
        sa.Column("fair_share", sa.Float, nullable=True),
        sa.Column("deviation", sa.Float, nullable=True),
        sa.Column("value_eur", sa.Float, nullable=False),
        sa.Column("paid_eur", sa.Float, nullable=False),
        sa.Column("extra_json", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("publication_id", "association", name="pk_association_week"),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            ondelete="CASCADE",
            name="fk_association_week_publication",
        ),
    )

    op.create_table(
        "allocation_line",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("publication_id", sa.Integer, nullable=False),
        sa.Column("lot", sa.String(100), nullable=False),
        sa.Column("association", sa.String(100), nullable=False),
        sa.Column("day", sa.Date, nullable=True),
        sa.Column("kg", sa.Float, nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("site", sa.String(100), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("temperature", sa.String(16), nullable=False),
        sa.Column("value_eur", sa.Float, nullable=False),
        sa.Column("price_eur", sa.Float, nullable=False),
        sa.Column("collects", sa.Boolean, nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            ondelete="CASCADE",
            name="fk_allocation_line_publication",
        ),
    )
    op.create_index("ix_allocation_line_publication", "allocation_line", ["publication_id"])

    op.create_table(
        "unallocated",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("publication_id", sa.Integer, nullable=False),
        sa.Column("lot", sa.String(100), nullable=False),
        sa.Column("kg", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            ondelete="CASCADE",
            name="fk_unallocated_publication",
        ),
    )
    op.create_index("ix_unallocated_publication", "unallocated", ["publication_id"])

    op.create_table(
        "route_row",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("publication_id", sa.Integer, nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("data_json", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["publication.id"],
            ondelete="CASCADE",
            name="fk_route_row_publication",
        ),
    )
    op.create_index("ix_route_row_publication", "route_row", ["publication_id"])

    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("publication_id", sa.Integer, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("lot", sa.String(100), nullable=False),
        sa.Column("association", sa.String(100), nullable=False),
        sa.Column("planned_kg", sa.Float, nullable=False),
        sa.Column("kg_received", sa.Float, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"], ["publication.id"], name="fk_receipt_publication"
        ),
    )
    op.create_index("ix_receipt_week", "receipt", ["week"])


def downgrade() -> None:
    op.drop_index("ix_receipt_week", "receipt")
    op.drop_table("receipt")
    op.drop_index("ix_route_row_publication", "route_row")
    op.drop_table("route_row")
    op.drop_index("ix_unallocated_publication", "unallocated")
    op.drop_table("unallocated")
    op.drop_index("ix_allocation_line_publication", "allocation_line")
    op.drop_table("allocation_line")
    op.drop_table("association_week")
    op.drop_table("offer")
    op.drop_index("ix_publication_week", "publication")
    op.drop_table("publication")
