"""Indicator 3.1.a from the register: a simulated run of the desk, the ledger and the report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from aide_alim.db import Database, open_database
from aide_alim.ledger import load_convention
from aide_alim.ledger.axis3 import REGISTER_SOURCE, axis3_from_database
from aide_alim.ledger.report import render_html, trend
from aide_alim.ledger.report_content import build_report
from aide_alim.ledger.store import read_indicator_values
from aide_alim.offers import prepare_week
from aide_alim.offers.register import quarterly_31a, read_register
from aide_alim.offers.simulate import simulate_prospection
from tests.offers_helpers import week

TODAY = dt.date(2021, 2, 1)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """Four simulated weeks across two quarters: W39 (T3), W40 to W42 (T4)."""
    db = open_database(str(tmp_path_factory.mktemp("offers") / "history.sqlite"))
    scenario = week()
    table = simulate_prospection(
        db, scenario, start="2020-W39", weeks=4, offers_per_week=5, seed=2,
        week=prepare_week(scenario),
    )  # fmt: skip
    assert list(table["week"]) == ["2020-W39", "2020-W40", "2020-W41", "2020-W42"]
    assert (table["taken"] + table["refused"] == table["offers"]).all()
    yield db
    db.close()


def test_simulation_is_reproducible_and_decides_every_offer(desk: Database, tmp_path: Path) -> None:
    register = read_register(desk)
    assert len(register) == 20 and set(register["status"]) <= {"taken", "refused"}
    again = open_database(str(tmp_path / "again.sqlite"))
    simulate_prospection(again, week(), start="2020-W39", weeks=4, offers_per_week=5, seed=2)
    columns = ["week", "offer_id", "verdict", "status", "kg_taken", "price_paid_eur_kg"]
    pd.testing.assert_frame_equal(read_register(again)[columns], register[columns])
    again.close()


def test_report_shows_31a_per_quarter_from_the_register(desk: Database) -> None:
    convention = load_convention()
    data = build_report(desk, convention, today=TODAY)
    expected = quarterly_31a(read_register(desk), 2020)
    assert list(data.axis3.opportunities["period"]) == ["2020-T3", "2020-T4", "2020"]
    values = read_indicator_values(desk, convention)
    mine = values[(values["indicator"] == "3.1.a") & (values["source"] == REGISTER_SOURCE)]
    got = mine.set_index(["period", "measure"])["value"]
    t4 = expected.set_index("period").loc["2020-T4"]
    assert got[("2020-T4", "offres reçues")] == t4["received"] == 15
    assert got[("2020-T4", "kg rendus accessibles")] == pytest.approx(t4["kg_taken"])
    assert got[("2020-T4", "économie par rapport aux prix du marché")] == pytest.approx(
        t4["saved_eur"]
    )
    ratio = got[("2020-T4", "kg rendus accessibles, rapport au trimestre précédent")]
    t3_kg = expected.set_index("period").loc["2020-T3", "kg_taken"]
    assert ratio == pytest.approx(t4["kg_taken"] / t3_kg)
    html = render_html(data)
    assert "Registre des opportunités de la prospection" in html
    assert trend(ratio - 1) in html
    # No published week: 3.1.a comes from the register alone, once per measure and period.
    assert not mine.duplicated(["period", "measure"]).any()
    build_report(desk, convention, today=TODAY)  # a refresh leaves no duplicate
    again = read_indicator_values(desk, convention)
    assert len(again[again["source"] == REGISTER_SOURCE]) == len(mine)


def test_axis3_without_register_keeps_the_published_weeks_measures(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "empty.sqlite"))
    tables = axis3_from_database(db, load_convention())
    assert tables.opportunities.empty
    db.close()


def test_trend_words() -> None:
    from aide_alim.i18n import fmt

    assert trend(0.125) == "+" + fmt.pct(0.125, 1) and "12,5" in trend(0.125)
    assert trend(-0.03) == "−" + fmt.pct(0.03, 1)
    assert trend(float("nan")) == "–" and trend(None) == "–"


def test_register_values_are_never_negative_for_the_ledger() -> None:
    from aide_alim.ledger.axis3 import OPPORTUNITY_COLUMNS, Axis3Tables, axis3_indicator_values
    from aide_alim.ledger.entries import value_problems

    convention = load_convention()
    row = dict.fromkeys(OPPORTUNITY_COLUMNS, 1.0)
    falling = {**row, "period": "2020-T4", "saved_eur": -12.0, "kg_change": -0.25}
    table = pd.DataFrame([{**row, "period": "2020-T3"}, falling], columns=OPPORTUNITY_COLUMNS)
    values = axis3_indicator_values(convention, Axis3Tables(opportunities=table))
    got = {(v.period, v.measure): v.value for v in values}
    assert got[("2020-T4", "surcoût par rapport aux prix du marché")] == 12.0
    assert got[("2020-T4", "kg rendus accessibles, rapport au trimestre précédent")] == 0.75
    assert all(not value_problems(convention, v) for v in values)
