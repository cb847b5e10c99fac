"""Tables of the history database (SQLAlchemy Core), as created by migration ``0001_history``.

One row of ``publication`` per published version of a week; every other table hangs off it.
Replacing a week keeps the earlier version (``active_week`` set to NULL, ``replaced_by`` and
``replaced_at`` filled) for audit. Tidy tables are stored column by column; the scenario
snapshot, the policy, the metrics and the route totals as JSON text (portable across SQLite and
PostgreSQL).

A later schema change is a new migration in ``aide_alim/migrations/versions`` *and* the matching
change here; ``tests/test_history_db.py`` checks that the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

publication = sa.Table(
    "publication",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("week", sa.String(8), nullable=False, index=False),
    sa.Column("version", sa.Integer, nullable=False),
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
    sa.ForeignKeyConstraint(["replaced_by"], ["publication.id"], name="fk_publication_replaced_by"),
    sa.Index("ix_publication_week", "week"),
)


def _fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["publication_id"], ["publication.id"], ondelete="CASCADE", name=f"fk_{table}_publication"
    )


offer = sa.Table(
    "offer",
    metadata,
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
    _fk("offer"),
)

association_week = sa.Table(
    "association_week",
    metadata,
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
    _fk("association_week"),
)

allocation_line = sa.Table(
    "allocation_line",
    metadata,
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
    _fk("allocation_line"),
    sa.Index("ix_allocation_line_publication", "publication_id"),
)

unallocated = sa.Table(
    "unallocated",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("publication_id", sa.Integer, nullable=False),
    sa.Column("lot", sa.String(100), nullable=False),
    sa.Column("kg", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    _fk("unallocated"),
    sa.Index("ix_unallocated_publication", "publication_id"),
)

route_row = sa.Table(
    "route_row",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("publication_id", sa.Integer, nullable=False),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("data_json", sa.Text, nullable=False),
    _fk("route_row"),
    sa.Index("ix_route_row_publication", "publication_id"),
)

receipt = sa.Table(
    "receipt",
    metadata,
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
    sa.ForeignKeyConstraint(["publication_id"], ["publication.id"], name="fk_receipt_publication"),
    sa.Index("ix_receipt_week", "week"),
)
