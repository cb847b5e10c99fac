"""Entries of the ledger: the expenditure and indicator value types and their validation.

- An **expenditure** charges an amount [€] to one action and one funder (party id of the
  convention, e.g. ``etat`` or ``metropole``), with a date, a label and a document reference
  (invoice, mandate, deliberation number). A negative amount records a correction (an
  "avoir", or the cancellation of a mistaken entry), so the ledger keeps its audit trail.
- An **indicator value** answers an indicator of an action sheet for a period (``2020``,
  ``2020-T4``, ``2020-10``, ``2020-W41``): a number (``value``, in ``unit``) or a text assessment
  (``text``), optionally for one ``measure`` of the indicator (e.g. "kg rendus accessibles") and
  one ``subject`` (e.g. an association). Setting a value again for the same key replaces it.

:func:`expense_problems` and :func:`value_problems` say what is wrong with one entry for a
convention; :func:`parse_amount` reads an amount a user wrote. The entries are written and read
by :mod:`aide_alim.ledger.store` and imported from a CSV by :mod:`aide_alim.ledger.csv_import`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from aide_alim.errors import Problem
from aide_alim.i18n import N_, _
from aide_alim.ledger.convention import MAX_AMOUNT_EUR, Convention
from aide_alim.parsing import MAX_TEXT_CHARS, Bad, number_expected, parse_decimal

PERIOD_PATTERN = re.compile(r"^(\d{4})(-(T[1-4]|S[12]|W(0[1-9]|[1-4]\d|5[0-3])|0[1-9]|1[0-2]))?$")
PERIOD_HELP = N_("a period such as 2020, 2020-T4, 2020-S2, 2020-10 or 2020-W41")


@dataclass(frozen=True, slots=True)
class Expense:
    """One expenditure charged to an action and a funder (``amount_eur`` [€], exact)."""

    action: str
    funder: str
    date: dt.date
    label: str
    amount_eur: Decimal
    document: str = ""
    source: str = "saisie"


@dataclass(frozen=True, slots=True)
class IndicatorValue:
    """One value of an indicator for a period: a number ``value`` [``unit``] and/or a ``text``."""

    action: str
    indicator: str
    period: str
    value: float | None = None
    text: str = ""
    measure: str = ""
    subject: str = ""
    unit: str = ""
    source: str = "saisie"


# ------------------------------------------------------------------------------- validation


def expense_problems(
    convention: Convention, expense: Expense, *, file: str = "saisie", row: int | None = None
) -> list[Problem]:
    """What is wrong with one expenditure for this convention (empty when it is fine)."""
    problems: list[Problem] = []
    actions = [a.id for a in convention.actions]
    if expense.action not in actions:
        problems.append(
            Problem(
                file,
                row,
                "action",
                _(
                    "expected an action of the {year} convention ({actions}), found {value!r}"
                ).format(year=convention.year, actions=", ".join(actions), value=expense.action),
            )
        )
    if expense.funder not in convention.funders:
        problems.append(
            Problem(
                file,
                row,
                "funder",
                _("expected one of {choices}, found {value!r}").format(
                    choices=", ".join(convention.funders), value=expense.funder
                ),
            )
        )
    if not expense.label.strip():
        problems.append(Problem(file, row, "label", _("expected a label, found nothing")))
    elif len(expense.label) > MAX_TEXT_CHARS:
        problems.append(
            Problem(
                file,
                row,
                "label",
                _("expected a label of at most {limit} characters, found {length}").format(
                    limit=MAX_TEXT_CHARS, length=len(expense.label)
                ),
            )
        )
    if not expense.amount_eur.is_finite() or expense.amount_eur == 0:
        problems.append(
            Problem(
                file,
                row,
                "amount_eur",
                _(
                    "expected a non-zero amount in € (negative for a correction), found {value}"
                ).format(value=expense.amount_eur),
            )
        )
    elif expense.amount_eur != expense.amount_eur.quantize(Decimal("0.01")):
        problems.append(
            Problem(
                file,
                row,
                "amount_eur",
                _("expected at most 2 decimals (cents), found {value}").format(
                    value=expense.amount_eur
                ),
            )
        )
    if expense.date.year != convention.year:  # else it would count in this year's parity
        problems.append(
            Problem(
                file,
                row,
                "date",
                _("expected a date in {year}, the year of the convention, found {date}").format(
                    year=convention.year, date=expense.date.isoformat()
                ),
            )
        )
    return problems


def value_problems(
    convention: Convention, value: IndicatorValue, *, file: str = "saisie", row: int | None = None
) -> list[Problem]:
    """What is wrong with one indicator value for this convention (empty when it is fine)."""
    problems: list[Problem] = []
    try:
        indicator = convention.indicator(value.indicator)
    except KeyError:
        ids = ", ".join(i.id for i in convention.indicators)
        return [
            Problem(
                file,
                row,
                "indicator",
                _("expected an indicator of the {year} convention ({ids}), found {value!r}").format(
                    year=convention.year, ids=ids, value=value.indicator
                ),
            )
        ]
    if value.action != indicator.action:
        problems.append(
            Problem(
                file,
                row,
                "action",
                _("indicator {indicator} belongs to action {action}, found {value!r}").format(
                    indicator=indicator.id, action=indicator.action, value=value.action
                ),
            )
        )
    match = PERIOD_PATTERN.match(value.period)
    if match is None:
        problems.append(
            Problem(
                file,
                row,
                "period",
                _("expected {expected}, found {value!r}").format(
                    expected=_(PERIOD_HELP), value=value.period
                ),
            )
        )
    elif int(match.group(1)) != convention.year:
        problems.append(
            Problem(
                file,
                row,
                "period",
                _("expected a period of {year}, found {value!r}").format(
                    year=convention.year, value=value.period
                ),
            )
        )
    if value.value is not None and not math.isfinite(value.value):
        message = _("expected a number, found {value}").format(value=value.value)
        problems.append(Problem(file, row, "value", message))
    elif value.value is not None and value.value < 0:
        # every indicator of the conventions counts something (persons, visits, €)
        problems.append(
            Problem(
                file,
                row,
                "value",
                _("expected a number >= 0 (a count), found {value}").format(
                    value=f"{value.value:g}"
                ),
            )
        )
    if indicator.kind == "nombre" and value.value is None and not value.text.strip():
        problems.append(
            Problem(
                file,
                row,
                "value",
                _(
                    "indicator {indicator} is a number ({unit}); expected a value, found nothing"
                ).format(indicator=indicator.id, unit=indicator.unit or "sans unité"),
            )
        )
    if indicator.kind == "qualitatif" and not value.text.strip() and value.value is None:
        problems.append(
            Problem(
                file,
                row,
                "text",
                _(
                    "indicator {indicator} is a text assessment; expected a text, found nothing"
                ).format(indicator=indicator.id),
            )
        )
    return problems


AMOUNT_EXPECTED = N_("an amount in euros like 1234,56 or 1 234,56 €")


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal | Bad:
    """``1 234,56 €``, ``1,234.56``, ``76000`` → Decimal euros, or :class:`Bad` (see
    :mod:`aide_alim.parsing`; ``1,000`` is refused as ambiguous unless ``decimal_comma``)."""
    amount = parse_decimal(text, decimal_comma=decimal_comma)
    if isinstance(amount, Bad):
        return number_expected(amount, _(AMOUNT_EXPECTED))
    if abs(amount) >= MAX_AMOUNT_EUR:
        maximum = f"{MAX_AMOUNT_EUR:,.0f}".replace(",", " ")
        return Bad(_("an amount below {maximum} €").format(maximum=maximum))
    return amount
