"""Fairness with memory and simulated years."""

# ruff: noqa: F811  (the db and db_url fixtures are imported from history_helpers)

from __future__ import annotations

import pytest
from history_helpers import (
    db,  # noqa: F401 - fixture
    db_url,  # noqa: F401 - fixture
    publish_three_weeks,
    scenario,
)

from aide_alim.db import open_database
from aide_alim.history import past_shortfall, read_history, simulate_year
from aide_alim.history.simulate import season_factor, week_variant
from aide_alim.indicators import fairness_gini
from aide_alim.scenario import Policy


def _w44(**policy: object) -> object:
    from history_helpers import association

    people = [association("a1", 100), association("a2", 50, other_kg=10), association("a3", 5)]
    return scenario("2020-W44", people, []).replace(policy=Policy(ration_kg=1.0, **policy))


def test_past_shortfall_by_hand(db) -> None:
    publish_three_weeks(db)
    # a1: need 100/week, received 80, 50, 40 → 20 + 50 + 60 = 130 kg behind.
    # a2: need 50, other 10, received 50, 0, 30 + 20 → −10 + 40 − 10 = 20 kg behind.
    # a3: new this week → 0.
    assert past_shortfall(db, _w44()) == pytest.approx({"a1": 130.0, "a2": 20.0, "a3": 0.0})
    assert past_shortfall(db, _w44(basis="meals")) == pytest.approx(
        {"a1": 260.0, "a2": 40.0, "a3": 0.0}
    )
    # Only the last week (W43): a1 60 behind; a2 10 ahead, floored at 0.
    assert past_shortfall(db, _w44(), weeks=1) == pytest.approx({"a1": 60, "a2": 0, "a3": 0})
    # The week being allocated and later weeks never count.
    w42 = _w44().replace(week="2020-W42")
    assert past_shortfall(db, w42) == pytest.approx({"a1": 20.0, "a2": 0.0, "a3": 0.0})


def test_past_shortfall_in_value(db) -> None:
    publish_three_weeks(db)
    # W41 lots: 100 kg at 2 €, 40 kg at 3 € → mean 320/140 €/kg; W42: 2 €; W43: 360/100 €/kg.
    need = {"a1": 100.0, "a2": 40.0}  # need − other supply [kg]
    got = {"a1": 180 + 100 + 160, "a2": 120 + 0 + 160}  # € received
    means = (320 / 140, 2.0, 3.6)
    expected = {a: sum(need[a] * m for m in means) - got[a] for a in need}
    assert past_shortfall(db, _w44(basis="value")) == pytest.approx({**expected, "a3": 0.0})


def test_week_variant_moves_dates_and_varies_supply() -> None:
    import numpy as np

    from aide_alim.scenario.synth import synthesize

    base = synthesize(10, 30, seed=1)
    variant = week_variant(base, 5, np.random.default_rng(0))
    assert variant.week == "2020-W46"
    assert {lot.id for lot in variant.lots} != {lot.id for lot in base.lots}
    shifted = [lot for lot in variant.lots if base.day_of(lot.available) is not None]
    assert shifted == []  # every date moved out of the base week…
    for lot in variant.lots:  # …by exactly five weeks, into whole cartons
        assert lot.kg / lot.unit_kg == pytest.approx(round(lot.kg / lot.unit_kg), abs=1e-6)
    assert season_factor(26) > 1 > season_factor(0)


def _final_spread(memory: bool) -> tuple[float, float, float]:
    from aide_alim.scenario.synth import synthesize

    db = open_database("sqlite://")
    simulate_year(synthesize(10, 30, seed=1), 12, 1, db, memory=memory)
    last = fairness_gini(read_history(db)).iloc[-1]
    db.close()
    return float(last["std"]), float(last["gini"]), float(last["spread"])


def test_memory_narrows_the_spread_of_cumulative_fill_ratios() -> None:
    # Measured (benchmarks/history_memory.py --synth 10,30,1 --seed 1, 17:25 UTC): std
    # 0.057 → 0.046, Gini 0.044 → 0.031, max − min 0.190 → 0.167 after 12 simulated weeks.
    std_off, gini_off, spread_off = _final_spread(memory=False)
    std_on, gini_on, spread_on = _final_spread(memory=True)
    assert std_on < std_off
    assert gini_on < gini_off
    assert spread_on < spread_off


def test_simulation_is_deterministic_and_published(db) -> None:
    from aide_alim.scenario.synth import synthesize

    base = synthesize(6, 15, seed=2)
    table = simulate_year(base, 3, 5, db)
    assert table["week"].tolist() == ["2020-W41", "2020-W42", "2020-W43"]
    assert read_history(db).week_list == table["week"].tolist()
    other = open_database("sqlite://")
    simulate_year(base, 3, 5, other)
    columns = ["week", "lot", "association", "kg"]
    assert read_history(db).deliveries[columns].equals(read_history(other).deliveries[columns])
    other.close()
