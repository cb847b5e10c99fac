"""Polish of the French documents found by a new-user trial."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pandas as pd
from documents_helpers import MON, hand_allocation, hand_plan, hostile_scenario

from aide_alim.documents import write_documents
from aide_alim.documents.plans import _RouteIndex, handovers
from aide_alim.i18n import fmt

NB = fmt.NBSP


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


def test_durations_and_percentages_read_naturally() -> None:
    assert fmt.duration(3.864) == f"3{NB}h{NB}52"
    assert fmt.duration(0.5) == f"30{NB}min"
    assert fmt.pct(-0.0001) == f"0{NB}%"
    assert fmt.pct(0.0) == f"0{NB}%"


def test_summary_speaks_plain_french(tmp_path: Path) -> None:
    scenario = hostile_scenario().replace(name="Dijon – semaine 41 de 2020 (illustratif)")
    full = hand_allocation(scenario)
    left = dataclasses.replace(
        full,
        unallocated=pd.DataFrame(
            [{"lot": "L2", "kg": 40.0, "reason": "storage_full", "reason_fr": "stockage plein"}]
        ),
        metrics={**full.metrics, "gini": 0.1, "jain": 0.9, "envy_max": 0.2,
                 "price_of_fairness_kg": 3.0},
    )  # fmt: skip
    write_documents(scenario, left, hand_plan(scenario), tmp_path)
    page = html.unescape((tmp_path / "synthese.html").read_text(encoding="utf-8"))
    title = page.split("<title>")[1].split("</title>")[0]
    assert title.lower().count("semaine 41 de 2020") == 1, title
    assert "du lundi 5 au dimanche 11 octobre 2020" in title
    leftovers = page.split("Lots non attribués et raisons")[1].split("<h2>")[0]
    assert "Produits laitiers" in leftovers and "produits_laitiers" not in leftovers
    for label in ("Envie maximale", "Prix de l'équité", "Indice de Jain", "Indice de Gini"):
        row = next(r for r in page.split("<tr>") if label in r)
        assert row.count("<td") == 3 and len(row.split("<td")[-1]) > 60, row  # an explanation
    rounds = page.split("<h2>Tournées</h2>")[1].split("<h2>")[0]
    assert re.search(rf"\d+{NB}h{NB}\d\d|\d+{NB}min", rounds), rounds
    assert not re.search(r"\d,\d{3}<", rounds), rounds  # no 3-decimal hours, km or CO₂
