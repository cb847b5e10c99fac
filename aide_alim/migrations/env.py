"""Alembic environment: runs on the connection handed over by :func:`aide_alim.db.upgrade`.

There is no ``alembic.ini``: :func:`aide_alim.db.alembic_config` builds the configuration and
passes an open connection in ``config.attributes["connection"]``. Migrations are written by hand
(``op.create_table`` …), so no target metadata is needed.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=None,
        # SQLite cannot ALTER most things: later migrations use batch mode ("move and copy").
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("aide_alim migrations: no connection and no sqlalchemy.url given")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=None,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
