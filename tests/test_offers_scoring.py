"""Scoring offers: the hand-checked cases of issue 14 on a tiny week, and the ranking."""

from __future__ import annotations

import datetime as dt

import pytest

from aide_alim.geo import haversine_km
from aide_alim.offers import prepare_week, score_offers
from aide_alim.offers.scoring import MIN_SAVING_SHARE, Week, worth_price
from aide_alim.scenario import Day, Temperature
from tests.offers_helpers import HUB, MONDAY, association, new_supplier, offer, week


@pytest.fixture(scope="module")
def tiny() -> Week:
    return prepare_week(week())


def by_id(verdicts):  # type: ignore[no-untyped-def]
    return {v.offer.id: v for v in verdicts}


def test_cheap_far_offer_loses_to_dearer_near_one_on_co2_per_kg(tiny: Week) -> None:
    # Same product, same quantity; the far one is 0.30 €/kg cheaper but 40 km south of the hub.
    far_site = new_supplier("loin", HUB.lat - 0.36, HUB.lon)
    far = offer("FAR", supplier=far_site, price_eur_kg=0.5)
    near = offer("NEAR", price_eur_kg=0.8)
    verdicts = by_id(score_offers(tiny, [far, near]))
    f, n = verdicts["FAR"], verdicts["NEAR"]
    assert f.scores.kg_taken == n.scores.kg_taken == 100.0
    assert f.scores.saved_eur == pytest.approx(100 * (2.5 - 0.5))  # cheaper: saves more €
    assert n.scores.saved_eur == pytest.approx(100 * (2.5 - 0.8))
    # By hand: there and back at 1.3 × the straight line, 216 g CO₂/km, for 100 kg.
    km = 2 * 1.3 * float(haversine_km(HUB.lat, HUB.lon, far_site.lat, far_site.lon))
    assert f.scores.collection.km == pytest.approx(km, rel=0.02)
    assert f.scores.co2_g_per_kg == pytest.approx(km * 216 / 100, rel=0.02)
    assert n.scores.co2_g_per_kg is not None and n.scores.co2_g_per_kg < 10
    assert f.scores.co2_g_per_kg > 20 * n.scores.co2_g_per_kg
    assert n.rank < f.rank  # the dearer offer nearby comes first


def test_frozen_food_nobody_has_room_for_is_refused(tiny: Week) -> None:
    frozen = offer("FROZEN", category="surgeles", kg=50.0, unit_kg=5.0)
    (v,) = score_offers(tiny, [frozen])
    assert v.verdict == "refuser"
    assert "aucune association n'a de place en surgelé" in v.reasons[0]
    assert v.scores.kg_taken == 0


def test_donation_with_dlc_before_any_open_day_is_refused(tiny: Week) -> None:
    # Available Tuesday with a DLC that same Tuesday; A1 opens mon wed fri and A2 only thu.
    scenario = week(
        [
            association("A1", 100, {Day.MON, Day.WED, Day.FRI}),
            association("A2", 50, {Day.THU}),
        ]
    )
    yoghurt = offer(
        "YAOURTS",
        category="produits_laitiers",
        kg=40.0,
        unit_kg=4.0,
        available=MONDAY + dt.timedelta(days=1),
        use_by=MONDAY + dt.timedelta(days=1),
    )
    (v,) = score_offers(prepare_week(scenario), [yoghurt])
    assert yoghurt.is_donation and yoghurt.temperature is Temperature.CHILLED
    assert v.verdict == "refuser"
    assert v.reasons[0].startswith("DLC le 06/10, avant le prochain jour d'ouverture")


def test_offer_raising_the_worst_off_is_taken_first() -> None:
    # A2 refuses fruit: this week's only lot goes to A1, A2 is the worst-off (fill 0).
    scenario = week(
        [
            association("A1", 100, {Day.MON, Day.WED, Day.FRI}),
            association("A2", 50, {Day.TUE, Day.THU}, refuses=frozenset({"fruits_legumes"})),
        ]
    )
    prepared = prepare_week(scenario)
    assert prepared.allocation.metrics["min_fill_ratio"] == 0
    fruit = offer("FRUITS", category="fruits_legumes", kg=200.0)  # worth 400 €, A1 only
    tins = offer("CONSERVES", category="conserves", kg=40.0, unit_kg=4.0)  # worth 120 €
    verdicts = score_offers(prepared, [fruit, tins])
    first, second = verdicts
    assert [v.verdict for v in verdicts] == ["prendre", "prendre"]
    assert first.offer.id == "CONSERVES" and first.rank == 1
    assert first.scores.min_fill_after > 0.5 and not second.scores.raises_worst_off
    assert second.scores.interest_eur > first.scores.interest_eur  # more €, yet second
    assert first.reasons[0].startswith("relève la structure la moins servie")


def test_sold_offer_above_its_worth_is_negotiated_at_the_price_that_makes_it_worth_it(
    tiny: Week,
) -> None:
    dear = offer("CHER", price_eur_kg=2.2)  # market value 2.50 €/kg
    (v,) = score_offers(tiny, [dear])
    assert v.verdict == "négocier"
    expected = 2.5 * (1 - MIN_SAVING_SHARE) - v.scores.collection.cost_eur / v.scores.kg_taken
    assert v.price_eur_kg == pytest.approx(expected, abs=0.011)
    assert v.price_eur_kg == worth_price(dear, v.scores)
    assert "intéressante à" in v.reasons[0]


def test_minimum_quantity_above_what_associations_can_take_is_negotiated(tiny: Week) -> None:
    big = offer("GROS", kg=2000.0, min_kg=1500.0)  # 1,000 kg of dry storage in all
    (v,) = score_offers(tiny, [big])
    assert v.scores.kg_taken < 1500
    assert v.verdict == "négocier"
    assert "sous le minimum" in v.reasons[0]


def test_offers_competing_for_the_same_budget_are_ranked_and_the_second_negotiated(
    tiny: Week,
) -> None:
    # A1 and A2 have 100 € each left: two offers of 150 € each cannot both be paid.
    one = offer("UN", price_eur_kg=1.5, kg=100.0)
    two = offer("DEUX", price_eur_kg=1.5, kg=100.0, value_eur_kg=2.6)
    verdicts = score_offers(tiny, [one, two])
    assert [v.offer.id for v in verdicts] == ["DEUX", "UN"]
    assert verdicts[0].verdict == "prendre"
    assert verdicts[1].verdict == "négocier" and verdicts[1].competes_with == ("DEUX",)
    assert "budget" in verdicts[1].reasons[0]


def test_scores_json_has_the_fields_the_issue_lists(tiny: Week) -> None:
    (v,) = score_offers(tiny, [offer("O1", use_by=MONDAY + dt.timedelta(days=3))])
    data = v.to_dict()
    assert {"id", "verdict", "reasons", "economic", "environmental", "need", "feasibility"} <= set(
        data
    )
    assert data["verdict"] in ("prendre", "négocier", "refuser")
    assert data["environmental"]["kg_saved_from_waste"] == data["need"]["kg_taken"] > 0
