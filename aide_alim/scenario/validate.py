"""Turning raw scenario tables into the typed :class:`~aide_alim.scenario.model.Scenario`.

Validation collects **every** problem before giving up: each is a :class:`Problem` with the file,
the row as the spreadsheet numbers it, the column and a message ``expected …, got "…"``, e.g.
``lots.csv, row 14, column kg: expected a number >= 0, got "-12"``. Suspicious but possible data
(a capacity of 50 t in an épicerie, a lot 400 km away) gives warnings, which never block loading.

The column specifications (:data:`COLUMNS`) drive both the validation and the data dictionary
of the README: one :class:`ColumnSpec` per column with its parser, whether it is required and its
default. Each cell parser is a small function returning the value or a :class:`Bad` naming what
was expected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aide_alim import parsing
from aide_alim.errors import Problem, ScenarioError
from aide_alim.geo import haversine_km
from aide_alim.i18n import N_, _, language, number
from aide_alim.parsing import (
    MAX_ID_CHARS,
    MAX_TEXT_CHARS,
    Bad,
    clean_text,
    number_expected,
    parse_number,
)
from aide_alim.scenario.categories import (
    DEFAULT_CATEGORIES,
    normalise_category,
    normalise_temperature,
    slug,
)
from aide_alim.scenario.io import (
    FORMULA_MARK,
    OPTIONAL_TABLES,
    RawScenario,
    RawSetting,
    RawTable,
    read_raw,
)
from aide_alim.scenario.model import (
    Association,
    Category,
    Day,
    Logistics,
    Lot,
    Policy,
    RoutingParams,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
    Vehicle,
    parse_iso_week,
)
from aide_alim.scenario.summary import summarize

# Thresholds of the warnings for suspicious data.
MAX_ASSOCIATION_STORAGE_KG = 20_000.0
"""Free storage above this in one temperature class of an association is suspicious [kg]."""
MAX_VEHICLE_CAPACITY_KG = 50_000.0
"""A vehicle capacity above this (a 44 t lorry carries ~25 t) is suspicious [kg]."""
MAX_BENEFICIARIES = 5_000
"""Persons served per week above this by one association is suspicious."""


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


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()
"""Default of a column whose cells must not be empty."""


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column of a scenario table.

    - ``required``: the column must be in the header (otherwise it may be left out entirely).
    - ``default``: the value of an empty cell (or of a left-out column); :data:`REQUIRED` if a
      cell must be filled; ``None`` for a default derived from other data (``default_doc``).
    """

    name: str
    parse: Parser
    required: bool
    default: Any
    type_doc: str
    doc: str
    default_doc: str = ""
    #: values above this are possible but suspicious: a warning (see :data:`LIMITS`)
    plausible: float | None = None

    @property
    def default_text(self) -> str:
        """The default as the data dictionary shows it (empty if a value is mandatory)."""
        if self.default_doc:
            return self.default_doc
        if self.default is REQUIRED:
            return ""
        if isinstance(self.default, frozenset):
            if self.default and all(isinstance(d, Day) for d in self.default):
                return " ".join(d.code for d in sorted(self.default))
            return "(none)"
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if self.default == "":
            return "(empty)"
        if isinstance(self.default, float):
            return _fmt(self.default)
        return str(self.default)


# -- cell parsers: text → value or Bad ----------------------------------------------------------


def _number(minimum: float | None = None, *, strict: bool = False) -> Parser:
    def expected() -> str:
        if minimum is None:
            return _("a number")
        sign = ">" if strict else ">="
        return _("a number {sign} {minimum}").format(sign=sign, minimum=_fmt(minimum))

    def parse(text: str, ctx: Context) -> float | Bad:
        value = parse_number(text, decimal_comma=ctx.decimal_comma)
        if isinstance(value, Bad):
            return number_expected(value, expected())
        if minimum is not None and (value <= minimum if strict else value < minimum):
            return Bad(expected())
        return value

    return parse


