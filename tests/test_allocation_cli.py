"""``aide-alim allocate`` and ``aide-alim compare`` on the tiny scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from aide_alim.cli import main
from aide_alim.scenario.model import RULES

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


@pytest.fixture(autouse=True)
def _need_tiny() -> None:
    if not (TINY / "scenario.toml").exists():
        pytest.skip("scenarios/tiny is absent")


def test_allocate_json_shape() -> None:
    result = CliRunner().invoke(main, ["allocate", str(TINY), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "optimal"
    assert {"min_fill_ratio", "gini", "kg_distributed", "kg_left"} <= set(data["metrics"])
    assert data["lines"] and {"lot", "association", "kg"} <= set(data["lines"][0])
    assert isinstance(data["unallocated"], list)
    # the tiny scenario's README: everyone at 80 % of need
    assert data["metrics"]["min_fill_ratio"] == pytest.approx(0.8)


def test_allocate_rule_basis_and_out(tmp_path: Path) -> None:
    out = tmp_path / "plans"
    result = CliRunner().invoke(
        main, ["allocate", str(TINY), "--rule", "fcfs", "--basis", "meals", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Rule fcfs, basis meals: feasible" in result.output
    lines = pd.read_csv(out / "allocation_lines.csv")
    assert {"lot", "association", "day", "kg", "units"} <= set(lines.columns)
    assert json.loads((out / "allocation.json").read_text())["rule"] == "fcfs"
    assert (out / "unallocated.csv").exists() and (out / "by_association.csv").exists()


def test_allocate_unknown_rule_is_refused() -> None:
    result = CliRunner().invoke(main, ["allocate", str(TINY), "--rule", "lottery"])
    assert result.exit_code == 2
    assert "lottery" in result.output


def test_allocate_missing_scenario_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["allocate", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_compare_table_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "o" / "cmp.csv"
    result = CliRunner().invoke(main, ["compare", str(TINY), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for rule in RULES:
        assert rule in result.output
    assert out.is_file()  # --out FILE, as the README says
    table = pd.read_csv(out)
    assert list(table.rule) == list(RULES)
    lex = table.set_index("rule").loc["leximin", "min_fill_ratio"]
    assert lex >= table.min_fill_ratio.max() - 1e-9


def test_compare_writes_a_workbook_and_refuses_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "cmp.xlsx"
    result = CliRunner().invoke(
        main, ["compare", str(TINY), "--rules", "leximin", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert list(pd.read_excel(out).rule) == ["leximin"]
    result = CliRunner().invoke(main, ["compare", str(TINY), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "expected a file such as" in result.output


def test_allocate_prints_counts_as_integers() -> None:
    result = CliRunner().invoke(main, ["allocate", str(TINY)])
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if x.strip().startswith("n_lines")]
    assert line.split()[1].isdigit(), line


def test_compare_rejects_unknown_rules() -> None:
    result = CliRunner().invoke(main, ["compare", str(TINY), "--rules", "leximin,dice"])
    assert result.exit_code == 2
    assert "dice" in result.output


def test_commands_have_examples() -> None:
    for name in ("allocate", "compare"):
        assert "Example: aide-alim " + name in (main.commands[name].help or "")


def test_allocate_json_with_cbc_is_only_json_on_stdout() -> None:
    # In a fresh process: HiGHS prints a banner on stdout when its first instance is created,
    # and with --solver cbc the first HiGHS instance is the day plan's (the Dijon week's vans
    # could be over-filled, so its days are planned).
    dijon = TINY.parent / "dijon"
    cli = "from aide_alim.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", cli, "allocate", str(dijon), "--solver", "cbc", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["solver"] == "cbc" and payload["status"] == "optimal"


def test_allocate_speaks_french_by_default_and_english_when_asked(
    speak: Callable[[str], None], tmp_path: Path
) -> None:
    out = tmp_path / "plans"
    speak("C.UTF-8")
    french = CliRunner().invoke(main, ["allocate", str(TINY), "--out", str(out)]).output
    assert "Règle leximin, base kg : optimale" in french
    assert "taux de couverture minimal" in french and "1\u202f040" in french  # Babel's grouping
    header = next(line for line in french.splitlines() if line.lstrip().startswith("association"))
    assert header.split()[:3] == ["association", "besoin", "reçu"] and "80\u00a0%" in french
    assert f"Écrit dans {out}/" in french
    assert "min_fill_ratio" not in french and "Written to" not in french and "Rule" not in french
    speak("en_US.UTF-8")
    english = CliRunner().invoke(main, ["allocate", str(TINY), "--out", str(out), "--force"])
    assert "Rule leximin, basis kg: optimal" in english.output
    assert "min_fill_ratio" in english.output and "1,040.000" in english.output
    assert "fill_ratio" in english.output and f"Written to {out}/" in english.output
    assert "couverture" not in english.output and "Règle" not in english.output


def test_compare_speaks_french_by_default_and_english_when_asked(
    speak: Callable[[str], None],
) -> None:
    speak("C.UTF-8")
    french = CliRunner().invoke(main, ["compare", str(TINY), "--rules", "leximin,fcfs"]).output
    assert french.split()[:3] == ["règle", "résultat", "couverture"]
    assert "optimale" in french and "réalisable" in french and "40\u00a0%" in french
    assert "feasible" not in french and "min_fill_ratio" not in french
    speak("en_US.UTF-8")
    english = CliRunner().invoke(main, ["compare", str(TINY), "--rules", "leximin,fcfs"]).output
    assert english.split()[:3] == ["rule", "status", "min_fill_ratio"]
    assert "feasible" in english and "0.400" in english and "réalisable" not in english
