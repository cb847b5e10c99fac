"""An accepted offer becomes a lot of the week: a row of ``lots.csv`` with its provenance.

The week's files are edited in place, keeping what the coordinator's spreadsheet wrote: the
separator, the encoding (UTF-8 with or without BOM, or Windows-1252), a decimal comma in ``;``
files. The lot's ``source`` column (a column every table may carry, ignored by the validation)
says where it comes from; a new supplier is added to ``sites.csv``. A workbook scenario gets
the same rows in its ``lots`` and ``sites`` sheets. The week is then loaded again: if it no
longer validates, the files are put back as they were and the error is raised.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aide_alim.errors import AideAlimError
from aide_alim.offers.model import Offer
from aide_alim.parsing import detect_separator
from aide_alim.scenario.categories import slug
from aide_alim.scenario.model import Scenario


def provenance(offer: Offer, decided: dt.date) -> str:
    """The ``source`` text of an accepted offer's lot."""
    return (
        f"registre des opportunités : offre {offer.id} de {offer.supplier.name}, "
        f"prise le {decided:%d/%m/%Y}"
    )


def add_offer_lot(
    path: str | Path,
    scenario: Scenario,
    offer: Offer,
    *,
    kg: float | None = None,
    price_eur_kg: float | None = None,
    decided: dt.date | None = None,
) -> Scenario:
    """Append ``offer`` (``kg`` of it at ``price_eur_kg``, default the offer's) to the lots of
    the week at ``path`` (a scenario folder or workbook); returns the week as loaded again."""
    from aide_alim.scenario import load_scenario

    path = Path(path)
    if offer.id in scenario.lot_by_id:
        raise AideAlimError(f"The week already has a lot {offer.id!r}; nothing was written.")
    lot = offer.lot(kg)
    price = offer.price_eur_kg if price_eur_kg is None else price_eur_kg
    row: dict[str, Any] = {
        "id": lot.id, "site": lot.site, "product": lot.product, "category": lot.category,
        "temperature": str(lot.temperature), "kg": lot.kg, "unit_kg": lot.unit_kg,
        "price_eur_kg": price, "value_eur_kg": lot.value_eur_kg, "available": lot.available,
        "use_by": lot.use_by, "best_before": lot.best_before,
        "source": provenance(offer, decided or dt.date.today()),
    }  # fmt: skip
    site: dict[str, Any] | None = None
    if offer.supplier.id not in scenario.site_by_id:
        s = offer.supplier
        site = {
            "id": s.id, "name": s.name, "kind": "supplier", "lat": s.lat, "lon": s.lon,
            "open_days": " ".join(d.code for d in sorted(s.open_days)), "window": str(s.window),
            "address": s.address,
        }  # fmt: skip
    with restored_on_error(path):
        if path.is_dir():
            _append_csv(_table_file(path, "lots"), row)
            if site is not None:
                _append_csv(_table_file(path, "sites"), site)
        else:
            _append_sheets(path, row, site)
        return load_scenario(path)


@contextmanager
def restored_on_error(path: str | Path) -> Iterator[None]:
    """The week's files at ``path`` (a folder's files, or the workbook) put back as they were
    if the block raises, e.g. when the register refuses the outcome after the lot is written."""
    path = Path(path)
    files = [p for p in path.iterdir() if p.is_file()] if path.is_dir() else [path]
    saved = {p: p.read_bytes() for p in files}
    try:
        yield
    except BaseException:
        for p, data in saved.items():
            p.write_bytes(data)
        raise


def _table_file(folder: Path, table: str) -> Path:
    for p in folder.iterdir():
        if p.name.lower() == f"{table}.csv":
            return p
    raise AideAlimError(f"expected a file {table}.csv in {folder}, got none")


def _append_csv(path: Path, row: dict[str, Any]) -> None:
    data = path.read_bytes()
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text, encoding = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1252"), "cp1252"
    separator = detect_separator(text)
    records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=separator)]
    header_at = next(i for i, r in enumerate(records) if any(c.strip() for c in r))
    header = [c.strip() for c in records[header_at]]
    keys = [slug(h) for h in header]
    if "source" not in keys:
        header.append("source")
        keys.append("source")
        records = [[*r, ""] if i > header_at and any(r) else r for i, r in enumerate(records)]
        records[header_at] = header
    comma = separator == ";"
    records.append([_cell(row.get(k), comma) for k in keys])
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=separator, lineterminator="\n").writerows(records)
    encoded = out.getvalue().encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + encoded)


def _cell(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        text = f"{value:.6g}" if not value.is_integer() else str(int(value))
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


def _append_sheets(path: Path, row: dict[str, Any], site: dict[str, Any] | None) -> None:
    import openpyxl

    book = openpyxl.load_workbook(path)
    try:
        sheets = {name.strip().lower(): book[name] for name in book.sheetnames}
        for table, values in (("lots", row), ("sites", site)):
            if values is None:
                continue
            sheet = sheets.get(table)
            if sheet is None:
                raise AideAlimError(f'expected a sheet named "{table}" in {path.name}, got none')
            header = [slug(str(c.value or "")) for c in sheet[1]]
            while header and not header[-1]:
                header.pop()
            if "source" not in header:
                sheet.cell(row=1, column=len(header) + 1, value="source")
                header.append("source")
            sheet.append([values.get(k) for k in header])
        book.save(path)
    finally:
        book.close()
