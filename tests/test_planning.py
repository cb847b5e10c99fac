"""Allocation and rounds together (aide_alim.planning): the loop's guarantees on a week one van
cannot carry, day limits, routing reason codes. Hand-checked tiny weeks are in
test_planning_tiny.py."""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path

import pandas as pd
import pytest
from allocation_helpers import MON, association, lot, scenario, van
from documents_helpers import MON as DOC_MON
from documents_helpers import hand_allocation, hand_plan, hostile_scenario

from aide_alim.allocation import allocate
from aide_alim.documents import write_documents
from aide_alim.errors import AideAlimError
from aide_alim.planning import allocate_and_route
from aide_alim.routing import UNSERVED_REASONS_FR, plan_routes
from aide_alim.scenario.model import Day, RoutingParams, Temperature, TimeWindow

# Eight associations 6 to 13 km around the hub, open on Monday only; chilled yoghurts at the
# hub, to be eaten by Monday; one refrigerated van working 08:00-10:00 on Monday. One load
# (5 t) holds everything, but two hours do not reach eight places with 10 min at each.
PLACES = [(47.38, 5.04), (47.26, 5.04), (47.32, 5.13), (47.32, 4.95),
          (47.37, 5.10), (47.27, 4.98), (47.37, 4.98), (47.27, 5.10)]  # fmt: skip


def _cold_monday():
    associations = [
        association(
            f"A{i}",
            60,
            lat=lat,
            lon=lon,
            open_days=frozenset({Day.MON}),
            receive_window=TimeWindow(480, 720),
        )
        for i, (lat, lon) in enumerate(PLACES, start=1)
    ]
    lots = [
        lot(
            f"Y{k}",
            120,
            product="Yaourts",
            category="produits_laitiers",
            temperature=Temperature.CHILLED,
            use_by=MON,
        )
        for k in range(1, 4)
    ]
    fleet = [van("FRIGO", 5000, True, days=frozenset({Day.MON}), shift=TimeWindow(480, 600))]
    sc = scenario(associations, lots, vehicles=fleet)
    return sc.replace(routing=RoutingParams(time_limit_s=0.5, seed=3))


@pytest.fixture(scope="module")
def cold_monday():
    return _cold_monday()


@pytest.fixture(scope="module")
def routed(cold_monday):
    return allocate_and_route(cold_monday)


def test_one_van_cannot_carry_the_allocation_alone(cold_monday) -> None:
    allocation = allocate(cold_monday)
    plan = plan_routes(cold_monday, allocation.lines)
    assert plan.totals["kg_unserved"] > 0  # the defect the loop is for
    assert set(plan.unserved["reason_code"]) <= set(UNSERVED_REASONS_FR)


def test_loop_leaves_nothing_allocated_but_not_carried(routed, cold_monday) -> None:
    allocation, plan = routed
    assert allocation.status.is_ok
    assert plan.unserved.empty
    assert plan.totals["kg_unserved"] == 0
    assert set(plan.lines["status"]) <= {"delivered"}
    assert len(plan.lines) == len(allocation.lines)
    assert plan.totals["kg_carried"] == pytest.approx(allocation.lines["kg"].sum(), abs=1e-3)
    # What no round carries stays at the supplier, unallocated, with the capacity reason.
    left = allocation.unallocated.groupby("reason")["kg"].sum()
    assert left.get("vehicle_capacity", 0.0) > 0
    offered = sum(lt.kg for lt in cold_monday.lots)
    total = allocation.lines["kg"].sum() + allocation.unallocated["kg"].sum()
    assert total == pytest.approx(offered)
    assert routed.iterations[0].kg_not_carried > 0
    assert len(routed.table()) == len(routed.iterations)


def test_same_scenario_and_seed_give_the_same_plan(routed, cold_monday) -> None:
    again = allocate_and_route(cold_monday)
    pd.testing.assert_frame_equal(again.allocation.lines, routed.allocation.lines)
    pd.testing.assert_frame_equal(again.allocation.unallocated, routed.allocation.unallocated)
    pd.testing.assert_frame_equal(again.plan.stops, routed.plan.stops)
    assert again.table().drop(columns="seconds").equals(routed.table().drop(columns="seconds"))


