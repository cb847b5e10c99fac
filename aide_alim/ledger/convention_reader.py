"""Reading a convention's TOML text into a validated :class:`Convention`.

Reading validates the structure once, collects every problem with its line in the file, and
returns an immutable :class:`Convention`. Whether the figures add up (commitments per funder,
shares vs the sheet's budget) is a check (:mod:`aide_alim.ledger.checks`), not a load error, so
that a convention whose table does not add up can still be loaded and reported on.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from aide_alim.errors import Problem
from aide_alim.i18n import _
from aide_alim.ledger.convention import (
    INDICATOR_KINDS,
    MAX_AMOUNT_EUR,
    Action,
    Axis,
    Convention,
    Indicator,
    LedgerError,
    ParityRule,
    Party,
)
from aide_alim.parsing import Bad, number_expected, parse_decimal

FORMAT_VERSION = 1


def parse_convention(text: str, *, file_name: str = "convention.toml") -> Convention:
    """Validate the TOML text of a convention (see
    :func:`~aide_alim.ledger.convention_files.load_convention`)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise LedgerError(
            [Problem(file_name, line, None, _("not valid TOML ({exc})").format(exc=exc))],
            what=Path(file_name).name,
        ) from None
    return _Reader(data, text, file_name).convention()


class _Reader:
    """Walks the TOML data, collecting problems located by line and key path."""

    def __init__(self, data: dict[str, Any], text: str, file_name: str) -> None:
        self.data = data
        self.lines = text.splitlines()
        self.file = file_name
        self.problems: list[Problem] = []
        # Line where each [[actions]] / [[actions.indicators]] block starts, in order.
        self.action_lines = self._header_lines("actions")
        self.indicator_lines = self._header_lines("actions.indicators")
        self.party_lines = self._header_lines("parties")
        self.axis_lines = self._header_lines("axes")

    # -- locating
    def _header_lines(self, name: str) -> list[int]:
        pattern = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
        return [i + 1 for i, line in enumerate(self.lines) if pattern.match(line)]

    def _section_line(self, name: str) -> int | None:
        pattern = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]")
        for i, line in enumerate(self.lines):
            if pattern.match(line):
                return i + 1
        return None

    def _key_line(self, start: int | None, key: str) -> int | None:
        """First line at or after ``start`` (within its block) that sets ``key``."""
        if start is None:
            return None
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=|[{{,]\s*{re.escape(key)}\s*=")
        for i in range(start - 1, len(self.lines)):
            if i >= start and re.match(r"^\s*\[", self.lines[i]):
                break
            if pattern.search(self.lines[i]):
                return i + 1
        return start

    def add(self, line: int | None, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, key, message))

    # -- typed getters
    def text(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        line: int | None,
        *,
        required: bool = True,
    ) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.add(line, f"{path}{key}", _("missing; expected a text"))
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(
                self._key_line(line, key),
                f"{path}{key}",
                _("expected a non-empty text, found {value!r}").format(value=value),
            )
            return ""
        return value.strip()

    def money(self, value: Any, key: str, line: int | None) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.add(
                line, key, _("expected an amount in euros, found {value!r}").format(value=value)
            )
            return None
        # TOML numbers are exact in their decimal text; strings are what a user typed.
        amount = parse_decimal(value if isinstance(value, str) else repr(value))
        if isinstance(amount, Bad):
            expected = number_expected(amount, _("an amount in euros")).expected
            self.add(
                line,
                key,
                _("expected {expected}, found {value!r}").format(expected=expected, value=value),
            )
            return None
        if amount < 0 or amount >= MAX_AMOUNT_EUR:
            bound = (
                "≥ 0 €"
                if amount < 0
                else _("below {maximum} €").format(maximum=f"{MAX_AMOUNT_EUR:,.0f}")
            )
            self.add(
                line,
                key,
                _("expected an amount {bound}, found {value!r}").format(bound=bound, value=value),
            )
            return None
        return amount

    # -- the document
    def convention(self) -> Convention:
        data = self.data
        fmt = data.get("format", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            self.add(
                self._key_line(1, "format"),
                "format",
                _("expected format = {version}, found {fmt!r}").format(
                    version=FORMAT_VERSION, fmt=fmt
                ),
            )
        head_line = self._section_line("convention")
        head = data.get("convention")
        if not isinstance(head, dict):
            self.add(None, "[convention]", _("missing section [convention]"))
            head = {}
        name = self.text(head, "name", "convention.", head_line)
        territory = self.text(head, "territory", "convention.", head_line, required=False)
        legal_basis = self.text(head, "legal_basis", "convention.", head_line, required=False)
        year = head.get("year")
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
            self.add(
                self._key_line(head_line, "year"),
                "convention.year",
                _("expected a year such as 2020, found {year!r}").format(year=year),
            )
            year = 0
        deadline = head.get("report_deadline")
        if deadline is None and year:
            deadline = dt.date(year + 1, 3, 31)  # art. 2.4 of the 2020 model convention
        if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
            self.add(
                self._key_line(head_line, "report_deadline"),
                "convention.report_deadline",
                _("expected a date such as 2021-03-31, found {deadline!r}").format(
                    deadline=deadline
                ),
            )
            deadline = dt.date(max(year, 1900) + 1, 3, 31)
        deliberation = head.get("deliberation")
        if deliberation is not None and not isinstance(deliberation, dt.date):
            self.add(
                self._key_line(head_line, "deliberation"),
                "convention.deliberation",
                _("expected a date, found {deliberation!r}").format(deliberation=deliberation),
            )
            deliberation = None

        parties = self._parties()
        funders = {p.id for p in parties}
        funding = self._funding(funders)
        parity = self._parity(funders)
        axes = self._axes()
        actions = self._actions({a.id for a in axes}, funders)
        if self.problems:
            raise LedgerError(self.problems, what=Path(self.file).name)
        return Convention(
            name=name,
            territory=territory,
            year=year,
            report_deadline=deadline,
            parties=parties,
            funding_eur=MappingProxyType(funding),
            parity=parity,
            axes=axes,
            actions=actions,
            source=self.file,
            deliberation=deliberation,
            legal_basis=legal_basis,
        )

    def _list(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            self.add(
                None,
                f"[[{key}]]",
                _("missing; expected one or more [[{key}]] tables").format(key=key),
            )
            return []
        if not isinstance(value, list):
            self.add(self._section_line(key), key, _("expected [[{key}]] tables").format(key=key))
            return []
        return value

    def _parties(self) -> tuple[Party, ...]:
        parties: list[Party] = []
        seen: set[str] = set()
        for i, item in enumerate(self._list("parties")):
            line = self.party_lines[i] if i < len(self.party_lines) else None
            path = f"parties[{i + 1}]."
            if not isinstance(item, dict):
                self.add(line, path, _("expected a table"))
                continue
            pid = self.text(item, "id", path, line)
            if pid and pid in seen:
                self.add(
                    self._key_line(line, "id"),
                    f"{path}id",
                    _("duplicate party id {pid!r}").format(pid=pid),
                )
            seen.add(pid)
            parties.append(
                Party(
                    id=pid,
                    name=self.text(item, "name", path, line),
                    represented_by=self.text(item, "represented_by", path, line, required=False),
                    signatory=self.text(item, "signatory", path, line, required=False),
                )
            )
        return tuple(parties)

    def _funding(self, funders: set[str]) -> dict[str, Decimal]:
        line = self._section_line("funding")
        table = self.data.get("funding")
        if not isinstance(table, dict):
            self.add(line, "[funding]", _("missing section [funding] (total per party, in €)"))
            return {}
        funding: dict[str, Decimal] = {}
        for key, value in table.items():
            key_line = self._key_line(line, key)
            if key not in funders:
                self.add(
                    key_line,
                    f"funding.{key}",
                    _("unknown party {key!r}; expected one of {choices}").format(
                        key=key, choices=sorted(funders)
                    ),
                )
                continue
            amount = self.money(value, f"funding.{key}", key_line)
            if amount is not None:
                funding[key] = amount
        for funder in sorted(funders - set(table)):
            self.add(line, f"funding.{funder}", _("missing total for this party"))
        return funding

    def _parity(self, funders: set[str]) -> ParityRule:
        line = self._section_line("parity")
        table = self.data.get("parity")
        if table is None:
            ids = sorted(funders)
            return ParityRule(funder=ids[-1] if ids else "", at_least=ids[0] if ids else "")
        if not isinstance(table, dict):
            self.add(line, "[parity]", _("expected a table"))
            return ParityRule("", "")
        funder = self.text(table, "funder", "parity.", line)
        at_least = self.text(table, "at_least", "parity.", line)
        for key, value in (("funder", funder), ("at_least", at_least)):
            if value and value not in funders:
                self.add(
                    self._key_line(line, key),
                    f"parity.{key}",
                    _("unknown party {value!r}; expected one of {choices}").format(
                        value=value, choices=sorted(funders)
                    ),
                )
        scope = table.get("scope", "action")
        if scope not in ("action", "total"):
            self.add(
                self._key_line(line, "scope"),
                "parity.scope",
                _("expected 'action' or 'total', found {scope!r}").format(scope=scope),
            )
            scope = "action"
        return ParityRule(funder=funder, at_least=at_least, scope=scope)

    def _axes(self) -> tuple[Axis, ...]:
        axes: list[Axis] = []
        seen: set[str] = set()
        for i, item in enumerate(self._list("axes")):
            line = self.axis_lines[i] if i < len(self.axis_lines) else None
            path = f"axes[{i + 1}]."
            if not isinstance(item, dict):
                self.add(line, path, _("expected a table"))
                continue
            aid = self.text(item, "id", path, line)
            if aid and aid in seen:
                self.add(
                    self._key_line(line, "id"),
                    f"{path}id",
                    _("duplicate axis id {aid!r}").format(aid=aid),
                )
            seen.add(aid)
            axes.append(Axis(id=aid, title=self.text(item, "title", path, line)))
        return tuple(axes)

    def _actions(self, axis_ids: set[str], funders: set[str]) -> tuple[Action, ...]:
        actions: list[Action] = []
        seen_actions: set[str] = set()
        seen_indicators: set[str] = set()
        indicator_index = 0
        for i, item in enumerate(self._list("actions")):
            line = self.action_lines[i] if i < len(self.action_lines) else None
            if not isinstance(item, dict):
                self.add(line, f"actions[{i + 1}]", _("expected a table"))
                continue
            aid = self.text(item, "id", f"actions[{i + 1}].", line)
            path = f"actions[{i + 1}] ({aid})." if aid else f"actions[{i + 1}]."
            if aid and aid in seen_actions:
                self.add(
                    self._key_line(line, "id"),
                    f"{path}id",
                    _("duplicate action id {aid!r}").format(aid=aid),
                )
            seen_actions.add(aid)
            axis = self.text(item, "axis", path, line)
            if axis and axis not in axis_ids:
                self.add(
                    self._key_line(line, "axis"),
                    f"{path}axis",
                    _("unknown axis {axis!r}; expected one of {choices}").format(
                        axis=axis, choices=sorted(axis_ids)
                    ),
                )
            title = self.text(item, "title", path, line)
            sheet_title = self.text(item, "sheet_title", path, line, required=False) or title
            budget: Decimal | None = Decimal(0)
            if "budget" not in item:
                self.add(
                    line, f"{path}budget", _("missing; expected the action sheet's budget in €")
                )
            else:
                budget = self.money(item["budget"], f"{path}budget", self._key_line(line, "budget"))
            amounts: dict[str, Decimal] = {}
            raw_amounts = item.get("amounts")
            amounts_line = self._key_line(line, "amounts")
            if not isinstance(raw_amounts, dict):
                self.add(
                    amounts_line,
                    f"{path}amounts",
                    _("missing; expected amounts = { <party> = <€>, … }"),
                )
                raw_amounts = {}
            for funder, value in raw_amounts.items():
                if funder not in funders:
                    self.add(
                        amounts_line,
                        f"{path}amounts.{funder}",
                        _("unknown party {funder!r}; expected one of {choices}").format(
                            funder=funder, choices=sorted(funders)
                        ),
                    )
                    continue
                amount = self.money(value, f"{path}amounts.{funder}", amounts_line)
                if amount is not None:
                    amounts[funder] = amount
            indicators: list[Indicator] = []
            raw_indicators = item.get("indicators", [])
            if not isinstance(raw_indicators, list):
                self.add(line, f"{path}indicators", _("expected [[actions.indicators]] tables"))
                raw_indicators = []
            for j, raw in enumerate(raw_indicators):
                ind_line = (
                    self.indicator_lines[indicator_index]
                    if indicator_index < len(self.indicator_lines)
                    else line
                )
                indicator_index += 1
                ipath = f"{path}indicators[{j + 1}]."
                if not isinstance(raw, dict):
                    self.add(ind_line, ipath, _("expected a table"))
                    continue
                iid = self.text(raw, "id", ipath, ind_line)
                if iid and iid in seen_indicators:
                    self.add(
                        self._key_line(ind_line, "id"),
                        f"{ipath}id",
                        _("duplicate indicator id {iid!r}").format(iid=iid),
                    )
                seen_indicators.add(iid)
                kind = raw.get("kind", "nombre")
                if kind not in INDICATOR_KINDS:
                    self.add(
                        self._key_line(ind_line, "kind"),
                        f"{ipath}kind",
                        _("expected one of {choices}, found {kind!r}").format(
                            choices=list(INDICATOR_KINDS), kind=kind
                        ),
                    )
                    kind = "nombre"
                indicators.append(
                    Indicator(
                        id=iid,
                        action=aid,
                        label=self.text(raw, "label", ipath, ind_line),
                        kind=kind,
                        unit=self.text(raw, "unit", ipath, ind_line, required=False),
                    )
                )
            actions.append(
                Action(
                    id=aid,
                    axis=axis,
                    title=title,
                    sheet_title=sheet_title,
                    budget_eur=budget if budget is not None else Decimal(0),
                    amounts_eur=MappingProxyType(amounts),
                    indicators=tuple(indicators),
                )
            )
        return tuple(actions)
