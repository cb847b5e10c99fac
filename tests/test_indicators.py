"""Indicators on a hand-built three-week history equal the values computed by hand.

The history (need = beneficiaries × 1 kg; a2 also gets 10 kg/week elsewhere):

======  =====================================================  ==============================
week    lots (site, kg, price €/kg, value €/kg)                allocation (kg)
======  =====================================================  ==============================
W41     l1 s1 100 kg donated 2 €; l2 s2 40 kg chilled 0.5/3 €  a1: l1 60, l2 20; a2: l1 30, l2 20
W42     l1 s1 50 kg donated 2 €                                a1: l1 50
W43     l1 s2 80 kg bought 1/4 €; l2 s1 20 kg donated 2 €      a1: l1 40; a2: l1 40, l2 20
======  =====================================================  ==============================

Rounds cost 30 € in W41, 10 € in W42, none published in W43. a2 reports for W43 that it
received 30 kg of l1 (40 planned) and 20 kg of l2: the indicators use 30.
"""

# ruff: noqa: F811  (the db and db_url fixtures are imported from history_helpers)

from __future__ import annotations

import math

import pandas as pd
import pytest
from history_helpers import (
    db,  # noqa: F401 - fixture
    db_url,  # noqa: F401 - fixture
    module_db,  # noqa: F401 - fixture
    publish_three_weeks,
)

from aide_alim.db import Database
from aide_alim.history import read_history
from aide_alim.indicators import INDICATORS, gini, indicators


@pytest.fixture(scope="module")
def three_weeks(module_db: Database) -> dict[str, pd.DataFrame]:
    publish_three_weeks(module_db)
    return indicators(module_db)


def _by(table: pd.DataFrame, *keys: str) -> dict[object, dict[str, object]]:
    index = table.set_index(list(keys))
    return index.to_dict("index")  # type: ignore[return-value]


def test_volume_by_category_and_temperature(three_weeks) -> None:  # type: ignore[no-untyped-def]
    v = _by(three_weeks["volume"], "week", "association", "category", "temperature")
    assert v[("2020-W41", "a1", "epicerie_seche", "ambient")] == pytest.approx(
        {"kg": 60.0, "meals": 120.0, "value_eur": 120.0}
    )
    assert v[("2020-W41", "a2", "produits_laitiers", "chilled")] == pytest.approx(
        {"kg": 20.0, "meals": 40.0, "value_eur": 60.0}
    )
    assert v[("2020-W43", "a2", "epicerie_seche", "ambient")] == pytest.approx(  # received 30
        {"kg": 50.0, "meals": 100.0, "value_eur": 160.0}
    )
    assert len(v) == 7  # 4 in W41, a1 only in W42, one class each in W43
    weekly = _by(three_weeks["weekly"], "week", "association")
    assert [weekly[(w, "a1")]["kg"] for w in ("2020-W41", "2020-W42", "2020-W43")] == [80, 50, 40]
    assert [weekly[(w, "a2")]["kg"] for w in ("2020-W41", "2020-W42", "2020-W43")] == [50, 0, 50]


def test_regularity(three_weeks) -> None:  # type: ignore[no-untyped-def]
    r = _by(three_weeks["regularity"], "association")
    mean1 = 170 / 3
    std1 = math.sqrt(((80 - mean1) ** 2 + (50 - mean1) ** 2 + (40 - mean1) ** 2) / 3)
    assert r["a1"]["weeks"] == 3 and r["a1"]["weeks_served"] == 3
    assert r["a1"]["share_served"] == 1.0
    assert r["a1"]["cv_kg"] == pytest.approx(std1 / mean1)  # 0.2999…
    assert r["a1"]["longest_gap_weeks"] == 0
    assert r["a1"]["trend_kg_per_week"] == pytest.approx(-20.0)  # (40 − 80) / 2
    assert r["a2"]["weeks_served"] == 2
    assert r["a2"]["share_served"] == pytest.approx(2 / 3)
    assert r["a2"]["cv_kg"] == pytest.approx(math.sqrt(0.5))  # mean 33.3, std 23.57
    assert r["a2"]["longest_gap_weeks"] == 1
    assert r["a2"]["trend_kg_per_week"] == pytest.approx(0.0)


