"""Building the typed :class:`~aide_alim.scenario.model.Scenario` from raw tables, cross-checked.

Validation collects **every** problem before giving up: each is a :class:`Problem` with the file,
the row as the spreadsheet numbers it, the column and a message ``expected …, got "…"``, e.g.
``lots.csv, row 14, column kg: expected a number >= 0, got "-12"``. Suspicious but possible data
(a capacity of 50 t in an épicerie, a lot 400 km away) gives warnings, which never block loading.

The cells and settings are read by :mod:`aide_alim.scenario.reading` along the format of
:mod:`aide_alim.scenario.schema`; this module checks what spans cells, rows and tables (the hub,
references between tables, a lot's units and dates, distances) and holds the entry points
:func:`load_scenario` and :func:`check_scenario`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aide_alim.errors import Problem, ScenarioError
from aide_alim.geo import haversine_km
from aide_alim.i18n import N_, _, number
from aide_alim.parsing import MAX_TEXT_CHARS, clean_text
from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.io import RawScenario, read_raw
from aide_alim.scenario.model import (
    Association,
    Category,
    Logistics,
    Lot,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    Vehicle,
)
from aide_alim.scenario.parsers import Context, did_you_mean, plain_number
from aide_alim.scenario.reading import (
    Collector,
    Row,
    check_reference,
    check_unique,
    read_settings,
    read_table,
)
from aide_alim.scenario.schema import COLUMNS
from aide_alim.scenario.summary import summarize

# Thresholds of the warnings for suspicious data.
MAX_ASSOCIATION_STORAGE_KG = 20_000.0
"""Free storage above this in one temperature class of an association is suspicious [kg]."""
MAX_VEHICLE_CAPACITY_KG = 50_000.0
"""A vehicle capacity above this (a 44 t lorry carries ~25 t) is suspicious [kg]."""
MAX_BENEFICIARIES = 5_000
"""Persons served per week above this by one association is suspicious."""


# -- the scenario ------------------------------------------------------------------------------


def _categories(raw: RawScenario, out: Collector) -> dict[str, Category]:
    categories = dict(DEFAULT_CATEGORIES)
    table = raw.tables.get("categories")
    if table is None:
        return categories
    rows, _columns = read_table(table, COLUMNS["categories"], Context(categories), out)
    check_unique(rows, table.file, out)
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


def _table_rows(raw: RawScenario, name: str, ctx: Context, out: Collector) -> tuple[list[Row], str]:
    table = raw.tables.get(name)
    if table is None:
        return [], f"{name}.csv"
    rows, _columns = read_table(table, COLUMNS[name], ctx, out)
    check_unique(rows, table.file, out)
    return rows, table.file


def build_scenario(raw: RawScenario) -> tuple[Scenario | None, list[Problem]]:
    """Validate raw tables: the scenario (``None`` if any error) and every problem found."""
    problems: list[Problem] = list(raw.problems)
    out = Collector(problems)
    if raw.problems and not raw.tables and not raw.settings:
        return None, problems  # nothing could be read: the reasons are all there is to say
    settings_unreadable = any(p.file == raw.settings_file for p in raw.problems)
    settings = {} if settings_unreadable else read_settings(raw, out)
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
        check_reference(r, "site", site_ids, N_("a site id of sites.csv"), lots_file, out)
        check_lot(r, categories, week_start, lots_file, out)
        if r.ok and week_start is not None:
            lots.append(Lot(**r.values))

    vehicles = []
    for r in vehicle_rows:
        check_reference(r, "depot", site_ids, N_("a site id of sites.csv"), vehicles_file, out)
        capacity = r.values.get("capacity_kg")
        if capacity is not None and capacity > MAX_VEHICLE_CAPACITY_KG:
            out.warn(
                vehicles_file,
                r.row,
                "capacity_kg",
                _('expected a capacity of at most {maximum} kg, got "{text}"').format(
                    maximum=plain_number(MAX_VEHICLE_CAPACITY_KG), text=r.got("capacity_kg")
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
    sites_rows: list[Row],
    site_ids: dict[str, Row],
    sites_file: str,
    out: Collector,
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
        hint = did_you_mean(hub, site_ids)
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
    site_rows: list[Row],
    assoc_rows: list[Row],
    reach_km: float,
    sites_file: str,
    assoc_file: str,
    out: Collector,
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
                    reach=plain_number(reach_km),
                    lat=r.got("lat"),
                    lon=r.got("lon"),
                    km=f"{nearest:.0f}",
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
                    reach=plain_number(reach_km),
                    lat=r.got("lat"),
                    lon=r.got("lon"),
                    km=f"{nearest:.0f}",
                ),
            )


def _check_association(r: Row, file: str, out: Collector) -> None:
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
                ).format(maximum=plain_number(MAX_ASSOCIATION_STORAGE_KG), text=r.got(column)),
            )


def check_lot(
    r: Row,
    categories: Mapping[str, Category],
    week_start: dt.date | None,
    file: str,
    out: Collector,
) -> None:
    """Fill a lot's defaults from its category and the week; check its unit, price and dates."""
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
                kg=plain_number(kg), text=r.got("unit_kg")
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
                value=plain_number(value), text=r.got("price_eur_kg")
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
