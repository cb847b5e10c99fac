"""The execution report: a simulated year renders with the history's Axe 3 figures; the PDF is
a PDF; user strings are escaped in HTML and neutralised in the workbook."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from ledger_helpers import hand_built_axis3
from openpyxl import load_workbook

from aide_alim.db import open_database
from aide_alim.history import read_history
from aide_alim.history.simulate import simulate_year
from aide_alim.i18n import fmt
from aide_alim.indicators import indicators, summary
from aide_alim.ledger import load_convention
from aide_alim.ledger.axis3 import (
    SOURCE,
    axis3_from_indicators,
    axis3_indicator_values,
    week_quarter,
    year_weeks,
)
from aide_alim.ledger.checks import run_checks
from aide_alim.ledger.entries import Expense, IndicatorValue
from aide_alim.ledger.report import render_html, write_report
from aide_alim.ledger.report_content import build_report, collect_report
from aide_alim.ledger.store import (
    add_expenses,
    expenses_frame,
    read_indicator_values,
    set_indicator_values,
    values_frame,
)
from aide_alim.scenario import load_scenario

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"
TODAY = dt.date(2021, 2, 1)


@pytest.fixture(scope="module")
def convention():
    return load_convention()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory, convention):
    """Six simulated weeks of the tiny scenario, a fully spent budget and two indicators."""
    db = open_database(str(tmp_path_factory.mktemp("ledger") / "history.sqlite"))
    simulate_year(load_scenario(TINY), 6, 7, db)
    add_expenses(
        db,
        convention,
        [
            Expense(a.id, f, dt.date(2020, 11, 2), f"Action {a.id}", a.committed_eur(f), "M-1")
            for a in convention.actions
            for f in convention.funders
        ],
    )
    set_indicator_values(
        db,
        convention,
        [
            IndicatorValue("1.1", "1.1.a", "2020", 1250.0),
            IndicatorValue("1.2", "1.2.c", "2020", text="Aisance jugée bonne par 80 % des agents"),
        ],
    )
    data = build_report(db, convention, today=TODAY)
    yield db, data
    db.close()


def test_the_report_of_a_simulated_year_shows_the_historys_axis3_figures(simulated):
    db, data = simulated
    html = render_html(data)
    history = summary(read_history(db, *year_weeks(2020)))
    assert len(history) == 3
    for row in history.to_dict("records"):
        assert row["name"] in html
        assert f'<td class="n">{fmt.number(row["kg"])}</td>' in html
        assert f'<td class="n">{fmt.number(row["meals"])}</td>' in html
    assert "6\u00a0semaines publiées, de 2020-W41 à 2020-W46" in html
    assert html.count("data:image/png;base64,") == 4  # finances, volume, regularity, impact
    assert "1\u202f250 personnes" in html and "Aisance jugée bonne" in html


def test_axis3_values_are_filled_from_the_history_and_refresh_cleanly(simulated, convention):
    db, _ = simulated
    values = read_indicator_values(db, convention)
    auto = values[values["source"] == SOURCE]
    assert set(auto["indicator"]) == {"3.1.a", "3.2.a", "3.2.b", "3.2.c"}
    weeks = auto[(auto["indicator"] == "3.2.a") & (auto["measure"] == "semaines publiées")]
    assert weeks["value"].tolist() == [6.0]
    kg = auto[(auto["measure"] == "kg reçus")].set_index("subject")["value"]
    expected = summary(read_history(db)).set_index("association")["kg"]
    assert kg.to_dict() == pytest.approx(expected.to_dict())
    build_report(db, convention, today=TODAY)  # a second refresh leaves no duplicate
    again = read_indicator_values(db, convention)
    assert len(again) == len(values)


def test_axis3_from_the_indicators_tables(simulated, convention):
    db, data = simulated
    tables = axis3_from_indicators(indicators(db, *year_weeks(2020)))
    assert tables.weeks == data.axis3.weeks
    ours = {
        (v.indicator, v.measure, v.subject, v.period): v.value
        for v in axis3_indicator_values(convention, tables)
    }
    theirs = {
        (v.indicator, v.measure, v.subject, v.period): v.value
        for v in axis3_indicator_values(convention, data.axis3)
    }
    assert ours.keys() == theirs.keys()
    differ = {k for k in ours if ours[k] != pytest.approx(theirs[k])}
    assert {k[1] for k in differ} <= {"fournisseurs distincts"}  # a lower bound without ids


def test_the_pdf_is_a_pdf_and_the_files_are_written(simulated, tmp_path):
    _, data = simulated
    files = write_report(data, tmp_path / "rapport")
    pdf = files.pdf.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page\n") >= 3 or pdf.count(b"/Type /Page") >= 3
    assert b"DejaVu" in pdf  # the Unicode font is embedded
    book = load_workbook(files.xlsx)
    assert book.sheetnames[:3] == ["Engagements", "Bilan financier", "Dépenses"]
    assert book["Engagements"].max_row == 21  # 10 actions × 2 funders + header
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_parity_breach_appears_in_the_report(convention):
    rows = [
        {
            "id": None,
            "action": "2.1",
            "funder": "etat",
            "date": dt.date(2020, 9, 1),
            "label": "ASLL",
            "amount_eur": 66500.0,
            "document": "",
            "source": "",
        },
        {
            "id": None,
            "action": "2.1",
            "funder": "metropole",
            "date": dt.date(2020, 9, 1),
            "label": "ASLL",
            "amount_eur": 60000.0,
            "document": "",
            "source": "",
        },
    ]
    expenses = expenses_frame(rows)
    values = values_frame([])
    findings = run_checks(convention, expenses, values, today=TODAY)
    data = collect_report(
        convention, expenses, values, findings, hand_built_axis3(), generated_on=TODAY, charts=False
    )
    html = render_html(data)
    assert "non respectée" in html
    assert "La parité des financements (art. 2.3.2) n’est pas atteinte pour les actions 2.1" in html
    assert "il manque 6\u202f500,00\u00a0€" in html


def _hostile_data(convention):
    labels = [
        "=cmd|' /C calc'!A0",
        "+33 6 12",
        "-2+3",
        "@SUM(A1)",
        "<script>alert(1)</script>",
        "ligne 1\x0bligne 2",
    ]
    expenses = expenses_frame(
        [
            {
                "id": None,
                "action": "1.1",
                "funder": "etat",
                "date": dt.date(2020, 6, 1),
                "label": label,
                "amount_eur": 10.0,
                "document": "<img src=x onerror=alert(2)>",
                "source": "",
            }
            for label in labels
        ]
    )
    values = values_frame(
        [
            {
                "id": None,
                "action": "1.3",
                "indicator": "1.3.a",
                "measure": "",
                "subject": "",
                "period": "2020",
                "value": None,
                "text": "<b>partenariat</b> & =1+1",
                "unit": "",
                "source": '=HYPERLINK("x")',
            }
        ]
    )
    findings = run_checks(convention, expenses, values, today=TODAY)
    return collect_report(
        convention, expenses, values, findings, hand_built_axis3(), generated_on=TODAY, charts=False
    )


def test_charts_show_user_labels_literally(convention):
    # "Banque $\\frac{alimentaire$ 5" would be read as (broken) mathematics by matplotlib.
    data = collect_report(
        convention, expenses_frame([]), values_frame([]), [], hand_built_axis3(), generated_on=TODAY
    )
    assert sorted(data.charts) == ["financial", "financial_impact", "regularity", "weekly_volume"]


def test_every_user_string_is_escaped_in_html(convention):
    html = render_html(_hostile_data(convention))
    assert "<script>" not in html and "<img src=x" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "Restos &lt;b&gt;du&lt;/b&gt; cœur &amp; Co" in html  # an association's name
    assert "&lt;b&gt;partenariat&lt;/b&gt; &amp; =1+1" in html


def test_formula_injection_is_neutralised_in_the_workbook(convention, tmp_path):
    data = _hostile_data(convention)
    files = write_report(data, tmp_path)
    book = load_workbook(files.xlsx)
    labels = [row[4].value for row in book["Dépenses"].iter_rows(min_row=2)]
    assert labels == [
        "'=cmd|' /C calc'!A0",
        "'+33 6 12",
        "'-2+3",
        "'@SUM(A1)",
        "<script>alert(1)</script>",
        "ligne 1ligne 2",  # a control character is dropped, not a crash
    ]
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)  # no formula anywhere
    names = [row[1].value for row in book["Axe 3 par structure"].iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://x")' in names
    amounts = [row[5].value for row in book["Dépenses"].iter_rows(min_row=2)]
    assert amounts == [10.0] * 6  # numbers stay numbers
    assert files.pdf.read_bytes().startswith(b"%PDF-")


def test_axis3_values_of_a_hand_built_history(convention):
    values = {
        (v.indicator, v.measure, v.subject, v.period): v.value
        for v in axis3_indicator_values(convention, hand_built_axis3())
    }
    year = "2020"
    assert values[("3.1.a", "offres prospectées", "", year)] == 5 + 6 + 7 + 8
    assert values[("3.1.a", "kg rendus accessibles", "", "2020-T4")] == 2060.0
    assert values[("3.1.a", "fournisseurs distincts", "", year)] == 4  # S1–S4, counted once
    assert values[("3.1.a", "part donnée", "", year)] == pytest.approx(1600 / 2060)
    assert values[("3.2.a", "semaines publiées", "", year)] == 4
    assert values[("3.2.a", "structures servies", "", year)] == 4
    assert values[("3.2.b", "kg reçus", "A1", year)] == 420.0
    assert values[("3.2.b", "part des semaines servies", "A3", year)] == 0.5
    assert values[("3.2.b", "plus longue interruption", "A3", year)] == 2
    assert values[("3.2.c", "valeur nette reçue", "A2", year)] == pytest.approx(1180 * 2.8)


def test_axis3_ignores_weeks_of_another_year(convention):
    convention_2021 = replace(convention, year=2021)
    assert axis3_indicator_values(convention_2021, hand_built_axis3()) == []


@pytest.mark.parametrize(
    ("week", "quarter"),
    [
        ("2020-W01", "2020-T1"),
        ("2020-W14", "2020-T2"),
        ("2020-W53", "2020-T4"),
        ("2021-W53", None),
        ("2019-W01", "2019-T1"),
        ("2021-W01", "2021-T1"),
    ],
)
def test_week_quarter(week, quarter):
    if quarter is None:
        with pytest.raises(ValueError):
            week_quarter(week)
    else:
        assert week_quarter(week) == quarter


def test_year_weeks():
    assert year_weeks(2020) == ("2020-W01", "2020-W53")
    assert year_weeks(2021) == ("2021-W01", "2021-W52")


def test_units_agree_with_their_number() -> None:
    from aide_alim.ledger.report_content import _unit

    assert _unit("semaines publiées", 1) == "semaine publiée"
    assert _unit("semaines", 6) == "semaines" and _unit("kg", 1) == "kg"
