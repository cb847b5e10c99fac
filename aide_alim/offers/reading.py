"""Reading offers: a CSV or ``.xlsx`` file, or one offer typed field by field.

The parsing is the scenario's (:mod:`aide_alim.scenario.reading`): decimal commas, ``;``
separators, Windows-1252, ``DD/MM/YYYY`` dates, ``oui/non``, category names as people write
them; and every problem is collected with its file, row (as the spreadsheet numbers it) and
column before anything is refused. French column names are accepted (``fournisseur``,
``produit``, ``catégorie``, ``DLC``, ``DDM``, ``prix_eur_kg``, …; see :data:`ALIASES`).

The supplier is a site id of the week's ``sites.csv`` (or its name); any other supplier is new
and needs ``lat`` and ``lon``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aide_alim.errors import Problem, ScenarioError
from aide_alim.i18n import _
from aide_alim.offers.model import OPENING_HOURS, Offer, Supplier
from aide_alim.parsing import Bad, parse_number
from aide_alim.scenario.categories import slug
from aide_alim.scenario.io import RawRow, RawTable, cell_text, read_csv
from aide_alim.scenario.model import WORKING_DAYS, Scenario, Site
from aide_alim.scenario.parsers import (
    Context,
    number_parser,
    parse_category,
    parse_date,
    parse_days,
    parse_id,
    parse_temperature,
    parse_text,
    parse_window,
    range_parser,
)
from aide_alim.scenario.reading import Collector, Row, check_unique, read_table
from aide_alim.scenario.schema import REQUIRED, ColumnSpec
from aide_alim.scenario.validate import check_lot

_DONATION_WORDS = frozenset({"don", "donation", "gratuit", "offert", "free"})


def parse_price(text: str, ctx: Context) -> float | Bad:
    """A price >= 0 [€/kg]; ``don``, ``gratuit`` or ``donation`` mean 0 (a donation)."""
    if slug(text) in _DONATION_WORDS:
        return 0.0
    value = parse_number(text, decimal_comma=ctx.decimal_comma)
    if isinstance(value, Bad) or value < 0:
        return Bad('a price >= 0 in €/kg, or "don" for a donation')
    return value


_POSITIVE = number_parser(0, strict=True)
_AT_LEAST_ZERO = number_parser(0)


def _col(name: str, parse: Any, doc: str, *, required: bool = False, default: Any = None) -> Any:
    return ColumnSpec(name, parse, required, default, "", doc)


COLUMNS: tuple[ColumnSpec, ...] = (
    _col("id", parse_id, "unique id of the offer", required=True, default=REQUIRED),
    _col(
        "supplier",
        parse_text,
        "site id of sites.csv, or the name of a new supplier",
        required=True,
        default=REQUIRED,
    ),
    _col("supplier_name", parse_text, "display name of a new supplier", default=""),
    _col("lat", range_parser(-90, 90, "latitude"), "WGS84 latitude of a new supplier"),
    _col("lon", range_parser(-180, 180, "longitude"), "WGS84 longitude of a new supplier"),
    _col("address", parse_text, "postal address of a new supplier", default=""),
    _col("open_days", parse_days, "days a new supplier can be collected from"),
    _col("window", parse_window, "opening hours of a new supplier"),
    _col("product", parse_text, "product label", required=True, default=REQUIRED),
    _col("category", parse_category, "category (French names)", required=True, default=REQUIRED),
    _col("temperature", parse_temperature, "ambient/chilled/frozen (default: the category's)"),
    _col("kg", _POSITIVE, "quantity offered [kg]", required=True, default=REQUIRED),
    _col("unit_kg", _POSITIVE, "carton [kg], <= kg", required=True, default=REQUIRED),
    _col("price_eur_kg", parse_price, 'price [€/kg]; "don" = 0', required=True, default=0.0),
    _col("value_eur_kg", _AT_LEAST_ZERO, "market value [€/kg] (default: the category's)"),
    _col("available", parse_date, "first day it can be collected (default: Monday)"),
    _col("use_by", parse_date, "DLC"),
    _col("best_before", parse_date, "DDM"),
    _col("collect_by", parse_date, "condition: collect on or before this day"),
    _col("min_kg", _AT_LEAST_ZERO, "condition: least quantity to take [kg]", default=0.0),
    _col("received", parse_date, "day the offer was made (default: the day it is recorded)"),
)
"""The columns of an offers file (the scenario's cell parsers)."""

ALIASES: dict[str, str] = {
    "offre": "id",
    "fournisseur": "supplier",
    "nom_fournisseur": "supplier_name",
    "adresse": "address",
    "jours": "open_days",
    "horaires": "window",
    "produit": "product",
    "categorie": "category",
    "temperature": "temperature",
    "quantite_kg": "kg",
    "carton_kg": "unit_kg",
    "prix_eur_kg": "price_eur_kg",
    "prix": "price_eur_kg",
    "valeur_eur_kg": "value_eur_kg",
    "disponible": "available",
    "disponible_le": "available",
    "dlc": "use_by",
    "ddm": "best_before",
    "collecter_avant": "collect_by",
    "a_collecter_avant": "collect_by",
    "minimum_kg": "min_kg",
    "quantite_minimale_kg": "min_kg",
    "recue_le": "received",
    "date_offre": "received",
}
"""French column names (as :func:`~aide_alim.scenario.categories.slug` writes them)."""


class OfferError(ScenarioError):
    """Offers that could not be read: carries every located problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        count = len(self.errors)
        lines = [f"{count} error{'s' if count != 1 else ''} in the offers:"]
        Exception.__init__(self, "\n".join(lines + [f"  {p}" for p in self.errors]))


def read_offers(path: str | Path, scenario: Scenario) -> tuple[Offer, ...]:
    """Read an offers file (``.csv``, or ``.xlsx`` with a sheet ``offres``/``offers`` or one
    sheet) against the week ``scenario``; raises :class:`OfferError` with every problem."""
    table = _read_file(Path(path))
    if isinstance(table, Problem):
        raise OfferError([table])
    return offers_from_table(table, scenario)


def offer_from_fields(
    fields: Mapping[str, str], scenario: Scenario, *, file: str = "saisie"
) -> Offer:
    """One offer typed field by field (``{"id": "O1", "kg": "120", …}``), checked as a file
    row would be (problems name ``file``, row 1)."""
    header = tuple(fields)
    table = RawTable(file, 0, header, (RawRow(1, tuple(str(v).strip() for v in fields.values())),))
    return offers_from_table(table, scenario)[0]


def offers_from_table(table: RawTable, scenario: Scenario) -> tuple[Offer, ...]:
    """Validate a raw table of offers; raises :class:`OfferError` listing every problem."""
    problems: list[Problem] = []
    out = Collector(problems)
    table, headings = _canonical(table)
    rows, _columns = read_table(table, COLUMNS, Context(scenario.categories), out)
    check_unique(rows, table.file, out)
    offers: list[Offer] = []
    new_ids: dict[str, str] = {}
    for r in rows:
        check_lot(r, scenario.categories, scenario.week_start, table.file, out)
        supplier = _supplier(r, scenario, new_ids, table.file, out)
        _check_conditions(r, scenario, table.file, out)
        if r.ok and supplier is not None:
            offers.append(_offer(r.values, supplier))
    if not rows:
        out.error(table.file, None, None, _("expected at least one offer, got none"))
    errors = [_heading(p, headings) for p in problems if p.severity == "error"]
    if errors:
        raise OfferError(errors)
    return tuple(offers)


# -- reading the file ---------------------------------------------------------------------------


def _read_file(path: Path) -> RawTable | Problem:
    if not path.is_file():
        return Problem(
            str(path), None, None, _("expected an offers file (.csv or .xlsx), got none")
        )
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_sheet(path)
    return read_csv(path, path.name)


def _read_sheet(path: Path) -> RawTable | Problem:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on corrupt files
        return Problem(
            path.name,
            None,
            None,
            _("expected an .xlsx workbook, got a file that cannot be opened ({error})").format(
                error=exc
            ),
        )
    try:
        sheets = {name.strip().lower(): book[name] for name in book.sheetnames}
        name = next((n for n in ("offres", "offers") if n in sheets), None)
        if name is None and len(sheets) != 1:
            return Problem(
                path.name,
                None,
                None,
                _('expected a sheet named "{sheet}", got none').format(sheet="offres"),
            )
        sheet = sheets[name] if name else next(iter(sheets.values()))
        sheet.reset_dimensions()
        records = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    file = f"{path.name}[{name or sheet.title}]"
    numbered = [(i, cells) for i, cells in enumerate(records, start=1) if any(cells)]
    if not numbered:
        return Problem(
            file, None, None, _("expected a header row and data rows, got an empty sheet")
        )
    (header_row, header), *data = numbered
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    return RawTable(
        file, header_row, tuple(header[:width]), tuple(RawRow(i, tuple(c)) for i, c in data)
    )


def _canonical(table: RawTable) -> tuple[RawTable, dict[str, str]]:
    """The table with French headings renamed, and each canonical name → the user's heading."""
    names = {spec.name for spec in COLUMNS}
    header = []
    headings: dict[str, str] = {}
    for heading in table.header:
        key = slug(heading)
        name = key if key in names else ALIASES.get(key, heading)
        header.append(name)
        headings[name] = heading
    return dataclasses.replace(table, header=tuple(header)), headings


def _heading(problem: Problem, headings: dict[str, str]) -> Problem:
    """The problem with its column named as the user's header names it."""
    if problem.column in headings and headings[problem.column] != problem.column:
        return dataclasses.replace(problem, column=headings[problem.column])
    return problem


# -- checks -------------------------------------------------------------------------------------


def _supplier(
    r: Row, scenario: Scenario, new_ids: dict[str, str], file: str, out: Collector
) -> Supplier | None:
    text = r.values.get("supplier")
    if not text:
        return None
    site = _known_site(text, scenario)
    if site is not None:
        return Supplier(site.id, site.name, site.lat, site.lon, False, site.open_days, site.window,
                        site.address)  # fmt: skip
    lat, lon = r.values.get("lat"), r.values.get("lon")
    if lat is None or lon is None:
        for column, value in (("lat", lat), ("lon", lon)):
            if value is None and r.got(column) == "":
                out.error(
                    file,
                    r.row,
                    column,
                    _(
                        'expected the {column} of the new supplier "{supplier}" (not a site id '
                        'of sites.csv), got ""'
                    ).format(column=column, supplier=text),
                )
        r.ok = False
        return None
    base = slug(text) or "fournisseur"
    sid = new_ids.get(base)
    if sid is None:
        sid, n = base, 1
        while sid in scenario.site_by_id or sid in new_ids.values():
            n += 1
            sid = f"{base}_{n}"
        new_ids[base] = sid
    return Supplier(
        sid,
        r.values.get("supplier_name") or text,
        lat,
        lon,
        True,
        r.values.get("open_days") or WORKING_DAYS,
        r.values.get("window") or OPENING_HOURS,
        r.values.get("address") or "",
    )


def _known_site(text: str, scenario: Scenario) -> Site | None:
    if text in scenario.site_by_id:
        return scenario.site_by_id[text]
    key = slug(text)
    for site in scenario.sites:
        if key in (slug(site.id), slug(site.name)):
            return site
    return None


def _check_conditions(r: Row, scenario: Scenario, file: str, out: Collector) -> None:
    v = r.values
    if v.get("id") in scenario.lot_by_id:
        out.error(
            file,
            r.row,
            "id",
            _('expected an id that no lot of the week has, got "{id}"').format(id=v["id"]),
        )
        r.ok = False
    available, collect_by = v.get("available"), v.get("collect_by")
    if available is not None and collect_by is not None and collect_by < available:
        out.error(
            file,
            r.row,
            "collect_by",
            _('expected a day on or after available ({day}), got "{got}"').format(
                day=available.isoformat(), got=r.got("collect_by")
            ),
        )
        r.ok = False
    kg, min_kg = v.get("kg"), v.get("min_kg")
    if kg is not None and min_kg is not None and min_kg > kg:
        out.error(
            file,
            r.row,
            "min_kg",
            _('expected at most kg ({kg}), got "{got}"').format(kg=f"{kg:g}", got=r.got("min_kg")),
        )
        r.ok = False


def _offer(v: dict[str, Any], supplier: Supplier) -> Offer:
    return Offer(
        id=v["id"],
        supplier=supplier,
        product=v["product"],
        category=v["category"],
        temperature=v["temperature"],
        kg=v["kg"],
        unit_kg=v["unit_kg"],
        price_eur_kg=v["price_eur_kg"],
        value_eur_kg=v["value_eur_kg"],
        available=v["available"],
        use_by=v.get("use_by"),
        best_before=v.get("best_before"),
        collect_by=v.get("collect_by"),
        min_kg=v.get("min_kg") or 0.0,
        received=v.get("received"),
    )
