"""Allocation on tiny scenarios whose optimum is computed by hand, one limit at a time."""

from __future__ import annotations

import numpy as np
import pytest
from allocation_helpers import association, day, lot, scenario, van

from aide_alim.allocation import REASONS_FR, AllocationStatus, allocate, compare
from aide_alim.allocation.metrics import METRICS, PLAN_ONLY, gini, jain
from aide_alim.scenario.model import RULES, Day, Temperature


def fills(alloc) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return dict(zip(alloc.by_association.association, alloc.by_association.fill_ratio, strict=True))


def given(alloc, assoc: str) -> float:  # type: ignore[no-untyped-def]
    return float(alloc.lines.loc[alloc.lines.association == assoc, "kg"].sum())


def reasons(alloc) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return alloc.unallocated.groupby("reason")["kg"].sum().to_dict()


def test_equal_needs_split_one_lot_in_half() -> None:
    sc = scenario([association("A", 100), association("B", 100)], [lot("L", 100)])
    alloc = allocate(sc)
    assert alloc.status is AllocationStatus.OPTIMAL and alloc.is_ok
    assert given(alloc, "A") == pytest.approx(50) and given(alloc, "B") == pytest.approx(50)
    assert alloc.metrics["min_fill_ratio"] == pytest.approx(0.5)
    assert alloc.metrics["kg_left"] == pytest.approx(0)
    assert set(alloc.lines.columns) >= {
        "lot",
        "association",
        "day",
        "kg",
        "units",
        "site",
        "category",
        "temperature",
        "value_eur",
        "price_eur",
        "collects",
    }


def test_fill_counts_other_supply() -> None:
    # A already has 40 kg elsewhere: 100 kg to share so that (x+40)/100 = (100-x)/100 → x = 30.
    sc = scenario(
        [association("A", 100, other_supply_kg=40), association("B", 100)], [lot("L", 100)]
    )
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(30)
    assert fills(alloc)["A"] == pytest.approx(0.7) and fills(alloc)["B"] == pytest.approx(0.7)


def test_leximin_raises_the_second_level_where_maxmin_is_not_unique() -> None:
    # A can only take lot X (30 kg, the others refuse fruit): min fill is 0.3 whatever B and C
    # get, so max-min is satisfied by any split of Y (120 kg) giving B and C ≥ 30 kg.
    # Leximin then raises the second level: B and C get 60 kg each (0.6, 0.6).
    others = dict(refuses=frozenset({"fruits_legumes"}))
    sc = scenario(
        [
            association("A", 100, refuses=frozenset({"epicerie_seche"})),
            association("B", 100, **others),
            association("C", 100, **others),
        ],
        [lot("X", 30, category="fruits_legumes"), lot("Y", 120)],
    )
    lex = allocate(sc)
    assert lex.levels == pytest.approx((0.3, 0.6))
    assert sorted(fills(lex).values()) == pytest.approx([0.3, 0.6, 0.6])
    mm = allocate(sc, sc.policy.replace(rule="maxmin"))
    assert mm.levels == pytest.approx((0.3,))
    assert mm.metrics["min_fill_ratio"] == pytest.approx(0.3)
    assert mm.metrics["kg_distributed"] == pytest.approx(150)


def test_storage_limits_and_reason() -> None:
    sc = scenario([association("A", 100, dry_kg=20)], [lot("L", 100)])
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(20)
    assert reasons(alloc) == {"storage_full": pytest.approx(80)}


def test_cold_chain() -> None:
    yog = dict(category="produits_laitiers", temperature=Temperature.CHILLED)
    # no cold storage anywhere
    sc = scenario([association("A", 100, chilled_kg=0)], [lot("L", 50, **yog)])
    assert reasons(allocate(sc)) == {"no_cold_storage": pytest.approx(50)}
    # cold storage but only a dry van: delivered only to an association that collects
    dry_van = [van(refrigerated=False)]
    sc = scenario([association("A", 100)], [lot("L", 50, **yog)], vehicles=dry_van)
    assert reasons(allocate(sc)) == {"no_vehicle": pytest.approx(50)}
    sc = scenario([association("A", 100, collects=True)], [lot("L", 50, **yog)], vehicles=dry_van)
    assert given(allocate(sc), "A") == pytest.approx(50)


def test_dates_dlc_and_open_days() -> None:
    thursday_only = dict(open_days=frozenset({Day.THU}))
    # DLC Tuesday, association opens Thursday only → nothing can go
    sc = scenario([association("A", 100, **thursday_only)], [lot("L", 40, use_by=day(1))])
    assert reasons(allocate(sc)) == {"dlc_before_open_day": pytest.approx(40)}
    # available Saturday, nobody opens at the weekend → no open day
    sc = scenario([association("A", 100)], [lot("L", 40, available=day(5))])
    assert reasons(allocate(sc)) == {"no_open_day": pytest.approx(40)}
    # DLC Friday: delivered on Thursday, never after the DLC nor before availability
    sc = scenario(
        [association("A", 100, **thursday_only)], [lot("L", 40, available=day(2), use_by=day(4))]
    )
    alloc = allocate(sc)
    assert list(alloc.lines.day) == [day(3)]


