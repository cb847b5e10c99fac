"""The convention's ledger: commitments, expenditures, indicator values, checks and the report."""

from aide_alim.ledger.convention import (
    Action,
    Axis,
    Convention,
    Indicator,
    LedgerError,
    ParityRule,
    Party,
    default_convention_path,
    load_convention,
    parse_convention,
)

__all__ = [
    "Action",
    "Axis",
    "Convention",
    "Indicator",
    "LedgerError",
    "ParityRule",
    "Party",
    "default_convention_path",
    "load_convention",
    "parse_convention",
]
