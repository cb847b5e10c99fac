"""The weekly scenario: model, loading, validation, synthetic generation.

Loading, writing and synthesis are imported on first use (they bring numpy and the data
tables), so that the command line starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.model import (
    Association,
    Category,
    Day,
    Logistics,
    Lot,
    Policy,
    RoutingParams,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
    Vehicle,
)
from aide_alim.scenario.summary import summarize

if TYPE_CHECKING:
    from aide_alim.scenario.synth import synthesize
    from aide_alim.scenario.validate import ValidationReport, check_scenario, load_scenario
    from aide_alim.scenario.write import write_scenario, write_workbook

_LAZY = {
    "synthesize": "synth",
    "ValidationReport": "validate",
    "check_scenario": "validate",
    "load_scenario": "validate",
    "write_scenario": "write",
    "write_workbook": "write",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"aide_alim.scenario.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_CATEGORIES",
    "Association",
    "Category",
    "Day",
    "Logistics",
    "Lot",
    "Policy",
    "RoutingParams",
    "Scenario",
    "Site",
    "SiteKind",
    "Temperature",
    "TimeWindow",
    "ValidationReport",
    "Vehicle",
    "check_scenario",
    "load_scenario",
    "summarize",
    "synthesize",
    "write_scenario",
    "write_workbook",
]
