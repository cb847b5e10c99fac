"""Axe 3 of the convention, filled from the history of published weeks.

The history's indicators (:mod:`aide_alim.indicators`) are gathered into :class:`Axis3Tables`,
the tables the execution report shows per association; :func:`axis3_indicator_values` turns them
into the ledger's values of indicators 3.1.a, 3.2.a, 3.2.b and 3.2.c (one value per measure and
period, and per association where the action sheet says "pour chaque structure").

Measures chosen for each indicator of the sheets (the sheets name the indicators, not how to
measure them):

- 3.1.a "Évolution des opportunités … marchés rendus accessibles": per quarter and for the year,
  from the register of opportunities when it holds offers of the year
  (:func:`aide_alim.offers.register.quarterly_31a`: offers received and taken, kg and market
  value made accessible, € saved against market prices, distinct and new suppliers, CO₂ per kg
  collected, change of the kg against the previous quarter); otherwise from the lots of the
  published weeks: offers prospected, kg and market value made accessible, share donated,
  distinct suppliers;
- 3.2.a "Réalisation d'un modèle réellement appliqué": weeks published with the model,
  associations served;
- 3.2.b "Amélioration des approvisionnements (volume et régularité) pour chaque structure": per
  association, kg received, share of weeks served, coefficient of variation of weekly kg, longest
  gap [weeks], trend [kg/week per week];
- 3.2.c "Observation de l'impact financier pour chaque structure": per association, market value
  received, amount paid, net value (what it would have cost to buy), share of the logistics cost
  [€], cost per kg (purchases and logistics) [€/kg].
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aide_alim.db import Database
from aide_alim.history.tables import History
from aide_alim.ledger.convention import Convention
from aide_alim.ledger.entries import IndicatorValue

SOURCE = "historique des semaines publiées"
REGISTER_SOURCE = "registre des opportunités"

VOLUME_COLUMNS = ["association", "name", "kg", "meals", "value_eur"]
WEEKLY_COLUMNS = ["week", "association", "kg"]
REGULARITY_COLUMNS = [
    "association",
    "name",
    "weeks",
    "weeks_served",
    "share_served",
    "cv_kg",
    "longest_gap_weeks",
    "trend_kg_per_week",
]
FINANCIAL_COLUMNS = [
    "association",
    "name",
    "kg",
    "value_eur",
    "paid_eur",
    "net_value_eur",
    "logistics_eur",
    "value_eur_per_kg",
    "cost_eur_per_kg",
]
PROSPECTION_COLUMNS = [
    "week",
    "offers",
    "suppliers",
    "kg_offered",
    "value_offered_eur",
    "kg_donated",
    "share_donated",
]


OPPORTUNITY_COLUMNS = [
    "period", "received", "taken", "refused", "pending", "kg_taken", "value_eur", "paid_eur",
    "saved_eur", "suppliers", "new_suppliers", "co2_g_per_kg", "kg_change",
]  # fmt: skip


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


@dataclass(frozen=True)
class Axis3Tables:
    """What the history says about Axe 3 over the convention's year.

    - ``weeks``: the published weeks (ISO, e.g. ``2020-W41``);
    - ``volume``: per association, totals over the year: kg, meals, value_eur [€ market value];
    - ``weekly``: per week and association, kg received (the chart of weekly volume);
    - ``regularity``: per association: weeks (listed), weeks_served, share_served [0–1], cv_kg
      (coefficient of variation of weekly kg), longest_gap_weeks, trend_kg_per_week (slope of
      weekly kg [kg/week per week]);
    - ``financial``: per association: kg, value_eur (market value), paid_eur, net_value_eur,
      logistics_eur (share of the rounds' cost) [€], value_eur_per_kg, cost_eur_per_kg [€/kg];
    - ``prospection`` (action 3.1): per week: offers (lots prospected), suppliers (distinct that
      week), kg_offered, value_offered_eur [€], kg_donated, share_donated [0–1];
      ``supplier_ids`` lists the suppliers of each week so that quarters and the year count
      each supplier once;
    - ``opportunities`` (action 3.1, from the register of opportunities): per quarter and for the
      year, the columns of :func:`aide_alim.offers.register.quarterly_31a`.

    The column names are those of :mod:`aide_alim.indicators` (``summary``, ``weekly``,
    ``regularity``, ``financial``, ``action_31``); :func:`axis3_from_history` builds this.
    """

    weeks: tuple[str, ...] = ()
    volume: pd.DataFrame = field(default_factory=lambda: _empty(VOLUME_COLUMNS))
    weekly: pd.DataFrame = field(default_factory=lambda: _empty(WEEKLY_COLUMNS))
    regularity: pd.DataFrame = field(default_factory=lambda: _empty(REGULARITY_COLUMNS))
    financial: pd.DataFrame = field(default_factory=lambda: _empty(FINANCIAL_COLUMNS))
    prospection: pd.DataFrame = field(default_factory=lambda: _empty(PROSPECTION_COLUMNS))
    supplier_ids: dict[str, frozenset[str]] = field(default_factory=dict)
    opportunities: pd.DataFrame = field(default_factory=lambda: _empty(OPPORTUNITY_COLUMNS))

    @property
    def is_empty(self) -> bool:
        return not self.weeks

    def per_association(self) -> pd.DataFrame:
        """One row per association: volume, regularity and financial impact side by side."""
        table = self.volume.copy()
        for other in (self.regularity, self.financial):
            extra = other.drop(
                columns=[c for c in other.columns if c in ("name", "value_eur", "kg")]
            )
            table = table.merge(extra, on="association", how="outer")
        return table.sort_values("association").reset_index(drop=True)


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def week_quarter(week: str) -> str:
    """``2020-W41`` → ``2020-T4`` (the quarter of the week's Thursday, as ISO weeks count)."""
    match = _WEEK.match(week)
    if match is None:
        raise ValueError(f"expected an ISO week like 2020-W41, found {week!r}")
    thursday = dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 4)
    return f"{thursday.year}-T{(thursday.month - 1) // 3 + 1}"


def weeks_of_year(weeks: list[str] | tuple[str, ...], year: int) -> list[str]:
    """The ISO weeks whose Thursday falls in ``year`` (those the convention's year covers)."""
    return [w for w in weeks if week_quarter(w).startswith(f"{year}-")]


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def axis3_indicator_values(convention: Convention, tables: Axis3Tables) -> list[IndicatorValue]:
    """The ledger values of Axe 3's indicators computed from the history (see the module doc).

    Only indicators the convention has are produced (a convention without action 3.1 gets no
    3.1 values). Weeks outside the convention's year are ignored.
    """
    have = {ind.id for ind in convention.indicators}
    year = convention.year
    weeks = weeks_of_year(tables.weeks, year)
    register = _register_31a(tables.opportunities, have) if len(tables.opportunities) else []
    if not weeks:
        return register
    values: list[IndicatorValue] = list(register)

    def add(
        indicator: str, period: str, measure: str, value: float | None, unit: str, subject: str = ""
    ) -> None:
        if indicator in have and value is not None:
            values.append(
                IndicatorValue(
                    action=indicator.rsplit(".", 1)[0],
                    indicator=indicator,
                    period=period,
                    value=value,
                    measure=measure,
                    subject=subject,
                    unit=unit,
                    source=SOURCE,
                )
            )

    # 3.1.a — per quarter and for the year: from the register if it has offers, else the lots.
    if not register:
        _published_31a(tables, weeks, year, add)

    # 3.2.a — the model is applied: weeks published, associations served.
    period = str(year)
    add("3.2.a", period, "semaines publiées", float(len(weeks)), "semaines")
    weekly = tables.weekly[tables.weekly["week"].isin(weeks)]
    served = weekly.loc[weekly["kg"] > 0, "association"].nunique() if len(weekly) else 0
    add("3.2.a", period, "structures servies", float(served), "structures")

    # 3.2.b — volume and regularity, for each association and overall.
    add("3.2.b", period, "kg reçus (toutes structures)", float(tables.volume["kg"].sum()), "kg")
    if len(tables.regularity):
        add(
            "3.2.b",
            period,
            "part médiane des semaines servies",
            _num(tables.regularity["share_served"].median()),
            "part (0–1)",
        )
    for row in tables.volume.to_dict("records"):
        add("3.2.b", period, "kg reçus", _num(row["kg"]), "kg", str(row["association"]))
    for row in tables.regularity.to_dict("records"):
        subject = str(row["association"])
        add(
            "3.2.b",
            period,
            "part des semaines servies",
            _num(row["share_served"]),
            "part (0–1)",
            subject,
        )
        add(
            "3.2.b",
            period,
            "coefficient de variation des kg hebdomadaires",
            _num(row["cv_kg"]),
            "",
            subject,
        )
        add(
            "3.2.b",
            period,
            "plus longue interruption",
            _num(row["longest_gap_weeks"]),
            "semaines",
            subject,
        )
        add("3.2.b", period, "tendance", _num(row["trend_kg_per_week"]), "kg/semaine", subject)

    # 3.2.c — financial impact, for each association and overall.
    fin = tables.financial
    add(
        "3.2.c",
        period,
        "valeur nette reçue (toutes structures)",
        float(fin["net_value_eur"].sum()) if len(fin) else None,
        "€",
    )
    for row in fin.to_dict("records"):
        subject = str(row["association"])
        add("3.2.c", period, "valeur marchande reçue", _num(row["value_eur"]), "€", subject)
        add("3.2.c", period, "montant payé", _num(row["paid_eur"]), "€", subject)
        add("3.2.c", period, "valeur nette reçue", _num(row["net_value_eur"]), "€", subject)
        add("3.2.c", period, "part des coûts logistiques", _num(row["logistics_eur"]), "€", subject)
        add(
            "3.2.c",
            period,
            "coût par kg (achat et logistique)",
            _num(row["cost_eur_per_kg"]),
            "€/kg",
            subject,
        )
    return values


def _published_31a(tables: Axis3Tables, weeks: list[str], year: int, add: Any) -> None:
    """3.1.a from the lots of the published weeks, given to ``add`` (the caller's)."""
    pro = tables.prospection[tables.prospection["week"].isin(weeks)].copy()
    if len(pro):
        pro["period"] = pro["week"].map(week_quarter)
        groups: list[tuple[str, pd.DataFrame]] = [
            (str(p), g) for p, g in pro.groupby("period", sort=True)
        ]
        groups.append((str(year), pro))
        for period, group in groups:
            kg = float(group["kg_offered"].sum())
            suppliers: set[str] = set()
            for week in group["week"]:
                suppliers |= tables.supplier_ids.get(str(week), frozenset())
            add("3.1.a", period, "offres prospectées", float(group["offers"].sum()), "offres")
            add("3.1.a", period, "kg rendus accessibles", kg, "kg")
            add(
                "3.1.a",
                period,
                "valeur marchande rendue accessible",
                float(group["value_offered_eur"].sum()),
                "€",
            )
            add(
                "3.1.a",
                period,
                "part donnée",
                float(group["kg_donated"].sum()) / kg if kg else None,
                "part (0–1)",
            )
            distinct = len(suppliers) if suppliers else float(group["suppliers"].max())
            add("3.1.a", period, "fournisseurs distincts", float(distinct), "fournisseurs")


REGISTER_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("received", "offres reçues", "offres"),
    ("taken", "offres prises", "offres"),
    ("kg_taken", "kg rendus accessibles", "kg"),
    ("value_eur", "valeur marchande rendue accessible", "€"),
    ("saved_eur", "économie par rapport aux prix du marché", "€"),
    ("suppliers", "fournisseurs distincts", "fournisseurs"),
    ("new_suppliers", "nouveaux fournisseurs", "fournisseurs"),
    ("co2_g_per_kg", "CO₂ par kg collecté", "g CO₂/kg"),
    ("kg_change", "kg rendus accessibles, rapport au trimestre précédent", "rapport (1 = stable)"),
)
"""Register column → (measure, unit) of indicator 3.1.a. The change of the kg is recorded as the
ratio to the previous quarter (1.2 = +20 %): the ledger's values are never negative."""


