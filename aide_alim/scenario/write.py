"""Write a :class:`Scenario` to disk: a folder of ``scenario.toml`` + CSV files, or one workbook.

The output is exactly the scenario format of ``DESIGN.md`` (comma-separated UTF-8 CSV, ISO dates,
``true``/``false``, days as ``mon wed fri``, windows as ``09:00-12:00``, space-separated category
ids) and is deterministic: the same scenario always gives the same bytes (rows in the
scenario's order, floats written in their shortest exact form so they read back equal).

A folder is written atomically: every file goes to a temporary folder first, which is then
renamed into place. An existing scenario is never overwritten unless ``overwrite=True``; other
files in the folder (a README, a build script) are left alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from aide_alim.errors import AideAlimError
from aide_alim.scenario.model import (
    Association,
    Category,
    Day,
    Lot,
    Scenario,
    Site,
    Vehicle,
)

#: Columns of each table, in the order they are written.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "associations": (
        "id",
        "name",
        "kind",
        "commune",
        "lat",
        "lon",
        "beneficiaries",
        "dry_kg",
        "chilled_kg",
        "frozen_kg",
        "open_days",
        "receive_window",
        "collects",
        "budget_eur",
        "refuses",
        "other_supply_kg",
        "address",
    ),
    "sites": ("id", "name", "kind", "lat", "lon", "open_days", "window", "address"),
    "lots": (
        "id",
        "site",
        "product",
        "category",
        "temperature",
        "kg",
        "unit_kg",
        "price_eur_kg",
        "value_eur_kg",
        "available",
        "use_by",
        "best_before",
    ),
    "vehicles": (
        "id",
        "depot",
        "capacity_kg",
        "refrigerated",
        "cost_eur_km",
        "cost_eur_h",
        "co2_g_km",
        "shift",
        "days",
        "name",
    ),
    "categories": ("id", "label", "temperature", "value_eur_kg", "source"),
}

#: Every file a scenario folder may hold (a folder holding one of them is a scenario).
SCENARIO_FILES: tuple[str, ...] = ("scenario.toml", *(f"{name}.csv" for name in COLUMNS))

# Fixed timestamp of workbook metadata and zip entries, so that a workbook is deterministic.
_EPOCH = dt.datetime(2020, 1, 1)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def days_text(days: Iterable[Day]) -> str:
    """``{Day.FRI, Day.MON}`` → ``"mon fri"`` (week order)."""
    return " ".join(day.code for day in sorted(days))


def number_text(value: float) -> str:
    """A number as written in the files: ``12`` for 12.0, else the shortest exact form."""
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _association_row(a: Association) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "kind": a.kind,
        "commune": a.commune,
        "lat": a.lat,
        "lon": a.lon,
        "beneficiaries": a.beneficiaries,
        "dry_kg": a.dry_kg,
        "chilled_kg": a.chilled_kg,
        "frozen_kg": a.frozen_kg,
        "open_days": days_text(a.open_days),
        "receive_window": a.receive_window,
        "collects": a.collects,
        "budget_eur": a.budget_eur,
        "refuses": " ".join(sorted(a.refuses)),
        "other_supply_kg": a.other_supply_kg,
        "address": a.address,
    }


def _site_row(s: Site) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "kind": s.kind.value,
        "lat": s.lat,
        "lon": s.lon,
        "open_days": days_text(s.open_days),
        "window": s.window,
        "address": s.address,
    }


def _lot_row(lot: Lot) -> dict[str, Any]:
    return {
        "id": lot.id,
        "site": lot.site,
        "product": lot.product,
        "category": lot.category,
        "temperature": lot.temperature.value,
        "kg": lot.kg,
        "unit_kg": lot.unit_kg,
        "price_eur_kg": lot.price_eur_kg,
        "value_eur_kg": lot.value_eur_kg,
        "available": lot.available,
        "use_by": lot.use_by,
        "best_before": lot.best_before,
    }


def _vehicle_row(v: Vehicle) -> dict[str, Any]:
    return {
        "id": v.id,
        "depot": v.depot,
        "capacity_kg": v.capacity_kg,
        "refrigerated": v.refrigerated,
        "cost_eur_km": v.cost_eur_km,
        "cost_eur_h": v.cost_eur_h,
        "co2_g_km": v.co2_g_km,
        "shift": v.shift,
        "days": days_text(v.days),
        "name": v.name,
    }


def _category_row(c: Category) -> dict[str, Any]:
    return {
        "id": c.id,
        "label": c.label,
        "temperature": c.temperature.value,
        "value_eur_kg": c.value_eur_kg,
        "source": c.value_source,
    }


def scenario_rows(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """The scenario's tables as rows of typed values, keyed by table name (file stem)."""
    return {
        "associations": [_association_row(a) for a in scenario.associations],
        "sites": [_site_row(s) for s in scenario.sites],
        "lots": [_lot_row(lot) for lot in scenario.lots],
        "vehicles": [_vehicle_row(v) for v in scenario.vehicles],
        "categories": [_category_row(c) for c in scenario.categories.values()],
    }


