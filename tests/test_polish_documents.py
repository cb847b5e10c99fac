"""Polish of the French documents found by a new-user trial."""

from __future__ import annotations

import pandas as pd
from documents_helpers import MON, hostile_scenario

from aide_alim.documents.plans import _RouteIndex, handovers


def test_unplanned_notice_sums_the_kg_of_every_lot_sharing_it() -> None:
    scenario = hostile_scenario()
    a1 = scenario.association_by_id["A1"]
    lines = pd.DataFrame(
        {"lot": ["L1", "L2", "L3"], "day": [MON, MON, MON], "kg": [30.0, 20.0, 8.0]}
    )
    full = "les véhicules sont pleins"
    cold = "aucun véhicule réfrigéré"
    index = _RouteIndex(
        fates={},
        unserved={
            ("L1", "A1", MON): [(full, 30.0)],
            ("L2", "A1", MON): [(cold, 20.0)],
            ("L3", "A1", MON): [(full, 8.0)],
        },
        stops={},
    )
    (unplanned,) = [h for h in handovers(scenario, a1, lines, index) if h.mode == "non planifiée"]
    assert sorted(unplanned.lots) == ["L1", "L2", "L3"]
    assert f"{full} (38\xa0kg)" in unplanned.note
    assert f"{cold} (20\xa0kg)" in unplanned.note
