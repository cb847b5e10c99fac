"""The visits the rounds made, as the reprises of the planning see them (served_skeleton)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from allocation_helpers import MON, association, day, lot, scenario

from aide_alim.allocation import allocate
from aide_alim.planning.skeleton import served_skeleton


def _week():
    assocs = [association("A1", 100), association("A2", 100), association("C", 100, collects=True)]
    return scenario(assocs, [lot("P", 300)])


def _plan(rows: list[tuple[str, int, str]]) -> SimpleNamespace:
    """Lines of 100 kg of ambient pasta from the hub: (association, day, status)."""
    lines = pd.DataFrame(
        [
            {
                "lot": "P",
                "association": a,
                "day": day(d),
                "site": "hub",
                "temperature": "ambient",
                "kg": 100.0,
                "status": status,
                "collection_day": MON,
            }
            for a, d, status in rows
        ]
    )
    return SimpleNamespace(lines=lines)


def test_an_association_the_rounds_left_out_keeps_its_days_only_when_asked() -> None:
    sc = _week()
    plan = _plan([("A1", 1, "delivered"), ("A2", 2, "unserved"), ("A2", 3, "unserved"),
                  ("C", 2, "unserved")])  # fmt: skip
    made = served_skeleton(sc, plan, None)
    assert made.delivery_days == {("A1", False): 1 << 1}
    kept = served_skeleton(sc, plan, None, keep_unvisited=True)
    # A2 keeps Wednesday and Thursday; C collects (not a delivery); A1's days are what was made.
    assert kept.delivery_days == {("A1", False): 1 << 1, ("A2", False): 1 << 2 | 1 << 3}
    # The days' kg stay those the rounds carried: A2's food is shared within them.
    assert kept.day_limits == made.day_limits


def test_an_association_with_a_delivery_made_keeps_only_that_day() -> None:
    sc = _week()
    plan = _plan([("A1", 1, "delivered"), ("A1", 3, "unserved"), ("A2", 2, "partial")])
    kept = served_skeleton(sc, plan, None, keep_unvisited=True)
    assert kept.delivery_days == {("A1", False): 1 << 1, ("A2", False): 1 << 2}


def test_leximin_on_the_kept_days_shares_the_day_with_the_left_out_association() -> None:
    sc = _week()
    plan = _plan([("A1", 1, "delivered"), ("A2", 1, "unserved")])
    sk = served_skeleton(sc, plan, None)
    alone = allocate(
        sc,
        price_of_fairness=False,
        day_limits=sk.day_limits,
        delivery_days=sk.delivery_days,
        collection_days=sk.collection_masks,
    )
    assert "A2" not in set(alone.lines["association"])  # no visit: nothing, whatever the day
    sk = served_skeleton(sc, plan, None, keep_unvisited=True)
    shared = allocate(
        sc,
        price_of_fairness=False,
        day_limits=sk.day_limits,
        delivery_days=sk.delivery_days,
        collection_days=sk.collection_masks,
    )
    got = shared.lines.groupby("association")["kg"].sum()
    # Tuesday carries what its rounds carried (100 kg, 5 % slack + 1 kg), now half each.
    assert float(got["A1"]) == pytest.approx(float(got["A2"]), abs=1.0)
    assert float(got["A1"] + got["A2"]) <= 106.0 + 1e-6
