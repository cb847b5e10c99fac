"""The LP layer: column generation must reach the optimum of the LP with every column."""

from __future__ import annotations

import numpy as np
import pytest

from aide_alim.allocation import lp
from aide_alim.allocation.admissible import admissibility
from aide_alim.scenario.synth import synthesize


@pytest.mark.parametrize(
    ("rule", "supply_ratio", "seed"),
    [("leximin", 0.7, 2), ("leximin", 1.5, 3), ("maxmin", 0.9, 4), ("max_total", 0.7, 5)],
)
def test_column_generation_reaches_the_full_lp_optimum(
    monkeypatch: pytest.MonkeyPatch, rule: str, supply_ratio: float, seed: int
) -> None:
    sc = synthesize(40, 300, seed=seed, supply_ratio=supply_ratio)
    adm = admissibility(sc)
    full = lp.solve_rule(sc, adm, rule)
    assert full.n_active == full.n_columns  # small: every column from the start
    monkeypatch.setattr(lp, "_FULL_MODEL_COLUMNS", 50)
    generated = lp.solve_rule(sc, adm, rule)
    assert generated.status == full.status == "optimal"
    assert generated.n_active < generated.n_columns  # columns were generated
    np.testing.assert_allclose(generated.levels, full.levels, atol=1e-6)
    assert generated.objective_kg == pytest.approx(full.objective_kg, rel=1e-6)
    if rule == "leximin":  # the leximin fill vector is unique: the same association by association

        def fill(out: lp.LpOutcome) -> np.ndarray:
            basis = adm.lot_basis[adm.pair_lot[out.pair_index]] * out.kg
            got = np.bincount(adm.pair_assoc[out.pair_index], basis, adm.assoc_need.size)
            return (got + adm.assoc_other) / adm.assoc_need

        np.testing.assert_allclose(fill(generated), fill(full), atol=1e-5)