def test_a_week_too_large_for_the_planning_model_is_planned_without_it(
    cold_monday, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aide_alim.planning.core as core

    monkeypatch.setattr(core, "MAX_PLANNING_SIZE", 0)
    steps: list[str] = []
    routed = allocate_and_route(cold_monday, progress=steps.append)
    allocation, plan = routed
    assert any("trop grande" in step for step in steps)
    assert not any("modèle de planification" in step and "trop" not in step for step in steps)
    # Still one promise that the rounds keep, and no bound claimed.
    assert allocation.status.is_ok and plan.unserved.empty
    assert plan.totals["kg_carried"] == pytest.approx(allocation.lines["kg"].sum(), abs=1e-3)
    assert routed.bound is None and "bound_min_fill_ratio" not in allocation.metrics
    # Its first pass routes the allocation without logistics, as it is.
    alone = allocate(cold_monday).lines["kg"].sum()
    assert routed.iterations[0].kg_allocated == pytest.approx(alone)


def test_the_bound_of_a_small_week_is_solved_on_another_core_after_a_branch_and_bound(
    cold_monday, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small week's bound is a branch and bound, which starts HiGHS's worker threads; a
    # forked child has none of them and used to wait for them until the time-out.
    import os

    import aide_alim.background as background
    from aide_alim.planning.core import plan_bound

    if not background.can_fork():
        pytest.skip("this machine cannot run a forked child alongside")
    monkeypatch.setattr(background, "WAIT_S", 30.0)
    here = plan_bound(cold_monday)
    pid, there = background.in_background(lambda: (os.getpid(), plan_bound(cold_monday)))()
    assert pid != os.getpid()  # answered by the child, not redone here after a time-out
    assert there.min_fill_ratio == pytest.approx(here.min_fill_ratio)


def test_day_limits_lower_the_delivery_capacity(cold_monday) -> None:
    free = allocate(cold_monday, price_of_fairness=False)
    assert free.lines["kg"].sum() == pytest.approx(360)
    limited = allocate(cold_monday, price_of_fairness=False, day_limits={MON: (1000.0, 100.0)})
    assert limited.lines["kg"].sum() == pytest.approx(100)
    reasons = set(limited.unallocated["reason"])
    assert reasons == {"vehicle_capacity"}
    by_weekday = allocate(cold_monday, price_of_fairness=False, day_limits={Day.MON: (50, 900)})
    assert by_weekday.lines["kg"].sum() == pytest.approx(50)  # cold never above total
    with pytest.raises(AideAlimError, match="not in the week"):
        allocate(cold_monday, day_limits={MON.replace(year=2021): (10.0, 10.0)})
    with pytest.raises(AideAlimError, match=">= 0"):
        allocate(cold_monday, day_limits={MON: (-1.0, 0.0)})


def test_documents_give_the_french_label_of_a_routing_reason_code(tmp_path: Path) -> None:
    sc = hostile_scenario()
    plan = hand_plan(sc)
    unserved = pd.DataFrame(
        [
            {
                "lot": "L1", "association": "A1", "day": DOC_MON, "site": "grossiste",
                "temperature": "ambient", "kg": 50.0, "stage": "delivery",
                "reason": "wording that matches no known phrase", "reason_code": "shift_too_short",
                "reason_fr": UNSERVED_REASONS_FR["shift_too_short"],
            }
        ]
    )  # fmt: skip
    lines = plan.lines.copy()
    first = (lines["lot"] == "L1") & (lines["association"] == "A1")
    lines.loc[first, "status"] = "unserved"
    lines.loc[first, "delivery_vehicle"] = ""
    plan = dataclasses.replace(plan, unserved=unserved, lines=lines)
    write_documents(sc, hand_allocation(sc), plan, tmp_path)
    label = UNSERVED_REASONS_FR["shift_too_short"]
    for page in (tmp_path / "plans" / "a1.html", tmp_path / "synthese.html"):
        text = html.unescape(page.read_text(encoding="utf-8"))
        assert label in text, page.name


def test_weekly_run_publishes_only_what_the_rounds_carry(tmp_path: Path) -> None:
    from aide_alim.weekly import run_week

    result = run_week(_cold_monday(), tmp_path / "semaine", compare_rules=("leximin", "fcfs"))
    assert result.plan.unserved.empty
    assert result.allocation is result.planning.allocation
    table = result.comparison.set_index("rule")
    row = table.loc["leximin"]
    assert row["kg_distributed"] == pytest.approx(result.allocation.lines["kg"].sum())
    # Each row of the comparison says what it measured.
    assert row["measured"] == "rounds" and table.loc["fcfs", "measured"] == "allocation"
    summary = html.unescape((tmp_path / "semaine" / "synthese.html").read_text(encoding="utf-8"))
    assert "Au mieux, avec cette flotte" in summary
    assert "avant tournées" in summary and "après tournées" in summary
    left = result.allocation.unallocated
    assert set(left["reason"]) <= {"vehicle_capacity", "vehicle_full", "no_visit_planned"}
    for text in left["reason_fr"]:
        assert text in summary


def test_the_prospection_never_asks_for_food_the_fleet_could_not_move(tmp_path: Path) -> None:
    from aide_alim.weekly import run_week

    result = run_week(_cold_monday(), tmp_path / "semaine", compare_rules=None)
    summary = html.unescape((tmp_path / "semaine" / "synthese.html").read_text(encoding="utf-8"))
    assert "inutile d'en chercher davantage sans un véhicule ou un créneau de plus" in summary
    # The leftovers are whole lots or parts, never "below the minimum useful quantity" when whole.
    left = result.allocation.unallocated
    whole = {
        lt.id
        for lt in result.scenario.lots
        if lt.kg <= float(left.set_index("lot")["kg"].get(lt.id, 0)) + 1e-6
    }
    assert not set(left[left["lot"].isin(whole)]["reason"]) & {"below_min_delivery"}


def test_cut_passes_cut_vehicle_time_and_keep_the_fairest_plan(
    cold_monday, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aide_alim.planning.core as core

    # No re-sharing, and every pass runs while the rounds leave food, however close the plan
    # is to the bound: the cut passes (opt-in) are what is left to carry the food.
    monkeypatch.setattr(core, "REPRISES", 0)
    monkeypatch.setattr(core, "PASS_GAP", -1.0)
    said_one: list[str] = []
    said_more: list[str] = []
    one = allocate_and_route(cold_monday, progress=said_one.append)
    more = allocate_and_route(cold_monday, max_iterations=3, progress=said_more.append)
    # The progress names passes only when there can be more than one.
    assert "tournées" in said_one and not any("passe" in m for m in said_one)
    assert "passe 1 : tournées" in said_more and "passe 2 : tournées" in said_more
    first = one.table().drop(columns="seconds")
    assert first["kg_not_carried"].iloc[0] > 0
    # The default (one pass) is where the longer run starts; each later pass has cuts.
    assert more.table().drop(columns="seconds").head(len(first)).equals(first)
    later = more.table().iloc[len(first) :]
    assert len(later) > 0 and later["cuts"].gt(0).all()
    kept = more.iterations[more.chosen]
    assert kept.min_fill_kept == max(it.min_fill_kept for it in more.iterations)
    assert kept.min_fill_kept >= one.iterations[one.chosen].min_fill_kept