def test_financial_impact(three_weeks) -> None:  # type: ignore[no-untyped-def]
    f = _by(three_weeks["financial"], "association")
    # a1: value 60·2 + 20·3 + 50·2 + 40·4 = 440; paid 20·0.5 + 40·1 = 50
    # logistics: 30 € × 80/130 (W41) + 10 € × 50/50 (W42) = 28.46 €
    logistics1 = 30 * 80 / 130 + 10
    assert f["a1"] == pytest.approx(
        {"name": "Association a1", "kg": 170.0, "value_eur": 440.0, "paid_eur": 50.0,
         "net_value_eur": 390.0, "logistics_eur": logistics1, "value_eur_per_kg": 440 / 170,
         "cost_eur_per_kg": (50 + logistics1) / 170}
    )  # fmt: skip
    # a2: value 30·2 + 20·3 + 30·4 + 20·2 = 280; paid 20·0.5 + 30·1 = 40; logistics 30 × 50/130
    logistics2 = 30 * 50 / 130
    assert f["a2"] == pytest.approx(
        {"name": "Association a2", "kg": 100.0, "value_eur": 280.0, "paid_eur": 40.0,
         "net_value_eur": 240.0, "logistics_eur": logistics2, "value_eur_per_kg": 2.8,
         "cost_eur_per_kg": (40 + logistics2) / 100}
    )  # fmt: skip


def test_fairness_over_time(three_weeks) -> None:  # type: ignore[no-untyped-def]
    f = _by(three_weeks["fairness"], "week", "association")
    expected = {
        ("2020-W41", "a1"): 80 / 100, ("2020-W42", "a1"): 130 / 200, ("2020-W43", "a1"): 170 / 300,
        ("2020-W41", "a2"): 60 / 50, ("2020-W42", "a2"): 70 / 100, ("2020-W43", "a2"): 130 / 150,
    }  # fmt: skip
    assert {k: f[k]["cum_fill_ratio"] for k in expected} == pytest.approx(expected)
    g = _by(three_weeks["fairness_gini"], "week")
    # two values x, y: Gini = 2|x − y| / (2 · 2² · mean) = |x − y| / (2 (x + y))
    assert g["2020-W41"]["gini"] == pytest.approx(0.4 / (2 * 2.0))
    assert g["2020-W42"]["gini"] == pytest.approx(0.05 / (2 * 1.35))
    x, y = 170 / 300, 130 / 150
    assert g["2020-W43"]["gini"] == pytest.approx((y - x) / (2 * (x + y)))
    assert g["2020-W43"]["spread"] == pytest.approx(130 / 150 - 170 / 300)


def test_action_31(three_weeks) -> None:  # type: ignore[no-untyped-def]
    a = _by(three_weeks["action_31"], "week")
    assert a["2020-W41"] == pytest.approx(
        {"offers": 2, "suppliers": 2, "kg_offered": 140.0, "value_offered_eur": 320.0,
         "kg_donated": 100.0, "kg_bought": 40.0, "share_donated": 100 / 140,
         "kg_distributed": 130.0, "value_distributed_eur": 300.0, "cum_suppliers": 2,
         "cum_offers": 2, "cum_kg_offered": 140.0, "cum_value_offered_eur": 320.0,
         "cum_kg_distributed": 130.0, "cum_value_distributed_eur": 300.0,
         "cum_share_donated": 100 / 140}
    )  # fmt: skip
    assert a["2020-W43"] == pytest.approx(
        {"offers": 2, "suppliers": 2, "kg_offered": 100.0, "value_offered_eur": 360.0,
         "kg_donated": 20.0, "kg_bought": 80.0, "share_donated": 0.2,
         "kg_distributed": 90.0, "value_distributed_eur": 320.0, "cum_suppliers": 2,
         "cum_offers": 5, "cum_kg_offered": 290.0, "cum_value_offered_eur": 780.0,
         "cum_kg_distributed": 270.0, "cum_value_distributed_eur": 720.0,
         "cum_share_donated": 170 / 290}
    )  # fmt: skip


def test_summary_and_period(db: Database) -> None:
    publish_three_weeks(db)
    s = _by(indicators(db)["summary"], "association")
    assert s["a2"]["meals"] == pytest.approx(200.0)
    assert s["a2"]["cum_fill_ratio"] == pytest.approx(130 / 150)
    only = indicators(db, "2020-W42", "2020-W43")["regularity"].set_index("association")
    assert only.loc["a2", "weeks"] == 2
    assert only.loc["a2", "share_served"] == pytest.approx(0.5)
    assert set(INDICATORS) == {
        "summary", "volume", "weekly", "regularity", "financial", "fairness",
        "fairness_gini", "action_31",
    }  # fmt: skip


def test_indicators_of_an_empty_history(db: Database) -> None:
    tables = indicators(db)
    assert all(table.empty for table in tables.values())
    assert read_history(db).week_list == []


def test_gini_by_hand() -> None:
    assert gini([1, 1, 1]) == 0.0
    assert gini([0, 0, 3]) == pytest.approx(2 / 3)  # Σ|xi − xj| = 12, 2·9·1 = 18
    assert gini([]) == 0.0
