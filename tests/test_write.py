"""Writing scenarios to disk: the folder format, the workbook, overwrite rules, round trips."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from aide_alim.errors import AideAlimError
from aide_alim.scenario import Day, Scenario
from aide_alim.scenario.synth import synthesize
from aide_alim.scenario.validate import check_scenario, load_scenario
from aide_alim.scenario.write import COLUMNS, write_scenario, write_workbook

ROOT = Path(__file__).resolve().parents[1]
DIJON = ROOT / "scenarios" / "dijon"


def sans_source(scenario: Scenario) -> Scenario:
    return scenario.replace(source="")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def small() -> Scenario:
    return synthesize(12, 60, seed=3)


def test_folder_holds_the_files_and_columns_of_the_format(small: Scenario, tmp_path: Path) -> None:
    folder = write_scenario(small, tmp_path / "week")
    assert sorted(p.name for p in folder.iterdir()) == [
        "associations.csv",
        "categories.csv",
        "lots.csv",
        "scenario.toml",
        "sites.csv",
        "vehicles.csv",
    ]
    for table, columns in COLUMNS.items():
        header = (folder / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == list(columns)
    # The columns of DESIGN.md are all there.
    assert {
        "id", "name", "kind", "commune", "lat", "lon", "beneficiaries", "dry_kg", "chilled_kg",
        "frozen_kg", "open_days", "receive_window", "collects", "budget_eur", "refuses",
        "other_supply_kg",
    } <= set(COLUMNS["associations"])  # fmt: skip
    assert set(COLUMNS["lots"]) == {
        "id", "site", "product", "category", "temperature", "kg", "unit_kg", "price_eur_kg",
        "value_eur_kg", "available", "use_by", "best_before",
    }  # fmt: skip


def test_cells_are_written_the_way_the_format_says(small: Scenario, tmp_path: Path) -> None:
    folder = write_scenario(small, tmp_path / "week")
    associations = read_csv(folder / "associations.csv")
    first = small.associations[0]
    row = associations[0]
    assert row["id"] == first.id
    assert row["open_days"] == " ".join(d.code for d in sorted(first.open_days))
    assert row["receive_window"] == str(first.receive_window)
    assert row["collects"] in ("true", "false")
    assert float(row["lat"]) == first.lat
    refusing = next(a for a in small.associations if len(a.refuses) > 1)
    written = next(r for r in associations if r["id"] == refusing.id)["refuses"]
    assert written == " ".join(sorted(refusing.refuses))
    lots = read_csv(folder / "lots.csv")
    for lot, row in zip(small.lots, lots, strict=True):
        assert row["available"] == lot.available.isoformat()
        assert row["use_by"] == (lot.use_by.isoformat() if lot.use_by else "")
        assert row["best_before"] == (lot.best_before.isoformat() if lot.best_before else "")
        assert float(row["kg"]) == lot.kg
        assert row["temperature"] == lot.temperature.value
    vehicles = read_csv(folder / "vehicles.csv")
    assert {v["refrigerated"] for v in vehicles} <= {"true", "false"}
    assert vehicles[0]["days"] == "mon tue wed thu fri"


def test_scenario_toml_has_the_settings_and_every_parameter(
    small: Scenario, tmp_path: Path
) -> None:
    folder = write_scenario(small, tmp_path / "week")
    settings_ = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
    assert (settings_["name"], settings_["week"], settings_["hub"]) == (
        small.name,
        small.week,
        small.hub,
    )
    assert settings_["policy"]["rule"] == small.policy.rule
    assert set(settings_["policy"]) == set(small.policy.field_names())
    assert set(settings_["routing"]) == set(small.routing.field_names())
    # road_graph is None: left out, which means the default.
    assert set(settings_["logistics"]) == set(small.logistics.field_names()) - {"road_graph"}


def test_existing_scenario_is_not_overwritten_unless_asked(small: Scenario, tmp_path: Path) -> None:
    folder = write_scenario(small, tmp_path / "week")
    (folder / "README.md").write_text("notes", encoding="utf-8")
    before = (folder / "lots.csv").read_bytes()
    other = synthesize(5, 20, seed=9)
    with pytest.raises(AideAlimError, match="already holds a scenario"):
        write_scenario(other, folder)
    assert (folder / "lots.csv").read_bytes() == before
    write_scenario(other, folder, overwrite=True)
    assert sans_source(load_scenario(folder)) == other
    # Files that are not part of the scenario stay.
    assert (folder / "README.md").read_text(encoding="utf-8") == "notes"


def test_an_empty_folder_or_a_new_path_is_written_without_leftovers(
    small: Scenario, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    write_scenario(small, tmp_path / "empty")
    write_scenario(small, tmp_path / "deep" / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", "empty"]
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["new"]
    with pytest.raises(AideAlimError, match="expected a folder"):
        write_scenario(small, tmp_path / "empty" / "lots.csv")


def test_output_is_deterministic(small: Scenario, tmp_path: Path) -> None:
    a = write_scenario(small, tmp_path / "a")
    b = write_scenario(synthesize(12, 60, seed=3), tmp_path / "b")
    for path in a.iterdir():
        assert path.read_bytes() == (b / path.name).read_bytes(), path.name
    book_a = write_workbook(small, tmp_path / "a.xlsx")
    book_b = write_workbook(small, tmp_path / "b.xlsx")
    assert book_a.read_bytes() == book_b.read_bytes()


def test_workbook_has_one_sheet_per_file_and_dotted_settings(
    small: Scenario, tmp_path: Path
) -> None:
    book = load_workbook(write_workbook(small, tmp_path / "week.xlsx"))
    assert book.sheetnames == [
        "scenario",
        "associations",
        "sites",
        "lots",
        "vehicles",
        "categories",
    ]
    settings_ = {row[0]: row[1] for row in book["scenario"].iter_rows(min_row=2, values_only=True)}
    assert settings_["week"] == small.week
    assert settings_["policy.rule"] == small.policy.rule
    assert settings_["logistics.speed_kmh"] == small.logistics.speed_kmh
    lots = list(book["lots"].iter_rows(values_only=True))
    assert list(lots[0]) == list(COLUMNS["lots"])
    assert len(lots) == 1 + len(small.lots)
    with pytest.raises(AideAlimError, match="already exists"):
        write_workbook(small, tmp_path / "week.xlsx")
    with pytest.raises(AideAlimError, match=r"ending in \.xlsx"):
        write_workbook(small, tmp_path / "week.csv")


def test_text_that_looks_like_a_formula_stays_text(small: Scenario, tmp_path: Path) -> None:
    lot = dataclasses.replace(small.lots[0], product="=SOMME(A1:A3)")
    scenario = small.replace(name="=1+1", lots=(lot, *small.lots[1:]))
    book = write_workbook(scenario, tmp_path / "week.xlsx")
    assert sans_source(load_scenario(book)) == scenario


@pytest.mark.parametrize(
    "make",
    [
        lambda: synthesize(30, 200, seed=1),
        lambda: synthesize(250, 1200, seed=2, regions=4),
        lambda: load_scenario(DIJON),
    ],
    ids=["synth-30x200", "synth-4-regions", "dijon"],
)
def test_written_scenarios_load_back_equal(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario = sans_source(make())
    folder = write_scenario(scenario, tmp_path / "week")
    assert sans_source(load_scenario(folder)) == scenario
    book = write_workbook(scenario, tmp_path / "week.xlsx")
    assert sans_source(load_scenario(book)) == scenario


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(',;"\n'),
    min_size=1,
    max_size=30,
).filter(lambda t: t.strip() == t)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=_text,
    product=_text,
    kg=st.floats(min_value=5, max_value=1e6, allow_nan=False),
    price=st.floats(min_value=0, max_value=1.9),
    lat=st.floats(min_value=-89.9, max_value=89.9),
    days=st.sets(st.sampled_from(list(Day)), min_size=1),
)
def test_any_text_and_number_survive_a_round_trip(
    name: str, product: str, kg: float, price: float, lat: float, days: set[Day]
) -> None:
    base = synthesize(3, 12, seed=0)
    association = dataclasses.replace(
        base.associations[0], name=name, lat=lat, open_days=frozenset(days)
    )
    lot = dataclasses.replace(
        base.lots[0],
        product=product,
        kg=kg,
        unit_kg=min(base.lots[0].unit_kg, kg),
        price_eur_kg=price,
        value_eur_kg=2.0,
        available=base.week_start + dt.timedelta(days=1),
    )
    scenario = base.replace(
        name=name,
        associations=(association, *base.associations[1:]),
        lots=(lot, *base.lots[1:]),
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_scenario(scenario, Path(tmp) / "week")
        report = check_scenario(folder)
        assert report.ok, report.errors
        assert report.scenario is not None
        assert sans_source(report.scenario) == scenario
