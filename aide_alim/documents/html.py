"""HTML rendering with Jinja2 (autoescape always on: every user string is escaped)."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
import pandas as pd

from aide_alim.i18n import fmt


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aide_alim.documents", "templates"),
        autoescape=True,  # not select_autoescape: our templates end in .j2
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        kg=fmt.kg,
        eur=fmt.eur,
        pct=fmt.pct,
        number=fmt.number,
        date=fmt.date,
        short_date=fmt.short_date,
        clock=fmt.clock,
        duration=fmt.duration,
    )
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


@dataclass(frozen=True)
class Table:
    """A DataFrame turned into header and text cells for the ``table`` macro."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


def cell_text(value: Any, decimals: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return fmt.number(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return fmt.number(value, decimals if abs(value) < 1000 else 0)
    if hasattr(value, "isoformat"):
        return fmt.short_date(value)
    return str(value)


def table(frame: pd.DataFrame, headers: dict[str, str] | None = None, decimals: int = 2) -> Table:
    """Text cells of ``frame`` (French headers from ``headers`` where given)."""
    headers = headers or {}
    numeric = tuple(
        bool(pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))
        for c in frame.columns
    )
    rows = tuple(
        tuple(cell_text(v.item() if hasattr(v, "item") else v, decimals) for v in record)
        for record in frame.itertuples(index=False, name=None)
    )
    return Table(tuple(headers.get(str(c), str(c)) for c in frame.columns), rows, numeric)


def _format(value: Any, kind: str) -> str:
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "pct":
        return fmt.pct(float(value))
    if kind == "kg":  # as fmt.kg: a decimal below 100 kg only when there is one (83, 7,5)
        kg = float(value)
        return fmt.number(kg, 1 if abs(kg) < 100 and round(kg, 1) != round(kg) else 0)
    if kind == "eur":
        return fmt.number(float(value), 2 if abs(float(value)) < 1000 else 0)
    if kind == "num":
        return fmt.number(float(value), 3 if abs(float(value)) < 10 else 1)
    if kind == "num1":
        return fmt.number(float(value), 1)
    if kind == "hours":
        return fmt.duration(float(value))
    if kind == "int":
        return fmt.number(float(value))
    if kind == "temp":
        from aide_alim.scenario.model import Temperature

        try:
            return Temperature(str(value)).label_fr
        except ValueError:
            return str(value)
    return cell_text(value)


def present(frame: pd.DataFrame, spec: list[tuple[str, str, str]]) -> Table:
    """Chosen columns of ``frame`` as a table: ``spec`` is (column, French header, kind) with
    kind one of ``text``, ``kg``, ``eur``, ``pct``, ``num``, ``num1`` (one decimal), ``hours``
    (a duration, ``3 h 52``), ``int``, ``temp``, ``date``;
    columns absent from ``frame`` are left out."""
    spec = [s for s in spec if s[0] in frame.columns]
    rows = tuple(
        tuple(_format(record[col], kind) for col, _, kind in spec)
        for record in frame.to_dict("records")
    )
    numeric = tuple(
        kind in ("kg", "eur", "pct", "num", "num1", "hours", "int") for _, _, kind in spec
    )
    return Table(tuple(h for _, h, _ in spec), rows, numeric)
