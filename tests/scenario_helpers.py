"""Helpers of the scenario tests: copy a shipped scenario and edit its files like a user would."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "scenarios" / "tiny"
TINY_FR = ROOT / "scenarios" / "tiny-fr"
DIJON = ROOT / "scenarios" / "dijon"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scenario"
TABLE_FILES = ("associations.csv", "sites.csv", "lots.csv", "vehicles.csv")


def copy_scenario(target: Path, source: Path = TINY) -> Path:
    """A copy of a scenario folder (its scenario files only) at ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.suffix in (".csv", ".toml"):
            shutil.copy(path, target / path.name)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def set_cell(folder: Path, file: str, row_id: str, column: str, value: str) -> None:
    """Set the cell of the row whose id is ``row_id``."""
    rows = read_rows(folder / file)
    index = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == row_id:
            row[index] = value
            break
    else:
        raise KeyError(row_id)
    write_rows(folder / file, rows)


def drop_column(folder: Path, file: str, column: str) -> None:
    rows = read_rows(folder / file)
    index = rows[0].index(column)
    write_rows(folder / file, [row[:index] + row[index + 1 :] for row in rows])


def rename_column(folder: Path, file: str, column: str, new: str) -> None:
    rows = read_rows(folder / file)
    rows[0][rows[0].index(column)] = new
    write_rows(folder / file, rows)


def keep_header_only(folder: Path, file: str) -> None:
    write_rows(folder / file, read_rows(folder / file)[:1])


def edit_toml(folder: Path, old: str, new: str) -> None:
    path = folder / "scenario.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def folder_to_workbook(folder: Path, path: Path, *, typed: bool = False) -> Path:
    """Write the folder's tables to one ``.xlsx`` (sheets named after the files).

    With ``typed``, cells that look like numbers become numeric cells and ISO dates become
    date cells, as a spreadsheet program stores them.
    """
    import datetime as dt
    import tomllib

    from openpyxl import Workbook

    def cell(text: str) -> object:
        if not typed or not text:
            return text or None
        try:
            return dt.date.fromisoformat(text) if text.count("-") == 2 else float(text)
        except ValueError:
            return text

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "scenario"
    sheet.append(["key", "value"])
    settings = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
    for key, value in settings.items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                sheet.append([f"{key}.{sub_key}", str(sub_value)])
        else:
            sheet.append([key, str(value)])
    for csv_path in sorted(folder.glob("*.csv")):
        sheet = book.create_sheet(csv_path.stem)
        for row in read_rows(csv_path):
            sheet.append([cell(text) for text in row])
    book.save(path)
    return path
