"""The ``.xlsx`` workbook: every table of the week, one sheet each, formulas neutralised."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from aide_alim.documents.safety import neutralise_cell


def _cell(value: object) -> object:
    if isinstance(value, tuple | list | set | frozenset):
        value = " ".join(str(v) for v in value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str | int | float | bool | dt.date | dt.datetime | dt.time):
        return neutralise_cell(value)
    return neutralise_cell(str(value))


def write_workbook(path: Path, sheets: Mapping[str, pd.DataFrame], created: dt.date) -> None:
    """Write ``sheets`` (name → table) to ``path``; text cells starting with ``= + - @`` get ``'``.

    Cells are written as values (``data_type`` forced to string for text) so nothing is ever a
    formula; the document dates are the week's Monday so two runs give the same workbook content.
    """
    wb = Workbook()
    wb.remove(wb.active)
    stamp = dt.datetime(created.year, created.month, created.day)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "aide_alim"
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([_cell(str(c)) for c in frame.columns])
        for record in frame.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in record])
        for row in ws.iter_rows(min_row=1):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
        for i, column in enumerate(frame.columns, start=1):
            width = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    _freeze_zip(buffer.getvalue(), path, stamp)


def _freeze_zip(data: bytes, path: Path, stamp: dt.datetime) -> None:
    """Rewrite the xlsx zip with fixed entry dates and modification time (openpyxl stamps the
    time of saving), so that the same week gives the same bytes."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + iso.encode() + rb"\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