def scenario_settings(scenario: Scenario) -> dict[str, Any]:
    """The ``scenario.toml`` content: name, week, hub and one dict per parameter section.

    ``None`` parameters (e.g. no ``road_graph``) are left out: absent means default.
    """
    sections = {
        "policy": scenario.policy,
        "logistics": scenario.logistics,
        "routing": scenario.routing,
    }
    settings: dict[str, Any] = {"name": scenario.name, "week": scenario.week, "hub": scenario.hub}
    for key in ("territory", "organisation"):  # optional: written only when set
        if getattr(scenario, key):
            settings[key] = getattr(scenario, key)
    for section, params in sections.items():
        settings[section] = {
            key: getattr(params, key)
            for key in params.field_names()
            if getattr(params, key) is not None
        }
    return settings


def _text(value: Any) -> str:
    """A typed value as written in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    # A JSON string is a valid TOML basic string (same escapes).
    return json.dumps(str(value), ensure_ascii=False)


def toml_text(scenario: Scenario) -> str:
    """The ``scenario.toml`` of a scenario."""
    settings = scenario_settings(scenario)
    top = ("name", "week", "hub", "territory", "organisation")
    lines = [f"{key} = {_toml_value(settings[key])}" for key in top if key in settings]
    for section in ("policy", "logistics", "routing"):
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in settings[section].items()]
    return "\n".join(lines) + "\n"


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> str:
    """Rows as comma-separated text with a header line (``\\n`` line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = list(columns)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(row[column]) for column in header])
    return buffer.getvalue()


def scenario_files(scenario: Scenario) -> dict[str, str]:
    """File name → text of every file of the folder form, in writing order."""
    files = {"scenario.toml": toml_text(scenario)}
    for table, rows in scenario_rows(scenario).items():
        files[f"{table}.csv"] = csv_text(rows, COLUMNS[table])
    return files


def _holds_scenario(folder: Path) -> bool:
    return folder.is_dir() and any((folder / name).exists() for name in SCENARIO_FILES)


def write_scenario(scenario: Scenario, folder: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``scenario`` as a folder (``scenario.toml`` + CSV files) and return its path.

    Raises :class:`AideAlimError` if ``folder`` is a file, or already holds a scenario and
    ``overwrite`` is false. With ``overwrite``, only the scenario files are replaced.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise AideAlimError(f"{target}: expected a folder for the scenario, found a file")
    if _holds_scenario(target) and not overwrite:
        raise AideAlimError(
            f"{target} already holds a scenario; choose another folder or overwrite it "
            "(overwrite=True, --overwrite)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    files = scenario_files(scenario)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a scenario folder is shared
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        if not target.exists():
            staging.rename(target)
            return target
        # The folder exists (maybe with a README or a build script): replace file by file.
        for name in SCENARIO_FILES:
            if name in files:
                os.replace(staging / name, target / name)
            elif (target / name).exists():
                (target / name).unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _cell(sheet: Any, value: Any) -> Any:
    """A typed value as stored in a workbook cell (numbers stay numbers, the rest is text).

    Text starting with ``=`` is forced to a text cell: openpyxl would store it as a formula,
    which reads back empty (and is a formula injection risk).
    """
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith("="):
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text or None


def write_workbook(scenario: Scenario, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``scenario`` as one ``.xlsx`` workbook and return its path.

    Sheets: ``scenario`` (``key,value`` rows, parameters as dotted keys like ``policy.rule``)
    then ``associations``, ``sites``, ``lots``, ``vehicles``, ``categories`` with the columns of
    the CSV files. Numbers are numeric cells; dates are ISO text (``2020-10-05``), so that no
    spreadsheet locale changes them. Raises :class:`AideAlimError` if ``path`` exists and
    ``overwrite`` is false.
    """
    from openpyxl import Workbook

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise AideAlimError(f"{target}: expected a workbook name ending in .xlsx")
    if target.exists() and not overwrite:
        raise AideAlimError(f"{target} already exists; choose another name or overwrite it")
    # Write-only mode streams rows: about twice as fast on 20,000 lots.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("scenario")
    sheet.append(["key", "value"])
    for key, value in scenario_settings(scenario).items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                sheet.append([f"{key}.{sub_key}", _cell(sheet, sub_value)])
        else:
            sheet.append([key, _cell(sheet, value)])
    for table, rows in scenario_rows(scenario).items():
        sheet = workbook.create_sheet(table)
        columns = COLUMNS[table]
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell(sheet, row[column]) for column in columns])
    workbook.properties.created = _EPOCH
    workbook.properties.modified = _EPOCH
    buffer = io.BytesIO()
    workbook.save(buffer)
    from aide_alim.output import output_file

    with output_file(target) as temporary:
        temporary.write_bytes(_stable_zip(buffer.getvalue()))
    return target


def _stable_zip(data: bytes) -> bytes:
    """The same zip with fixed timestamps (openpyxl stamps the current time on save)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_EPOCH.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(
                    rb"\g<1>" + _EPOCH.isoformat().encode() + rb"Z\g<2>", content
                )
            target.writestr(entry, content)
    return out.getvalue()


__all__ = [
    "COLUMNS",
    "SCENARIO_FILES",
    "csv_text",
    "days_text",
    "number_text",
    "scenario_files",
    "scenario_rows",
    "scenario_settings",
    "toml_text",
    "write_scenario",
    "write_workbook",
]