def _range(low: float, high: float, what: str) -> Parser:
    def parse(text: str, ctx: Context) -> float | Bad:
        value = parse_number(text, decimal_comma=ctx.decimal_comma)
        if isinstance(value, Bad) or not low <= value <= high:
            return Bad(
                _("a {what} between {low} and {high} (WGS84 degrees)").format(
                    what=_(what), low=_fmt(low), high=_fmt(high)
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
    hint = _did_you_mean_text(labels[close[0]]) if close else ""
    among = ", ".join(c.label for c in ctx.categories.values())
    return _("a category among {categories}").format(categories=among) + hint


def _did_you_mean(text: str, choices: Any) -> str:
    close = difflib.get_close_matches(text, [str(c) for c in choices], n=1, cutoff=0.6)
    return _did_you_mean_text(close[0]) if close else ""


def _did_you_mean_text(suggestion: str) -> str:
    return _(' (did you mean "{suggestion}"?)').format(suggestion=suggestion)


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"


# -- the column tables --------------------------------------------------------------------------


def _default(cls: type, name: str) -> Any:
    for f in dataclasses.fields(cls):
        if f.name == name:
            return f.default
    raise KeyError(name)  # pragma: no cover - a typo in this module


def _col(
    name: str,
    parse: Parser,
    type_doc: str,
    doc: str,
    *,
    required: bool = True,
    default: Any = REQUIRED,
    default_doc: str = "",
) -> ColumnSpec:
    return ColumnSpec(name, parse, required, default, type_doc, doc, default_doc)


_LAT = _range(-90, 90, N_("latitude"))
_LON = _range(-180, 180, N_("longitude"))
_KG = _number(0)
_EUR = _number(0)
_DAYS_DOC = "days (mon tue wed thu fri sat sun, or lun mar mer …; ranges mon-fri)"

COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "associations": (
        _col("id", parse_id, "text", "unique id of the association"),
        _col("name", parse_text, "text", "display name"),
        _col(
            "kind",
            parse_text,
            "text",
            "épicerie sociale, distribution de colis, restauration, CCAS, …",
        ),
        _col(
            "commune", parse_insee, "INSEE code", "INSEE code of its commune (e.g. 21231 = Dijon)"
        ),
        _col(
            "address",
            parse_text,
            "text",
            "postal address (informative)",
            required=False,
            default="",
        ),
        _col("lat", _LAT, "degrees", "WGS84 latitude of the place deliveries go to"),
        _col("lon", _LON, "degrees", "WGS84 longitude"),
        _col(
            "beneficiaries", parse_count, "persons", "persons served per week (basis of the need)"
        ),
        _col("dry_kg", _KG, "kg", "free ambient (dry) storage this week; 0 = none", default=0.0),
        _col("chilled_kg", _KG, "kg", "free chilled storage (0–4 °C) this week", default=0.0),
        _col("frozen_kg", _KG, "kg", "free frozen storage (−18 °C) this week", default=0.0),
        _col("open_days", parse_days, _DAYS_DOC, "days it can receive deliveries"),
        _col(
            "receive_window", parse_window, "HH:MM-HH:MM", "hours it can receive, e.g. 09:00-12:00"
        ),
        _col(
            "collects",
            parse_bool,
            "true/false (oui/non)",
            "true if it fetches its share at the hub itself",
            required=False,
            default=_default(Association, "collects"),
        ),
        _col(
            "budget_eur",
            _EUR,
            "€",
            "most it can spend this week on lots that are sold",
            required=False,
            default=_default(Association, "budget_eur"),
        ),
        _col(
            "refuses",
            parse_category_list,
            "categories",
            "categories it does not take",
            required=False,
            default=frozenset(),
        ),
        _col(
            "other_supply_kg",
            _KG,
            "kg",
            "food it gets elsewhere this week (counts toward its fill)",
            required=False,
            default=_default(Association, "other_supply_kg"),
        ),
    ),
    "sites": (
        _col("id", parse_id, "text", "unique id of the site"),
        _col("name", parse_text, "text", "display name"),
        _col("kind", parse_site_kind, "hub/supplier", "hub (the shared platform) or supplier"),
        _col("lat", _LAT, "degrees", "WGS84 latitude"),
        _col("lon", _LON, "degrees", "WGS84 longitude"),
        _col(
            "open_days",
            parse_days,
            _DAYS_DOC,
            "days lots can be picked up",
            required=False,
            default=_default(Site, "open_days"),
        ),
        _col(
            "window",
            parse_window,
            "HH:MM-HH:MM",
            "opening hours",
            required=False,
            default=_default(Site, "window"),
        ),
        _col(
            "address",
            parse_text,
            "text",
            "postal address (informative)",
            required=False,
            default="",
        ),
    ),
    "lots": (
        _col("id", parse_id, "text", "unique id of the lot"),
        _col("site", parse_id, "site id", "site (sites.csv) where it is picked up"),
        _col("product", parse_text, "text", "product label"),
        _col(
            "category",
            parse_category,
            "category",
            "one of the category table (French names accepted)",
        ),
        _col(
            "temperature",
            parse_temperature,
            "ambient/chilled/frozen",
            "temperature class",
            required=False,
            default=None,
            default_doc="the category's class",
        ),
        _col("kg", _KG, "kg", "quantity offered"),
        _col("unit_kg", _number(0.001), "kg", "smallest split (a carton, a crate), <= kg"),
        _col(
            "price_eur_kg",
            _EUR,
            "€/kg",
            "price paid; 0 = donation",
            default=0.0,
            default_doc="0 (donation)",
        ),
        _col(
            "value_eur_kg",
            _EUR,
            "€/kg",
            "market value",
            required=False,
            default=None,
            default_doc="the category's value",
        ),
        _col(
            "available",
            parse_date,
            "date",
            "first day it can be picked up",
            default=None,
            default_doc="Monday of the week",
        ),
        _col(
            "use_by",
            parse_date,
            "date",
            "DLC: nothing is delivered after it (hard limit)",
            required=False,
            default=None,
            default_doc="(none)",
        ),
        _col(
            "best_before",
            parse_date,
            "date",
            "DDM: best before (soft limit)",
            required=False,
            default=None,
            default_doc="(none)",
        ),
    ),
    "vehicles": (
        _col("id", parse_id, "text", "unique id of the vehicle"),
        _col(
            "depot",
            parse_id,
            "site id",
            "site (sites.csv) where it starts and ends, usually the hub",
        ),
        _col("capacity_kg", _number(0, strict=True), "kg", "payload"),
        _col("refrigerated", parse_bool, "true/false (oui/non)", "true if it keeps the cold chain"),
        _col(
            "cost_eur_km",
            _EUR,
            "€/km",
            "running cost per km",
            required=False,
            default=_default(Vehicle, "cost_eur_km"),
        ),
        _col(
            "cost_eur_h",
            _EUR,
            "€/h",
            "driver cost per hour",
            required=False,
            default=_default(Vehicle, "cost_eur_h"),
        ),
        _col(
            "co2_g_km",
            _number(0),
            "g CO₂/km",
            "emissions per km",
            required=False,
            default=_default(Vehicle, "co2_g_km"),
        ),
        _col(
            "shift",
            parse_window,
            "HH:MM-HH:MM",
            "working hours",
            required=False,
            default=_default(Vehicle, "shift"),
        ),
        _col(
            "days",
            parse_days,
            _DAYS_DOC,
            "days it is available",
            required=False,
            default=_default(Vehicle, "days"),
        ),
        _col("name", parse_text, "text", "display name", required=False, default=""),
    ),
    "categories": (
        _col(
            "id",
            parse_category_id,
            "text",
            "category id (a default one to override it, or a new one)",
        ),
        _col(
            "label",
            parse_text,
            "text",
            "French label",
            required=False,
            default=None,
            default_doc="the default label, else the id",
        ),
        _col(
            "temperature", parse_temperature, "ambient/chilled/frozen", "default temperature class"
        ),
        _col("value_eur_kg", _EUR, "€/kg", "market value"),
        _col(
            "source",
            parse_text,
            "text",
            'where the value comes from, or "estimate: …"',
            required=False,
            default=None,
            default_doc="given in the scenario's categories.csv",
        ),
    ),
}

# Bounds of the number columns: beyond the hard one a value is an error (a typing or unit
# mistake that would give a wrong plan: 1e20 kg, a price of 1e308 €/kg); beyond the plausible
# one it is a warning. Both are shown in the data dictionary. The plausible bounds of storage,
# capacity and beneficiaries are checked with their context (_check_association, _check_hub).
LIMITS: dict[tuple[str, str], tuple[float, float | None]] = {
    ("associations", "beneficiaries"): (1_000_000, None),
    ("associations", "dry_kg"): (1_000_000, None),
    ("associations", "chilled_kg"): (1_000_000, None),
    ("associations", "frozen_kg"): (1_000_000, None),
    ("associations", "budget_eur"): (100_000_000, 1_000_000),
    ("associations", "other_supply_kg"): (1_000_000, 50_000),
    ("lots", "kg"): (1_000_000, 50_000),
    ("lots", "unit_kg"): (10_000, 1_000),
    ("lots", "price_eur_kg"): (10_000, 100),
    ("lots", "value_eur_kg"): (10_000, 100),
    ("vehicles", "capacity_kg"): (100_000, None),
    ("vehicles", "cost_eur_km"): (1_000, 20),
    ("vehicles", "cost_eur_h"): (10_000, 200),
    ("vehicles", "co2_g_km"): (100_000, 2_000),
    ("categories", "value_eur_kg"): (10_000, 100),
}


def _bounded(parse: Parser, maximum: float) -> Parser:
    def bounded(text: str, ctx: Context) -> Any:
        value = parse(text, ctx)
        if not isinstance(value, Bad) and value > maximum:
            return Bad(
                _("at most {maximum} (a typing or unit error?)").format(maximum=_fmt(maximum))
            )
        return value

    return bounded


def _limited(table: str, spec: ColumnSpec) -> ColumnSpec:
    if spec.parse is parse_id:
        return dataclasses.replace(spec, type_doc=f"{spec.type_doc}, ≤ {MAX_ID_CHARS} characters")
    if spec.parse is parse_text:
        return dataclasses.replace(spec, type_doc=f"text, ≤ {MAX_TEXT_CHARS} characters")
    if (table, spec.name) not in LIMITS:
        return spec
    hard, plausible = LIMITS[table, spec.name]
    doc = f"{spec.type_doc}, ≤ {_fmt(hard)}"
    if plausible is not None:
        doc += f" (warning above {_fmt(plausible)})"
    return dataclasses.replace(
        spec, parse=_bounded(spec.parse, hard), type_doc=doc, plausible=plausible
    )


COLUMNS = {table: tuple(_limited(table, s) for s in specs) for table, specs in COLUMNS.items()}
"""Every column of every scenario table, in the order the data dictionary shows them."""


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One top-level key of ``scenario.toml`` (the sections come from the params dataclasses)."""

    name: str
    required: bool
    doc: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("name", False, N_("name of the scenario (default: the folder or workbook name)")),
    SettingSpec("week", True, N_('ISO week, e.g. "2020-W41"')),
    SettingSpec("hub", False, N_("id of the hub site (default: the only site of kind hub)")),
    SettingSpec(
        "territory", False, 'territory the documents name, e.g. "Dijon Métropole" (default: none)'
    ),
    SettingSpec(
        "organisation",
        False,
        "who the documents come from (default: the coordination of food aid of the territory)",
    ),
)
SECTIONS: dict[str, type[Policy] | type[Logistics] | type[RoutingParams]] = {
    "policy": Policy,
    "logistics": Logistics,
    "routing": RoutingParams,
}


# -- reading rows ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    row: int
    values: dict[str, Any]
    ok: bool
    texts: dict[str, str] = dataclasses.field(default_factory=dict)

    def got(self, column: str) -> str:
        """The cell as the user typed it (for the ``got "…"`` of a message)."""
        return self.texts.get(column, "")


class _Collector:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def error(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message, "warning"))


IGNORED_COLUMNS: frozenset[str] = frozenset(
    {"notes", "note", "comment", "comments", "commentaire", "commentaires", "remarques", "source"}
)
"""Free-text columns any table may carry for people; the tool ignores them."""


def _header_key(text: str) -> str:
    return slug(text)


def _read_table(
    table: RawTable, specs: tuple[ColumnSpec, ...], ctx: Context, out: _Collector
) -> tuple[list[_Row], set[str]]:
    """Parse every cell; returns the rows and the names of the columns present."""
    if table.decimal_comma != ctx.decimal_comma:
        ctx = dataclasses.replace(ctx, decimal_comma=table.decimal_comma)
    by_name = {spec.name: spec for spec in specs}
    positions: dict[str, int] = {}
    for index, heading in enumerate(table.header):
        key = _header_key(heading)
        if not heading:
            if any(index < len(r.cells) and r.cells[index] for r in table.rows):
                out.error(
                    table.file,
                    table.header_row,
                    f"#{index + 1}",
                    _("expected a column name above the data, got an empty header cell"),
                )
            continue
        if key in IGNORED_COLUMNS and key not in by_name:
            continue
        if key not in by_name:
            hint = _did_you_mean(key, by_name)
            out.error(
                table.file,
                table.header_row,
                heading,
                _('expected a known column{hint}, got "{heading}"').format(
                    hint=hint, heading=heading
                ),
            )
        elif key in positions:
            out.error(
                table.file,
                table.header_row,
                heading,
                _('expected each column once, got "{column}" twice').format(column=key),
            )
        else:
            positions[key] = index
    missing = [s.name for s in specs if s.required and s.name not in positions]
    for name in missing:
        out.error(
            table.file,
            table.header_row,
            name,
            _('expected a required column "{column}", got none in the header').format(column=name),
        )
    width = len(table.header)
    rows = []
    for raw in table.rows:
        values: dict[str, Any] = {}
        ok = not missing
        extra = [c for c in raw.cells[width:] if c]
        if extra:
            out.error(
                table.file,
                raw.row,
                None,
                _(
                    "expected at most {width} cells (one per column), got {count}"
                    ' (a separator inside a value? e.g. "{example}")'
                ).format(width=width, count=width + len(extra), example=extra[0]),
            )
            ok = False
        for spec in specs:
            if spec.name not in positions:
                if spec.name not in missing:
                    values[spec.name] = spec.default
                continue
            index = positions[spec.name]
            text = raw.cells[index] if index < len(raw.cells) else ""
            if not text:
                if spec.default is REQUIRED:
                    message = _('expected {expected}, got "{text}"')
                    out.error(
                        table.file,
                        raw.row,
                        spec.name,
                        message.format(expected=_expected(spec), text=""),
                    )
                    ok = False
                else:
                    values[spec.name] = spec.default
                continue
            if text.startswith(FORMULA_MARK):
                out.error(
                    table.file,
                    raw.row,
                    spec.name,
                    _(
                        "expected a value, got a formula never computed ({formula}): open the "
                        "workbook in Excel or LibreOffice and save it, so that its values are "
                        "stored"
                    ).format(formula=text[1:]),
                )
                ok = False
                continue
            value = spec.parse(text, ctx)
            if isinstance(value, Bad):
                out.error(
                    table.file,
                    raw.row,
                    spec.name,
                    _('expected {expected}, got "{text}"').format(
                        expected=value.expected, text=text
                    ),
                )
                ok = False
            else:
                values[spec.name] = value
                if spec.plausible is not None and value > spec.plausible:
                    out.warn(
                        table.file,
                        raw.row,
                        spec.name,
                        _(
                            "expected at most {maximum} here (a typing or unit error?), "
                            'got "{text}"'
                        ).format(maximum=_fmt(spec.plausible), text=text),
                    )
        texts = {
            name: raw.cells[index] for name, index in positions.items() if index < len(raw.cells)
        }
        rows.append(_Row(raw.row, values, ok, texts))
    return rows, set(positions)


def _expected(spec: ColumnSpec) -> str:
    """What an empty required cell should hold, in the parser's words."""
    probe = spec.parse("\x00", Context(DEFAULT_CATEGORIES))  # a value no parser accepts
    if isinstance(probe, Bad):
        text = probe.expected
        for hint in (_did_you_mean_text("{"), _(' (unknown: "{part}")')):
            text = text.split(hint.split("{")[0].rstrip(' "'))[0]
        return text
    if spec.parse is parse_text:
        return _("a value (text, ≤ {limit} characters)").format(limit=MAX_TEXT_CHARS)
    return _("a value ({type})").format(type=spec.type_doc)


def _check_unique(rows: list[_Row], file: str, out: _Collector) -> None:
    first: dict[str, int] = {}
    for r in rows:
        key = r.values.get("id")
        if not key:
            continue
        if key in first:
            out.error(
                file,
                r.row,
                "id",
                _('expected a unique id, got "{id}" again (first on row {row})').format(
                    id=key, row=first[key]
                ),
            )
            r.ok = False
        else:
            first[key] = r.row


def _check_reference(
    r: _Row, column: str, known: Mapping[str, Any], what: str, file: str, out: _Collector
) -> None:
    value = r.values.get(column)
    if value is not None and value not in known:
        hint = _did_you_mean(value, known)
        message = _('expected {expected}, got "{text}"').format(expected=_(what) + hint, text=value)
        out.error(file, r.row, column, message)
        r.ok = False


# -- settings ----------------------------------------------------------------------------------


def _setting_value(raw: RawSetting, default: Any, file: str, out: _Collector) -> tuple[bool, Any]:
    """Convert a TOML value (or a workbook cell's text) to the type of the field's default."""
    value = raw.value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return True, value
        parsed = parse_bool(str(value)) if isinstance(value, str) else Bad("")
        if not isinstance(parsed, Bad):
            return True, parsed
        expected = _("true or false")
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return True, value
        number = parse_number(value) if isinstance(value, str) else value
        if isinstance(number, float) and number.is_integer():
            return True, int(number)
        expected = _("a whole number")
    elif isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            if math.isfinite(value):
                return True, float(value)
        elif isinstance(value, str) and not isinstance(parse_number(value), Bad):
            return True, parse_number(value)
        expected = _("a number")
    else:  # text (and optional text such as road_graph)
        if isinstance(value, str):
            return True, value.strip() or (None if default is None else value)
        expected = _("a text")
    out.error(
        file, raw.row, raw.key, _('expected {expected}, got "{text}"').format(
            expected=expected, text=value)
    )  # fmt: skip
    return False, None


def _post_init_message(exc: Exception, value: Any) -> str:
    message = str(exc).rstrip(".")
    message = message[:1].lower() + message[1:]
    got = _(', got "{text}"')
    if got.split('"')[0] not in message:
        message += got.format(text=value)
    return message


def _read_settings(raw: RawScenario, out: _Collector) -> dict[str, Any]:
    """Top-level settings and the three parameter sections, every problem located."""
    file = raw.settings_file
    top = {s.name for s in SETTINGS}
    result: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    seen: dict[str, RawSetting] = {}
    for setting in raw.settings:
        key = setting.key.strip()
        if key in seen:
            message = _('expected each key once, got "{key}" twice').format(key=key)
            out.error(file, setting.row, key, message)
            continue
        seen[key] = setting
        section, dot, name = key.partition(".")
        if not dot:
            if key not in top:
                hint = _did_you_mean(key, sorted(top | set(SECTIONS)))
                message = _('expected a known key{hint}, got "{key}"').format(hint=hint, key=key)
                out.error(file, setting.row, key, message)
            elif not isinstance(setting.value, str) or not setting.value.strip():
                message = _('expected {expected}, got "{text}"').format(
                    expected=_("a text"), text=setting.value
                )
                out.error(file, setting.row, key, message)
            else:
                result[key] = setting.value.strip()
            continue
        if section not in SECTIONS:
            hint = _did_you_mean(section, SECTIONS)
            out.error(
                file,
                setting.row,
                key,
                _('expected a section policy, logistics or routing{hint}, got "{section}"').format(
                    hint=hint, section=section
                ),
            )
            continue
        cls = SECTIONS[section]
        if name not in cls.field_names():
            hint = _did_you_mean(name, cls.field_names())
            message = _('expected a key of [{section}]{hint}, got "{key}"').format(
                section=section, hint=hint, key=name
            )
            out.error(file, setting.row, key, message)
            continue
        ok, value = _setting_value(setting, _default(cls, name), file, out)
        if not ok:
            continue
        try:
            cls(**{name: value})  # each field alone, so that a range error names its key
        except (ValueError, TypeError) as exc:
            out.error(file, setting.row, key, _post_init_message(exc, setting.value))
            continue
        sections[section][name] = value
    for spec in SETTINGS:
        if spec.required and spec.name not in result and spec.name not in seen:
            message = _('expected a key "{key}" ({doc}), got none').format(
                key=spec.name, doc=_(spec.doc)
            )
            out.error(file, None, spec.name, message)
    for section, cls in SECTIONS.items():
        try:
            result[section] = cls(**sections[section])
        except (ValueError, TypeError) as exc:  # a rule that spans several keys
            out.error(file, None, section, _post_init_message(exc, sections[section]))
    _check_road_graph(raw, result.get("logistics"), seen, out)
    if "week" in result:
        try:
            monday = parse_iso_week(result["week"])
            year, week, _weekday = monday.isocalendar()
            result["week_start"], result["week"] = monday, f"{year}-W{week:02d}"  # canonical
        except ValueError:
            out.error(
                file,
                seen["week"].row,
                "week",
                _('expected an ISO week like "2020-W41", got "{text}"').format(text=result["week"]),
            )
            del result["week"]
    return result


def _check_road_graph(
    raw: RawScenario, logistics: Logistics | None, seen: dict[str, RawSetting], out: _Collector
) -> None:
    """``logistics.road_graph`` must name a file (relative to the scenario's folder)."""
    if logistics is None or not logistics.road_graph:
        return
    path = Path(logistics.road_graph)
    if not path.is_absolute():
        base = Path(raw.source)
        path = (base if base.is_dir() else base.parent) / path
    problem = ""
    if not path.is_file():
        problem = _("no file {path}").format(path=path)
    else:  # checked now, not at the route stage after the allocation
        try:
            with path.open("rb") as handle:
                head = handle.read(4096)
        except OSError as exc:
            problem = _("unreadable: {error}").format(error=exc.strerror or exc)
        else:
            if b"<graphml" not in head:
                problem = _("{path} is not GraphML").format(path=path)
    if problem:
        out.error(
            raw.settings_file,
            seen["logistics.road_graph"].row,
            "logistics.road_graph",
            _('expected a GraphML road network file, got "{file}" ({problem})').format(
                file=logistics.road_graph, problem=problem
            ),
        )


# -- the scenario ------------------------------------------------------------------------------


def _categories(raw: RawScenario, out: _Collector) -> dict[str, Category]:
    categories = dict(DEFAULT_CATEGORIES)
    table = raw.tables.get("categories")
    if table is None:
        return categories
    rows, _ = _read_table(table, COLUMNS["categories"], Context(categories), out)
    _check_unique(rows, table.file, out)
    for r in rows:
        if not r.ok:
            continue
        v = r.values
        base = DEFAULT_CATEGORIES.get(v["id"])
        categories[v["id"]] = Category(
            id=v["id"],
            label=v["label"] or (base.label if base else v["id"]),
            temperature=v["temperature"],
            value_eur_kg=v["value_eur_kg"],
            value_source=v["source"] or f"given in the scenario's {table.file}",
        )
    return categories


def _table_rows(
    raw: RawScenario, name: str, ctx: Context, out: _Collector
) -> tuple[list[_Row], str]:
    table = raw.tables.get(name)
    if table is None:
        return [], f"{name}.csv"
    rows, _ = _read_table(table, COLUMNS[name], ctx, out)
    _check_unique(rows, table.file, out)
    return rows, table.file


def build_scenario(raw: RawScenario) -> tuple[Scenario | None, list[Problem]]:
    """Validate raw tables: the scenario (``None`` if any error) and every problem found."""
    problems: list[Problem] = list(raw.problems)
    out = _Collector(problems)
    if raw.problems and not raw.tables and not raw.settings:
        return None, problems  # nothing could be read: the reasons are all there is to say
    settings_unreadable = any(p.file == raw.settings_file for p in raw.problems)
    settings = {} if settings_unreadable else _read_settings(raw, out)
    categories = _categories(raw, out)
    ctx = Context(categories)

    sites_rows, sites_file = _table_rows(raw, "sites", ctx, out)
    assoc_rows, assoc_file = _table_rows(raw, "associations", ctx, out)
    lot_rows, lots_file = _table_rows(raw, "lots", ctx, out)
    vehicle_rows, vehicles_file = _table_rows(raw, "vehicles", ctx, out)

    site_ids = {r.values["id"]: r for r in sites_rows if r.values.get("id")}
    week_start: dt.date | None = settings.get("week_start")
    logistics: Logistics = settings.get("logistics", Logistics())

    hub = _check_hub(raw, settings, sites_rows, site_ids, sites_file, out)

    sites = [Site(**r.values) for r in sites_rows if r.ok]

    associations = []
    for r in assoc_rows:
        _check_association(r, assoc_file, out)
        if r.ok:
            associations.append(Association(**r.values))
    _check_reach(
        [r for r in sites_rows if r.ok], [r for r in assoc_rows if r.ok], logistics.reach_km,
        sites_file, assoc_file, out,
    )  # fmt: skip

    lots = []
    for r in lot_rows:
        _check_reference(r, "site", site_ids, N_("a site id of sites.csv"), lots_file, out)
        _check_lot(r, categories, week_start, lots_file, out)
        if r.ok and week_start is not None:
            lots.append(Lot(**r.values))

    vehicles = []
    for r in vehicle_rows:
        _check_reference(r, "depot", site_ids, N_("a site id of sites.csv"), vehicles_file, out)
        capacity = r.values.get("capacity_kg")
        if capacity is not None and capacity > MAX_VEHICLE_CAPACITY_KG:
            out.warn(
                vehicles_file,
                r.row,
                "capacity_kg",
                _('expected a capacity of at most {maximum} kg, got "{text}"').format(
                    maximum=_fmt(MAX_VEHICLE_CAPACITY_KG), text=r.got("capacity_kg")
                ),
            )
        if r.ok:
            vehicles.append(Vehicle(**r.values))

    if "associations" in raw.tables and not assoc_rows:
        message = _("expected at least one association this week, got none")
        out.error(assoc_file, None, None, message)
    if "lots" in raw.tables and not lot_rows:
        out.error(lots_file, None, None, _("expected at least one lot this week, got none"))
    cold = [lot for lot in lots if lot.temperature.needs_cold]
    all_vehicles_read = len(vehicles) == len(vehicle_rows)
    if cold and vehicles and all_vehicles_read and not any(v.refrigerated for v in vehicles):
        out.warn(
            vehicles_file,
            None,
            "refrigerated",
            _(
                "expected a refrigerated vehicle for the {count} chilled or frozen lots, got none"
            ).format(count=len(cold)),
        )

    # Problems in file order, then row order (a row's parse and cross-reference problems meet).
    file_order = {name: index for index, name in enumerate(dict.fromkeys(p.file for p in problems))}
    problems.sort(key=lambda p: (file_order[p.file], p.row or 0))
    if any(p.severity == "error" for p in problems):
        return None, problems
    assert hub is not None and "week" in settings  # every missing piece was an error above
    scenario = Scenario(
        name=clean_text(str(settings.get("name", raw.default_name)))[:MAX_TEXT_CHARS],
        week=settings["week"],
        hub=hub,
        associations=tuple(associations),
        sites=tuple(sites),
        lots=tuple(lots),
        vehicles=tuple(vehicles),
        categories=categories,
        policy=settings["policy"],
        logistics=settings["logistics"],
        routing=settings["routing"],
        source=raw.source,
        territory=settings.get("territory", ""),
        organisation=settings.get("organisation", ""),
    )
    return scenario, problems


def _check_hub(
    raw: RawScenario,
    settings: dict[str, Any],
    sites_rows: list[_Row],
    site_ids: dict[str, _Row],
    sites_file: str,
    out: _Collector,
) -> str | None:
    hub = settings.get("hub")
    file = raw.settings_file
    row = next((s.row for s in raw.settings if s.key.strip() == "hub"), None)
    hubs = [
        str(r.values["id"])
        for r in sites_rows
        if r.values.get("kind") is SiteKind.HUB and r.values.get("id")
    ]
    if hub is None:
        if "sites" not in raw.tables:
            return None
        if len(hubs) == 1:
            return str(hubs[0])
        found = f"{len(hubs)} ({', '.join(hubs)})" if hubs else _("none")
        out.error(
            file,
            None,
            "hub",
            _(
                "expected a key hub naming the hub site, or exactly one site of kind hub, "
                "got {found}"
            ).format(found=found),
        )
        return None
    if "sites" not in raw.tables:
        return None
    if hub not in site_ids:
        hint = _did_you_mean(hub, site_ids)
        message = _('expected a site id of {file}{hint}, got "{text}"').format(
            file=sites_file, hint=hint, text=hub
        )
        out.error(file, row, "hub", message)
        return None
    kind = site_ids[hub].values.get("kind")
    if kind is not SiteKind.HUB and kind is not None:
        out.error(
            file,
            row,
            "hub",
            _('expected a site of kind hub, got "{site}" of kind {kind}').format(
                site=hub, kind=kind.value
            ),
        )
        return None
    return str(hub)


def _check_reach(
    site_rows: list[_Row],
    assoc_rows: list[_Row],
    reach_km: float,
    sites_file: str,
    assoc_file: str,
    out: _Collector,
) -> None:
    """Warn about places with nothing within reach: usually a typo in a coordinate.

    A supplier no association can be reached from, or an association no site is within reach
    of, is suspicious in a metropolis as in a national run spread over regions.
    """
    if not site_rows or not assoc_rows:
        return
    site_lat, site_lon = np.array([(r.values["lat"], r.values["lon"]) for r in site_rows]).T
    assoc_lat, assoc_lon = np.array([(r.values["lat"], r.values["lon"]) for r in assoc_rows]).T
    km = haversine_km(site_lat[:, None], site_lon[:, None], assoc_lat[None, :], assoc_lon[None, :])
    for r, nearest in zip(site_rows, km.min(axis=1), strict=True):
        if nearest > reach_km and r.values["kind"] is SiteKind.SUPPLIER:
            out.warn(
                sites_file,
                r.row,
                "lat",
                _(
                    "expected a site within {reach} km of an association "
                    '(logistics.reach_km), got "{lat}, {lon}": the nearest '
                    "association is {km} km away"
                ).format(
                    reach=_fmt(reach_km), lat=r.got("lat"), lon=r.got("lon"), km=f"{nearest:.0f}"
                ),
            )
    for r, nearest in zip(assoc_rows, km.min(axis=0), strict=True):
        if nearest > reach_km:
            out.warn(
                assoc_file,
                r.row,
                "lat",
                _(
                    "expected an association within {reach} km of a site "
                    '(logistics.reach_km), got "{lat}, {lon}": the nearest '
                    "site is {km} km away"
                ).format(
                    reach=_fmt(reach_km), lat=r.got("lat"), lon=r.got("lon"), km=f"{nearest:.0f}"
                ),
            )


def _check_association(r: _Row, file: str, out: _Collector) -> None:
    v = r.values
    people = v.get("beneficiaries")
    if people is not None and people > MAX_BENEFICIARIES:
        out.warn(
            file,
            r.row,
            "beneficiaries",
            _('expected at most {maximum} persons a week in one association, got "{text}"').format(
                maximum=number(MAX_BENEFICIARIES), text=r.got("beneficiaries")
            ),
        )
    for column in ("dry_kg", "chilled_kg", "frozen_kg"):
        kg = v.get(column)
        if kg is not None and kg > MAX_ASSOCIATION_STORAGE_KG:
            out.warn(
                file,
                r.row,
                column,
                _(
                    'expected at most {maximum} kg of free storage in an association, got "{text}"'
                ).format(maximum=_fmt(MAX_ASSOCIATION_STORAGE_KG), text=r.got(column)),
            )


def _check_lot(
    r: _Row,
    categories: Mapping[str, Category],
    week_start: dt.date | None,
    file: str,
    out: _Collector,
) -> None:
    v = r.values
    category = categories.get(v.get("category", ""))
    if category is not None:
        if "temperature" in v and v["temperature"] is None:
            v["temperature"] = category.temperature
        if "value_eur_kg" in v and v["value_eur_kg"] is None:
            v["value_eur_kg"] = category.value_eur_kg
        temperature = v.get("temperature")
        # Only the cold-chain direction is suspicious: a cold category declared ambient (fine
        # for UHT milk, a food-safety risk otherwise); keeping an ambient product cold is not.
        if temperature is Temperature.AMBIENT and category.temperature.needs_cold:
            out.warn(
                file,
                r.row,
                "temperature",
                _(
                    'expected "{expected}" for the category {category} '
                    '(ambient only if shelf-stable), got "{text}"'
                ).format(
                    expected=category.temperature.value,
                    category=category.id,
                    text=temperature.value,
                ),
            )
    if "available" in v and v["available"] is None and week_start is not None:
        v["available"] = week_start
    kg, unit = v.get("kg"), v.get("unit_kg")
    if kg is not None and unit is not None and unit > kg and kg > 0:
        out.error(
            file,
            r.row,
            "unit_kg",
            _('expected a unit <= kg ({kg}), got "{text}"').format(
                kg=_fmt(kg), text=r.got("unit_kg")
            ),
        )
        r.ok = False
    price, value = v.get("price_eur_kg"), v.get("value_eur_kg")
    if price is not None and value is not None and price > value:
        out.warn(
            file,
            r.row,
            "price_eur_kg",
            _('expected a price at most the market value ({value} €/kg), got "{text}"').format(
                value=_fmt(value), text=r.got("price_eur_kg")
            ),
        )
    available, use_by = v.get("available"), v.get("use_by")
    if available is not None and use_by is not None and use_by < available:
        out.error(
            file,
            r.row,
            "use_by",
            _('expected a DLC on or after available ({date}), got "{text}"').format(
                date=available.isoformat(), text=r.got("use_by")
            ),
        )
        r.ok = False
    elif week_start is not None and use_by is not None and use_by < week_start:
        out.warn(
            file,
            r.row,
            "use_by",
            _(
                "expected a DLC on or after the week's Monday ({date}): nothing "
                'can be delivered, got "{text}"'
            ).format(date=week_start.isoformat(), text=r.got("use_by")),
        )
    if week_start is not None and available is not None:
        sunday = week_start + dt.timedelta(days=6)
        if available > sunday:
            out.warn(
                file,
                r.row,
                "available",
                _('expected a lot available by the week\'s Sunday ({date}), got "{text}"').format(
                    date=sunday.isoformat(), text=r.got("available")
                ),
            )


# -- public entry points -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of checking a scenario.

    - ``ok``: true when there is no error (warnings do not count).
    - ``errors``, ``warnings``: every located problem, in file order.
    - ``summary``: :func:`~aide_alim.scenario.summary.summarize` of the scenario (empty if not ok).
    - ``scenario``: the loaded scenario, ``None`` if not ok.
    """

    ok: bool
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    summary: dict[str, Any]
    scenario: Scenario | None

    def to_dict(self) -> dict[str, Any]:
        """``{"ok", "errors", "warnings", "summary"}`` as plain JSON-able types."""
        return {
            "ok": self.ok,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "summary": self.summary,
        }


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario folder or ``.xlsx`` workbook.

    Raises :class:`~aide_alim.errors.ScenarioError` listing every error (and warning) found.

    >>> scenario = load_scenario("scenarios/tiny")  # doctest: +SKIP
    """
    scenario, problems = build_scenario(read_raw(path))
    if scenario is None:
        raise ScenarioError(problems)
    return scenario


def check_scenario(path: str | Path) -> ValidationReport:
    """Check a scenario folder or workbook; never raises for bad input."""
    scenario, problems = build_scenario(read_raw(path))
    errors = tuple(p for p in problems if p.severity == "error")
    warnings = tuple(p for p in problems if p.severity == "warning")
    summary = summarize(scenario) if scenario is not None else {}
    return ValidationReport(scenario is not None, errors, warnings, summary, scenario)


def data_dictionary() -> str:
    """The scenario format as Markdown tables, generated from :data:`COLUMNS` and the sections.

    "required" means the column must be in the header; an empty cell then takes the default,
    and a cell without default must be filled. Optional columns may be left out entirely.
    """
    lines = [
        "### scenario.toml",
        "",
        "| key | required | default | meaning |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS:
        required = "yes" if setting.required else "no"
        lines.append(f"| `{setting.name}` | {required} | | {setting.doc} |")
    for section, cls in SECTIONS.items():
        for name in cls.field_names():
            default = _default(cls, name)
            shown = "(none)" if default is None else str(default).lower()
            meaning = _param_doc(cls, name) or f"see `{cls.__name__}`"
            lines.append(f"| `{section}.{name}` | no | `{shown}` | {meaning} |")
    for table, specs in COLUMNS.items():
        optional = " (optional file)" if table in OPTIONAL_TABLES else ""
        lines += [
            "",
            f"### {table}.csv{optional}",
            "",
            "| column | required | type [unit] | default | meaning |",
            "|---|---|---|---|---|",
        ]
        for spec in specs:
            required = "yes" if spec.required else "no"
            cells = (f"`{spec.name}`", required, spec.type_doc, spec.default_text, spec.doc)
            lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _param_doc(cls: type, name: str) -> str:
    """The sentence of a params dataclass docstring about ``name`` (``- ``name``: …``)."""
    match = re.search(
        rf"``{name}``: (.*?)(?=\n\s*- ``|\n\s*\n|;\s*``|$)", cls.__doc__ or "", re.DOTALL
    )
    text = " ".join(match.group(1).split()) if match else ""
    return text.replace("|", "/").replace("``", "`").replace(":data:", "")