def _register_31a(table: pd.DataFrame, have: set[str]) -> list[IndicatorValue]:
    """3.1.a from the register of opportunities (``table``: :func:`quarterly_31a`)."""
    if "3.1.a" not in have:
        return []
    values = []
    for row in table.to_dict("records"):
        for column, label, unit in REGISTER_MEASURES:
            measure = label
            value = _num(row[column])
            if column == "kg_change" and value is not None:
                value += 1.0
            if column == "saved_eur" and value is not None and value < 0:
                measure, value = "surcoût par rapport aux prix du marché", -value
            if value is not None:
                values.append(
                    IndicatorValue(
                        action="3.1", indicator="3.1.a", period=str(row["period"]), value=value,
                        measure=measure, unit=unit, source=REGISTER_SOURCE,
                    )
                )  # fmt: skip
    return values


def axis3_from_indicators(
    tables: Mapping[str, pd.DataFrame],
    *,
    supplier_ids: Mapping[str, frozenset[str]] | None = None,
) -> Axis3Tables:
    """Axe 3's tables from the indicators tables of :func:`aide_alim.indicators.indicators`
    (keys ``summary``, ``weekly``, ``regularity``, ``financial``, ``action_31``).

    ``supplier_ids``: the suppliers of each week, to count distinct suppliers per quarter and
    year; without it, a quarter and the year count the largest weekly number of suppliers (a
    lower bound of the distinct suppliers).
    """
    missing = [
        k for k in ("summary", "weekly", "regularity", "financial", "action_31") if k not in tables
    ]
    if missing:
        raise KeyError(f"indicators tables missing: {', '.join(missing)}")
    prospection = tables["action_31"]
    return Axis3Tables(
        weeks=tuple(sorted(str(w) for w in prospection["week"])),
        volume=tables["summary"][VOLUME_COLUMNS].reset_index(drop=True),
        weekly=tables["weekly"][WEEKLY_COLUMNS].reset_index(drop=True),
        regularity=tables["regularity"][REGULARITY_COLUMNS].reset_index(drop=True),
        financial=tables["financial"][FINANCIAL_COLUMNS].reset_index(drop=True),
        prospection=prospection[PROSPECTION_COLUMNS].reset_index(drop=True),
        supplier_ids=dict(supplier_ids or {}),
    )


