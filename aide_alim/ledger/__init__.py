"""The convention's ledger: commitments, expenditures, indicator values, checks and the report.

- :mod:`.convention` — the convention as data: its types and :class:`LedgerError`;
- :mod:`.convention_reader` — its TOML text validated, problems by line (:func:`parse_convention`);
- :mod:`.convention_files` — the convention file, given or shipped (:func:`load_convention`,
  :func:`find_convention`);
- :mod:`.entries` — expenditures and indicator values: their types and validation;
- :mod:`.store` — the entries in the history database: validated writes, tidy reads;
- :mod:`.csv_import` — expenditures or indicator values imported from a CSV;
- :mod:`.axis3` — Axe 3's tables and indicator values from the history's indicators;
- :mod:`.checks` — located findings: totals, parity (art. 2.3.2), execution, indicators, deadline;
- :mod:`.report_content` — what the execution report (art. 2.4) says: tables and synthesis;
- :mod:`.report` — the execution report as HTML, PDF and .xlsx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from aide_alim.ledger.axis3 import (
    Axis3Tables,
    axis3_from_database,
    axis3_from_history,
    axis3_from_indicators,
    axis3_indicator_values,
    fill_axis3,
)
from aide_alim.ledger.checks import Finding, findings_table, run_checks, spent_by_action
from aide_alim.ledger.convention import (
    Action,
    Axis,
    Convention,
    Indicator,
    LedgerError,
    ParityRule,
    Party,
)
from aide_alim.ledger.convention_files import (
    default_convention_path,
    find_convention,
    load_convention,
)
from aide_alim.ledger.convention_reader import parse_convention
from aide_alim.ledger.csv_import import import_csv
from aide_alim.ledger.entries import Expense, IndicatorValue
from aide_alim.ledger.store import (
    add_expenses,
    delete_expense,
    read_expenses,
    read_indicator_values,
    set_indicator_values,
)

if TYPE_CHECKING:
    from aide_alim.ledger.report import render_html, render_pdf, write_report, write_xlsx
    from aide_alim.ledger.report_content import ReportData, build_report, collect_report

# The module of each name imported on first use, by :func:`__getattr__`.
_REPORT = {
    "ReportData": "report_content", "build_report": "report_content",
    "collect_report": "report_content", "render_html": "report", "render_pdf": "report",
    "write_report": "report", "write_xlsx": "report",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    # The report brings matplotlib and the documents: imported on first use (fast CLI start).
    if name in _REPORT:
        module = importlib.import_module(f"{__name__}.{_REPORT[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Action",
    "Axis",
    "Axis3Tables",
    "Convention",
    "Expense",
    "Finding",
    "Indicator",
    "IndicatorValue",
    "LedgerError",
    "ParityRule",
    "Party",
    "ReportData",
    "add_expenses",
    "axis3_from_database",
    "axis3_from_history",
    "axis3_from_indicators",
    "axis3_indicator_values",
    "build_report",
    "collect_report",
    "default_convention_path",
    "delete_expense",
    "fill_axis3",
    "find_convention",
    "findings_table",
    "import_csv",
    "load_convention",
    "parse_convention",
    "read_expenses",
    "read_indicator_values",
    "render_html",
    "render_pdf",
    "run_checks",
    "set_indicator_values",
    "spent_by_action",
    "write_report",
    "write_xlsx",
]
