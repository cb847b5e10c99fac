"""French formatting of numbers, amounts, dates and times, through Babel (CLDR data).

The one formatter of the project: the documents, the indicators page, the execution report,
the ledger checks and the CLI all print ``1 234,5 kg``, ``74 %``, ``mardi 6 octobre 2020`` from
here. Numbers group thousands with a narrow no-break space and end with a no-break space before
their unit, so that ``1 234 kg`` never breaks across lines.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"
NBSP = "\u00a0"
MISSING = "–"


def _finite(x: Any) -> float | None:
    """``x`` as a float, or ``None`` when it is missing, not a number, NaN or infinite."""
    if x is None or isinstance(x, bool | str):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def number(x: Any, decimals: int = 0) -> str:
    """``1234.5`` → ``1 234,5``; ``–`` when missing; never ``-0``."""
    value = _finite(x)
    if value is None:
        return MISSING
    value = round(value, decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    # Babel would round half to even on its own; the value is rounded above so that both agree.
    return format_decimal(value if value != 0 else 0.0, format=pattern, locale=LOCALE)


def kg(x: Any) -> str:
    """Mass [kg], one decimal below 100 kg when it has one: ``7,5 kg``, ``1 234 kg``."""
    value = _finite(x)
    if value is None:
        return MISSING
    decimals = 1 if abs(value) < 100 and round(value, 1) != round(value) else 0
    return f"{number(value, decimals)}{NBSP}kg"


def eur(x: Any, decimals: int | None = None) -> str:
    """Money [€], cents below 1 000 € unless ``decimals`` says otherwise."""
    value = _finite(x)
    if value is None:
        return MISSING
    if decimals is None:
        decimals = 2 if abs(value) < 1000 else 0
    return f"{number(value, decimals)}{NBSP}€"


def pct(ratio: Any, decimals: int = 0) -> str:
    """A ratio as a percentage: ``0.736`` → ``74 %``."""
    value = _finite(ratio)
    if value is None:
        return MISSING
    return f"{number(100 * value, decimals)}{NBSP}%"


def quantity(x: Any, unit: str, decimals: int = 0) -> str:
    """A number and its unit held together: ``685,2 km``."""
    text = number(x, decimals)
    return text if text == MISSING else f"{text}{NBSP}{unit}"


def duration(hours: Any) -> str:
    """A duration [h] as hours and minutes: ``3.864`` → ``3 h 52``; ``0.5`` → ``30 min``."""
    value = _finite(hours)
    if value is None:
        return MISSING
    minutes = round(60 * value)
    if minutes < 60:
        return f"{minutes}{NBSP}min"
    return f"{minutes // 60}{NBSP}h{NBSP}{minutes % 60:02d}"


def _is_date(d: Any) -> bool:
    return isinstance(d, dt.date)


def date(d: Any) -> str:
    """``2020-10-06`` → ``mardi 6 octobre 2020``; ``–`` when absent."""
    return format_date(d, "EEEE d MMMM y", locale=LOCALE) if _is_date(d) else MISSING


def long_date(d: Any) -> str:
    """``2021-03-31`` → ``31 mars 2021`` (no weekday)."""
    return format_date(d, "d MMMM y", locale=LOCALE) if _is_date(d) else MISSING


def short_date(d: Any) -> str:
    """``2020-10-06`` → ``06/10/2020``."""
    return format_date(d, "dd/MM/y", locale=LOCALE) if _is_date(d) else MISSING


def day_name(d: Any) -> str:
    """``2020-10-06`` → ``mardi``."""
    return format_date(d, "EEEE", locale=LOCALE) if _is_date(d) else MISSING


def clock(value: Any) -> str:
    """A time of day as ``HH:MM``, from minutes after midnight, a time, or a timestamp."""
    if isinstance(value, dt.datetime | dt.time):
        return value.strftime("%H:%M")
    if hasattr(value, "strftime") and hasattr(value, "hour"):  # pandas.Timestamp
        return str(value.strftime("%H:%M"))
    minutes_value = _finite(value)
    if minutes_value is None:
        return MISSING if value is None or not isinstance(value, str) else value
    minutes = round(minutes_value)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock_fr(minutes: Any) -> str:
    """A time of day the French way for a sentence: ``10 h 15``, ``8 h``."""
    value = _finite(minutes)
    if value is None:
        return MISSING
    total = round(value)
    hours, rest = divmod(total, 60)
    return f"{hours}{NBSP}h" + (f"{NBSP}{rest:02d}" if rest else "")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 semaine publiée``, ``2 semaines publiées``, ``0 semaine`` (French: 0 and 1 are
    singular); ``plural_form`` defaults to each word of ``singular`` with an ``s``."""
    if abs(count) < 2:
        words = singular
    else:
        words = plural_form or " ".join(w + "s" for w in singular.split(" "))
    return f"{number(count)}{NBSP}{words}"


#: Common nouns that name a party and take an article: "financés par l'État".
_ARTICLES = {"état": "l'", "etat": "l'", "région": "la ", "département": "le ", "métropole": "la "}


def with_article(name: str) -> str:
    """A party's name as French grammar wants it after "par" or as a subject: ``État`` →
    ``l'État``; a proper name (``Dijon Métropole``) is left as it is."""
    first, _, _ = name.partition(" ")
    article = _ARTICLES.get(first.lower()) if first and first[0].isupper() else None
    return f"{article}{name}" if article and " " not in name.strip() else name


def capitalised(text: str) -> str:
    """``l'État`` → ``L'État`` at the start of a sentence."""
    return text[:1].upper() + text[1:]


def week_label(week_start: dt.date) -> str:
    """``semaine 41 de 2020 (du lundi 5 au dimanche 11 octobre 2020)``."""
    year, week, _ = week_start.isocalendar()
    end = week_start + dt.timedelta(days=6)
    start_text = f"{day_name(week_start)} {week_start.day}"
    if week_start.month != end.month:
        start_text += " " + format_date(week_start, "MMMM", locale=LOCALE)
    if week_start.year != end.year:
        start_text += f" {week_start.year}"
    return f"semaine {week} de {year} (du {start_text} au {date(end)})"
