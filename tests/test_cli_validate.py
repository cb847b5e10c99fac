"""``aide-alim validate``: the summary, every problem, exit codes and the JSON shape."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from scenario_helpers import (
    DIJON,
    FIXTURES,
    TINY,
    TINY_FR,
    copy_scenario,
    drop_column,
    edit_toml,
    folder_to_workbook,
    read_rows,
    set_cell,
    write_rows,
)

from aide_alim.cli import main
from aide_alim.scenario import Scenario, load_scenario


def comparable(scenario: Scenario) -> Scenario:
    return scenario.replace(name="", source="")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_valid_scenario_prints_its_summary() -> None:
    code, output = run(str(TINY))
    assert code == 0
    assert "Scenario tiny: week 2020-W41 (Monday 2020-10-05), hub hub" in output
    assert "3 associations serving 400 persons, 5 lots at 2 suppliers" in output
    # aligned table rows: class, lots, kg, value, cost, free storage
    assert "  ambiant              2  180.0      400.0      40.0            1,000.0" in output
    assert "  need (400 persons × 1.00 kg)             400.0" in output
    assert "(supply + other supply) / need = 80%" in output
    assert "Épicerie sèche" in output
    assert output.rstrip().endswith(f"OK: {TINY} is a valid scenario.")


def test_json_has_exactly_the_documented_keys() -> None:
    code, output = run(str(TINY), "--json")
    assert code == 0
    data = json.loads(output)
    assert set(data) == {"ok", "errors", "warnings", "summary"}
    assert data["ok"] is True and data["errors"] == [] and data["warnings"] == []
    summary = data["summary"]
    assert summary["counts"]["lots"] == 5
    assert summary["need"] == {
        "beneficiaries": 400,
        "ration_kg": 1.0,
        "need_kg": 400.0,
        "supply_kg": 300.0,
        "other_supply_kg": 20.0,
        "supply_over_need": 0.8,
    }
    assert summary["by_temperature"]["chilled"]["kg"] == 70.0
    assert summary["by_category"]["viande_poisson_oeufs"]["value_eur"] == 270.0
    assert summary["donated"]["kg"] == 220.0 and summary["bought"]["cost_eur"] == 40.0
    assert summary["storage_free_kg"] == {
        "ambient": 1000.0,
        "chilled": 300.0,
        "frozen": 80.0,
        "total": 1380.0,
    }


def test_french_export_validates() -> None:
    code, output = run(str(TINY_FR))
    assert code == 0 and "OK:" in output


def test_dozen_faults_are_all_printed_with_exit_1_and_no_traceback() -> None:
    code, output = run(str(FIXTURES / "dozen_faults"))
    assert code == 1
    assert "Traceback" not in output
    assert "13 errors" in output
    for line in (
        'scenario.toml, column routing.seed: expected a whole number, got "un"',
        'sites.csv, row 1, column kind: expected a required column "kind", got none in the header',
        'associations.csv, row 3, column id: expected a unique id, got "A1" again (first on row 2)',
        'lots.csv, row 2, column kg: expected a number >= 0, got "-12"',
        'lots.csv, row 4, column site: expected a site id of sites.csv, got "entrepot_nord"',
        'lots.csv, row 5, column available: expected a date like "2020-10-05" or "05/10/2020", '
        'got "32/10/2020"',
    ):
        assert f"\nError: {line}\n" in output
    assert "Error: vehicles.csv" not in output  # the French-style file is valid


def test_dozen_faults_as_json() -> None:
    code, output = run(str(FIXTURES / "dozen_faults"), "--json")
    assert code == 1
    data = json.loads(output)
    assert data["ok"] is False and data["summary"] == {}
    assert len(data["errors"]) == 13
    assert data["errors"][0] == {
        "file": "scenario.toml",
        "row": None,
        "column": "policy.rule",
        "message": "expected rule in leximin, maxmin, proportional, proportional_split, fcfs, "
        "round_robin, least_served, got 'fair'",
    }
    assert all(set(e) == {"file", "row", "column", "message"} for e in data["errors"])


def test_warnings_are_printed_but_do_not_fail(tmp_path: Path) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "associations.csv", "A1", "dry_kg", "50000")
    code, output = run(str(folder))
    assert code == 0
    assert "1 warning:" in output
    assert (
        "Warning: associations.csv, row 2, column dry_kg: expected at most 20000 kg of free "
        'storage in an association, got "50000"'
    ) in output
    code, output = run(str(folder), "--json")
    assert json.loads(output)["warnings"][0]["column"] == "dry_kg"


@pytest.mark.parametrize("as_json", [False, True])
def test_unreadable_input_exits_1_without_traceback(tmp_path: Path, as_json: bool) -> None:
    book = tmp_path / "semaine.xlsx"
    book.write_bytes(b"\x00\x01 not a workbook")
    code, output = run(str(book), *(["--json"] if as_json else []))
    assert code == 1 and "Traceback" not in output
    assert "semaine.xlsx" in output and "cannot be opened" in output


def test_missing_path_exits_1(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "nowhere"))
    assert code == 1 and "expected a scenario folder or an .xlsx workbook" in output


def test_help_carries_an_example() -> None:
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert result.exit_code == 0
    assert "aide-alim validate scenarios/dijon" in result.output


def test_shipped_dijon_scenario_validates() -> None:
    if not (DIJON / "scenario.toml").exists():
        pytest.skip("scenarios/dijon is not there yet")
    code, output = run(str(DIJON))
    assert code == 0, output
    code, output = run(str(DIJON), "--json")
    data = json.loads(output)
    assert data["ok"] is True and data["errors"] == []
    counts = data["summary"]["counts"]
    assert 30 <= counts["associations"] <= 40
    assert 150 <= counts["lots"] <= 250
    assert counts["refrigerated_vehicles"] >= 1


def _frenchify(path: Path) -> None:
    """Rewrite a CSV the way a French spreadsheet exports it: ';', Windows-1252, 0,5, CRLF."""
    rows = read_rows(path)
    numeric = {i for i, name in enumerate(rows[0]) if name in ("lat", "lon")}
    for row in rows[1:]:
        for i in numeric:
            row[i] = row[i].replace(".", ",")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("cp1252"))


def _set(path: Path, row: int, column: str, value: str) -> str:
    """Set a cell by spreadsheet row number; returns the old value."""
    rows = read_rows(path)
    index = rows[0].index(column)
    old = rows[row - 1][index]
    rows[row - 1][index] = value
    write_rows(path, rows)
    return old


def test_dijon_with_a_dozen_faults_in_four_files(tmp_path: Path) -> None:
    if not (DIJON / "scenario.toml").exists():
        pytest.skip("scenarios/dijon is not there yet")
    folder = copy_scenario(tmp_path / "dijon", DIJON)
    _frenchify(folder / "sites.csv")
    assert comparable(load_scenario(folder)) == comparable(load_scenario(DIJON))

    lots, assoc, vehicles = (
        folder / "lots.csv",
        folder / "associations.csv",
        folder / "vehicles.csv",
    )
    first_id = read_rows(lots)[1][0]
    _set(lots, 2, "kg", "-12")
    _set(lots, 3, "category", "jouets")
    _set(lots, 4, "site", "nulle_part")
    _set(lots, 5, "available", "32/10/2020")
    _set(lots, 6, "id", first_id)
    drop_column(folder, "associations.csv", "beneficiaries")
    _set(assoc, 2, "lat", "147.3")
    _set(assoc, 3, "commune", "Dijon")
    _set(vehicles, 2, "refrigerated", "peut-être")
    _set(vehicles, 3, "depot", "garage")
    edit_toml(folder, "seed = ", 'seed = "un"\n# was: ')
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    (folder / "scenario.toml").write_text(
        re.sub(r'rule = "\w+"', 'rule = "fair"', text), encoding="utf-8"
    )

    code, output = run(str(folder), "--json")
    assert code == 1 and "Traceback" not in output
    errors = json.loads(output)["errors"]
    assert {(e["file"], e["row"], e["column"]) for e in errors} == {
        ("lots.csv", 2, "kg"),
        ("lots.csv", 3, "category"),
        ("lots.csv", 4, "site"),
        ("lots.csv", 5, "available"),
        ("lots.csv", 6, "id"),
        ("associations.csv", 1, "beneficiaries"),
        ("associations.csv", 2, "lat"),
        ("associations.csv", 3, "commune"),
        ("vehicles.csv", 2, "refrigerated"),
        ("vehicles.csv", 3, "depot"),
        ("scenario.toml", None, "routing.seed"),
        ("scenario.toml", None, "policy.rule"),
    }
    code, output = run(str(folder))
    assert code == 1 and "12 errors" in output and "Error: sites.csv" not in output


def test_workbook_validates_like_its_folder(tmp_path: Path) -> None:
    book = folder_to_workbook(TINY, tmp_path / "tiny.xlsx")
    code, output = run(str(book), "--json")
    assert code == 0
    _, folder_output = run(str(TINY), "--json")
    assert json.loads(output)["summary"] == json.loads(folder_output)["summary"]


def test_errors_go_to_stderr_and_json_to_stdout(tmp_path: Path) -> None:
    # Issue 15, item 12: validate printed its errors on stdout.
    folder = tmp_path / "w"
    shutil.copytree(TINY, folder)
    (folder / "lots.csv").write_text("id,site\n")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 1
    assert result.stdout == "" and "Error: " in result.stderr
    as_json = CliRunner().invoke(main, ["validate", str(folder), "--json"])
    assert json.loads(as_json.stdout)["ok"] is False
