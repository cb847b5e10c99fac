"""Loading: folder and workbook forms, French spreadsheet exports, unreadable files, corruption."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from corruption_helpers import CORRUPTIONS, corrupt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import (
    DIJON,
    FIXTURES,
    TABLE_FILES,
    TINY,
    TINY_FR,
    copy_scenario,
    edit_toml,
    folder_to_workbook,
    set_cell,
)

import aide_alim
from aide_alim.errors import Problem, ScenarioError
from aide_alim.parsing import Bad, detect_separator, parse_number
from aide_alim.scenario import Day, Scenario, Temperature, check_scenario, load_scenario
from aide_alim.scenario.io import cell_text
from aide_alim.scenario.parsers import parse_bool, parse_date, parse_days


def comparable(scenario: Scenario) -> Scenario:
    """The scenario without where it was read from."""
    return scenario.replace(name="", source="")


def test_tiny_loads_with_the_values_of_its_files() -> None:
    scenario = aide_alim.load_scenario(TINY)
    assert (scenario.name, scenario.week, scenario.hub) == ("tiny", "2020-W41", "hub")
    assert [a.id for a in scenario.associations] == ["A1", "A2", "A3"]
    assert [lot.id for lot in scenario.lots] == ["L1", "L2", "L3", "L4", "L5"]
    assert len(scenario.sites) == 3 and len(scenario.vehicles) == 2
    pasta = scenario.lot_by_id["L3"]
    assert (pasta.kg, pasta.unit_kg, pasta.price_eur_kg, pasta.value_eur_kg) == (80, 5, 0.5, 2.5)
    assert pasta.best_before == dt.date(2021, 6, 30) and pasta.use_by is None
    assert scenario.lot_by_id["L5"].temperature is Temperature.FROZEN
    a3 = scenario.association_by_id["A3"]
    assert a3.refuses == frozenset({"surgeles"}) and a3.other_supply_kg == 20
    assert scenario.association_by_id["A2"].open_days == frozenset({Day.TUE, Day.THU})
    assert scenario.association_by_id["A2"].collects is True
    assert scenario.vehicle_by_id["V2"].refrigerated is True
    assert scenario.policy.ration_kg == 1.0 and scenario.routing.time_limit_s == 1.0
    assert scenario.source == str(TINY)


def test_french_export_loads_to_the_same_scenario() -> None:
    # tiny-fr: ';', Windows-1252, CRLF, decimal commas, DD/MM/YYYY, oui/non, French names, 1 000.
    raw = (TINY_FR / "lots.csv").read_bytes()
    assert b";" in raw and "é".encode("cp1252") in raw and b"\r\n" in raw
    assert comparable(load_scenario(TINY_FR)) == comparable(load_scenario(TINY))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"], ids=lambda e: e)
@pytest.mark.parametrize("separator", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_encodings_and_separators_of_spreadsheet_exports(
    encoding: str, separator: str, tmp_path: Path
) -> None:
    folder = copy_scenario(tmp_path / "week")
    for name in TABLE_FILES:
        text = (TINY / name).read_text(encoding="utf-8")
        if separator != ",":
            # tiny has no comma inside a value, so swapping separators keeps the table.
            text = text.replace(",", separator)
        (folder / name).write_bytes(text.encode(encoding))
    assert comparable(load_scenario(folder)) == comparable(load_scenario(TINY))


def test_scenario_toml_in_windows_1252_loads(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    edit_toml(folder, 'name = "tiny"', 'name = "Semaine d\'été"')
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_bytes(text.encode("cp1252"))
    assert load_scenario(folder).name == "Semaine d'été"


def test_name_and_hub_have_defaults(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "semaine-41")
    edit_toml(folder, 'name = "tiny"', "")
    edit_toml(folder, 'hub = "hub"', "")
    scenario = load_scenario(folder)
    assert (scenario.name, scenario.hub) == ("semaine-41", "hub")


def test_workbook_loads_to_the_same_scenario_as_the_folder(tmp_path: Path) -> None:
    book = folder_to_workbook(TINY, tmp_path / "tiny.xlsx")
    assert comparable(load_scenario(book)) == comparable(load_scenario(TINY))


def test_workbook_with_numeric_and_date_cells_loads_the_same(tmp_path: Path) -> None:
    book = folder_to_workbook(TINY, tmp_path / "tiny.xlsx", typed=True)
    assert comparable(load_scenario(book)) == comparable(load_scenario(TINY))


def test_workbook_of_the_french_export_loads_the_same(tmp_path: Path) -> None:
    book = folder_to_workbook(TINY, tmp_path / "tiny.xlsx")
    assert comparable(load_scenario(book)) == comparable(load_scenario(TINY_FR))


def test_workbook_problems_name_the_sheet(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L3", "kg", "-12")
    book = folder_to_workbook(folder, tmp_path / "semaine.xlsx")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(book)
    assert raised.value.errors == (
        Problem("semaine.xlsx[lots]", 4, "kg", 'expected a number >= 0, got "-12"'),
    )
    assert str(raised.value.errors[0]) == (
        'semaine.xlsx[lots], row 4, column kg: expected a number >= 0, got "-12"'
    )


def test_workbook_settings_problems_give_the_row(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    edit_toml(folder, "seed = 1", 'seed = "un"')
    book = folder_to_workbook(folder, tmp_path / "w.xlsx")
    errors = check_scenario(book).errors
    assert [(p.file, p.column, p.message) for p in errors] == [
        ("w.xlsx[scenario]", "routing.seed", 'expected a whole number, got "un"')
    ]
    assert errors[0].row is not None and errors[0].row > 1


def test_written_scenarios_read_back_equal(tmp_path: Path) -> None:
    write = pytest.importorskip("aide_alim.scenario.write")
    scenario = load_scenario(TINY_FR)
    folder = write.write_scenario(scenario, tmp_path / "copy")
    book = write.write_workbook(scenario, tmp_path / "copy.xlsx")
    assert comparable(load_scenario(folder)) == comparable(scenario)
    assert comparable(load_scenario(book)) == comparable(scenario)


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (
            lambda p: p.write_bytes(b"PK\x03\x04 this is not a zip"),
            "expected an .xlsx workbook, got a file that cannot be opened",
        ),
        (
            lambda p: p.write_text("id,name\n1,2\n"),
            "expected an .xlsx workbook, got a file that cannot be opened",
        ),
    ],
    ids=["corrupt zip", "csv named xlsx"],
)
def test_corrupt_workbook_is_a_located_problem(
    write: Callable[[Path], object], expected: str, tmp_path: Path
) -> None:
    book = tmp_path / "semaine.xlsx"
    write(book)
    report = check_scenario(book)
    assert not report.ok
    (problem,) = report.errors
    assert (problem.file, problem.row, problem.column) == ("semaine.xlsx", None, None)
    assert problem.message.startswith(expected)


def test_workbook_without_a_sheet_names_it(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = folder_to_workbook(TINY, tmp_path / "w.xlsx")
    workbook = load_workbook(book)
    del workbook["vehicles"]
    workbook.save(book)
    assert check_scenario(book).errors == (
        Problem("w.xlsx", None, None, 'expected a sheet named "vehicles", got none'),
    )


def test_missing_path_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    report = check_scenario(tmp_path / "nowhere")
    (problem,) = report.errors
    assert problem.message.startswith("expected a scenario folder or an .xlsx workbook")


def test_scenario_toml_path_means_its_folder() -> None:
    assert comparable(load_scenario(TINY / "scenario.toml")) == comparable(load_scenario(TINY))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),
        ("-3.5", -3.5),
        ("0,47", 0.47),
        ("1 234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("2,50 €", 2.5),
        ("1e3", 1000.0),
        ("", Bad("a number")),
        ("nan", Bad("a number")),
        ("inf", Bad("a number")),
        ("12 kg", Bad("a number")),
        ("1,2,3", Bad("a number")),
    ],
)
def test_parse_number(text: str, expected: object) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-10-05", dt.date(2020, 10, 5)),
        ("05/10/2020", dt.date(2020, 10, 5)),
        ("5/10/20", dt.date(2020, 10, 5)),
        ("05.10.2020", dt.date(2020, 10, 5)),
        ("2020-10-05 00:00:00", dt.date(2020, 10, 5)),
        ("2020-10-05T00:00", dt.date(2020, 10, 5)),
        ("31/02/2020", None),
        ("10/2020", None),
        ("demain", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    result = parse_date(text)
    assert result == expected if expected else isinstance(result, Bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon wed fri", {0, 2, 4}),
        ("lundi, mercredi et vendredi", {0, 2, 4}),
        ("Lun-Ven", {0, 1, 2, 3, 4}),
        ("mar - jeu", {1, 2, 3}),
        ("sat sun", {5, 6}),
        ("tous", set(range(7))),
        ("mon fri-mon", None),
        ("someday", None),
    ],
)
def test_parse_days(text: str, expected: set[int] | None) -> None:
    result = parse_days(text)
    if expected is None:
        assert isinstance(result, Bad)
    else:
        assert result == frozenset(Day(d) for d in expected)


def test_cell_text_writes_workbook_cells_like_a_csv_export() -> None:
    assert [cell_text(v) for v in (None, True, 12.0, 0.47, 7, dt.date(2020, 10, 5))] == [
        "",
        "true",
        "12",
        "0.47",
        "7",
        "2020-10-05",
    ]
    assert cell_text(dt.datetime(2020, 10, 5)) == "2020-10-05"
    assert cell_text(dt.time(9, 30)) == "09:30"


def test_separator_is_taken_from_the_header() -> None:
    assert detect_separator('id;name;"a,b"\n1;2;3') == ";"
    assert detect_separator("id,name\n") == ","
    assert detect_separator("id\tname\n") == "\t"
    assert detect_separator("id\n") == ","


# -- corruption: never an exception, always located problems ------------------------------------

# Problems about a whole file (no row, no column) say so.
FILE_LEVEL = (
    "expected a text file",
    "expected a header row",
    "expected at least one",
    "expected a file",
    "expected valid TOML",
    "expected a CSV table",
)


def check_corrupted(source: Path, file: str, how: str, data: st.DataObject) -> None:
    files = (*TABLE_FILES, "categories.csv", "scenario.toml")
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy_scenario(Path(tmp) / "week", source)
        corrupt(folder, file, how, data)
        try:
            scenario = load_scenario(folder)
        except ScenarioError as error:
            assert error.errors
            for problem in error.errors:
                assert problem.file in files
                assert problem.message.startswith("expected ")
                located = problem.row is not None or problem.column is not None
                assert located or problem.message.startswith(FILE_LEVEL), problem
        else:
            assert isinstance(scenario, Scenario)
        report = check_scenario(folder)  # and the report agrees, without raising either
        assert report.ok == (report.scenario is not None)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.sampled_from([*TABLE_FILES, "scenario.toml"]), how=CORRUPTIONS, data=st.data())
def test_random_corruption_ends_in_a_scenario_or_located_problems(
    file: str, how: str, data: st.DataObject
) -> None:
    check_corrupted(TINY, file, how, data)


@pytest.mark.skipif(not (DIJON / "categories.csv").exists(), reason="no scenarios/dijon yet")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.sampled_from([*TABLE_FILES, "categories.csv"]), how=CORRUPTIONS, data=st.data())
def test_random_corruption_of_the_dijon_scenario(file: str, how: str, data: st.DataObject) -> None:
    check_corrupted(DIJON, file, how, data)


@settings(max_examples=25, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_as_a_workbook_are_a_located_problem(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "w.xlsx"
        book.write_bytes(data)
        (problem,) = check_scenario(book).errors
        assert problem.file == "w.xlsx"


def test_fixtures_folder_is_not_a_scenario() -> None:
    # A folder without scenario files lists every missing file, no exception.
    files = {p.file for p in check_scenario(FIXTURES).errors}
    assert files == {"scenario.toml", *TABLE_FILES}


def test_spaces_around_cells_and_headers_are_ignored(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    for name in TABLE_FILES:
        lines = (TINY / name).read_text(encoding="utf-8").splitlines()
        spaced = [",".join(f"  {cell} " for cell in line.split(",")) for line in lines]
        (folder / name).write_text("\n".join(spaced) + "\n", encoding="utf-8")
    assert comparable(load_scenario(folder)) == comparable(load_scenario(TINY))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("Oui", True),
        ("VRAI", True),
        ("1", True),
        ("yes", True),
        ("false", False),
        ("non", False),
        ("Faux", False),
        ("0", False),
        ("peut-être", None),
        ("2", None),
    ],
)
def test_parse_bool(text: str, expected: bool | None) -> None:
    result = parse_bool(text)
    assert result is expected if expected is not None else isinstance(result, Bad)


def test_week_is_written_canonically(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    edit_toml(folder, 'week = "2020-W41"', 'week = " 2020-w41 "')
    scenario = load_scenario(folder)
    assert (scenario.week, scenario.week_start) == ("2020-W41", dt.date(2020, 10, 5))


def test_excel_separator_hint_line_is_not_a_row(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    text = (TINY / "lots.csv").read_text(encoding="utf-8").replace(",", ";")
    text = text.replace(";80;", ";-80;")
    (folder / "lots.csv").write_text("sep=;\n" + text, encoding="utf-8")
    (error,) = check_scenario(folder).errors
    assert (error.file, error.row, error.column) == ("lots.csv", 4, "kg")