def test_ddm_is_soft() -> None:
    sc = scenario([association("A", 100)], [lot("L", 40, best_before=day(-3))])
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(40)
    assert alloc.metrics["kg_past_ddm"] == pytest.approx(40)


def test_refused_category() -> None:
    sc = scenario(
        [
            association("A", 100, refuses=frozenset({"epicerie_seche"})),
            association("B", 100, refuses=frozenset({"epicerie_seche"})),
        ],
        [lot("L", 40)],
    )
    assert reasons(allocate(sc)) == {"refused_everywhere": pytest.approx(40)}


def test_budget_per_association_and_collective_fund() -> None:
    sold = lot("L", 100, price_eur_kg=1.0)
    sc = scenario([association("A", 100, budget_eur=30), association("B", 100)], [sold])
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(30) and given(alloc, "B") == 0
    assert reasons(alloc) == {"budget_exhausted": pytest.approx(70)}
    assert alloc.metrics["paid_eur"] == pytest.approx(30)
    # a collective fund of 50 € pays for both, shared fairly
    sc = scenario(
        [association("A", 100), association("B", 100)],
        [sold],
        budget="collective",
        collective_fund_eur=50,
    )
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(25) and given(alloc, "B") == pytest.approx(25)
    # no money at all: the lot can go nowhere
    sc = scenario([association("A", 100)], [sold])
    assert reasons(allocate(sc)) == {"budget_exhausted": pytest.approx(100)}


def test_whole_cartons_with_a_partial_last_one() -> None:
    # 10 kg in 3-kg cartons (3 + 3 + 3 + 1): equal needs → 2 cartons each, 6 kg / 4 kg.
    sc = scenario([association("A", 100), association("B", 100)], [lot("L", 10, unit_kg=3)])
    alloc = allocate(sc)
    assert sorted(alloc.lines.units) == [2, 2]
    assert sorted(alloc.lines.kg) == pytest.approx([4, 6])
    assert alloc.metrics["kg_left"] == pytest.approx(0)


def test_split_limit() -> None:
    assocs = [association(f"A{i}", 100, dry_kg=30) for i in range(4)]
    sc = scenario(assocs, [lot("L", 100)], max_split=2)
    alloc = allocate(sc)
    assert alloc.lines.association.nunique() == 2
    assert alloc.metrics["kg_distributed"] == pytest.approx(60)
    assert reasons(alloc) == {"split_limit": pytest.approx(40)}


def test_minimum_delivery() -> None:
    # B's LP share would be 7 kg < 10 kg minimum: it gets nothing, the 7 kg stay.
    sc = scenario(
        [association("A", 1000, dry_kg=18), association("B", 10, dry_kg=20)],
        [lot("L", 25)],
        min_delivery_kg=10,
    )
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(18) and given(alloc, "B") == 0
    assert reasons(alloc) == {"below_min_delivery": pytest.approx(7)}
    # a lot smaller than the minimum still goes whole
    sc = scenario([association("A", 100)], [lot("L", 4)], min_delivery_kg=10)
    assert given(allocate(sc), "A") == pytest.approx(4)


def test_vehicle_capacity_per_day() -> None:
    monday_van = [van(capacity_kg=50, days=frozenset({Day.MON}))]
    sc = scenario([association("A", 1000)], [lot("L", 100)], vehicles=monday_van)
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(50)
    assert reasons(alloc) == {"vehicle_capacity": pytest.approx(50)}
    # an association that collects is not limited by the vans
    sc = scenario(
        [association("A", 1000), association("B", 1000, collects=True)],
        [lot("L", 100)],
        vehicles=monday_van,
    )
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(50) and given(alloc, "B") == pytest.approx(50)


def test_reach() -> None:
    far = association("A", 100, lat=43.30, lon=5.37)  # Marseille
    sc = scenario([far], [lot("L", 40)])
    assert reasons(allocate(sc)) == {"out_of_reach": pytest.approx(40)}


def test_basis_value_counts_euros() -> None:
    # Meat (9 €/kg) and potatoes (1 €/kg): in value, A gets the meat (90 €) and B the
    # potatoes' value must match: fill equal in € → B gets 90 kg of potatoes.
    meat = lot(
        "M", 10, category="viande_poisson_oeufs", value_eur_kg=9.0, temperature=Temperature.CHILLED
    )
    spuds = lot("P", 200, category="fruits_legumes", value_eur_kg=1.0)
    no_meat = frozenset({"viande_poisson_oeufs"})
    sc = scenario(
        [association("A", 100, dry_kg=0), association("B", 100, refuses=no_meat)],
        [meat, spuds],
        basis="value",
    )
    alloc = allocate(sc)
    assert given(alloc, "A") == pytest.approx(10)
    row = alloc.by_association.set_index("association")
    assert row.loc["A", "value_eur"] == pytest.approx(90)
    assert alloc.basis == "value"


