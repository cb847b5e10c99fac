"""French formatting of numbers, dates and times for the documents (``1 234,5 kg``, ``74 %``)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

NBSP = "\u00a0"
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def number(x: float, decimals: int = 0) -> str:
    """``1234.5`` → ``1 234,5`` (non-breaking thousands separator, decimal comma)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    text = f"{x:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def kg(x: float) -> str:
    """Mass [kg], one decimal below 100 kg."""
    return f"{number(x, 1 if abs(x) < 100 and round(x, 1) != round(x) else 0)}{NBSP}kg"


def eur(x: float) -> str:
    """Money [€], cents below 1,000 €."""
    return f"{number(x, 2 if abs(x) < 1000 else 0)}{NBSP}€"


def pct(ratio: float, decimals: int = 0) -> str:
    """A ratio as a percentage: ``0.736`` → ``74 %`` (never ``-0 %``)."""
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return "–"
    value = round(100 * ratio, decimals)
    return f"{number(value if value != 0 else 0.0, decimals)}{NBSP}%"


def duration(hours: float) -> str:
    """A duration [h] as hours and minutes: ``3.864`` → ``3 h 52``; ``0.5`` → ``30 min``."""
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return "–"
    minutes = round(60 * hours)
    if minutes < 60:
        return f"{minutes}{NBSP}min"
    return f"{minutes // 60}{NBSP}h{NBSP}{minutes % 60:02d}"


def date(d: dt.date | None) -> str:
    """``2020-10-06`` → ``mardi 6 octobre 2020``; ``–`` when absent."""
    if d is None or (not isinstance(d, dt.date) and pd.isna(d)):
        return "–"
    return f"{DAYS_FR[d.weekday()]} {d.day} {MONTHS_FR[d.month - 1]} {d.year}"


def short_date(d: dt.date | None) -> str:
    """``2020-10-06`` → ``06/10/2020``."""
    if d is None or (not isinstance(d, dt.date) and pd.isna(d)):
        return "–"
    return d.strftime("%d/%m/%Y")


def clock(value: Any) -> str:
    """A time of day as ``HH:MM``, from minutes after midnight, a time, or a timestamp."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%H:%M")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, int | float):
        if math.isnan(value):
            return "–"
        minutes = round(value)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return str(value)


def week_label(week_start: dt.date) -> str:
    """``semaine 41 de 2020 (du lundi 5 au dimanche 11 octobre 2020)``."""
    year, week, _ = week_start.isocalendar()
    end = week_start + dt.timedelta(days=6)
    start_text = f"{DAYS_FR[0]} {week_start.day}"
    if week_start.month != end.month:
        start_text += f" {MONTHS_FR[week_start.month - 1]}"
    if week_start.year != end.year:
        start_text += f" {week_start.year}"
    return f"semaine {week} de {year} (du {start_text} au {date(end)})"
