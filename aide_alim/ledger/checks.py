"""Checks of the ledger against the convention: pure functions on tidy tables.

Each check returns a list of :class:`Finding` — what is wrong and where (action, funder,
indicator), in French since the findings go into the execution report sent to the State.
Severities: ``error`` (the convention is breached or the data is wrong), ``warning`` (something to
complete or explain before the report), ``info`` (a fact worth stating, e.g. days left).

The tables are those of :mod:`aide_alim.ledger.store`:

- expenses: ``action, funder, date, label, amount_eur, document`` (one row per expenditure);
- indicator values: ``action, indicator, measure, subject, period, value, text, unit, source``.

Amounts are compared to the cent (sums are rounded to 0.01 €).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

import pandas as pd

from aide_alim.i18n import _, fmt
from aide_alim.ledger.convention import Convention

Severity = Literal["error", "warning", "info"]
SEVERITY_FR: dict[str, str] = {"error": "erreur", "warning": "à vérifier", "info": "information"}
FINDING_COLUMNS = ["check", "severity", "where", "action", "funder", "indicator", "message"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One located result of a check (``where`` is the human location, e.g. "action 1.1,
    Dijon Métropole")."""

    check: str
    severity: Severity
    where: str
    message: str
    action: str | None = None
    funder: str | None = None
    indicator: str | None = None

    def __str__(self) -> str:
        severity = {"error": _("error"), "warning": _("warning"), "info": _("info")}
        return _("[{severity}] {where}: {message}").format(
            severity=severity.get(self.severity, self.severity), where=self.where,
            message=self.message,
        )  # fmt: skip

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def findings_table(findings: Iterable[Finding]) -> pd.DataFrame:
    """Tidy table of findings, errors first."""
    rows = [f.to_dict() for f in findings]
    table = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    order = {"error": 0, "warning": 1, "info": 2}
    return (
        table.assign(_order=table["severity"].map(order))
        .sort_values(["_order"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def euros(amount: float | Decimal) -> str:
    """Money with cents: ``76 000,00 €``."""
    return fmt.eur(float(amount), 2)


def percent(ratio: float) -> str:
    """A percentage with one decimal: ``0.736`` → ``73,6 %``."""
    return fmt.pct(float(ratio), 1)


def _rows(table: pd.DataFrame) -> list[Any]:
    """The rows as named tuples (typed ``Any``: columns are checked by the callers' tables)."""
    return list(table.itertuples(index=False))


def _cents(value: float | Decimal) -> int:
    return round(float(value) * 100)


def _where(convention: Convention, action: str | None = None, funder: str | None = None) -> str:
    parts = []
    if action is not None:
        parts.append(f"action {action}")
    if funder is not None:
        try:
            parts.append(convention.party(funder).name)
        except KeyError:
            parts.append(f"financeur « {funder} »")
    return ", ".join(parts) or "convention"


def spent_by_action(convention: Convention, expenses: pd.DataFrame) -> pd.DataFrame:
    """Committed vs spent per action and funder [€]: one row per (action, funder) of the
    convention, with committed_eur, spent_eur, remaining_eur and execution_rate (spent /
    committed, NaN when nothing was committed)."""
    spent = (
        expenses.groupby(["action", "funder"])["amount_eur"].sum()
        if len(expenses)
        else pd.Series(dtype=float)
    )
    rows = []
    for action in convention.actions:
        for funder in convention.funders:
            committed = float(action.committed_eur(funder))
            done = float(spent.get((action.id, funder), 0.0)) if len(spent) else 0.0
            rows.append(
                {
                    "axis": action.axis,
                    "action": action.id,
                    "funder": funder,
                    "committed_eur": committed,
                    "spent_eur": round(done, 2),
                    "remaining_eur": round(committed - done, 2),
                    "execution_rate": done / committed if committed else float("nan"),
                }
            )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ the commitment table itself


def check_commitments(convention: Convention) -> list[Finding]:
    """The commitment table adds up: per funder to its total (art. 1 and 2.3.1), per action to
    the sheet's budget, and the parity rule (art. 2.3.2) already holds in the table."""
    findings: list[Finding] = []
    for funder in convention.funders:
        total = sum((a.committed_eur(funder) for a in convention.actions), Decimal(0))
        expected = convention.funding_eur.get(funder, Decimal(0))
        if _cents(total) != _cents(expected):
            findings.append(
                Finding(
                    "engagements",
                    "error",
                    _where(convention, funder=funder),
                    f"le tableau des engagements totalise {euros(total)} mais la convention "
                    f"fixe {euros(expected)} (écart {euros(total - expected)})",
                    funder=funder,
                )
            )
    for action in convention.actions:
        shares = sum(action.amounts_eur.values(), Decimal(0))
        if _cents(shares) != _cents(action.budget_eur):
            detail = " + ".join(
                f"{convention.party(f).name} {euros(action.committed_eur(f))}"
                for f in convention.funders
            )
            findings.append(
                Finding(
                    "engagements",
                    "error",
                    _where(convention, action.id),
                    f"la somme des parts ({detail} = {euros(shares)}) diffère du budget de la "
                    f"fiche action ({euros(action.budget_eur)})",
                    action=action.id,
                )
            )
        rule = convention.parity
        if rule.scope == "action" and _cents(action.committed_eur(rule.funder)) < _cents(
            action.committed_eur(rule.at_least)
        ):
            findings.append(
                Finding(
                    "engagements",
                    "error",
                    _where(convention, action.id, rule.funder),
                    f"engagement {euros(action.committed_eur(rule.funder))} inférieur à celui "
                    f"de {convention.party(rule.at_least).name} "
                    f"({euros(action.committed_eur(rule.at_least))}) : règle de parité "
                    "(art. 2.3.2) non respectée dans le tableau",
                    action=action.id,
                    funder=rule.funder,
                )
            )
    return findings


# ------------------------------------------------------------------------------- expenditures


def check_expense_rows(convention: Convention, expenses: pd.DataFrame) -> list[Finding]:
    """Each expenditure names an action and a funder of the convention and falls in its year."""
    findings: list[Finding] = []
    actions = {a.id for a in convention.actions}
    funders = set(convention.funders)
    for row in _rows(expenses):
        ref = f"dépense « {row.label} »" + (f" ({row.document})" if row.document else "")
        if row.action not in actions:
            findings.append(
                Finding(
                    "dépenses",
                    "error",
                    f"action {row.action}",
                    f"{ref} : action inconnue de la convention {convention.year}",
                    action=str(row.action),
                )
            )
        if row.funder not in funders:
            findings.append(
                Finding(
                    "dépenses",
                    "error",
                    _where(convention, str(row.action), str(row.funder)),
                    f"{ref} : financeur inconnu (attendu : {', '.join(sorted(funders))})",
                    action=str(row.action),
                    funder=str(row.funder),
                )
            )
        date = pd.Timestamp(row.date).date() if row.date is not None else None
        if date is not None and date.year != convention.year:
            findings.append(
                Finding(
                    "dépenses",
                    "warning",
                    _where(convention, str(row.action), str(row.funder)),
                    f"{ref} datée du {date:%d/%m/%Y}, hors de l’année {convention.year} "
                    "de la convention",
                    action=str(row.action),
                    funder=str(row.funder),
                )
            )
    return findings


def check_funder_totals(convention: Convention, expenses: pd.DataFrame) -> list[Finding]:
    """Spent per funder vs its total commitment (200 000 € each in 2020)."""
    findings: list[Finding] = []
    for funder in convention.funders:
        expected = float(convention.funding_eur.get(funder, Decimal(0)))
        spent = float(expenses.loc[expenses["funder"] == funder, "amount_eur"].sum())
        where = _where(convention, funder=funder)
        if _cents(spent) > _cents(expected):
            findings.append(
                Finding(
                    "totaux",
                    "error",
                    where,
                    f"dépenses {euros(spent)} au-delà de l’engagement total de "
                    f"{euros(expected)} (dépassement {euros(spent - expected)})",
                    funder=funder,
                )
            )
        elif _cents(spent) < _cents(expected):
            rate = spent / expected if expected else 0.0
            findings.append(
                Finding(
                    "totaux",
                    "warning",
                    where,
                    f"dépenses {euros(spent)} sur un engagement total de {euros(expected)} "
                    f"(exécution {percent(rate)}, reste {euros(expected - spent)})",
                    funder=funder,
                )
            )
    return findings


def check_parity(convention: Convention, expenses: pd.DataFrame) -> list[Finding]:
    """Art. 2.3.2: the Métropole spends at least what the State gives — per action (when the
    convention's scope is "action") and on the total."""
    rule = convention.parity
    findings: list[Finding] = []
    table = spent_by_action(convention, expenses)
    spent = table.set_index(["action", "funder"])["spent_eur"]
    own = fmt.with_article(convention.party(rule.funder).name)
    other = fmt.with_article(convention.party(rule.at_least).name)
    if rule.scope == "action":
        for action in convention.actions:
            mine = float(spent.get((action.id, rule.funder), 0.0))
            theirs = float(spent.get((action.id, rule.at_least), 0.0))
            if _cents(mine) < _cents(theirs):
                findings.append(
                    Finding(
                        "parité",
                        "error",
                        _where(convention, action.id, rule.funder),
                        f"{fmt.capitalised(own)} a dépensé {euros(mine)} pour {euros(theirs)} "
                        f"financés par {other} : il manque {euros(theirs - mine)} pour respecter "
                        "la parité (art. 2.3.2)",
                        action=action.id,
                        funder=rule.funder,
                    )
                )
    mine_total = float(table.loc[table["funder"] == rule.funder, "spent_eur"].sum())
    theirs_total = float(table.loc[table["funder"] == rule.at_least, "spent_eur"].sum())
    if _cents(mine_total) < _cents(theirs_total):
        findings.append(
            Finding(
                "parité",
                "error",
                _where(convention, funder=rule.funder),
                f"au total, {own} a dépensé {euros(mine_total)} pour {euros(theirs_total)} "
                f"financés par {other} (manque {euros(theirs_total - mine_total)}, art. 2.3.2)",
                funder=rule.funder,
            )
        )
    return findings


def check_spent_vs_committed(convention: Convention, expenses: pd.DataFrame) -> list[Finding]:
    """Per action and funder: spending above the commitment is an error, below it a warning
    (with the execution rate)."""
    findings: list[Finding] = []
    for row in _rows(spent_by_action(convention, expenses)):
        where = _where(convention, str(row.action), str(row.funder))
        if _cents(row.spent_eur) > _cents(row.committed_eur):
            findings.append(
                Finding(
                    "exécution",
                    "error",
                    where,
                    f"dépensé {euros(row.spent_eur)} pour {euros(row.committed_eur)} engagés "
                    f"(dépassement {euros(row.spent_eur - row.committed_eur)})",
                    action=str(row.action),
                    funder=str(row.funder),
                )
            )
        elif _cents(row.spent_eur) < _cents(row.committed_eur):
            findings.append(
                Finding(
                    "exécution",
                    "warning",
                    where,
                    f"dépensé {euros(row.spent_eur)} pour {euros(row.committed_eur)} engagés "
                    f"(exécution {percent(row.execution_rate)})",
                    action=str(row.action),
                    funder=str(row.funder),
                )
            )
    return findings


# ---------------------------------------------------------------------------------- indicators


def values_of_year(values: pd.DataFrame, year: int) -> pd.DataFrame:
    """The indicator values whose period lies in ``year`` (periods are ``2020``, ``2020-T4``,
    ``2020-10``, ``2020-W41``, …: they start with the year)."""
    if values.empty:
        return values
    return values[values["period"].astype(str).str.startswith(str(year))]


def check_indicators(convention: Convention, values: pd.DataFrame) -> list[Finding]:
    """Every indicator of every action sheet has at least one value in the convention's year;
    values name indicators of the convention."""
    findings: list[Finding] = []
    known = {ind.id: ind for ind in convention.indicators}
    of_year = values_of_year(values, convention.year)
    filled = set(of_year["indicator"]) if len(of_year) else set()
    for ind in convention.indicators:
        if ind.id not in filled:
            findings.append(
                Finding(
                    "indicateurs",
                    "warning",
                    f"action {ind.action}, indicateur {ind.id}",
                    f"aucune valeur pour {convention.year} : « {ind.label} »",
                    action=ind.action,
                    indicator=ind.id,
                )
            )
    for row in _rows(values):
        if row.indicator not in known:
            findings.append(
                Finding(
                    "indicateurs",
                    "error",
                    f"action {row.action}, indicateur {row.indicator}",
                    f"indicateur inconnu de la convention {convention.year}",
                    action=str(row.action),
                    indicator=str(row.indicator),
                )
            )
        elif known[row.indicator].action != row.action:
            findings.append(
                Finding(
                    "indicateurs",
                    "error",
                    f"action {row.action}, indicateur {row.indicator}",
                    f"l’indicateur {row.indicator} appartient à l’action "
                    f"{known[row.indicator].action}",
                    action=str(row.action),
                    indicator=str(row.indicator),
                )
            )
    return findings


def check_report_deadline(
    convention: Convention, *, today: dt.date, submitted_on: dt.date | None = None
) -> list[Finding]:
    """Art. 2.4: the report reaches the Préfet by the deadline (31 March of the next year)."""
    deadline = convention.report_deadline
    where = f"rapport d’exécution {convention.year}"
    if submitted_on is not None:
        if submitted_on > deadline:
            late = (submitted_on - deadline).days
            return [
                Finding(
                    "échéance",
                    "error",
                    where,
                    f"transmis le {submitted_on:%d/%m/%Y}, {fmt.plural(late, 'jour')} après "
                    f"l’échéance du {deadline:%d/%m/%Y} (art. 2.4)",
                )
            ]
        return [Finding("échéance", "info", where, f"transmis le {submitted_on:%d/%m/%Y}")]
    days = (deadline - today).days
    if days < 0:
        return [
            Finding(
                "échéance",
                "error",
                where,
                f"échéance du {deadline:%d/%m/%Y} dépassée de {fmt.plural(-days, 'jour')} "
                "(art. 2.4 : transmission au Préfet après délibération du conseil métropolitain)",
            )
        ]
    severity: Severity = "warning" if days <= 60 else "info"
    return [
        Finding(
            "échéance",
            severity,
            where,
            f"à transmettre au Préfet au plus tard le {deadline:%d/%m/%Y} après délibération du "
            f"conseil métropolitain : {fmt.plural(days, 'jour restant')}",
        )
    ]


def run_checks(
    convention: Convention,
    expenses: pd.DataFrame,
    values: pd.DataFrame,
    *,
    today: dt.date,
    submitted_on: dt.date | None = None,
) -> list[Finding]:
    """Every check, in the order of the report."""
    return [
        *check_commitments(convention),
        *check_expense_rows(convention, expenses),
        *check_funder_totals(convention, expenses),
        *check_parity(convention, expenses),
        *check_spent_vs_committed(convention, expenses),
        *check_indicators(convention, values),
        *check_report_deadline(convention, today=today, submitted_on=submitted_on),
    ]