def axis3_from_history(history: History) -> Axis3Tables:
    """Axe 3's tables from a period of the history, through :mod:`aide_alim.indicators`."""
    from aide_alim.indicators import compute_indicators

    suppliers = {
        str(week): frozenset(str(s) for s in group["site"])
        for week, group in history.offers.groupby("week")
    }
    return axis3_from_indicators(compute_indicators(history), supplier_ids=suppliers)


def year_weeks(year: int) -> tuple[str, str]:
    """First and last ISO week of ``year`` (``2020-W01``, ``2020-W53``)."""
    last = dt.date(year, 12, 28).isocalendar().week
    return f"{year}-W01", f"{year}-W{last:02d}"


def axis3_from_database(db: Database, convention: Convention) -> Axis3Tables:
    """Axe 3's tables for the convention's year, from the published weeks of the database and
    the register of opportunities."""
    import dataclasses

    from aide_alim.history import read_history
    from aide_alim.offers.register import quarterly_31a, read_register

    start, end = year_weeks(convention.year)
    tables = axis3_from_history(read_history(db, start, end))
    # The whole register up to the year's end: a supplier is new the first time it offers.
    register = read_register(db, weeks=("0000-W00", end))
    return dataclasses.replace(tables, opportunities=quarterly_31a(register, convention.year))


def fill_axis3(db: Database, convention: Convention, tables: Axis3Tables | None = None) -> int:
    """Write Axe 3's indicator values computed from the history (``tables``, default: read from
    ``db`` for the convention's year), replacing the previous ones; returns how many."""
    from aide_alim.ledger.store import replace_source_values

    if tables is None:
        tables = axis3_from_database(db, convention)
    values = axis3_indicator_values(convention, tables)
    written = 0
    for source in (SOURCE, REGISTER_SOURCE):
        mine = [v for v in values if v.source == source]
        written += replace_source_values(db, convention, mine, source=source)
    return written
