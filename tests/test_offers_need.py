"""The need an offer meets, on the allocation's relaxation, against a full re-solve."""

from __future__ import annotations

from pathlib import Path

import pytest

from aide_alim.offers import Offer
from aide_alim.offers.generate import generate_offers
from aide_alim.offers.need import NeedModel
from aide_alim.scenario import Scenario, load_scenario
from tests.offers_helpers import offer, week

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


def _weeks() -> list[tuple[str, Scenario, list[Offer]]]:
    tiny = load_scenario(TINY)
    helpers = [
        offer("A"),
        offer("B", category="fruits_legumes", kg=200.0),
        offer("C", category="produits_laitiers", kg=40.0, unit_kg=4.0),
        offer("D", kg=2000.0),
    ]
    return [
        ("tiny-1", tiny, list(generate_offers(tiny, 10, seed=1))),
        ("tiny-2", tiny, list(generate_offers(tiny, 10, seed=2))),
        ("helpers", week(), helpers),
    ]


def _one_carton_of_the_worst_off(scenario: Scenario, extra: Offer) -> float:
    """The stated tolerance on a fill ratio: the largest carton of the week (the offer's
    included) over the smallest need [kg]."""
    carton = max([lot.unit_kg for lot in scenario.lots] + [extra.unit_kg])
    need = min(a.beneficiaries * scenario.policy.ration_kg for a in scenario.associations)
    return carton / need


@pytest.mark.parametrize("name", ["tiny-1", "tiny-2", "helpers"])
def test_relaxation_agrees_with_a_full_resolve_within_a_carton(name: str) -> None:
    _, scenario, offers = next(w for w in _weeks() if w[0] == name)
    relaxed, exact = NeedModel(scenario), NeedModel(scenario, exact=True)
    assert relaxed.min_fill == pytest.approx(exact.min_fill, abs=0.05)
    for o in offers:
        a, b = relaxed.with_offer(o), exact.with_offer(o)
        tolerance = _one_carton_of_the_worst_off(scenario, o)
        assert abs(a.min_fill - b.min_fill) <= tolerance + 1e-9, o.id
        assert a.min_fill >= b.min_fill - 1e-6, o.id  # the relaxation is an upper bound
        if b.reason == "below_min_delivery":  # a binary limit the relaxation leaves out
            assert a.kg <= scenario.policy.min_delivery_kg * len(scenario.associations)
            continue
        assert abs(a.kg - b.kg) <= o.unit_kg + 1e-9, o.id
        assert (a.kg == 0) == (b.kg == 0), o.id
        if a.kg == 0:
            assert a.reason == b.reason, o.id
        assert a.kg % o.unit_kg == pytest.approx(0.0, abs=1e-6)  # whole cartons


def test_an_offer_nobody_can_take_keeps_the_worst_off_where_it_was() -> None:
    scenario = week()
    frozen = offer("FROZEN", category="surgeles", kg=50.0, unit_kg=5.0)  # no freezer
    need = NeedModel(scenario)
    met = need.with_offer(frozen)
    assert met.kg == 0 and met.associations == ()
    assert met.reason == "no_cold_storage"
    assert met.min_fill == pytest.approx(need.min_fill)


def test_the_baseline_rules_are_resolved_in_full() -> None:
    scenario = week()
    scenario = scenario.replace(policy=scenario.policy.replace(rule="fcfs"))
    need = NeedModel(scenario)
    assert need.exact
    assert need.with_offer(offer("A")).kg == 100.0
