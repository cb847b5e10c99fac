"""The weekly scenario: model, loading, validation, synthetic generation."""

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
from aide_alim.scenario.synth import synthesize
from aide_alim.scenario.validate import ValidationReport, check_scenario, load_scenario
from aide_alim.scenario.write import write_scenario, write_workbook

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