def test_proportional_rule_caps_the_share() -> None:
    # τ = 100 / 200 = 0.5; cap 0.2 → no fill above 0.6 even if A alone can take more.
    sc = scenario(
        [association("A", 100), association("B", 100, dry_kg=20)],
        [lot("L", 100)],
        rule="proportional",
        deviation_cap=0.2,
    )
    alloc = allocate(sc)
    assert fills(alloc)["A"] == pytest.approx(0.6)
    assert given(alloc, "B") == pytest.approx(20)
    assert reasons(alloc) == {"deviation_cap": pytest.approx(20)}


def test_category_balance_keeps_meat_from_one_association() -> None:
    meat = lot("M", 100, category="viande_poisson_oeufs", temperature=Temperature.CHILLED)
    pasta = lot("P", 100)
    assocs = [association("A", 100), association("B", 100)]
    free = allocate(scenario(assocs, [meat, pasta]))
    balanced = allocate(scenario(assocs, [meat, pasta], category_balance=True, deviation_cap=0.1))
    meat_lines = balanced.lines[balanced.lines.lot == "M"]
    assert meat_lines.kg.max() <= 55 + 1e-6
    assert balanced.metrics["min_fill_ratio"] == pytest.approx(free.metrics["min_fill_ratio"])


def test_least_served_uses_history() -> None:
    sc = scenario(
        [association("A", 100), association("B", 100)],
        [lot("L", 10, unit_kg=10)],
        rule="least_served",
    )
    assert given(allocate(sc), "A") == pytest.approx(10)  # tie: file order
    alloc = allocate(sc, history={"B": 30.0})
    assert given(alloc, "B") == pytest.approx(10)


def test_cbc_gives_the_same_levels() -> None:
    sc = scenario(
        [
            association("A", 100, refuses=frozenset({"epicerie_seche"})),
            association("B", 100, refuses=frozenset({"fruits_legumes"})),
            association("C", 60, refuses=frozenset({"fruits_legumes"})),
        ],
        [lot("X", 30, category="fruits_legumes"), lot("Y", 120)],
    )
    highs, cbc = allocate(sc), allocate(sc, solver="cbc")
    assert cbc.levels == pytest.approx(highs.levels, rel=1e-6)
    assert cbc.metrics["kg_distributed"] == pytest.approx(highs.metrics["kg_distributed"])


def test_every_rule_keeps_the_same_contract() -> None:
    sc = scenario(
        [association("A", 100, dry_kg=40), association("B", 50)],
        [lot("L1", 60), lot("L2", 30, unit_kg=5)],
    )
    table = compare(sc)
    assert list(table.rule) == list(RULES)
    assert set(METRICS) - PLAN_ONLY <= set(table.columns)
    assert table["measured"].eq("allocation").all()  # the allocation alone, before rounds
    assert (table.status.isin(["optimal", "feasible"])).all()
    assert table.loc[table.rule == "leximin", "min_fill_ratio"].item() >= (
        table.min_fill_ratio.max() - 1e-9
    )


def test_reason_codes_have_french_labels() -> None:
    sc = scenario([association("A", 100, dry_kg=20)], [lot("L", 100)])
    alloc = allocate(sc)
    assert alloc.unallocated.reason_fr.tolist() == [REASONS_FR["storage_full"]]


def test_fairness_indices() -> None:
    assert gini(np.array([1.0, 1.0, 1.0])) == pytest.approx(0)
    assert gini(np.array([0.0, 0.0, 3.0])) == pytest.approx(2 / 3)
    assert jain(np.array([1.0, 1.0])) == pytest.approx(1)
    assert jain(np.array([0.0, 2.0])) == pytest.approx(0.5)


def test_envy_is_zero_for_equal_bundles_and_positive_otherwise() -> None:
    sc = scenario([association("A", 100), association("B", 100)], [lot("L", 100)])
    assert allocate(sc).metrics["envy_max"] == pytest.approx(0, abs=1e-9)
    fcfs = allocate(sc, sc.policy.replace(rule="fcfs"))
    assert fcfs.metrics["envy_max"] == pytest.approx(1.0)  # B would count A's 100 kg


def test_unknown_solver_is_a_clear_error() -> None:
    from aide_alim.errors import AideAlimError

    sc = scenario([association("A", 100)], [lot("L", 10)])
    with pytest.raises(AideAlimError, match="Expected solver highs or cbc"):
        allocate(sc, solver="gurobi")


def test_highs_failure_falls_back_to_cbc(monkeypatch: pytest.MonkeyPatch) -> None:
    from aide_alim.allocation.lp_highs import HighsModel

    def fail(self, run):  # type: ignore[no-untyped-def]
        run.n_solves += 1
        return "failed"

    monkeypatch.setattr(HighsModel, "solve", fail)
    sc = scenario([association("A", 100), association("B", 100)], [lot("L", 100)])
    alloc = allocate(sc)
    assert alloc.status is AllocationStatus.OPTIMAL
    assert "CBC" in alloc.message and alloc.solver == "cbc"
    assert given(alloc, "A") == pytest.approx(50)
