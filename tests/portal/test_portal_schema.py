"""The portal's tables module agrees with migration ``0002_portal``, which also downgrades."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from aide_alim.portal import tables as t


def test_tables_module_matches_the_migration(db: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.read() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    ours = [d for d in diff if "portal_" in repr(d)]
    assert ours == []
    with db.read() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert {table.name for table in t.metadata.sorted_tables} <= names


def test_downgrade_removes_only_the_portal_tables(tmp_path: Any) -> None:
    from alembic import command

    from aide_alim.db import alembic_config, open_database

    db = open_database(f"sqlite:///{tmp_path / 'h.sqlite'}")
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002_ledger")
    with db.read() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert not any(n.startswith("portal_") for n in names)
    assert {"publication", "receipt", "ledger_expense"} <= names
    db.close()
