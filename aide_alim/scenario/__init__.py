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
    "Vehicle",
]
