"""What the execution report of the convention (art. 2.4) says, before it is written out.

As article 2.4 asks: a financial statement of every action (committed and spent per funder), the
results against each indicator, and a global synthesis; Axe 3 adds the tables of the history
(volume, regularity and financial impact per association, the prospection of action 3.1). The
checks' findings are listed so the council votes on a report that says what is still missing.

- :func:`collect_report` gathers the tables into :class:`ReportData` (pure once given the ledger
  and history tables), :func:`build_report` reads them from the database;
- :func:`financial_statement`, :func:`indicator_results`, :func:`synthesis` and
  :func:`prospection_by_quarter` — the report's tables and sentences, shared by the documents
  (:mod:`aide_alim.ledger.report`), the charts and the portal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aide_alim.db import Database
from aide_alim.i18n import fmt
from aide_alim.ledger.axis3 import Axis3Tables
from aide_alim.ledger.checks import Finding, spent_by_action, values_of_year
from aide_alim.ledger.convention import Convention


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, for one convention year."""

    convention: Convention
    expenses: pd.DataFrame
    values: pd.DataFrame
    findings: tuple[Finding, ...]
    axis3: Axis3Tables
    generated_on: dt.date
    charts: Mapping[str, bytes] = field(default_factory=dict)


def collect_report(
    convention: Convention,
    expenses: pd.DataFrame,
    values: pd.DataFrame,
    findings: Iterable[Finding],
    axis3: Axis3Tables,
    *,
    generated_on: dt.date,
    charts: bool = True,
) -> ReportData:
    """Assemble the report's content (and draw its charts unless ``charts=False``)."""
    data = ReportData(
        convention=convention,
        expenses=expenses,
        values=values_of_year(values, convention.year),
        findings=tuple(findings),
        axis3=axis3,
        generated_on=generated_on,
    )
    if charts:
        from aide_alim.ledger import charts as drawing

        data = dataclasses.replace(data, charts=drawing.draw_all(data))
    return data


def build_report(
    db: Database,
    convention: Convention,
    *,
    today: dt.date,
    submitted_on: dt.date | None = None,
    refresh_axis3: bool = True,
) -> ReportData:
    """The report of the convention's year from the database: Axe 3's values refreshed from
    the history (unless ``refresh_axis3=False``), the ledger read, every check run."""
    from aide_alim.ledger.axis3 import axis3_from_database, fill_axis3
    from aide_alim.ledger.checks import run_checks
    from aide_alim.ledger.store import read_expenses, read_indicator_values

    axis3 = axis3_from_database(db, convention)
    if refresh_axis3:
        fill_axis3(db, convention, axis3)
    expenses = read_expenses(db, convention)
    values = read_indicator_values(db, convention)
    findings = run_checks(convention, expenses, values, today=today, submitted_on=submitted_on)
    return collect_report(convention, expenses, values, findings, axis3, generated_on=today)


def financial_statement(data: ReportData) -> pd.DataFrame:
    """Per action: committed and spent per funder [€], total spent, execution rate, parity.

    Columns: axis, action, title, budget_eur, then ``committed_<funder>`` and ``spent_<funder>``
    for each funder, spent_eur, execution_rate, parity_ok.
    """
    convention = data.convention
    table = spent_by_action(convention, data.expenses)
    rule = convention.parity
    rows = []
    for action in convention.actions:
        part = table[table["action"] == action.id].set_index("funder")
        row: dict[str, Any] = {
            "axis": action.axis,
            "action": action.id,
            "title": action.title,
            "budget_eur": float(action.budget_eur),
        }
        for funder in convention.funders:
            row[f"committed_{funder}"] = float(part.at[funder, "committed_eur"])  # type: ignore[arg-type]
            row[f"spent_{funder}"] = float(part.at[funder, "spent_eur"])  # type: ignore[arg-type]
        row["spent_eur"] = float(part["spent_eur"].sum())
        row["execution_rate"] = row["spent_eur"] / row["budget_eur"] if row["budget_eur"] else 0.0
        row["parity_ok"] = round(row[f"spent_{rule.funder}"], 2) >= round(
            row[f"spent_{rule.at_least}"], 2
        )
        rows.append(row)
    return pd.DataFrame(rows)


def indicator_results(data: ReportData) -> pd.DataFrame:
    """One row per indicator of the convention with its results in words (``results``) and
    whether it has a value this year (``filled``). Per-association values are summarised
    (their detail is in the Axe 3 tables)."""
    rows = []
    values = data.values
    for ind in data.convention.indicators:
        mine = values[values["indicator"] == ind.id]
        overall = mine[mine["subject"] == ""]
        lines = []
        for v in overall.to_dict("records"):
            head = f"{v['period']}"
            if v["measure"]:
                head += f" — {v['measure']}"
            parts = []
            if v["value"] is not None and not pd.isna(v["value"]):
                decimals = 0 if float(v["value"]).is_integer() else 2
                number = (
                    fmt.pct(v["value"], 1)
                    if v["unit"] == "part (0–1)"
                    else f"{fmt.number(v['value'], decimals)} "
                    f"{_unit(v['unit'], v['value'])}".strip()
                )
                parts.append(number)
            if v["text"]:
                parts.append(str(v["text"]))
            lines.append(f"{head} : {' — '.join(parts)}")
        subjects = mine.loc[mine["subject"] != "", "subject"].nunique()
        if subjects:
            lines.append(f"détail pour {subjects} structures (partie Axe 3)")
        rows.append(
            {
                "action": ind.action,
                "indicator": ind.id,
                "label": ind.label,
                "kind": ind.kind,
                "unit": ind.unit,
                "filled": bool(len(mine)),
                "results": lines,
                "sources": sorted({str(s) for s in mine["source"] if s}),
            }
        )
    return pd.DataFrame(rows)


