"""What associations actually received: receipts, and their differences with the plan.

An association returns a CSV (``lot, association, kg_received, comment``) after the week, or the
coordinator enters a correction. Each receipt is kept (with who recorded it and when); for a
given week, lot and association the latest one counts, and the indicators use it instead of the
planned kg.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Literal

import pandas as pd
import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.errors import Problem
from aide_alim.history import schema as t
from aide_alim.history.publish import HistoryError, _now, active_publication, iso_week
from aide_alim.i18n import _, ngettext
from aide_alim.parsing import Bad, clean_text, number_expected, parse_number
from aide_alim.scenario.categories import slug

Source = Literal["association", "coordinator"]
RECEIPT_COLUMNS: tuple[str, ...] = ("lot", "association", "kg_received", "comment")
#: Differences smaller than this are not flagged [kg] (scales, rounding to the carton).
TOLERANCE_KG = 0.5
#: More than this received in one line is a typing error (a 44 t lorry carries ~25 t) [kg].
MAX_RECEIVED_KG = 100_000.0

DIFFERENCE_COLUMNS: tuple[str, ...] = (
    "lot",
    "association",
    "planned_kg",
    "kg_received",
    "difference_kg",
    "flag",
    "comment",
)


class ReceiptError(HistoryError):
    """A receipts file or table has problems: carries every one found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [
            ngettext(
                "{n} problem in the receipts; nothing recorded:",
                "{n} problems in the receipts; nothing recorded:",
                count,
            ).format(n=count)
        ]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def read_receipts(path: str | Path, *, validate: bool = True) -> pd.DataFrame:
    """Read a receipts CSV (``,`` ``;`` or tab separated; UTF-8 or Windows-1252).

    Returns columns lot, association, kg_received [kg], comment and ``row`` (the spreadsheet row
    number, for error messages). Raises :class:`ReceiptError` listing every bad row.
    ``validate=False`` only checks the file and its columns and leaves the cells as text, for
    :func:`record_receipts` to report bad values and unknown lots or associations in one pass.
    """
    from aide_alim.scenario.io import read_csv_bytes

    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReceiptError(
            [
                Problem(
                    str(path), None, None, _("cannot read it: {error}").format(error=exc.strerror)
                )
            ]
        ) from None
    table = read_csv_bytes(data, name)
    if isinstance(table, Problem):
        raise ReceiptError([table])
    header = [h.strip().lower() for h in table.header]
    missing = [c for c in ("lot", "association", "kg_received") if c not in header]
    if missing:
        raise ReceiptError(
            [
                Problem(
                    name,
                    table.header_row,
                    None,
                    _(
                        "expected columns lot, association, kg_received (comment optional), "
                        "missing {missing}; found {found}"
                    ).format(
                        missing=", ".join(missing), found=", ".join(table.header) or _("none")
                    ),
                )
            ]
        )
    index = {column: header.index(column) for column in RECEIPT_COLUMNS if column in header}
    records = []
    for raw in table.rows:
        cells = list(raw.cells) + [""] * (len(header) - len(raw.cells))
        record: dict[str, object] = {c: cells[i] for c, i in index.items()}
        record.setdefault("comment", "")
        record["row"] = raw.row
        records.append(record)
    frame = pd.DataFrame(records, columns=[*RECEIPT_COLUMNS, "row"])
    frame.attrs["decimal_comma"] = table.decimal_comma  # how its kg_received are written
    return _validated(frame, name) if validate else frame


def _validated(table: pd.DataFrame, file: str) -> pd.DataFrame:
    """Check columns and values; kg_received as floats. Raises :class:`ReceiptError`."""
    table, problems = _checked(table, file)
    if problems:
        raise ReceiptError(problems)
    return table


