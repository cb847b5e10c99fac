"""Checks of the ledger on hand-made entries: each says what is wrong and where."""

from __future__ import annotations

import datetime as dt

import pytest

from aide_alim.ledger import load_convention
from aide_alim.ledger.checks import (
    check_funder_totals,
    check_indicators,
    check_parity,
    check_report_deadline,
    check_spent_vs_committed,
    findings_table,
    run_checks,
    spent_by_action,
)
from aide_alim.ledger.store import expenses_frame, values_frame


@pytest.fixture(scope="module")
def convention():
    return load_convention()


def expense(action, funder, amount, *, date="2020-10-15", label="Prestation", document="M-1"):
    return {
        "id": None,
        "action": action,
        "funder": funder,
        "date": dt.date.fromisoformat(date),
        "label": label,
        "amount_eur": amount,
        "document": document,
        "source": "test",
    }


def full_execution(convention):
    """Every action spent exactly as committed, by both funders."""
    return [
        expense(a.id, f, float(a.committed_eur(f)))
        for a in convention.actions
        for f in convention.funders
    ]


def value(indicator, convention, v=1.0, period="2020"):
    ind = convention.indicator(indicator)
    return {"id": None, "action": ind.action, "indicator": indicator, "measure": "",
            "subject": "", "period": period, "value": v, "text": "", "unit": "",
            "source": "test"}  # fmt: skip


def test_a_fully_executed_year_has_no_financial_finding(convention):
    expenses = expenses_frame(full_execution(convention))
    assert check_funder_totals(convention, expenses) == []
    assert check_parity(convention, expenses) == []
    assert check_spent_vs_committed(convention, expenses) == []
    table = spent_by_action(convention, expenses)
    assert table["execution_rate"].tolist() == pytest.approx([1.0] * 20)


def test_a_parity_breach_is_reported_with_its_action_and_shortfall(convention):
    rows = full_execution(convention)
    # Action 2.2: the Métropole spends 4 500 € where the State gave 7 000 €.
    rows = [r for r in rows if not (r["action"] == "2.2" and r["funder"] == "metropole")]
    rows.append(expense("2.2", "metropole", 4500.0))
    findings = check_parity(convention, expenses_frame(rows))
    per_action = [f for f in findings if f.action == "2.2"]
    assert len(per_action) == 1
    breach = per_action[0]
    assert breach.severity == "error"
    assert breach.where == "action 2.2, Dijon Métropole"
    assert "4\u202f500,00\u00a0€" in breach.message and "7\u202f000,00\u00a0€" in breach.message
    assert "il manque 2\u202f500,00\u00a0€" in breach.message
    # ... and the total no longer holds either (197 500 € against 200 000 €).
    assert any(f.action is None and "manque 2\u202f500,00\u00a0€" in f.message for f in findings)


def test_parity_holds_when_the_metropole_spends_more(convention):
    rows = full_execution(convention)
    rows.append(expense("3.2", "metropole", 1000.0, label="Complément"))
    assert check_parity(convention, expenses_frame(rows)) == []


def test_overspending_and_underspending_are_located(convention):
    rows = [expense("1.1", "etat", 50000.0), expense("1.1", "etat", 30000.0),
            expense("3.1", "metropole", 12000.0)]  # fmt: skip
    findings = check_spent_vs_committed(convention, expenses_frame(rows))
    over = [f for f in findings if f.severity == "error"]
    assert [(f.action, f.funder) for f in over] == [("1.1", "etat")]
    assert "dépassement 4\u202f000,00\u00a0€" in over[0].message
    under = {(f.action, f.funder): f for f in findings if f.severity == "warning"}
    assert "exécution 80,0\u00a0%" in under[("3.1", "metropole")].message
    assert len(under) == 19  # every other (action, funder) is below its commitment


def test_funder_totals_against_200000(convention):
    rows = [*full_execution(convention), expense("1.2", "etat", 0.01, label="Arrondi")]
    findings = check_funder_totals(convention, expenses_frame(rows))
    assert [(f.funder, f.severity) for f in findings] == [("etat", "error")]
    assert "dépassement 0,01\u00a0€" in findings[0].message


def test_indicators_without_value_are_listed(convention):
    values = values_frame(
        [value(i.id, convention) for i in convention.indicators if i.id not in ("1.1.b", "3.1.a")]
        + [value("3.1.a", convention, period="2019")]  # another year does not count
    )
    findings = check_indicators(convention, values)
    assert [f.indicator for f in findings] == ["1.1.b", "3.1.a"]
    assert findings[0].where == "action 1.1, indicateur 1.1.b"
    assert "Nombre de droits ouverts" in findings[0].message


def test_report_deadline(convention):
    def one(**kw):
        (finding,) = check_report_deadline(convention, **kw)
        return finding

    assert one(today=dt.date(2020, 12, 1)).severity == "info"
    soon = one(today=dt.date(2021, 3, 1))
    assert soon.severity == "warning" and "30\u00a0jours restants" in soon.message
    late = one(today=dt.date(2021, 4, 2))
    assert late.severity == "error" and "31/03/2021 dépassée de 2\u00a0jours" in late.message
    sent_late = one(today=dt.date(2021, 5, 1), submitted_on=dt.date(2021, 4, 10))
    assert sent_late.severity == "error"
    assert one(today=dt.date(2021, 5, 1), submitted_on=dt.date(2021, 3, 20)).severity == "info"


def test_unknown_action_funder_and_out_of_year_expenses(convention):
    rows = [expense("4.1", "etat", 10.0), expense("1.1", "region", 10.0),
            expense("1.1", "etat", 10.0, date="2021-02-01")]  # fmt: skip
    table = findings_table(
        run_checks(convention, expenses_frame(rows), values_frame([]), today=dt.date(2020, 12, 1))
    )
    depenses = table[table["check"] == "dépenses"]
    assert set(depenses["severity"]) == {"error", "warning"}
    assert (depenses["message"].str.contains("action inconnue")).sum() == 1
    assert (depenses["message"].str.contains("financeur inconnu")).sum() == 1
    assert (depenses["message"].str.contains("hors de l’année 2020")).sum() == 1
    assert table["severity"].iloc[0] == "error"  # errors come first
