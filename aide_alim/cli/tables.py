"""The commands' tables in the user's language: French headers and numbers, or the columns' codes.

In English a table's headers are its columns' codes, as in the CSV files the commands write; in
French they are words from the catalogue (``pgettext("column", code)``), and numbers are
Babel's (``1 234,5``) through :func:`aide_alim.i18n.number`. Values that are codes (statuses,
reasons, temperature classes) are put in words by the caller, from the project's French
vocabularies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aide_alim.i18n import day, language, number, percent, pgettext

if TYPE_CHECKING:
    import pandas as pd


def headers() -> dict[str, str]:
    """Column code → header in the user's language (English: the code itself)."""
    return {
        # allocate, compare
        "association": pgettext("column", "association"),
        "need": pgettext("column", "need"),
        "received": pgettext("column", "received"),
        "other_supply": pgettext("column", "other_supply"),
        "fill_ratio": pgettext("column", "fill_ratio"),
        "deviation": pgettext("column", "deviation"),
        "n_lots": pgettext("column", "n_lots"),
        "reason": pgettext("column", "reason"),
        "kg": pgettext("column", "kg"),
        "lots": pgettext("column", "lots"),
        "rule": pgettext("column", "rule"),
        "status": pgettext("column", "status"),
        "min_fill_ratio": pgettext("column", "min_fill_ratio"),
        "gini": pgettext("column", "gini"),
        "jain": pgettext("column", "jain"),
        "max_deviation": pgettext("column", "max_deviation"),
        "envy_max": pgettext("column", "envy_max"),
        "kg_distributed": pgettext("column", "kg_distributed"),
        "kg_left": pgettext("column", "kg_left"),
        "value_distributed_eur": pgettext("column", "value_distributed_eur"),
        "meals_distributed": pgettext("column", "meals_distributed"),
        "price_of_fairness_kg": pgettext("column", "price_of_fairness_kg"),
        "seconds": pgettext("column", "seconds"),
        # route
        "day": pgettext("column", "day"),
        "vehicle": pgettext("column", "vehicle"),
        "trips": pgettext("column", "trips"),
        "stops": pgettext("column", "stops"),
        "start": pgettext("column", "start"),
        "end": pgettext("column", "end"),
        "km": pgettext("column", "km"),
        "hours": pgettext("column", "hours"),
        "kg_picked": pgettext("column", "kg_picked"),
        "kg_dropped": pgettext("column", "kg_dropped"),
        # ledger show
        "axis": pgettext("column", "axis"),
        "action": pgettext("column", "action"),
        "funder": pgettext("column", "funder"),
        "committed_eur": pgettext("column", "committed_eur"),
        "spent_eur": pgettext("column", "spent_eur"),
        "remaining_eur": pgettext("column", "remaining_eur"),
        "execution_rate": pgettext("column", "execution_rate"),
        "title": pgettext("column", "title"),
        "budget_eur": pgettext("column", "budget_eur"),
        "id": pgettext("column", "id"),
        "date": pgettext("column", "date"),
        "label": pgettext("column", "label"),
        "amount_eur": pgettext("column", "amount_eur"),
        "document": pgettext("column", "document"),
        "source": pgettext("column", "source"),
        "indicator": pgettext("column", "indicator"),
        "measure": pgettext("column", "measure"),
        "subject": pgettext("column", "subject"),
        "period": pgettext("column", "period"),
        "value": pgettext("column", "value"),
        "text": pgettext("column", "text"),
        "unit": pgettext("column", "unit"),
        # simulate, offers simulate, receive
        "week": pgettext("column", "week"),
        "publication_id": pgettext("column", "publication_id"),
        "kg_offered": pgettext("column", "kg_offered"),
        "kg_allocated": pgettext("column", "kg_allocated"),
        "offers": pgettext("column", "offers"),
        "taken": pgettext("column", "taken"),
        "refused": pgettext("column", "refused"),
        "kg_taken": pgettext("column", "kg_taken"),
        "lot": pgettext("column", "lot"),
        "planned_kg": pgettext("column", "planned_kg"),
        "kg_received": pgettext("column", "kg_received"),
        "difference_kg": pgettext("column", "difference_kg"),
        "flag": pgettext("column", "flag"),
        "comment": pgettext("column", "comment"),
    }


Format = Callable[[Any], str]


def decimals(n: int) -> Format:
    """A number with ``n`` decimals in the user's language (``1 234,50`` or ``1,234.50``)."""
    return lambda value: number(value, n)


def ratio(english: int = 3) -> Format:
    """A ratio: a percentage in French (``80 %``), ``english`` decimals in English (``0.800``)."""
    if language() == "en":
        return decimals(english)
    return percent


def hours(english: int = 3) -> Format:
    """A duration in hours: ``2 h 08`` in French, ``english`` decimals in English (``2.131``)."""
    if language() == "en":
        return decimals(english)
    from aide_alim.i18n.fmt import duration

    return duration


def allocation_status(code: str) -> str:
    """An allocation's status (``optimal``…) in words in French (the documents' words), else
    its code."""
    if language() == "en":
        return code
    from aide_alim.documents.tables import STATUS_FR

    return STATUS_FR.get(code, code)


def day_cell(value: Any) -> str:
    """A day: ``lundi 05/10/2020`` in French, ISO in English."""
    import datetime as dt

    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return day(value)


def _left(width: int) -> Format:
    return lambda value: str(value).ljust(width)


def table_text(
    frame: pd.DataFrame,
    formats: Mapping[str, Format] | None = None,
    *,
    left: tuple[str, ...] = (),
    **to_string: Any,
) -> str:
    """``frame`` as a text table: headers in the user's language, ``formats`` per column code
    (other columns as pandas prints them), the ``left`` columns (sentences) aligned left;
    ``to_string`` goes to :meth:`DataFrame.to_string`."""
    names = headers()
    shown = frame.rename(columns=lambda c: names.get(str(c), str(c)))
    formatters = {names.get(c, c): f for c, f in (formats or {}).items() if c in frame.columns}
    for column in left:
        if column in frame.columns:
            width = max((len(str(v)) for v in frame[column]), default=0)
            formatters[names.get(column, column)] = _left(width)
    text: str = shown.to_string(index=False, formatters=formatters, **to_string)
    return text
