"""One unit of work: a page's change and its audit entry in a single transaction.

The history's library functions (``record_receipts``, ``publish_week``…) take a
:class:`~aide_alim.db.Database` and open their own transaction. :class:`BoundDatabase` is a
database whose ``transaction()`` and ``read()`` hand back a connection already in a transaction,
so the portal can call those same functions and write its audit line in the same transaction:
both are committed, or neither.

On SQLite, one writer at a time holds the file's write lock and the others poll for it (SQLite's
busy handler sleeps up to 100 ms between tries), which under load makes a convoy with long tails.
:func:`writing` therefore queues the portal's own writers first on a lock of the process, then
on an advisory lock of a file beside the database (``flock``: the kernel wakes the next writer
as soon as the lock is free), shared by every server process; other programs (the CLI) still
wait on SQLite's own lock as before.
"""

from __future__ import annotations

import threading
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


_writers: dict[int, threading.Lock] = {}
_writers_lock = threading.Lock()


def _writer_lock(db: Database) -> threading.Lock:
    with _writers_lock:
        return _writers.setdefault(id(db.engine), threading.Lock())


@contextmanager
def _file_lock(db: Database) -> Iterator[None]:
    """An exclusive ``flock`` on ``<database>.portal-lock`` (no-op where there is no file)."""
    name = db.engine.url.database
    try:
        import fcntl
    except ImportError:  # not on Windows
        yield
        return
    if not name or name == ":memory:":
        yield
        return
    with open(f"{name}.portal-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def writing(db: Database) -> Iterator[Connection]:
    """A write transaction (on SQLite, after the portal's earlier writers)."""
    if db.dialect != "sqlite":
        with db.transaction() as conn:
            yield conn
        return
    with _writer_lock(db), _file_lock(db), db.transaction() as conn:
        yield conn


@contextmanager
def unit_of_work(db: Database) -> Iterator[tuple[Connection, Database]]:
    """A write transaction, and a database bound to it for the library's functions."""
    with writing(db) as conn:
        yield conn, BoundDatabase(db.engine, conn)
