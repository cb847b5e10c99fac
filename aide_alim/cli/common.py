"""Shared pieces of the CLI: error handling and output helpers.

Every command ends with one readable message and a non-zero exit status when anything goes
wrong, whatever the files, the database or the system do: :class:`SafeGroup` (the class of
:data:`aide_alim.cli.main`) turns any exception into ``Error: …`` on stderr, so a command does
not have to remember to catch anything. Library errors carry their own message; system errors
(full disk, read-only folder, out of memory, a damaged database) are described in words.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from aide_alim.errors import AideAlimError, ScenarioError
from aide_alim.i18n import _, ngettext

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def handle_errors(func: F) -> F:
    """Turn library errors into ``Error: …`` and exit status 1 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            _report_scenario_error(exc)
        except AideAlimError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def _report_scenario_error(exc: ScenarioError) -> None:
    for problem in exc.errors:
        click.echo(_("Error: {message}").format(message=problem), err=True)
    count = len(exc.errors)
    click.echo(
        ngettext("{n} error; nothing was done.", "{n} errors; nothing was done.", count).format(
            n=count
        ),
        err=True,
    )
    raise SystemExit(EXIT_ERROR) from None


def describe(exc: BaseException) -> str:
    """What went wrong, in one or two lines a user can act on (never a traceback)."""
    if isinstance(exc, AideAlimError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return _("not enough memory for this command; try a smaller input or a larger machine.")
    if isinstance(exc, OSError):
        return _describe_os_error(exc)
    database = _describe_database_error(exc)
    if database is not None:
        return database
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return _(
        "unexpected {error}. Nothing more was done; this is a bug of aide-alim, please report "
        "it with the command you ran."
    ).format(error=f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def _describe_os_error(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    where = f"{exc.filename}: " if exc.filename else ""
    hint = {
        errno.ENOSPC: _(" (the disk is full)"),
        errno.EFBIG: _(" (a file size limit was reached)"),
        errno.EROFS: _(" (the file system is read-only)"),
        errno.EACCES: _(" (no permission)"),
        errno.EDQUOT: _(" (disk quota exceeded)"),
    }.get(exc.errno or 0, "")
    if not exc.filename:  # stdout, or a stream: what was written so far stays
        return f"{what}{hint}."
    return where + what + hint + _("; nothing was left half-written.")


def _describe_database_error(exc: BaseException) -> str | None:
    """Database and schema errors that escaped the library, in words."""
    try:
        from alembic.util import CommandError
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover - both are dependencies
        return None
    if isinstance(exc, CommandError):
        return _("the history database's schema cannot be used by this version ({why}).").format(
            why=exc
        )
    if isinstance(exc, SQLAlchemyError):
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return _("the history database refused the operation ({why}); nothing was changed.").format(
            why=reason
        )
    return None


class SafeGroup(click.Group):
    """A click group whose commands never end in a traceback (see the module docstring)."""

    failed = False  # an error was reported during this run

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("\n" + _("Interrupted; nothing was left half-written."), err=True)
            raise SystemExit(EXIT_INTERRUPTED) from None
        except ScenarioError as exc:
            _report_scenario_error(exc)
        except BaseException as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
                raise  # click ends quietly when the reader of stdout went away
            self.failed = True  # said once: a later failure to flush stdout stays quiet
            raise click.ClickException(describe(exc)) from None

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        self.failed = False
        try:
            return super().main(args, *rest, **kwargs)
        finally:
            _flush_stdout(quiet=self.failed)


def _flush_stdout(*, quiet: bool) -> None:
    """Flush stdout now, so that a full disk or a file size limit is reported in words
    instead of an "Exception ignored … Traceback" when Python exits (``quiet``: the error
    was already reported)."""
    try:
        sys.stdout.flush()
    except OSError as exc:
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        if not quiet:
            with contextlib.suppress(OSError):
                message = _("Error: cannot write the output: {why}")
                click.echo(message.format(why=_describe_os_error(exc)), err=True)
        raise SystemExit(EXIT_ERROR) from None


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
