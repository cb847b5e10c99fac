"""Reading the raw tables and settings of a scenario into typed values, every problem located.

:func:`read_table` parses each cell of a :class:`~aide_alim.scenario.io.RawTable` along its
:class:`~aide_alim.scenario.schema.ColumnSpec` into :class:`Row` objects; :func:`read_settings`
does the same for ``scenario.toml`` (or the workbook's settings sheet). Each problem goes to a
:class:`Collector` with its file, row (as the spreadsheet numbers it) and column, so that
validation can report them all at once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aide_alim.errors import Problem
from aide_alim.i18n import _
from aide_alim.parsing import MAX_TEXT_CHARS, Bad, parse_number
from aide_alim.scenario.categories import DEFAULT_CATEGORIES, slug
from aide_alim.scenario.io import FORMULA_MARK, RawScenario, RawSetting, RawTable
from aide_alim.scenario.model import Logistics, parse_iso_week
from aide_alim.scenario.parsers import (
    Context,
    did_you_mean,
    did_you_mean_text,
    parse_bool,
    parse_text,
    plain_number,
)
from aide_alim.scenario.schema import REQUIRED, SECTIONS, SETTINGS, ColumnSpec, field_default

# -- reading rows ------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """The values of one parsed row; ``ok`` is false once any of its cells is in error."""

    row: int
    values: dict[str, Any]
    ok: bool
    texts: dict[str, str] = dataclasses.field(default_factory=dict)

    def got(self, column: str) -> str:
        """The cell as the user typed it (for the ``got "…"`` of a message)."""
        return self.texts.get(column, "")


class Collector:
    """Gathers the located problems (errors and warnings) into one list."""

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


def read_table(
    table: RawTable, specs: tuple[ColumnSpec, ...], ctx: Context, out: Collector
) -> tuple[list[Row], set[str]]:
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
            hint = did_you_mean(key, by_name)
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
                        ).format(maximum=plain_number(spec.plausible), text=text),
                    )
        texts = {
            name: raw.cells[index] for name, index in positions.items() if index < len(raw.cells)
        }
        rows.append(Row(raw.row, values, ok, texts))
    return rows, set(positions)


def _expected(spec: ColumnSpec) -> str:
    """What an empty required cell should hold, in the parser's words."""
    probe = spec.parse("\x00", Context(DEFAULT_CATEGORIES))  # a value no parser accepts
    if isinstance(probe, Bad):
        text = probe.expected
        for hint in (did_you_mean_text("{"), _(' (unknown: "{part}")')):
            text = text.split(hint.split("{")[0].rstrip(' "'))[0]
        return text
    if spec.parse is parse_text:
        return _("a value (text, ≤ {limit} characters)").format(limit=MAX_TEXT_CHARS)
    return _("a value ({type})").format(type=spec.type_doc)


def check_unique(rows: list[Row], file: str, out: Collector) -> None:
    """An error for each row whose ``id`` an earlier row already has."""
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


def check_reference(
    r: Row, column: str, known: Mapping[str, Any], what: str, file: str, out: Collector
) -> None:
    """An error if the row's ``column`` names nothing in ``known`` (``what`` was expected)."""
    value = r.values.get(column)
    if value is not None and value not in known:
        hint = did_you_mean(value, known)
        message = _('expected {expected}, got "{text}"').format(expected=_(what) + hint, text=value)
        out.error(file, r.row, column, message)
        r.ok = False


# -- settings ----------------------------------------------------------------------------------


def _setting_value(raw: RawSetting, default: Any, file: str, out: Collector) -> tuple[bool, Any]:
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


def read_settings(raw: RawScenario, out: Collector) -> dict[str, Any]:
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
                hint = did_you_mean(key, sorted(top | set(SECTIONS)))
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
            hint = did_you_mean(section, SECTIONS)
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
            hint = did_you_mean(name, cls.field_names())
            message = _('expected a key of [{section}]{hint}, got "{key}"').format(
                section=section, hint=hint, key=name
            )
            out.error(file, setting.row, key, message)
            continue
        ok, value = _setting_value(setting, field_default(cls, name), file, out)
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
    raw: RawScenario, logistics: Logistics | None, seen: dict[str, RawSetting], out: Collector
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
