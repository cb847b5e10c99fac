"""The history database: where it is, how it is opened, and its schema upgrades.

:func:`open_database` takes any SQLAlchemy URL (``sqlite:///path``, ``postgresql://user@host/db``)
or a plain file path; without one it reads the environment variable ``AIDE_ALIM_DB``, else uses a
per-user SQLite file (``$XDG_DATA_HOME/aide_alim/history.sqlite``, by default
``~/.local/share/aide_alim/history.sqlite``). Opening runs the Alembic migrations up to the
newest revision, so a database written by an older release is upgraded in place.

Every write goes through :meth:`Database.transaction`: one transaction, committed at the end of
the ``with`` block or rolled back on any error. On SQLite the transaction starts with
``BEGIN IMMEDIATE`` (it takes the write lock at once, so two writers queue behind the busy
timeout instead of failing half-way); the file uses WAL (readers never block the writer) and
enforces foreign keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError, SQLAlchemyError

from aide_alim.errors import AideAlimError
from aide_alim.i18n import _

ENV_VAR = "AIDE_ALIM_DB"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant: PostgreSQL sessions that upgrade the schema take this advisory lock in turn.
_MIGRATION_LOCK_ID = 0x41_49_44_45


class DatabaseError(AideAlimError):
    """The history database could not be opened, upgraded, read or written."""


def default_url() -> str:
    """The URL used when none is given: ``$AIDE_ALIM_DB``, else the per-user SQLite file."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    base = os.environ.get("XDG_DATA_HOME", "").strip() or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'aide_alim' / 'history.sqlite'}"


def normalize_url(url: str) -> str:
    """A SQLAlchemy URL from what a user typed: a URL, or a plain path to a SQLite file.

    ``postgresql://`` is read with psycopg 3 (``postgresql+psycopg://``), the driver of the
    ``postgres`` extra.
    """
    url = url.strip()
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(
            _(
                'Expected a database URL like "sqlite:///history.sqlite" or '
                '"postgresql://user@host/db", got "{url}".'
            ).format(url=url)
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@dataclass(frozen=True, eq=False)
class Database:
    """An open history database (a SQLAlchemy engine with the project's settings)."""

    engine: Engine

    @property
    def url(self) -> str:
        """The URL with any password hidden (safe to show)."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql`` (or another SQLAlchemy dialect name)."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in one write transaction: committed on exit, rolled back on error."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(aide_alim_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except IntegrityError:
            raise  # a constraint: the caller knows what it means (e.g. a concurrent publish)
        except DBAPIError as exc:
            raise DatabaseError(
                _reason(
                    exc, _("Could not write to the history database {url}").format(url=self.url)
                )
            ) from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (one consistent snapshot, never writes)."""
        try:
            with self.engine.connect() as conn:
                if self.dialect == "postgresql":  # one snapshot for all the statements
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except DBAPIError as exc:
            raise DatabaseError(
                _reason(exc, _("Could not read the history database {url}").format(url=self.url))
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(exc: DBAPIError, what: str) -> str:
    """``what`` failed, and why, in words (the driver's first line; nothing was changed)."""
    why = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if "malformed" in why or "not a database" in why:
        text = _("{what}: the file is damaged ({why}); restore it from a backup.")
    elif "readonly" in why or "read-only" in why:
        text = _("{what}: it is read-only ({why}); nothing was changed.")
    elif isinstance(exc, DataError):
        text = _("{what}: a value does not fit its column ({why}); nothing was changed.")
    else:
        text = _("{what}: {why}; nothing was changed.")
    return text.format(what=what, why=why)


def open_database(url: str | None = None, *, upgrade: bool = True, create: bool = True) -> Database:
    """Open (and create or upgrade) the history database at ``url``.

    ``url``: a SQLAlchemy URL or a path to a SQLite file; ``None`` means :func:`default_url`.
    ``upgrade``: run the migrations to the newest revision (a no-op when already there).
    ``create``: create a missing SQLite file (and its folder); when false, a missing file is an
    error (read-only commands must not turn a typo in the path into a new empty history).
    """
    full = normalize_url(url if url is not None and url.strip() else default_url())
    parsed = make_url(full)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        # sqlite:///file:path?mode=ro&uri=true names the file path in a URI
        name = str(parsed.database).removeprefix("file:").split("?")[0]
        _check_sqlite_path(Path(name), create=create)
    try:
        engine = create_engine(full, **_engine_options(full))
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            _(
                "The database driver for {driver} is not installed ({module}); for PostgreSQL "
                'install the extra: pip install "aide_alim[postgres]".'
            ).format(driver=parsed.drivername, module=exc.name)
        ) from None
    except ArgumentError as exc:
        raise DatabaseError(
            _("Unusable database URL {url!r}: {why}").format(url=parsed, why=exc)
        ) from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    db = Database(engine)
    if upgrade:
        try:
            upgrade_to_head(db)
        except DBAPIError as exc:
            engine.dispose()
            raise DatabaseError(
                _reason(exc, _("cannot open the history database {url}").format(url=db.url))
            ) from None
        except SQLAlchemyError as exc:
            engine.dispose()
            raise DatabaseError(
                _("cannot open the history database {url}: {why}").format(url=db.url, why=exc)
            ) from None
    return db


def _check_sqlite_path(path: Path, *, create: bool) -> None:
    """Fail early, in words, when a SQLite file cannot be opened (or created) at ``path``."""
    cannot = _("cannot open the history database at {path}").format(path=path)
    if path.is_dir():
        raise DatabaseError(
            _("{cannot}: this is a folder; give a file path such as history.sqlite").format(
                cannot=cannot
            )
        )
    if path.exists():
        return
    if not create:
        raise DatabaseError(
            _(
                "no history database at {path}; check the path (publish, simulate and the "
                "ledger's add-expense, set-indicator and import create it)"
            ).format(path=path)
        )
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise DatabaseError(
            _("{cannot}: {parent} is not a folder").format(cannot=cannot, parent=parent)
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"{cannot}: {exc.strerror or exc}") from None  # the system's words


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    return {"pool_pre_ping": True}


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling is switched off so that SQLAlchemy emits BEGIN itself
    # (the documented recipe): this makes DDL transactional and lets writes BEGIN IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("aide_alim_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def _migrations_dir() -> str:
    return str(resources.files("aide_alim") / "migrations")


def alembic_config(connection: Connection | None = None) -> Any:
    """An Alembic ``Config`` for the packaged migrations (optionally bound to a connection)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", _migrations_dir())
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration revision shipped with this release."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(db: Database) -> None:
    """Run the migrations up to the newest revision, in one transaction, one process at a time."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    head = head_revision()
    with db.engine.connect() as conn:
        conn = conn.execution_options(aide_alim_begin="IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            current = MigrationContext.configure(conn).get_current_revision()
            if current == head:
                return
            _check_known(current, db)
            command.upgrade(alembic_config(conn), "head")


def _check_known(revision: str | None, db: Database) -> None:
    """Refuse, in words, a database written by a newer release (its schema is unknown here)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if revision is None:
        return
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        raise DatabaseError(
            f"the history database {db.url} has schema revision {revision!r}, which this "
            f"release of aide-alim does not know (newest here: {head_revision()!r}): it was "
            "written by a newer aide-alim; upgrade aide-alim to use it (nothing was changed)."
        ) from None
