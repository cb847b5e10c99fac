"""Synthetic scenarios: deterministic, realistic in their mix, valid, regional when large."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from aide_alim.cli import main
from aide_alim.scenario import Scenario, SiteKind, Temperature
from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.synth import synthesize
from aide_alim.scenario.synth_associations import ASSOCIATION_KINDS
from aide_alim.scenario.synth_regions import REGION_CENTRES, default_regions
from aide_alim.scenario.validate import check_scenario, load_scenario


@pytest.fixture(scope="module")
def week() -> Scenario:
    return synthesize(30, 200, seed=7)


def _km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(x) for x in (lat1, lon1, lat2, lon2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * 6371.0 * np.arcsin(np.sqrt(h)))


def test_same_seed_same_scenario_other_seed_other_scenario() -> None:
    assert synthesize(40, 300, seed=5) == synthesize(40, 300, seed=5)
    a, b = synthesize(40, 300, seed=5), synthesize(40, 300, seed=6)
    assert a.lots != b.lots
    assert a.associations != b.associations


def test_counts_and_ids(week: Scenario) -> None:
    assert len(week.associations) == 30
    assert len(week.lots) == 200
    assert len({a.id for a in week.associations}) == 30
    assert len({lot.id for lot in week.lots}) == 200
    assert [s.kind for s in week.sites].count(SiteKind.HUB) == 1
    assert week.hub_site.kind is SiteKind.HUB


def test_every_reference_is_valid(week: Scenario) -> None:
    suppliers = {s.id for s in week.sites if s.kind is SiteKind.SUPPLIER}
    assert {lot.site for lot in week.lots} <= suppliers
    assert {lot.category for lot in week.lots} <= set(week.categories)
    assert {v.depot for v in week.vehicles} == {week.hub}
    for association in week.associations:
        assert association.refuses <= set(week.categories)


@pytest.mark.parametrize("seed", range(4))
def test_mix_of_lots_is_realistic(seed: int) -> None:
    scenario = synthesize(30, 200, seed=seed)
    lots = scenario.lots
    assert {lot.category for lot in lots} == set(DEFAULT_CATEGORIES)
    assert {lot.temperature for lot in lots} == set(Temperature)
    bought = [lot for lot in lots if not lot.is_donation]
    assert 0.1 * len(lots) < len(bought) < 0.6 * len(lots)
    assert all(0 < lot.price_eur_kg < lot.value_eur_kg for lot in bought)
    for lot in lots:
        assert lot.kg >= 5
        assert lot.unit_kg <= lot.kg
        assert math.isclose(lot.kg / lot.unit_kg, round(lot.kg / lot.unit_kg), abs_tol=1e-6)
        assert lot.value_eur_kg == scenario.categories[lot.category].value_eur_kg
        assert lot.use_by is None or lot.use_by >= lot.available
        assert scenario.day_of(lot.available) is not None
    sunday = scenario.week_start + dt.timedelta(days=6)
    use_by = [lot.use_by for lot in lots if lot.use_by]
    best_before = [lot.best_before for lot in lots if lot.best_before]
    # DLC and DDM both within the week and beyond it.
    assert any(d <= sunday for d in use_by) and any(d > sunday for d in use_by)
    assert any(d <= sunday for d in best_before) and any(d > sunday for d in best_before)
    # Quantities depend on the category: potatoes come in bigger lots than sandwiches.
    by_product = Counter[str]()
    kg_by_product: dict[str, float] = {}
    for lot in lots:
        by_product[lot.product] += 1
        kg_by_product[lot.product] = kg_by_product.get(lot.product, 0.0) + lot.kg
    mean = {p: kg_by_product[p] / by_product[p] for p in by_product}
    if "Pommes de terre" in mean and "Sandwichs" in mean:
        assert mean["Pommes de terre"] > mean["Sandwichs"]


@pytest.mark.parametrize("seed", range(4))
def test_mix_of_associations_is_realistic(seed: int) -> None:
    scenario = synthesize(30, 200, seed=seed)
    associations = scenario.associations
    assert {a.kind for a in associations} == set(ASSOCIATION_KINDS)
    assert all(a.dry_kg > 0 for a in associations)
    with_freezer = sum(a.frozen_kg > 0 for a in associations)
    with_cold_room = sum(a.chilled_kg > 0 for a in associations)
    # Cold storage for a share only, freezers rarer than cold rooms.
    assert 0 < with_freezer < with_cold_room < len(associations)
    assert 0 < sum(a.collects for a in associations) < len(associations)
    assert any(a.budget_eur > 0 for a in associations)
    assert all(a.open_days for a in associations)
    beneficiaries = np.array([a.beneficiaries for a in associations])
    assert beneficiaries.min() >= 1
    # Lognormal: right-skewed.
    assert beneficiaries.mean() > np.median(beneficiaries)


def test_fleet_is_sized_to_the_supply_with_a_refrigerated_van() -> None:
    small, large = synthesize(30, 200, seed=1), synthesize(300, 3000, seed=1)
    for scenario in (small, large):
        assert any(v.refrigerated for v in scenario.vehicles)
        assert any(not v.refrigerated for v in scenario.vehicles)
        supply = sum(lot.kg for lot in scenario.lots)
        # A week of one trip a day per van carries the supply at least once.
        assert sum(v.capacity_kg for v in scenario.vehicles) * 5 >= supply
    assert len(large.vehicles) > len(small.vehicles)


@pytest.mark.parametrize(
    ("associations", "lots", "ratio"),
    [(30, 200, 0.7), (10, 400, 0.6), (200, 300, 0.85), (3, 5, 0.7)],
)
def test_supply_covers_the_asked_share_of_need(associations: int, lots: int, ratio: float) -> None:
    scenario = synthesize(associations, lots, seed=2, supply_ratio=ratio)
    supply = sum(lot.kg for lot in scenario.lots)
    need = sum(scenario.need(a) for a in scenario.associations)
    assert supply / need == pytest.approx(ratio, rel=0.03)


def test_one_metropolis_by_default_on_the_real_communes(week: Scenario) -> None:
    from aide_alim.data import communes

    codes = set(communes()["insee_code"])
    assert {a.commune for a in week.associations} <= codes
    assert week.logistics.reach_km == 80.0
    hub = week.hub_site
    lat = np.array([s.lat for s in week.sites] + [a.lat for a in week.associations])
    lon = np.array([s.lon for s in week.sites] + [a.lon for a in week.associations])
    assert _km(np.full_like(lat, hub.lat), np.full_like(lon, hub.lon), lat, lon).max() < 60


def test_regions_reach_their_neighbours_not_all_of_france() -> None:
    scenario = synthesize(400, 2000, seed=4, regions=8)
    centres = REGION_CENTRES[:8]
    reach = scenario.logistics.reach_km
    c_lat = np.array([c[2] for c in centres])
    c_lon = np.array([c[3] for c in centres])
    between = _km(c_lat[:, None], c_lon[:, None], c_lat[None, :], c_lon[None, :])
    np.fill_diagonal(between, np.inf)
    # Every region reaches at least its nearest neighbour …
    assert (between.min(axis=1) < reach).all()
    # … but not every other region.
    assert (between[np.isfinite(between)] > reach).any()
    # Associations are spread over every region.
    communes = Counter(a.commune for a in scenario.associations)
    assert {c[1] for c in centres[1:]} <= set(communes)
    # Every lot can reach some association, no lot reaches them all.
    site = scenario.site_by_id
    l_lat = np.array([site[lot.site].lat for lot in scenario.lots])
    l_lon = np.array([site[lot.site].lon for lot in scenario.lots])
    a_lat = np.array([a.lat for a in scenario.associations])
    a_lon = np.array([a.lon for a in scenario.associations])
    within = _km(l_lat[:, None], l_lon[:, None], a_lat[None, :], a_lon[None, :]) <= reach
    assert within.any(axis=1).all()
    assert not within.all(axis=1).any()


def test_default_regions_grow_with_size() -> None:
    assert default_regions(30) == 1
    assert default_regions(300) == 3
    assert default_regions(2000) == 20
    assert default_regions(100_000) == len(REGION_CENTRES)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"associations": 0, "lots": 5}, "Expected associations >= 1, got 0."),
        ({"associations": 5, "lots": 0}, "Expected lots >= 1, got 0."),
        ({"associations": 5, "lots": 5, "regions": 99}, "Expected regions between 1 and 40"),
        ({"associations": 5, "lots": 5, "week": "2020-41"}, "expected an ISO week"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synthesize(**kwargs)  # type: ignore[arg-type]


def test_synthetic_scenarios_validate_without_errors_or_warnings(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["synth", "--associations", "30", "--lots", "200", "--seed", "3", str(tmp_path / "w")]
    )
    assert result.exit_code == 0, result.output
    assert "30 associations" in result.output and "200 lots" in result.output
    report = check_scenario(tmp_path / "w")
    assert report.ok, report.errors
    assert report.warnings == ()
    assert report.scenario is not None
    assert report.scenario.replace(source="") == synthesize(30, 200, seed=3)


def test_cli_writes_a_workbook_and_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    book = tmp_path / "w.xlsx"
    args = ["synth", "--associations", "8", "--lots", "40", "--xlsx", str(book)]
    assert runner.invoke(main, args).exit_code == 0
    assert load_scenario(book).replace(source="") == synthesize(8, 40)
    again = runner.invoke(main, args)
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert runner.invoke(main, [*args[:-1], "--overwrite", str(book)]).exit_code == 0


def test_cli_bad_arguments_are_one_line_errors(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["synth", "--associations", "5", "--lots", "5", "--regions", "99", str(tmp_path / "w")],
    )
    assert result.exit_code == 1
    assert "Error: Expected regions between 1 and 40, got 99." in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "w").exists()


def test_synth_refuses_a_size_that_cannot_fit_in_memory(tmp_path: Path) -> None:
    # Issue 15, item 11: 10 M lots took 4 min and 13 GB before anything was said.
    out = tmp_path / "huge"
    result = CliRunner().invoke(
        main, ["synth", "--associations", "1000", "--lots", "10000000000", str(out)]
    )
    assert result.exit_code == 1
    assert "need about" in result.output and "GB of memory" in result.output
    assert not out.exists()
    result = CliRunner().invoke(
        main, ["synth", "--associations", "3", "--lots", "5", "--supply-ratio", "1e6", str(out)]
    )
    assert result.exit_code == 2 and "--supply-ratio" in result.output  # was silently 143×


def test_synth_speaks_french_by_default_and_english_when_asked(
    tmp_path: Path, speak: Callable[[str], None]
) -> None:
    args = ["synth", "--associations", "3", "--lots", "20", "--seed", "3"]
    speak("C.UTF-8")
    french = CliRunner().invoke(main, [*args, str(tmp_path / "fr")]).output
    assert "3 associations" in french and "20 lots" in french and "semaine 2020-W41" in french
    assert "fournisseurs" in french and "véhicules" in french and "suppliers" not in french
    speak("en_US.UTF-8")
    english = CliRunner().invoke(main, [*args, str(tmp_path / "en")]).output
    assert "suppliers" in english and "vehicles, week 2020-W41" in english
    assert "fournisseurs" not in english and "semaine" not in english
