"""Indicators of the convention over a period of the history (see :mod:`.core` for the keys).

``indicators(db, start, end)`` reads the period and computes every indicator of
:data:`INDICATORS`; each one is also a pure function of a :class:`~aide_alim.history.History`.
"""

from __future__ import annotations

import pandas as pd

from aide_alim.db import Database
from aide_alim.history.publish import HistoryError, iso_week
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


def check_period(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """``start`` and ``end`` as canonical ISO weeks (``None`` stays open); an error when a week
    is malformed or when ``start`` comes after ``end``."""
    first = iso_week(start) if start else None
    last = iso_week(end) if end else None
    if first and last and first > last:
        raise HistoryError(
            f"The period starts after it ends: --from {first} is after --to {last}; "
            "expected --from on or before --to."
        )
    return first, last


def indicators(
    db: Database, start: str | None = None, end: str | None = None
) -> dict[str, pd.DataFrame]:
    """Every indicator over the published weeks from ``start`` to ``end`` (ISO weeks, included)."""
    start, end = check_period(start, end)
    return compute_indicators(read_history(db, start, end))


__all__ = [
    "INDICATORS",
    "History",
    "action_31",
    "check_period",
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
