"""The week the offers are scored against: from a run folder, the week cache, or computed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from aide_alim.errors import AideAlimError
from aide_alim.history import plan_file
from aide_alim.offers import load_week, prepare_week, score_offers
from aide_alim.offers import week as week_module
from aide_alim.offers.week import cache_dir, week_key
from aide_alim.scenario import Lot, Temperature
from tests.offers_helpers import MONDAY, offer, week


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("AIDE_ALIM_CACHE", str(folder))
    return folder


def _scored(w):  # type: ignore[no-untyped-def]
    offers = [offer("A"), offer("B", category="fruits_legumes", kg=200.0, price_eur_kg=0.4)]
    return [v.to_dict() for v in score_offers(w, offers)]


def test_the_week_is_computed_once_then_read_from_the_cache(cache: Path) -> None:
    scenario = week()
    first = load_week(scenario)
    assert first.source == "computed" and cache_dir() == cache
    assert [p.name for p in cache.iterdir()] == [f"week-{week_key(scenario)[:40]}.json"]
    second = load_week(scenario)
    assert second.source == "cache"
    assert _scored(second) == _scored(first)


def test_a_damaged_cache_file_is_computed_again(cache: Path) -> None:
    scenario = week()
    load_week(scenario)
    (path,) = cache.iterdir()
    path.write_text('{"format": 1, "allocation": ', encoding="utf-8")
    assert load_week(scenario).source == "computed"
    assert load_week(scenario).source == "cache"  # and written again


def test_without_the_cache_nothing_is_read_or_written(cache: Path) -> None:
    assert load_week(week(), cache=False).source == "computed"
    assert not cache.exists()


def test_the_key_follows_the_content_not_the_path() -> None:
    scenario = week()
    assert week_key(scenario) == week_key(scenario.replace(source="elsewhere"))
    more = Lot("L2", "s1", "Riz", "epicerie_seche", Temperature.AMBIENT, 30.0, 5.0, 0.0, 2.5,
               MONDAY)  # fmt: skip
    assert week_key(scenario) != week_key(scenario.replace(lots=(*scenario.lots, more)))


def test_a_run_folder_of_the_same_week_is_reused(tmp_path: Path, cache: Path) -> None:
    scenario = week()
    computed = prepare_week(scenario)
    saved = tmp_path / "semaine" / plan_file.PLAN_FILE
    saved.parent.mkdir(parents=True)
    saved.write_text(plan_file.plan_json(scenario, computed.allocation, computed.plan))
    reused = load_week(scenario, run_folder=saved.parents[1])
    assert reused.source == str(saved.parents[1])
    assert _scored(reused) == _scored(computed)
    assert not cache.exists()


def test_a_run_folder_of_another_week_is_refused(tmp_path: Path) -> None:
    scenario = week()
    computed = prepare_week(scenario)
    saved = tmp_path / plan_file.PLAN_FILE
    saved.parent.mkdir(parents=True)
    saved.write_text(plan_file.plan_json(scenario, computed.allocation, computed.plan))
    other = scenario.replace(lots=(dataclasses.replace(scenario.lots[0], kg=70.0),))
    with pytest.raises(AideAlimError, match="made from other scenario files"):
        load_week(other, run_folder=tmp_path)
    with pytest.raises(AideAlimError, match="holds no saved plan"):
        load_week(scenario, run_folder=tmp_path / "nowhere")


def test_the_saved_plan_format_is_the_history_one() -> None:
    assert week_module._PLAN_FORMAT == plan_file.FORMAT
