"""Shared pieces of the CLI: error handling and output helpers."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from aide_alim.errors import AideAlimError, ScenarioError

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn library errors into ``Error: …`` and exit status 1 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            for problem in exc.errors:
                click.echo(f"Error: {problem}", err=True)
            click.echo(f"{len(exc.errors)} error(s); nothing was done.", err=True)
            raise SystemExit(1) from None
        except AideAlimError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