def _checked(table: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """The table with kg_received as floats (NaN where unreadable), and the problems of its
    values. Missing columns raise :class:`ReceiptError` at once."""
    missing = [c for c in ("lot", "association", "kg_received") if c not in table.columns]
    if missing:
        raise ReceiptError(
            [
                Problem(
                    file,
                    None,
                    None,
                    _("expected columns {columns}, not found").format(columns=", ".join(missing)),
                )
            ]
        )
    decimal_comma = bool(table.attrs.get("decimal_comma", False))
    if table.empty:
        raise ReceiptError(
            [Problem(file, None, None, _("expected at least one row of receipts under the header"))]
        )
    table = table.copy()
    if "comment" not in table.columns:
        table["comment"] = ""
    if "row" not in table.columns:
        table["row"] = range(2, len(table) + 2)
    problems: list[Problem] = []
    kgs: list[float] = []
    seen: dict[tuple[str, str], int] = {}
    for record in table.to_dict("records"):
        row = int(record["row"])
        lot, association = str(record["lot"]).strip(), str(record["association"]).strip()
        for column, value in (("lot", lot), ("association", association)):
            if not value or value == "nan":
                message = _("expected an id, got an empty cell")
                problems.append(Problem(file, row, column, message))
        parsed = parse_number(str(record["kg_received"]), decimal_comma=decimal_comma)
        expected: Bad | None = None
        if isinstance(parsed, Bad):
            expected = number_expected(parsed, _("a number of kg >= 0"))
        elif parsed < 0:
            expected = Bad(_("a number of kg >= 0"))
        elif parsed > MAX_RECEIVED_KG:
            expected = Bad(
                _("at most {maximum} kg for one lot (a typing error?)").format(
                    maximum=f"{MAX_RECEIVED_KG:.0f}"
                )
            )
        if expected is not None:
            got = record["kg_received"]
            problems.append(
                Problem(
                    file,
                    row,
                    "kg_received",
                    _('expected {expected}, got "{text}"').format(
                        expected=expected.expected, text=got
                    ),
                )
            )
        kg = parsed if expected is None and not isinstance(parsed, Bad) else math.nan
        kgs.append(kg)
        key = (lot, association)
        if key in seen:
            problems.append(
                Problem(
                    file,
                    row,
                    None,
                    _(
                        'lot "{lot}" for association "{association}" already given on row '
                        "{row}; give each lot once per association"
                    ).format(lot=lot, association=association, row=seen[key]),
                )
            )
        seen.setdefault(key, row)
    table["lot"] = table["lot"].astype(str).str.strip()
    table["association"] = table["association"].astype(str).str.strip()
    table["kg_received"] = kgs
    table["comment"] = table["comment"].fillna("").astype(str).map(clean_text)
    return table, problems


def resolve_association(text: str, names: Mapping[str, str]) -> str:
    """The id of the association ``text`` names: its id, or its name as people write it (any
    case, accents or punctuation: ``epicerie solidaire de talant``); ``text`` when none."""
    if text in names:
        return text
    key = slug(text)
    for ident, name in names.items():
        if key in (slug(ident), slug(name or "")):
            return ident
    return text


def _closest(text: str, names: Mapping[str, str]) -> str:
    """`` (did you mean "Épicerie solidaire de Talant"?)`` for a near miss, else nothing."""
    by_slug = {slug(name or ident): name or ident for ident, name in names.items()}
    close = difflib.get_close_matches(slug(text), list(by_slug), n=1, cutoff=0.75)
    if not close:
        return ""
    return _(' (did you mean "{suggestion}"?)').format(suggestion=by_slug[close[0]])


def planned_lines(conn: sa.Connection, publication_id: int) -> pd.DataFrame:
    """Planned kg per lot and association of one publication (lines summed over days)."""
    line = t.allocation_line
    query = (
        sa.select(line.c.lot, line.c.association, sa.func.sum(line.c.kg).label("planned_kg"))
        .where(line.c.publication_id == publication_id)
        .group_by(line.c.lot, line.c.association)
    )
    rows = conn.execute(query).all()
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["lot", "association", "planned_kg"]
    ).astype({"planned_kg": float})


