"""The shipped Dijon scenario: real places, a plausible week, regenerated identically."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from aide_alim import data
from aide_alim.scenario import Scenario, SiteKind, Temperature
from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.validate import check_scenario

ROOT = Path(__file__).resolve().parents[1]
DIJON = ROOT / "scenarios" / "dijon"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "dijon"


@pytest.fixture(scope="module")
def dijon() -> Scenario:
    report = check_scenario(DIJON)
    assert report.ok, report.errors
    assert report.warnings == ()
    assert report.scenario is not None
    return report.scenario


def test_the_23_communes_and_their_population() -> None:
    communes = data.communes()
    assert len(communes) == 23
    assert communes["insee_code"].is_unique
    assert int(communes["population"].sum()) == 261_178
    assert communes.set_index("name").loc["Dijon", "insee_code"] == "21231"


def test_reference_values_are_read_by_key() -> None:
    assert data.reference_value("kg_per_meal_equivalent") == 0.5
    with pytest.raises(KeyError, match="no reference value 'nope'"):
        data.reference_value("nope")
    sites = data.food_aid_sites()
    assert len(sites) == 12
    assert set(data.qpv()["commune"]) == {"Chenôve", "Dijon", "Longvic", "Talant", "Quetigny"}


def test_packaged_data_are_the_research_extract() -> None:
    if not SHARED.is_dir():
        pytest.skip("the research extract ../shared/data/dijon is not here")
    package = Path(data.__file__).parent
    for name in ("communes.csv", "qpv.csv", "poverty.csv", "food_aid_sites.csv"):
        assert (package / name).read_bytes() == (SHARED / name).read_bytes(), name
    assert (package / "SOURCES.md").is_file()


def test_sizes_of_the_week(dijon: Scenario) -> None:
    assert 30 <= len(dijon.associations) <= 40
    assert 150 <= len(dijon.lots) <= 250
    suppliers = [s for s in dijon.sites if s.kind is SiteKind.SUPPLIER]
    assert 15 <= len(suppliers) <= 25
    assert [s.kind for s in dijon.sites].count(SiteKind.HUB) == 1
    assert 3 <= len(dijon.vehicles) <= 4
    assert any(v.refrigerated for v in dijon.vehicles)
    assert dijon.week == "2020-W41"


def test_associations_are_in_the_metropolis_and_of_the_kinds_there(dijon: Scenario) -> None:
    codes = set(data.communes()["insee_code"])
    assert {a.commune for a in dijon.associations} <= codes
    assert {a.kind for a in dijon.associations} == {
        "épicerie sociale",
        "distribution de colis",
        "CCAS",
        "restauration solidaire",
    }
    names = {a.name for a in dijon.associations}
    assert "Restos du Cœur – centre Reggio (Dijon)" in names
    assert "Secours populaire – comité de Chenôve" in names
    crf = dijon.association_by_id["crf_epicerie_dijon"]
    assert crf.address.startswith("31 Rue Auguste Blanqui")
    assert (crf.lat, crf.lon) == (47.34403, 5.05608)


def test_priority_neighbourhoods_weigh_more(dijon: Scenario) -> None:
    population = data.communes().set_index("insee_code")["population"]
    served: dict[str, int] = {}
    for a in dijon.associations:
        served[a.commune] = served.get(a.commune, 0) + a.beneficiaries
    metropolis = sum(served.values()) / population.sum()
    # Chenôve (28 % poverty, Le Mail) is served above the metropolitan rate.
    assert served["21166"] / population["21166"] > 1.5 * metropolis
    # Most associations are in the communes with a QPV.
    with_qpv = {"21166", "21231", "21355", "21617", "21515"}
    assert sum(a.commune in with_qpv for a in dijon.associations) >= 0.8 * len(dijon.associations)


def test_lots_cover_every_category_class_and_kind_of_date(dijon: Scenario) -> None:
    lots = dijon.lots
    assert {lot.category for lot in lots} == set(DEFAULT_CATEGORIES)
    assert {lot.temperature for lot in lots} == set(Temperature)
    assert any(lot.is_donation for lot in lots)
    bought = [lot for lot in lots if not lot.is_donation]
    assert bought and all(0 < lot.price_eur_kg < lot.value_eur_kg for lot in bought)
    sunday = dijon.week_start + dt.timedelta(days=6)
    use_by = [lot.use_by for lot in lots if lot.use_by]
    best_before = [lot.best_before for lot in lots if lot.best_before]
    assert any(d <= sunday for d in use_by) and any(d > sunday for d in use_by)
    assert any(d <= sunday for d in best_before) and any(d > sunday for d in best_before)
    assert all(lot.unit_kg <= lot.kg for lot in lots)


def test_supply_is_short_of_need_and_some_lots_are_hard(dijon: Scenario) -> None:
    supply = sum(lot.kg for lot in dijon.lots)
    need = sum(dijon.need(a) for a in dijon.associations)
    other = sum(a.other_supply_kg for a in dijon.associations)
    assert 0.6 <= supply / need <= 0.85
    assert (supply + other) / need < 1
    frozen = sum(lot.kg for lot in dijon.lots if lot.temperature is Temperature.FROZEN)
    freezers = [a.frozen_kg for a in dijon.associations]
    assert sum(f > 0 for f in freezers) < len(freezers) / 2
    assert max(lot.kg for lot in dijon.lots if lot.temperature is Temperature.FROZEN) > max(
        freezers
    )
    assert frozen > 0.5 * sum(freezers)
    monday_dlc = [lot for lot in dijon.lots if lot.use_by == dijon.week_start]
    assert monday_dlc


def test_vehicles_use_the_sourced_reference_values(dijon: Scenario) -> None:
    co2 = 1000 * data.reference_value("lcv_diesel_lt1_5t_kgco2e_per_km")
    cost = data.reference_value("vehicle_cost_proxy_eur_per_km_over_20000km")
    for vehicle in dijon.vehicles:
        assert vehicle.co2_g_km == pytest.approx(co2, abs=0.05)
        assert vehicle.cost_eur_km == cost
        assert vehicle.depot == dijon.hub
    assert dijon.policy.ration_kg == data.reference_value(
        "food_aid_kg_per_beneficiary_per_week_typical"
    )


def test_build_script_regenerates_identical_files(tmp_path: Path) -> None:
    # Run the way the README says: the script on its own.
    subprocess.run(
        [sys.executable, str(DIJON / "build.py"), "--out", str(tmp_path / "dijon")],
        check=True,
        cwd=tmp_path,
    )
    written = sorted(p.name for p in (tmp_path / "dijon").iterdir())
    shipped = sorted(p.name for p in DIJON.iterdir() if p.suffix in (".csv", ".toml"))
    assert written == shipped
    for name in written:
        assert (tmp_path / "dijon" / name).read_bytes() == (DIJON / name).read_bytes(), name