def _unit(unit: str, value: float) -> str:
    """A unit agreeing with its number: ``1 semaine``, ``2 semaines`` (French: below 2 is
    singular)."""
    if abs(float(value)) >= 2:
        return unit
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in unit.split(" "))


def synthesis(data: ReportData) -> list[str]:
    """The global synthesis: a few sentences in French built from the figures."""
    convention = data.convention
    statement = financial_statement(data)
    sentences = []
    parts = []
    for funder in convention.funders:
        spent = statement[f"spent_{funder}"].sum()
        total = float(convention.funding_eur.get(funder, 0))
        rate = spent / total if total else float("nan")
        parts.append(
            f"{fmt.with_article(convention.party(funder).name)} {fmt.eur(spent, 2)} "
            f"({fmt.pct(rate, 1)} de son engagement de {fmt.eur(total, 0)})"
        )
    sentences.append(
        f"Au titre de l’année {convention.year}, les dépenses enregistrées s’élèvent à : "
        + " ; ".join(parts)
        + "."
    )
    breaches = statement.loc[~statement["parity_ok"], "action"].tolist()
    rule = convention.parity
    if breaches:
        sentences.append(
            f"La parité des financements (art. 2.3.2) n’est pas atteinte pour les actions "
            f"{', '.join(breaches)} : {fmt.with_article(convention.party(rule.funder).name)} y a "
            f"dépensé moins que {fmt.with_article(convention.party(rule.at_least).name)}."
        )
    else:
        sentences.append(
            "La parité des financements (art. 2.3.2) est respectée pour chaque action : "
            f"{fmt.with_article(convention.party(rule.funder).name)} a dépensé au moins autant "
            f"que {fmt.with_article(convention.party(rule.at_least).name)}."
        )
    results = indicator_results(data)
    sentences.append(
        f"{int(results['filled'].sum())} indicateurs sur {len(results)} sont renseignés pour "
        f"{convention.year}."
    )
    axis3 = data.axis3
    if not axis3.is_empty:
        kg = float(axis3.volume["kg"].sum())
        value = float(axis3.volume["value_eur"].sum())
        served = int((axis3.volume["kg"] > 0).sum())
        median_share = axis3.regularity["share_served"].median() if len(axis3.regularity) else None
        text = (
            "Axe 3 : le modèle de répartition a été appliqué sur "
            f"{fmt.plural(len(axis3.weeks), 'semaine publiée')} ; {fmt.number(kg)} kg de denrées "
            f"(valeur marchande {fmt.eur(value, 0)}) "
            f"ont été répartis entre {served} structures"
        )
        if median_share is not None:
            text += f", servies en médiane {fmt.pct(median_share, 0)} des semaines"
        sentences.append(text + ".")
    else:
        sentences.append("Axe 3 : aucune semaine publiée dans l’historique pour cette année.")
    errors = sum(f.severity == "error" for f in data.findings)
    warnings = sum(f.severity == "warning" for f in data.findings)
    sentences.append(
        f"Les contrôles relèvent {fmt.plural(errors, 'anomalie')} et "
        f"{fmt.plural(warnings, 'point à vérifier', 'points à vérifier')} "
        "(détail en fin de rapport)."
    )
    return sentences


def prospection_by_quarter(axis3: Axis3Tables) -> pd.DataFrame:
    """Action 3.1's prospection per quarter: weeks, offers, distinct suppliers, kg, market value
    [€] and the share of the kg offered that was donated."""
    from aide_alim.ledger.axis3 import week_quarter

    pro = axis3.prospection
    columns = ["period", "weeks", "offers", "suppliers", "kg", "value_eur", "donated_share"]
    if pro.empty:
        return pd.DataFrame(columns=columns)
    pro = pro.assign(period=pro["week"].map(week_quarter))
    grouped = pro.groupby("period", sort=True).agg(
        weeks=("week", "nunique"),
        offers=("offers", "sum"),
        kg=("kg_offered", "sum"),
        value_eur=("value_offered_eur", "sum"),
        donated_kg=("kg_donated", "sum"),
    )
    grouped["suppliers"] = [
        len(frozenset().union(*(axis3.supplier_ids.get(str(w), frozenset()) for w in weeks)))
        for weeks in pro.groupby("period", sort=True)["week"].agg(list)
    ]
    grouped["donated_share"] = grouped["donated_kg"] / grouped["kg"].where(grouped["kg"] > 0)
    return grouped.reset_index()[columns]