def record_receipts(
    db: Database,
    week: str,
    table: pd.DataFrame,
    *,
    source: Source = "association",
    file: str = "receipts",
    tolerance_kg: float = TOLERANCE_KG,
    complete: bool = False,
) -> pd.DataFrame:
    """Record what was received in ``week`` and return its differences with the plan.

    ``table`` has columns lot, association, kg_received [kg] and optionally comment (and row,
    the spreadsheet row, for messages). Every lot must be one of the week's offers and every
    association one of the week's associations; a lot received that was not planned for that
    association is accepted (flag ``unplanned``). All rows are recorded in one transaction, or
    none.

    The differences table (columns :data:`DIFFERENCE_COLUMNS`) lists, for the associations in
    ``table``, each lot whose received kg differs from the plan by more than ``tolerance_kg``:
    flag ``less``, ``more``, ``unplanned`` (received, not planned) or ``missing`` (planned, absent
    from the table: recorded as nothing, the plan still counts until a receipt says otherwise).
    ``complete``: the table covers every association of the week, so the planned lines of the
    associations absent from it are ``missing`` too.

    A kg received above the lot's whole offer (plus ``tolerance_kg``) is an error. Bad values,
    unknown lots and unknown associations are reported together, and nothing is recorded.
    """
    if source not in ("association", "coordinator"):
        raise HistoryError(
            _("Expected source association or coordinator, got {value!r}.").format(value=source)
        )
    week = iso_week(week)
    table, problems = _checked(table, file)
    with db.transaction() as conn:
        current = active_publication(conn, week)
        if current is None:
            raise HistoryError(
                _("Week {week} is not published; publish it before recording receipts.").format(
                    week=week
                )
            )
        pub_id = int(current.id)
        lot_kg = {
            str(lot): float(kg)
            for lot, kg in conn.execute(
                sa.select(t.offer.c.lot, t.offer.c.kg).where(t.offer.c.publication_id == pub_id)
            ).all()
        }
        lots = set(lot_kg)
        names = dict(
            conn.execute(
                sa.select(t.association_week.c.association, t.association_week.c.name).where(
                    t.association_week.c.publication_id == pub_id
                )
            ).all()
        )
        associations = set(names)
        table = table.assign(
            association=[resolve_association(str(a), names) for a in table["association"]]
        )
        for record in table.to_dict("records"):
            if (
                record["lot"] in lots
                and record["kg_received"] > lot_kg[record["lot"]] + tolerance_kg
            ):
                problems.append(
                    Problem(
                        file,
                        int(record["row"]),
                        "kg_received",
                        _('expected at most the {kg} kg of lot "{lot}", got {received}').format(
                            kg=f"{lot_kg[record['lot']]:g}",
                            lot=record["lot"],
                            received=f"{record['kg_received']:g}",
                        ),
                    )
                )
            if record["lot"] and record["lot"] != "nan" and record["lot"] not in lots:
                problems.append(
                    Problem(
                        file,
                        int(record["row"]),
                        "lot",
                        _('expected a lot of week {week}, got "{text}"').format(
                            week=week, text=record["lot"]
                        ),
                    )
                )
            if (
                record["association"]
                and record["association"] != "nan"
                and record["association"] not in associations
            ):
                problems.append(
                    Problem(
                        file,
                        int(record["row"]),
                        "association",
                        _('expected an association of week {week}{hint}, got "{text}"').format(
                            week=week,
                            hint=_closest(str(record["association"]), names),
                            text=record["association"],
                        ),
                    )
                )
        if problems:
            raise ReceiptError(sorted(problems, key=lambda p: p.row or 0))
        plan = planned_lines(conn, pub_id)
        recorded = {
            (str(lot), str(association))
            for lot, association in conn.execute(
                sa.select(t.receipt.c.lot, t.receipt.c.association).where(
                    t.receipt.c.publication_id == pub_id
                )
            ).all()
        }
        merged = table.merge(plan, on=["lot", "association"], how="left")
        merged["planned_kg"] = merged["planned_kg"].fillna(0.0)
        now = _now()
        conn.execute(
            t.receipt.insert(),
            [
                {
                    "publication_id": pub_id,
                    "week": week,
                    "lot": r["lot"],
                    "association": r["association"],
                    "planned_kg": float(r["planned_kg"]),
                    "kg_received": float(r["kg_received"]),
                    "comment": str(r["comment"]),
                    "source": source,
                    "recorded_at": now,
                }
                for r in merged.to_dict("records")
            ],
        )
    return differences(plan, table, tolerance_kg=tolerance_kg, complete=complete, recorded=recorded)


def differences(
    plan: pd.DataFrame,
    received: pd.DataFrame,
    *,
    tolerance_kg: float = TOLERANCE_KG,
    complete: bool = False,
    recorded: Collection[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Lots whose received kg differs from the plan, for the associations in ``received`` (or
    for every planned association when ``complete``). ``recorded``: the (lot, association)
    pairs an earlier receipt already gave, which are not missing when absent from ``received``.
    """
    if not complete:
        plan = plan[plan["association"].isin(set(received["association"]))]
    both = plan.merge(
        received[["lot", "association", "kg_received", "comment"]],
        on=["lot", "association"],
        how="outer",
        indicator=True,
    )
    both["planned_kg"] = both["planned_kg"].fillna(0.0).astype(float)
    both["comment"] = both["comment"].fillna("").astype(str)
    earlier = pd.Series(
        [pair in set(recorded) for pair in zip(both["lot"], both["association"], strict=True)],
        index=both.index,
        dtype=bool,
    )
    missing = (both["_merge"] == "left_only") & ~earlier
    both["kg_received"] = both["kg_received"].astype(float)
    both["difference_kg"] = both["kg_received"].fillna(0.0) - both["planned_kg"]
    flag = pd.Series("", index=both.index, dtype=object)
    flag[both["difference_kg"] < -tolerance_kg] = "less"
    flag[both["difference_kg"] > tolerance_kg] = "more"
    flag[(both["_merge"] == "right_only") & (both["kg_received"] > tolerance_kg)] = "unplanned"
    flag[missing] = "missing"
    flag[(both["_merge"] == "left_only") & earlier] = ""  # the earlier receipt stands
    both["flag"] = flag
    out = both[both["flag"] != ""].sort_values(["association", "lot"])
    return out[list(DIFFERENCE_COLUMNS)].reset_index(drop=True)
