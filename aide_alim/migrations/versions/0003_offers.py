"""Register of opportunities (action 3.1): every offer, its scores, verdict and outcome.

Revision ID: 0003_offers
Revises: 0002_portal
Create Date: 2026-12-04

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_offers"
down_revision: str | None = "0002_portal"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "offers_opportunity",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("offer_id", sa.String(100), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("supplier", sa.String(100), nullable=False),
        sa.Column("supplier_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("new_supplier", sa.Boolean, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
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
        sa.Column("collect_by", sa.Date, nullable=True),
        sa.Column("min_kg", sa.Float, nullable=False, server_default="0"),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False, server_default=""),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("negotiate_price_eur_kg", sa.Float, nullable=True),
        sa.Column("scored_kg", sa.Float, nullable=False),
        sa.Column("saved_eur", sa.Float, nullable=False),
        sa.Column("extra_km", sa.Float, nullable=False),
        sa.Column("extra_co2_kg", sa.Float, nullable=False),
        sa.Column("min_fill_gain", sa.Float, nullable=False),
        sa.Column("scores_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("outcome_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("kg_taken", sa.Float, nullable=True),
        sa.Column("price_paid_eur_kg", sa.Float, nullable=True),
        sa.Column("lot_id", sa.String(100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("week", "offer_id", name="uq_offers_opportunity_week_offer"),
    )
    op.create_index("ix_offers_opportunity_week", "offers_opportunity", ["week"])


def downgrade() -> None:
    op.drop_index("ix_offers_opportunity_week", table_name="offers_opportunity")
    op.drop_table("offers_opportunity")
