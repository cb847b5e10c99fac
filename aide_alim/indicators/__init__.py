"""Indicators of the convention over a period of the history (see :mod:`.core` for the keys).

``indicators(db, start, end)`` reads the period and computes every indicator of
:data:`INDICATORS`; each one is also a pure function of a :class:`~aide_alim.history.History`.
"""

from __future__ import annotations

import pandas as pd

from aide_alim.db import Database
from aide_alim.history.tables import History, read_history
from aide_alim.indicators.core import (
    INDICATORS,
    action_31,
    compute_indicators,
    fairness,
    fairness_gini,
    financial,
    gini,
    logistics_share,
    regularity,
    summary,
    volume,
    weekly,
)


def indicators(
    db: Database, start: str | None = None, end: str | None = None
) -> dict[str, pd.DataFrame]:
    """Every indicator over the published weeks from ``start`` to ``end`` (ISO weeks, included)."""
    return compute_indicators(read_history(db, start, end))


__all__ = [
    "INDICATORS",
    "History",
    "action_31",
    "compute_indicators",
    "fairness",
    "fairness_gini",
    "financial",
    "gini",
    "indicators",
    "logistics_share",
    "regularity",
    "summary",
    "volume",
    "weekly",
]
