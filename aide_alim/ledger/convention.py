"""The convention as data: parties, axes, actions, commitments [€], budgets [€] and indicators.

A convention is read from a TOML file by :mod:`aide_alim.ledger.convention_reader`, found by
:mod:`aide_alim.ledger.convention_files`; what it holds is immutable. :class:`LedgerError` is
here because every ledger input (convention file, entry, CSV) reports its problems with it.

Money is held as :class:`decimal.Decimal` euros, never floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import pandas as pd

from aide_alim.errors import AideAlimError, Problem
from aide_alim.i18n import _, ngettext

IndicatorKind = Literal["nombre", "qualitatif"]
INDICATOR_KINDS: tuple[str, ...] = ("nombre", "qualitatif")
ParityScope = Literal["action", "total"]
MAX_AMOUNT_EUR = Decimal(10) ** 11
"""Amounts at or beyond this (100 billion €) are typing errors in any convention [€]."""


class LedgerError(AideAlimError):
    """A ledger input (convention file, entry, CSV) is wrong: carries every located problem."""

    def __init__(self, problems: Iterable[Problem], *, what: str = "") -> None:
        what = what or _("the ledger input")
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = [
            ngettext("{n} error in {what}:", "{n} errors in {what}:", count).format(
                n=count, what=what
            )
        ]
        lines += [f"  {format_problem(p)}" for p in self.problems]
        super().__init__("\n".join(lines))


def format_problem(problem: Problem) -> str:
    """``file, line N, key: message`` for TOML files, the usual row/column form otherwise."""
    if problem.file.endswith(".toml"):
        where = [problem.file]
        if problem.row is not None:
            where.append(_("line {row}").format(row=problem.row))
        if problem.column:
            where.append(problem.column)
        return _("{where}: {message}").format(where=", ".join(where), message=problem.message)
    return str(problem)


@dataclass(frozen=True, slots=True)
class Party:
    """A signatory party; its ``id`` is the funder key of amounts and expenses."""

    id: str
    name: str
    represented_by: str = ""
    signatory: str = ""


@dataclass(frozen=True, slots=True)
class Axis:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator of an action sheet (``kind`` "nombre": a number in ``unit``; "qualitatif":
    a text assessment)."""

    id: str
    action: str
    label: str
    kind: IndicatorKind
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """One action: its commitment per funder [€] (commitment table) and its sheet's budget [€]."""

    id: str
    axis: str
    title: str
    sheet_title: str
    budget_eur: Decimal
    amounts_eur: Mapping[str, Decimal]
    indicators: tuple[Indicator, ...]

    def committed_eur(self, funder: str) -> Decimal:
        """What ``funder`` committed to this action [€] (0 if it is not in the table)."""
        return self.amounts_eur.get(funder, Decimal(0))


@dataclass(frozen=True, slots=True)
class ParityRule:
    """Art. 2.3.2: ``funder`` spends at least what ``at_least`` gives, per action or in total."""

    funder: str
    at_least: str
    scope: ParityScope = "action"


@dataclass(frozen=True, slots=True)
class Convention:
    """A yearly convention: who funds what, and how each action is judged."""

    name: str
    territory: str
    year: int
    report_deadline: dt.date
    parties: tuple[Party, ...]
    funding_eur: Mapping[str, Decimal]
    parity: ParityRule
    axes: tuple[Axis, ...]
    actions: tuple[Action, ...]
    source: str = ""
    deliberation: dt.date | None = None
    legal_basis: str = ""

    @property
    def funders(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parties)

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise KeyError(party_id)

    def action(self, action_id: str) -> Action:
        for action in self.actions:
            if action.id == action_id:
                return action
        raise KeyError(action_id)

    def axis(self, axis_id: str) -> Axis:
        for axis in self.axes:
            if axis.id == axis_id:
                return axis
        raise KeyError(axis_id)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(ind for action in self.actions for ind in action.indicators)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def commitment_table(self) -> pd.DataFrame:
        """Tidy table: one row per action and funder (axis, action, title, funder, amount_eur)
        with the action sheet's budget_eur repeated on each row."""
        rows = [
            {
                "axis": action.axis,
                "action": action.id,
                "title": action.title,
                "funder": funder,
                "committed_eur": float(action.committed_eur(funder)),
                "budget_eur": float(action.budget_eur),
            }
            for action in self.actions
            for funder in self.funders
        ]
        return pd.DataFrame(
            rows, columns=["axis", "action", "title", "funder", "committed_eur", "budget_eur"]
        )

    def indicators_table(self) -> pd.DataFrame:
        """One row per indicator: action, indicator, label, kind, unit."""
        rows = [
            {
                "action": ind.action,
                "indicator": ind.id,
                "label": ind.label,
                "kind": ind.kind,
                "unit": ind.unit,
            }
            for ind in self.indicators
        ]
        return pd.DataFrame(rows, columns=["action", "indicator", "label", "kind", "unit"])
