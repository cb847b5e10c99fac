"""Alembic migrations of the history database (run by :func:`aide_alim.db.open_database`)."""
