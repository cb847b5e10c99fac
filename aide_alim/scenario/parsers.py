"""Cell parsers of the scenario tables: the text of a cell to a value, or a :class:`Bad`.

Each parser is a small function taking the cell's text and a :class:`Context` and returning the
value or a :class:`Bad` naming what was expected, in the user's language. The helpers that word
those expectations (:func:`did_you_mean`, :func:`plain_number`) are shared by every message of
the validation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aide_alim import parsing
from aide_alim.i18n import N_, _, language
from aide_alim.parsing import Bad, number_expected, parse_number
from aide_alim.scenario.categories import normalise_category, normalise_temperature, slug
from aide_alim.scenario.model import Category, Day, SiteKind, Temperature, TimeWindow


@dataclass(frozen=True, slots=True)
class Context:
    """What some parsers need to know: the category table of this scenario.

    ``known`` holds its ids as a hashable set, for the caches of the parsers.
    """

    categories: Mapping[str, Category]
    #: the table's numbers use a decimal comma (see :class:`aide_alim.scenario.io.RawTable`)
    decimal_comma: bool = False
    known: frozenset[str] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", frozenset(self.categories))


Parser = Callable[[str, Context], Any]


# -- cell parsers: text → value or Bad ----------------------------------------------------------


def number_parser(minimum: float | None = None, *, strict: bool = False) -> Parser:
    """A parser of numbers, at least ``minimum`` (above it if ``strict``) when given."""

    def expected() -> str:
        if minimum is None:
            return _("a number")
        sign = ">" if strict else ">="
        return _("a number {sign} {minimum}").format(sign=sign, minimum=plain_number(minimum))

    def parse(text: str, ctx: Context) -> float | Bad:
        value = parse_number(text, decimal_comma=ctx.decimal_comma)
        if isinstance(value, Bad):
            return number_expected(value, expected())
        if minimum is not None and (value <= minimum if strict else value < minimum):
            return Bad(expected())
        return value

    return parse


def range_parser(low: float, high: float, what: str) -> Parser:
    """A parser of coordinates between ``low`` and ``high`` (``what``: latitude, longitude)."""

    def parse(text: str, ctx: Context) -> float | Bad:
        value = parse_number(text, decimal_comma=ctx.decimal_comma)
        if isinstance(value, Bad) or not low <= value <= high:
            return Bad(
                _("a {what} between {low} and {high} (WGS84 degrees)").format(
                    what=_(what), low=plain_number(low), high=plain_number(high)
                )
            )
        return value

    return parse


def parse_count(text: str, ctx: Context) -> int | Bad:
    """A whole number >= 0 (``120.0`` from a spreadsheet is accepted)."""
    value = parse_number(text, decimal_comma=ctx.decimal_comma)
    if isinstance(value, Bad) or value < 0 or not float(value).is_integer():
        return Bad(_("a whole number >= 0"))
    return int(value)


def parse_text(text: str, ctx: Context) -> str | Bad:
    return parsing.parse_text(text)


def parse_id(text: str, ctx: Context) -> str | Bad:
    return parsing.parse_id(text)


def parse_bool(text: str, ctx: Context | None = None) -> bool | Bad:
    """``true/false``, ``oui/non``, ``vrai/faux``, ``yes/no``, ``1/0`` (any case)."""
    return parsing.parse_bool(text)


def parse_date(text: str, ctx: Context | None = None) -> dt.date | Bad:
    """An ISO date (``2020-10-05``) or a French one (``05/10/2020``, ``5/10/20``)."""
    return parsing.parse_date(text)


_DAY_NAMES: dict[str, Day] = {}
for _day in Day:
    for _name in (
        _day.code,
        _day.label_fr,
        _day.label_fr[:3],
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[_day],
    ):
        _DAY_NAMES[_name] = _day
_DAY_NAMES.update({"tues": Day.TUE, "thur": Day.THU, "thurs": Day.THU})
_ALL_DAYS = {"all", "tous", "tous_les_jours", "7_7"}
_DAYS_EXPECTED = N_('days like "mon wed fri" (or "lun mer ven", "mon-fri")')


def parse_days(text: str, ctx: Context | None = None) -> frozenset[Day] | Bad:
    """Days like ``mon wed fri``, ``lundi, mercredi``, ``lun-ven`` or ``all``."""
    return _parse_days(text, language())


# ``lang`` keys the caches: a Bad holds its text in the user's language.
@functools.lru_cache(maxsize=1024)  # a scenario repeats a handful of day lists
def _parse_days(text: str, lang: str) -> frozenset[Day] | Bad:
    if slug(text) in _ALL_DAYS:
        return frozenset(Day)
    days: set[Day] = set()
    cleaned = re.sub(r"\s*[-–]\s*", "-", text.strip().lower())
    for token in re.split(r"[\s,;/+]+|\bet\b", cleaned):
        if not token:
            continue
        first, sep, last = token.partition("-")
        start, end = _DAY_NAMES.get(slug(first)), _DAY_NAMES.get(slug(last or first))
        if start is None or end is None or (sep and not last):
            return Bad(_(_DAYS_EXPECTED))
        if end < start:
            return Bad(_(_DAYS_EXPECTED))
        days.update(Day(d) for d in range(start, end + 1))
    return frozenset(days) if days else Bad(_(_DAYS_EXPECTED))


def parse_window(text: str, ctx: Context | None = None) -> TimeWindow | Bad:
    """A daily window ``09:00-12:00`` (also ``9h-12h``), start before end."""
    return _parse_window(text, language())


@functools.lru_cache(maxsize=1024)
def _parse_window(text: str, lang: str) -> TimeWindow | Bad:
    try:
        return TimeWindow.parse(text)
    except ValueError:
        return Bad(_('a time window like "09:00-12:00" with its start before its end'))


def parse_insee(text: str, ctx: Context) -> str | Bad:
    """An INSEE commune code: 5 characters (``21231``, ``2A004``); a lost leading 0 is restored."""
    code = text.strip().upper()
    if re.fullmatch(r"\d{4}", code):
        code = "0" + code
    if re.fullmatch(r"\d{5}|2[AB]\d{3}", code):
        return code
    return Bad(_('an INSEE commune code like "21231"'))


def parse_site_kind(text: str, ctx: Context) -> SiteKind | Bad:
    key = slug(text)
    if key in ("hub", "plateforme", "entrepot", "depot"):
        return SiteKind.HUB
    if key in ("supplier", "fournisseur", "donateur", "donor"):
        return SiteKind.SUPPLIER
    return Bad(_("hub or supplier"))


def parse_temperature(text: str, ctx: Context) -> Temperature | Bad:
    value = _normalise_temperature(text)
    return (
        value
        if value is not None
        else Bad(_("ambient, chilled or frozen (or sec, frais, surgelé)"))
    )


_normalise_temperature = functools.lru_cache(maxsize=1024)(normalise_temperature)
_normalise_category = functools.lru_cache(maxsize=4096)(normalise_category)


def parse_category(text: str, ctx: Context) -> str | Bad:
    value = _normalise_category(text, ctx.known)
    return value if value is not None else Bad(_category_expected(text, ctx))


def parse_category_list(text: str, ctx: Context) -> frozenset[str] | Bad:
    """Categories separated by commas or semicolons, or by spaces when there are none."""
    parts = re.split(r"[,;|]", text) if re.search(r"[,;|]", text) else text.split()
    ids = set()
    for part in (p.strip() for p in parts):
        if not part:
            continue
        value = _normalise_category(part, ctx.known)
        if value is None:
            return Bad(
                _('{expected} (unknown: "{part}")').format(
                    expected=_category_expected(part, ctx), part=part
                )
            )
        ids.add(value)
    return frozenset(ids)


def parse_category_id(text: str, ctx: Context) -> str | Bad:
    """The id of a row of ``categories.csv``: a known category or a new slug."""
    known = normalise_category(text)
    key = known or slug(text)
    return key if key else Bad(_("a category id like fruits_legumes"))


def _category_expected(text: str, ctx: Context) -> str:
    """The categories by their French labels, as people write them, with the closest one."""
    labels = {slug(c.label): c.label for c in ctx.categories.values()}
    labels.update({c.id: c.label for c in ctx.categories.values()})
    close = difflib.get_close_matches(slug(text), list(labels), n=1, cutoff=0.6)
    hint = did_you_mean_text(labels[close[0]]) if close else ""
    among = ", ".join(c.label for c in ctx.categories.values())
    return _("a category among {categories}").format(categories=among) + hint


def did_you_mean(text: str, choices: Any) -> str:
    """`` (did you mean "…"?)`` with the closest of ``choices``, or nothing if none is close."""
    close = difflib.get_close_matches(text, [str(c) for c in choices], n=1, cutoff=0.6)
    return did_you_mean_text(close[0]) if close else ""


def did_you_mean_text(suggestion: str) -> str:
    """The hint of :func:`did_you_mean` for a given suggestion."""
    return _(' (did you mean "{suggestion}"?)').format(suggestion=suggestion)


def plain_number(value: float) -> str:
    """A number as the messages show it: ``%g``, or whole with thousands commas from 1e6."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
