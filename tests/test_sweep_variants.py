"""Sweep variants: the scenario of a variant, and common random numbers across grid points."""

from __future__ import annotations

from pathlib import Path

import pytest
from sweep_helpers import SIX

from aide_alim.scenario import Scenario, load_scenario
from aide_alim.sweep import SweepSpec, Variant, make_variants

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def test_variant_changes_fleet_collection_and_policy(tiny: Scenario) -> None:
    variant = Variant(
        index=0,
        params=(("rule", "maxmin"), ("vehicles", 5), ("refrigerated", 3), ("collects", "all")),
    )
    varied = variant.apply(tiny)
    assert varied.policy.rule == "maxmin"
    assert [v.id for v in varied.vehicles] == ["V1", "V2", "V1-2", "V2-2", "V1-3"]
    # refrigerated vans (V2 and its clone) keep their cold unit, then the first others get one
    assert [v.refrigerated for v in varied.vehicles] == [True, True, False, True, False]
    assert all(a.collects for a in varied.associations)
    assert tiny.policy.rule == "leximin" and len(tiny.vehicles) == 2  # base untouched


def test_same_replicate_is_the_same_week_at_every_grid_point(tiny: Scenario) -> None:
    spec = SweepSpec.from_dict(SIX)
    weeks = {}
    for variant in make_variants(spec, seed=7):
        lots = variant.apply(tiny).lots
        weeks.setdefault(variant.replicate, set()).add(tuple((lot.id, lot.kg) for lot in lots))
    assert all(len(drawn) == 1 for drawn in weeks.values())  # common random numbers
    assert weeks[0] != weeks[1]
    for drawn in weeks[0]:
        kg = dict(drawn)
        for lot_id, value in kg.items():
            unit = tiny.lot_by_id[lot_id].unit_kg
            assert value % unit == pytest.approx(0) or value % unit == pytest.approx(unit)
