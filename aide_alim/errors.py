"""Errors and located problems shared by every stage.

A :class:`Problem` says where something is wrong in the user's files, in the words a spreadsheet
user understands (file, row as the spreadsheet numbers it, column), what was expected and what was
found. Validation collects every problem before raising one :class:`ScenarioError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

from aide_alim.i18n import _, ngettext

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a scenario (or another input file).

    ``row`` is the row number the spreadsheet shows (the header is row 1, so the first data row
    is row 2); ``None`` when the problem concerns a whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        """``file, row 14, column kg: message``, in the user's language."""
        where = [self.file]
        if self.row is not None:
            where.append(_("row {row}").format(row=self.row))
        if self.column:
            where.append(_("column {column}").format(column=self.column))
        return _("{where}: {message}").format(where=", ".join(where), message=self.message)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("severity")
        return data


class AideAlimError(Exception):
    """Base class of every error the library raises on purpose (the CLI prints it, no traceback)."""


class ScenarioError(AideAlimError):
    """A scenario could not be loaded: carries every error (and warning) found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.errors = tuple(p for p in self.problems if p.severity == "error")
        self.warnings = tuple(p for p in self.problems if p.severity == "warning")
        count = len(self.errors)
        lines = [
            ngettext("{n} error in the scenario:", "{n} errors in the scenario:", count).format(
                n=count
            )
        ]
        lines += [f"  {p}" for p in self.errors]
        super().__init__("\n".join(lines))


class StageError(AideAlimError):
    """A stage of the weekly run (allocation, routing, documents, …) failed."""

    def __init__(self, stage: str, message: str) -> None:
        self.stage = stage
        super().__init__(f"{stage}: {message}")
