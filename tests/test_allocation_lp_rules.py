"""The LP layer: column generation must reach the optimum of the LP with every column."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aide_alim.allocation import lp_highs, lp_model, lp_rules
from aide_alim.allocation.admissible import admissibility
from aide_alim.allocation.lot_classes import merge_lots
from aide_alim.scenario.synth import synthesize


@pytest.mark.parametrize(
    ("rule", "supply_ratio", "seed", "crossover"),
    [
        ("leximin", 0.7, 2, False),
        ("leximin", 1.5, 3, False),
        ("leximin", 1.5, 3, True),
        ("maxmin", 0.9, 4, True),
        ("max_total", 0.7, 5, False),
    ],
)
def test_column_generation_reaches_the_full_lp_optimum(
    monkeypatch: pytest.MonkeyPatch, rule: str, supply_ratio: float, seed: int, crossover: bool
) -> None:
    # crossover: every round ends on a vertex, as on large LPs, so that rounds with few new
    # columns go on with primal simplex from the basis instead of a fresh interior point
    sc = synthesize(40, 300, seed=seed, supply_ratio=supply_ratio)
    adm = admissibility(sc)
    full = lp_rules.solve_rule(sc, adm, rule)
    assert full.n_active == full.n_columns  # small: every column from the start
    monkeypatch.setattr(lp_model, "_FULL_MODEL_COLUMNS", 50)
    if crossover:
        monkeypatch.setattr(lp_highs, "_NO_CROSSOVER_MAX_ROWS", 0)
    generated = lp_rules.solve_rule(sc, adm, rule)
    assert generated.status == full.status == "optimal"
    assert generated.n_active < generated.n_columns  # columns were generated
    np.testing.assert_allclose(generated.levels, full.levels, atol=1e-6)
    assert generated.objective_kg == pytest.approx(full.objective_kg, rel=1e-6)
    if rule == "leximin":  # the leximin fill vector is unique: the same association by association

        def fill(out: lp_rules.LpOutcome) -> np.ndarray:
            basis = adm.lot_basis[adm.pair_lot[out.pair_index]] * out.kg
            got = np.bincount(adm.pair_assoc[out.pair_index], basis, adm.assoc_need.size)
            return (got + adm.assoc_other) / adm.assoc_need

        np.testing.assert_allclose(fill(generated), fill(full), atol=1e-5)


@pytest.mark.parametrize("van_scale", [1.0, 0.3, 0.08])
def test_solving_without_days_first_gives_the_optimum_of_the_model_with_days(
    van_scale: float,
) -> None:
    sc = synthesize(40, 300, seed=2)
    sc = sc.replace(
        vehicles=tuple(replace(v, capacity_kg=v.capacity_kg * van_scale) for v in sc.vehicles)
    )
    adm = admissibility(sc)
    assert lp_model.LpModel.days_matter(adm)
    classes = merge_lots(sc, adm)
    with_days, _ = lp_rules._solve(sc, adm, "leximin", "highs", None, classes, with_days=True)
    out = lp_rules.solve_rule(sc, adm, "leximin", classes=classes)
    np.testing.assert_allclose(out.levels, with_days.levels, atol=1e-6)
    assert out.objective_kg == pytest.approx(with_days.objective_kg, rel=1e-6)
    # every van association's line has a day, and no day carries more than the vans can
    vans = ~adm.assoc_collects[adm.pair_assoc[out.pair_index]]
    assert np.all(out.day[vans] >= 0)
    load = np.bincount(out.day[vans], out.kg[vans], minlength=7)
    assert np.all(load <= adm.day_capacity_kg + 1e-6)
    cold = vans & (adm.lot_temp[adm.pair_lot[out.pair_index]] > 0)
    cold_load = np.bincount(out.day[cold], out.kg[cold], minlength=7)
    assert np.all(cold_load <= adm.day_cold_capacity_kg + 1e-6)
    # a line's day is one its lot can be received on
    assert np.all(adm.pair_days[out.pair_index[vans]] >> out.day[vans] & 1)


def test_levels_highs_finds_infeasible_within_its_tolerance_are_redone_with_cbc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Abundant supply, vans that bind (22 leximin levels) and column generation: after a few
    # fixed levels HiGHS 1.16 reports the LP infeasible, which it cannot be (the fixed levels
    # were met by the solution that set them). The run is redone with CBC, not reported failed.
    sc = synthesize(60, 300, seed=7, supply_ratio=1.3)
    sc = sc.replace(
        vehicles=tuple(replace(v, capacity_kg=v.capacity_kg * 0.05) for v in sc.vehicles)
    )
    adm = admissibility(sc)
    monkeypatch.setattr(lp_model, "_FULL_MODEL_COLUMNS", 0)
    out = lp_rules.solve_rule(sc, adm, "leximin")
    assert out.status == "optimal", out.message
    cbc = lp_rules.solve_rule(sc, adm, "leximin", solver="cbc")
    np.testing.assert_allclose(out.levels, cbc.levels, atol=1e-6)


@pytest.mark.parametrize("van_scale", [1.0, 0.08])
def test_the_food_bound_is_the_max_min_and_most_kg_fleet_aside(van_scale: float) -> None:
    from aide_alim.planning import plan_bound

    sc = synthesize(30, 200, seed=3)
    sc = sc.replace(
        vehicles=tuple(replace(v, capacity_kg=v.capacity_kg * van_scale) for v in sc.vehicles)
    )
    adm = admissibility(sc)
    fill, kg = lp_rules.food_bound(sc, adm)
    # The same LPs with vans too large to bind: the max-min level and the most kg.
    roomy = sc.replace(vehicles=tuple(replace(v, capacity_kg=1e9) for v in sc.vehicles))
    assert not lp_model.LpModel.days_matter(admissibility(roomy))
    maxmin = lp_rules.solve_rule(roomy, admissibility(roomy), "maxmin")
    assert fill == pytest.approx(maxmin.levels[0], abs=1e-6)
    assert kg <= adm.lot_kg.sum() + 1e-6
    assert kg >= maxmin.objective_kg - 1e-6  # the max-min allocation's food is a lower bound
    # A relaxation of the planning model: never below its bound; the vans' capacity does not
    # enter it (rounds reload at the hub).
    bound = plan_bound(sc, adm)
    assert fill >= bound.min_fill_ratio - 1e-6
    assert kg >= bound.kg_distributed - 1.0  # the planning bound rounds its kg up


def test_the_food_bound_of_a_week_nothing_can_reach_is_the_other_supply() -> None:
    sc = synthesize(10, 40, seed=1)
    sc = sc.replace(logistics=sc.logistics.replace(reach_km=0.001))
    adm = admissibility(sc)
    fill, kg = lp_rules.food_bound(sc, adm)
    assert kg == 0.0
    assert fill == pytest.approx(float((adm.assoc_other / adm.assoc_need).min()))
