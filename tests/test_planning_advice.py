"""Fleet advice on tiny weeks whose answer is known by hand (aide_alim.planning.advice)."""

from __future__ import annotations

import pytest
from allocation_helpers import association, lot, scenario, van

from aide_alim.planning.advice import Candidate, fleet_advice
from aide_alim.scenario.model import Day, Temperature, TimeWindow

MONDAY = frozenset({Day.MON})
MORNING_HOUR = TimeWindow(540, 600)
#: Four places 20 km apart around the hub: one van cannot reach them all within an hour.
FAR = [(47.50, 5.04), (47.14, 5.04), (47.32, 5.30), (47.32, 4.78)]


def _by(advice, kind: str, **match):
    found = [
        a for a in advice if a.kind == kind and all(getattr(a, k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (kind, match, [a.label_fr for a in advice])
    return found[0]


def test_cold_food_waits_for_a_second_refrigerated_van_that_day() -> None:
    # Two associations 20 km north and south of the hub, open Monday 9-10 only; 100 kg of
    # yoghurts at the hub; one refrigerated van, on Monday. It cannot reach both within the
    # hour (the bound's minimum fill is 0): a second refrigerated van on Monday serves the
    # other, one on Tuesday does not (nobody is open), nor does an hour at the end of the van's
    # shift (the windows close at 10 h).
    assocs = [
        association(f"A{i}", 50, lat=lat, lon=lon, open_days=MONDAY, receive_window=MORNING_HOUR)
        for i, (lat, lon) in enumerate(FAR[:2], start=1)
    ]
    yoghurts = lot("Y", 100, product="Yaourts", category="produits_laitiers",
                   temperature=Temperature.CHILLED)  # fmt: skip
    sc = scenario(assocs, [yoghurts], vehicles=[van("FRIGO", 500, True, days=MONDAY)])
    advice = fleet_advice(sc)
    monday = _by(advice, "refrigerated_van", day=0)
    assert monday.status == "solved" and monday.helps
    assert advice.bound_min_fill_ratio < 0.05
    assert monday.min_fill_gain > 0.5 and monday.bound_min_fill_ratio <= 1.0 + 1e-6
    tuesday = _by(advice, "refrigerated_van", day=1)
    assert not tuesday.helps
    hour = _by(advice, "shift_hour", subject="FRIGO", day=0)
    assert not hour.helps
    # The best advice comes first and reads as a volunteer would say it.
    assert advice[0] == monday
    text = advice.sentences_fr()[0]
    assert text.startswith("Un fourgon frigorifique de plus lundi")
    assert "kg" in text and "couverture minimale (au mieux)" in text


def test_an_afternoon_window_lets_the_van_reach_a_far_association() -> None:
    # Two associations 20 km from each other and from the hub, open Monday 9-10; one van. If
    # the second could also receive in the afternoon, the van would serve both.
    assocs = [
        association(f"A{i}", 50, lat=lat, lon=lon, open_days=MONDAY, receive_window=MORNING_HOUR)
        for i, (lat, lon) in enumerate(FAR[:2], start=1)
    ]
    sc = scenario(assocs, [lot("P", 100)], vehicles=[van("V", 500, False, days=MONDAY)])
    advice = fleet_advice(sc)
    windows = [a for a in advice if a.kind == "afternoon_window"]
    assert {a.subject for a in windows} == {"A1", "A2"}
    assert advice.bound_min_fill_ratio < 0.05
    assert all(a.helps and a.min_fill_gain > 0.5 for a in windows)
    assert "puisse aussi recevoir l'après-midi" in windows[0].label_fr


def test_more_freezer_space_where_the_freezer_is_full() -> None:
    # A1 needs 100 kg and has 20 kg of freezer; 50 kg of frozen food at the hub. Half as much
    # freezer again takes 10 kg more: +10 kg, +10 points.
    a1 = association("A1", 100, frozen_kg=20.0)
    frozen = lot("F", 50, product="Légumes surgelés", category="surgeles",
                 temperature=Temperature.FROZEN)  # fmt: skip
    advice = fleet_advice(scenario([a1], [frozen], vehicles=[van("FRIGO", 500, True)]))
    assert advice.bound_kg == pytest.approx(20, abs=0.1)
    freezer = _by(advice, "freezer", subject="A1")
    assert freezer.kg_gain == pytest.approx(10, abs=0.1)
    assert freezer.min_fill_gain == pytest.approx(0.10, abs=1e-3)
    assert advice.helpful == (freezer,)
    sentence = advice.sentences_fr()[0].replace("\xa0", " ")
    assert "+10 kg, +10,0 points de couverture minimale (au mieux)" in sentence
    # No vehicle, hour or window would help: the summary says so after the advice.
    assert advice.sentences_fr()[-1].startswith("Un véhicule, une heure de service")
    assert "tournées elles-mêmes" not in advice.sentences_fr()[-1]
    # When the real rounds did leave food for want of a vehicle, the sentence says that the
    # bound cannot see it, instead of seeming to contradict the summary's logistics.
    last = advice.sentences_fr(left_by_rounds_kg=39.0)[-1].replace("\xa0", " ")
    assert "Les 39 kg que les tournées elles-mêmes n'ont pas pu transporter" in last
    assert "un véhicule de plus ces jours-là pourrait les transporter" in last


def test_no_fleet_advice_when_the_fleet_is_not_the_limit() -> None:
    # 50 kg of pasta for an association that needs 100 kg, next to the hub, one van all week:
    # the food is the limit, no vehicle, hour or window helps.
    advice = fleet_advice(scenario([association("A1", 100)], [lot("P", 50)]))
    assert advice.bound_min_fill_ratio == pytest.approx(0.5, abs=1e-3)
    assert len(advice) and advice.helpful == ()
    assert {a.kind for a in advice} >= {"refrigerated_van", "shift_hour"}
    (sentence,) = advice.sentences_fr()
    assert sentence.startswith("Aucune ressource supplémentaire testée")
    assert "la nourriture disponible" in sentence
    table = advice.table()
    assert len(table) == len(advice) and (table["kg_gain"].abs() < 1).all()


def test_a_callers_own_candidate_is_measured() -> None:
    # From a notebook: "what if A1 had 30 kg more freezer?" — measured, never pruned.
    a1 = association("A1", 100, frozen_kg=20.0)
    frozen = lot("F", 50, product="Légumes surgelés", category="surgeles",
                 temperature=Temperature.FROZEN)  # fmt: skip
    sc = scenario([a1], [frozen], vehicles=[van("FRIGO", 500, True)])
    bigger = sc.replace(associations=(a1.__class__(**{**_fields(a1), "frozen_kg": 50.0}),))
    advice = fleet_advice(sc, candidates=[Candidate("freezer", "un congélateur de 50 kg", bigger)])
    (only,) = advice
    assert only.status == "solved" and only.kg_gain == pytest.approx(30, abs=0.1)


def _fields(obj) -> dict:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}
