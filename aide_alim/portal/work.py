"""One unit of work: a page's change and its audit entry in a single transaction.

The history's library functions (``record_receipts``, ``publish_week``…) take a
:class:`~aide_alim.db.Database` and open their own transaction. :class:`BoundDatabase` is a
database whose ``transaction()`` and ``read()`` hand back a connection already in a transaction,
so the portal can call those same functions and write its audit line in the same transaction:
both are committed, or neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection

from aide_alim.db import Database


@dataclass(frozen=True, eq=False)
class BoundDatabase(Database):
    """A :class:`Database` bound to an open transaction (see module docstring)."""

    connection: Connection | None = None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        assert self.connection is not None
        yield self.connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        assert self.connection is not None
        yield self.connection


@contextmanager
def unit_of_work(db: Database) -> Iterator[tuple[Connection, Database]]:
    """A write transaction, and a database bound to it for the library's functions."""
    with db.transaction() as conn:
        yield conn, BoundDatabase(db.engine, conn)
