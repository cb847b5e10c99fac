"""The scenario format: every column of every table and every key of ``scenario.toml``.

The column specifications (:data:`COLUMNS`) drive both the validation and the data dictionary
of the README: one :class:`ColumnSpec` per column with its parser (see
:mod:`aide_alim.scenario.parsers`), whether it is required and its default, and the bounds of
the number columns (:data:`LIMITS`). :data:`SETTINGS` and :data:`SECTIONS` do the same for the
settings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from aide_alim.i18n import N_, _
from aide_alim.parsing import MAX_ID_CHARS, MAX_TEXT_CHARS, Bad
from aide_alim.scenario.model import (
    Association,
    Day,
    Logistics,
    Policy,
    RoutingParams,
    Site,
    Vehicle,
)
from aide_alim.scenario.parsers import (
    Context,
    Parser,
    number_parser,
    parse_bool,
    parse_category,
    parse_category_id,
    parse_category_list,
    parse_count,
    parse_date,
    parse_days,
    parse_id,
    parse_insee,
    parse_site_kind,
    parse_temperature,
    parse_text,
    parse_window,
    plain_number,
    range_parser,
)


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
            return plain_number(self.default)
        return str(self.default)


# -- the column tables --------------------------------------------------------------------------


def field_default(cls: type, name: str) -> Any:
    """The default of the field ``name`` of the dataclass ``cls``."""
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


_LAT = range_parser(-90, 90, N_("latitude"))
_LON = range_parser(-180, 180, N_("longitude"))
_KG = number_parser(0)
_EUR = number_parser(0)
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
            default=field_default(Association, "collects"),
        ),
        _col(
            "budget_eur",
            _EUR,
            "€",
            "most it can spend this week on lots that are sold",
            required=False,
            default=field_default(Association, "budget_eur"),
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
            default=field_default(Association, "other_supply_kg"),
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
            default=field_default(Site, "open_days"),
        ),
        _col(
            "window",
            parse_window,
            "HH:MM-HH:MM",
            "opening hours",
            required=False,
            default=field_default(Site, "window"),
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
        _col("unit_kg", number_parser(0.001), "kg", "smallest split (a carton, a crate), <= kg"),
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
        _col("capacity_kg", number_parser(0, strict=True), "kg", "payload"),
        _col("refrigerated", parse_bool, "true/false (oui/non)", "true if it keeps the cold chain"),
        _col(
            "cost_eur_km",
            _EUR,
            "€/km",
            "running cost per km",
            required=False,
            default=field_default(Vehicle, "cost_eur_km"),
        ),
        _col(
            "cost_eur_h",
            _EUR,
            "€/h",
            "driver cost per hour",
            required=False,
            default=field_default(Vehicle, "cost_eur_h"),
        ),
        _col(
            "co2_g_km",
            number_parser(0),
            "g CO₂/km",
            "emissions per km",
            required=False,
            default=field_default(Vehicle, "co2_g_km"),
        ),
        _col(
            "shift",
            parse_window,
            "HH:MM-HH:MM",
            "working hours",
            required=False,
            default=field_default(Vehicle, "shift"),
        ),
        _col(
            "days",
            parse_days,
            _DAYS_DOC,
            "days it is available",
            required=False,
            default=field_default(Vehicle, "days"),
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
# capacity and beneficiaries are checked with their context (aide_alim.scenario.validate).
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
                _("at most {maximum} (a typing or unit error?)").format(
                    maximum=plain_number(maximum)
                )
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
    doc = f"{spec.type_doc}, ≤ {plain_number(hard)}"
    if plausible is not None:
        doc += f" (warning above {plain_number(plausible)})"
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
