"""Bounds on every input of a scenario and refusal of ambiguous files (issue 15, items 3, 4, 10).

Absurd magnitudes used to validate and give wrong plans; two files (or sheets) for one table
were chosen silently; a 10,000-character product name gave a 759-page PDF.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from scenario_helpers import TINY, copy_scenario, edit_toml, folder_to_workbook, set_cell

from aide_alim.errors import ScenarioError
from aide_alim.scenario import check_scenario, load_scenario


def _messages(folder: Path) -> tuple[list[str], list[str]]:
    report = check_scenario(folder)
    return [str(p) for p in report.errors], [str(p) for p in report.warnings]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (
            "kg",
            "1e20",
            'column kg: expected at most 1,000,000 (a typing or unit error?), got "1e20"',
        ),
        ("kg", "1e308", "column kg: expected at most 1,000,000"),
        ("unit_kg", "1e-18", 'column unit_kg: expected a number >= 0.001, got "1e-18"'),
        ("price_eur_kg", "1e308", "column price_eur_kg: expected at most 10000"),
        ("product", "x" * 10_000, "column product: expected a text of at most 200 characters"),
        ("id", "L" * 101, "column id: expected an id of at most 100 characters (got 101)"),
    ],
)
def test_absurd_values_are_errors(tmp_path: Path, column: str, value: str, expected: str) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L1", column, value)
    errors, _ = _messages(folder)
    assert any(f"lots.csv, row 2, {expected}" in e for e in errors), errors


def test_a_large_but_possible_lot_is_a_warning(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L1", "kg", "60000")
    errors, warnings = _messages(folder)
    assert not errors
    assert any("lots.csv, row 2, column kg: expected at most 50000 here" in w for w in warnings)


def test_a_seed_beyond_32_bits_is_an_error(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    edit_toml(folder, "seed = 1", "seed = 1180591620717411303424")
    errors, _ = _messages(folder)
    assert any("seed between 0 and 4294967295" in e for e in errors), errors


def test_invisible_characters_never_reach_the_scenario(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L1", "product", "Pommes\u202egpj.exe\u2066 bio")
    set_cell(folder, "associations.csv", "A1", "name", "Épicerie\x85 du Centre")
    week = load_scenario(folder)
    assert week.lot_by_id["L1"].product == "Pommesgpj.exe bio"
    assert week.association_by_id["A1"].name == "Épicerie du Centre"
    set_cell(folder, "lots.csv", "L1", "id", "L\u202e1")
    errors, _ = _messages(folder)
    assert any("column id: expected an id on one line without control" in e for e in errors)


def test_two_files_for_one_table_are_refused(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    (folder / "Lots.csv").write_bytes((folder / "lots.csv").read_bytes())
    with pytest.raises(ScenarioError, match=r'got "Lots\.csv" and "lots\.csv"; keep only one'):
        load_scenario(folder)


def test_a_hidden_sheet_does_not_replace_the_visible_one(tmp_path: Path) -> None:
    path = folder_to_workbook(TINY, tmp_path / "week.xlsx")
    book = openpyxl.load_workbook(path)
    hidden = book.copy_worksheet(book["lots"])
    hidden.title, hidden.sheet_state = "Lots ", "hidden"
    book.save(path)
    with pytest.raises(ScenarioError, match=r"\('Lots ' hidden\); keep only one"):
        load_scenario(path)


def test_a_road_graph_that_is_not_graphml_fails_validation(tmp_path: Path) -> None:
    # Issue 15, item 12: a wrong road_graph file was only found at the route stage.
    folder = copy_scenario(tmp_path / "week")
    (folder / "routes.graphml").write_text("id,lat,lon\n1,47.3,5.0\n")
    edit_toml(folder, "[logistics]", '[logistics]\nroad_graph = "routes.graphml"')
    errors, _ = _messages(folder)
    assert any("routes.graphml is not GraphML" in e for e in errors), errors


def test_a_formula_never_computed_is_named_as_such(tmp_path: Path) -> None:
    # Issue 15, item 4: reported as 'got ""'. openpyxl saves formulas without their values, as
    # a program that does not calculate them would.
    path = folder_to_workbook(TINY, tmp_path / "week.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["lots"]
    column = [c.value for c in sheet[1]].index("kg") + 1
    sheet.cell(row=2, column=column, value="=40*2.5")
    book.save(path)
    errors = [str(p) for p in check_scenario(path).errors]
    assert errors == [
        "week.xlsx[lots], row 2, column kg: expected a value, got a formula never computed "
        "(=40*2.5): open the workbook in Excel or LibreOffice and save it, so that its values "
        "are stored"
    ]
