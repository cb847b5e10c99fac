"""Reading a scenario's raw tables, as text, from a folder or from one ``.xlsx`` workbook.

This layer only reads: every cell comes back as a stripped string with the row number the
spreadsheet shows, so that :mod:`aide_alim.scenario.reading` controls all parsing and can locate
every problem. It never raises on bad input; unreadable files become located :class:`Problem`\\ s.

Two forms carry the same tables:

- a **folder**: ``scenario.toml`` plus ``associations.csv``, ``sites.csv``, ``lots.csv``,
  ``vehicles.csv`` and optionally ``categories.csv``. French spreadsheet exports are the norm:
  the separator (``;``, ``,`` or tab) is detected from the header line; files may be UTF-8 (with
  or without BOM), UTF-16 with BOM or Windows-1252. File names match case-insensitively.
- a **workbook** (``.xlsx``): one sheet per table named after the file stem (``associations``,
  ``sites``, ``lots``, ``vehicles``, ``categories``) and a ``scenario`` sheet of ``key, value``
  rows with dotted keys for the sections (``week``, ``hub``, ``policy.rule``,
  ``logistics.speed_kmh``, …); an optional first row ``key, value`` is a header.

In both forms the first non-empty row of a table is its header; empty rows are skipped (but keep
their number), so row numbers always match what the spreadsheet shows.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aide_alim import parsing
from aide_alim.errors import Problem
from aide_alim.i18n import _
from aide_alim.parsing import Bad

SETTINGS_FILE = "scenario.toml"
SETTINGS_SHEET = "scenario"
REQUIRED_TABLES: tuple[str, ...] = ("associations", "sites", "lots", "vehicles")
OPTIONAL_TABLES: tuple[str, ...] = ("categories",)
TABLES: tuple[str, ...] = REQUIRED_TABLES + OPTIONAL_TABLES


@dataclass(frozen=True, slots=True)
class RawRow:
    """One non-empty data row: its spreadsheet row number and its cells as stripped text."""

    row: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RawTable:
    """A table as read: ``file`` is how problems name it (``lots.csv`` or ``w.xlsx[lots]``).

    ``decimal_comma``: the file is a French export (``;`` or tab separated), so ``1,000`` is one.
    """

    file: str
    header_row: int
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]
    decimal_comma: bool = False


@dataclass(frozen=True, slots=True)
class RawSetting:
    """One setting of ``scenario.toml`` (or the ``scenario`` sheet) under its dotted key.

    ``value`` is what TOML typed (str, int, float, bool, list, …) or the cell's text in a workbook.
    """

    key: str
    value: Any
    row: int | None = None


@dataclass(slots=True)
class RawScenario:
    """Everything read from a scenario, before validation.

    ``tables`` holds the tables that could be read (a missing optional table is simply absent);
    ``problems`` the files that could not be read.
    """

    source: str
    default_name: str
    settings_file: str
    settings: list[RawSetting] = field(default_factory=list)
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_raw(path: str | Path) -> RawScenario:
    """Read a scenario folder or ``.xlsx`` workbook without interpreting any cell."""
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        return read_workbook(path)
    raw = RawScenario(str(path), path.stem, SETTINGS_FILE)
    if path.is_file() and path.name.lower() == SETTINGS_FILE:
        return read_folder(path.parent)
    found = _("a file of another type") if path.exists() else _("nothing at that path")
    raw.problems.append(
        Problem(
            str(path),
            None,
            None,
            _('expected a scenario folder or an .xlsx workbook, got {found} ("{path}")').format(
                found=found, path=path
            ),
        )
    )
    return raw


# -- folder -----------------------------------------------------------------------------------


def read_folder(folder: Path) -> RawScenario:
    """Read ``scenario.toml`` and the CSV tables of a scenario folder."""
    raw = RawScenario(str(folder), folder.resolve().name, SETTINGS_FILE)
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        key = path.name.lower()
        if key in files and key in (SETTINGS_FILE, *(f"{t}.csv" for t in TABLES)):
            # lots.csv and Lots.csv: which one is the week? Refuse to guess.
            raw.problems.append(
                Problem(
                    path.name,
                    None,
                    None,
                    _(
                        'expected one file named {name} (in any case), got "{first}" '
                        'and "{second}"; keep only one'
                    ).format(name=key, first=files[key].name, second=path.name),
                )
            )
        files.setdefault(key, path)
    settings_path = files.get(SETTINGS_FILE)
    if settings_path is None:
        raw.problems.append(_missing_file(SETTINGS_FILE, folder))
    else:
        raw.settings_file = settings_path.name
        raw.settings, problems = read_settings_toml(settings_path)
        raw.problems += problems
    for table in TABLES:
        csv_path = files.get(f"{table}.csv")
        if csv_path is None:
            if table in REQUIRED_TABLES:
                raw.problems.append(_missing_file(f"{table}.csv", folder))
            continue
        result = read_csv(csv_path)
        if isinstance(result, Problem):
            raw.problems.append(result)
        else:
            raw.tables[table] = result
    return raw


def _missing_file(name: str, folder: Path) -> Problem:
    message = _('expected a file {name} in "{folder}", got none').format(name=name, folder=folder)
    return Problem(name, None, None, message)


def read_settings_toml(path: Path) -> tuple[list[RawSetting], list[Problem]]:
    """The settings of ``scenario.toml`` flattened to dotted keys (``policy.rule``)."""
    name = path.name
    data = _read_bytes(path, name)
    if isinstance(data, Problem):
        return [], [data]
    text = decode_text(data, name)
    if isinstance(text, Problem):
        return [], [text]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        column = re.search(r"column (\d+)", str(exc))
        # Python's own text of the error is English: the French names the place instead.
        message = _("expected valid TOML (key = value, [section]), got a syntax error: {error}")
        return [], [
            Problem(
                name,
                int(line.group(1)) if line else None,
                None,
                message.format(
                    error=exc,
                    line=line.group(1) if line else "?",
                    column=column.group(1) if column else "?",
                ),
            )
        ]
    settings: list[RawSetting] = []
    problems: list[Problem] = []
    for key, value in document.items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                if isinstance(sub_value, dict):
                    problems.append(
                        Problem(
                            name,
                            None,
                            f"{key}.{sub_key}",
                            _("expected a value, got a table [{table}]").format(
                                table=f"{key}.{sub_key}"
                            ),
                        )
                    )
                else:
                    settings.append(RawSetting(f"{key}.{sub_key}", sub_value))
        else:
            settings.append(RawSetting(key, value))
    return settings, problems


def read_csv(path: Path, file: str | None = None) -> RawTable | Problem:
    """Read one CSV table (separator and encoding detected); a :class:`Problem` if unreadable."""
    file = file or path.name
    data = _read_bytes(path, file)
    if isinstance(data, Problem):
        return data
    return read_csv_bytes(data, file)


def read_csv_bytes(data: bytes, file: str) -> RawTable | Problem:
    """The table in the bytes of a CSV file (every reader of CSV files goes through here)."""
    text = decode_text(data, file)
    if isinstance(text, Problem):
        return text
    return parse_csv_text(text, file)


def _read_bytes(path: Path, file: str) -> bytes | Problem:
    try:
        return path.read_bytes()
    except OSError as exc:
        message = _("expected a readable file, got {error}").format(error=exc.strerror or exc)
        return Problem(file, None, None, message)


def decode_text(data: bytes, file: str) -> str | Problem:
    """Decode a text file (see :func:`aide_alim.parsing.decode_text`); a :class:`Problem` if not."""
    text = parsing.decode_text(data)
    return Problem(file, None, None, text.expected) if isinstance(text, Bad) else text


def parse_csv_text(text: str, file: str) -> RawTable | Problem:
    """Split CSV text into a header and numbered rows (row 1 = first line of the file)."""
    parsed = parsing.csv_records(text)
    if isinstance(parsed, Bad):
        return Problem(file, None, None, _("expected {expected}").format(expected=parsed.expected))
    return _table(file, parsed.records, decimal_comma=parsed.decimal_comma)


def _table(
    file: str, records: Iterable[Sequence[str]], *, decimal_comma: bool = False
) -> RawTable | Problem:
    header: tuple[str, ...] | None = None
    header_row = 0
    rows: list[RawRow] = []
    for number, cells in enumerate(records, start=1):
        if not any(cells):
            continue
        if header is None:
            header, header_row = tuple(cells), number
        else:
            rows.append(RawRow(number, tuple(cells)))
    if header is None:
        message = _("expected a header row and data rows, got an empty table")
        return Problem(file, None, None, message)
    # Trailing empty header cells (``id;name;;``) are common in exports: drop them.
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    return RawTable(file, header_row, header[:width], tuple(rows), decimal_comma)


# -- workbook ---------------------------------------------------------------------------------


def read_workbook(path: Path) -> RawScenario:
    """Read the sheets of an ``.xlsx`` scenario workbook."""
    import openpyxl  # imported here: reading a folder does not need it

    book_name = path.name
    raw = RawScenario(str(path), path.stem, f"{book_name}[{SETTINGS_SHEET}]")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Read-only mode streams the sheets: ~7x faster on 20,000 lots.
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types on corrupt files; all mean "unreadable"
        raw.problems.append(
            Problem(
                book_name,
                None,
                None,
                _("expected an .xlsx workbook, got a file that cannot be opened ({error})").format(
                    error=f"{type(exc).__name__}: {exc}"
                ),
            )
        )
        return raw
    try:
        sheets: dict[str, Any] = {}
        for name in book.sheetnames:
            key = name.strip().lower()
            if key in sheets and key in (SETTINGS_SHEET, *TABLES):
                # A hidden "Lots " beside the visible "lots": which one is the week? Refuse.
                hidden = [n for n in (sheets[key].title, name) if book[n].sheet_state != "visible"]
                note = (
                    _(" ({sheets} hidden)").format(sheets=", ".join(repr(n) for n in hidden))
                    if hidden
                    else ""
                )
                raw.problems.append(
                    Problem(
                        book_name,
                        None,
                        None,
                        _(
                            'expected one sheet named "{name}", got "{first}" and '
                            '"{second}"{note}; keep only one'
                        ).format(name=key, first=sheets[key].title, second=name, note=note),
                    )
                )
            sheets.setdefault(key, book[name])
        settings_sheet = sheets.get(SETTINGS_SHEET)
        if settings_sheet is None:
            raw.problems.append(_missing_sheet(book_name, SETTINGS_SHEET))
        else:
            raw.settings = _settings_from_rows(_sheet_records(settings_sheet))
        formulas: dict[str, dict[tuple[int, int], str]] | None = None
        for table in TABLES:
            sheet = sheets.get(table)
            if sheet is None:
                if table in REQUIRED_TABLES:
                    raw.problems.append(_missing_sheet(book_name, table))
                continue
            records = _sheet_records(sheet)
            if formulas is None:
                formulas = _uncomputed_formulas(path)
            _mark_formulas(records, formulas.get(sheet.title, {}))
            result = _table(f"{book_name}[{table}]", records)
            if isinstance(result, Problem):
                raw.problems.append(result)
            else:
                raw.tables[table] = result
    finally:
        book.close()
    return raw


def _missing_sheet(book_name: str, sheet: str) -> Problem:
    message = _('expected a sheet named "{sheet}", got none').format(sheet=sheet)
    return Problem(book_name, None, None, message)


def _sheet_records(sheet: Any) -> list[list[str]]:
    # The stored sheet dimensions can be wrong (some writers leave "A1"): ignore them.
    sheet.reset_dimensions()
    return [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]


FORMULA_MARK = "\x00"
"""Starts the text of a cell whose formula was never computed (no value saved in the file): the
validator says so instead of reporting an empty cell. No real cell holds this character."""


def _uncomputed_formulas(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet title → (row, column) → formula, for the formula cells without a saved value.

    Read only when the file holds formulas at all (a quick look in its XML): most workbooks do
    not, and reading a sheet twice doubles the time of large ones.
    """
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            has_formulas = any(
                b"<f>" in archive.read(n) or b"<f " in archive.read(n)
                for n in archive.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")
            )
    except (OSError, zipfile.BadZipFile):
        return {}
    if not has_formulas:
        return {}
    found: dict[str, dict[tuple[int, int], str]] = {}
    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    texts = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for name in texts.sheetnames:
            cells = found.setdefault(name, {})
            rows = zip(
                values[name].iter_rows(values_only=True),
                texts[name].iter_rows(values_only=True),
                strict=False,
            )
            for r, (value_row, text_row) in enumerate(rows, start=1):
                for c, (value, text) in enumerate(zip(value_row, text_row, strict=False)):
                    if value is None and isinstance(text, str) and text.startswith("="):
                        cells[r, c] = text
    finally:
        values.close()
        texts.close()
    return found


def _mark_formulas(records: list[list[str]], formulas: dict[tuple[int, int], str]) -> None:
    for (row, column), formula in formulas.items():
        if row <= len(records) and column < len(records[row - 1]):
            records[row - 1][column] = FORMULA_MARK + formula


def _settings_from_rows(records: list[list[str]]) -> list[RawSetting]:
    settings: list[RawSetting] = []
    for number, cells in enumerate(records, start=1):
        key = cells[0] if cells else ""
        value = cells[1] if len(cells) > 1 else ""
        if not key and not value:
            continue
        if not settings and key.lower() == "key" and value.lower() == "value":
            continue
        settings.append(RawSetting(key, value, number))
    return settings


def cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV export would hold (dates ISO, whole floats as ints)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()
