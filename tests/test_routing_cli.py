"""``aide-alim route``: exit codes, outputs and messages."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from routing_helpers import MONDAY, association, lines, lot, scenario, site, vehicle

from aide_alim.cli import main
from aide_alim.scenario.write import write_scenario


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("route")
    sc = scenario(
        sites=[site("S1", 47.35, 5.02)],
        associations=[association("A1", 47.33, 5.00), association("A2", 47.31, 5.06)],
        lots=[lot("L1", "S1", 300), lot("L2", "S1", 80, "chilled")],
        vehicles=[vehicle("V1", 1000, refrigerated=True)],
    )
    path = write_scenario(sc, folder / "week")
    tuesday = MONDAY + dt.timedelta(days=1)
    table = lines(
        sc, [("L1", "A1", tuesday, 120), ("L1", "A2", tuesday, 100), ("L2", "A2", tuesday, 80)]
    )
    csv = folder / "allocation_lines.csv"
    table.to_csv(csv, index=False)
    return path, csv


def test_route_prints_totals_and_writes_files(week: tuple[Path, Path], tmp_path: Path) -> None:
    path, csv = week
    out = tmp_path / "plans"
    result = CliRunner().invoke(
        main,
        ["route", str(path), "--allocation", str(csv), "--time-limit", "0.5", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "model hub" in result.output and "km" in result.output
    assert "not carried 0.0 kg" in result.output
    for name in ("stops", "rounds", "unserved", "lines"):
        assert (out / f"route_{name}.csv").exists()
    assert (out / "route_map.png").stat().st_size > 0
    assert json.loads((out / "route_plan.json").read_text())["totals"]["kg_unserved"] == 0


def test_route_json_and_direct_model(week: tuple[Path, Path]) -> None:
    path, csv = week
    result = CliRunner().invoke(
        main,
        ["route", str(path), "--allocation", str(csv), "--model", "direct", "--json",
         "--time-limit", "0.5"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"] == "direct"
    assert {r["family"] for r in data["rounds"]} == {"direct"}


def test_route_bad_allocation_file_is_one_clear_error(
    week: tuple[Path, Path], tmp_path: Path
) -> None:
    path, csv = week
    broken = tmp_path / "broken.csv"
    broken.write_text(csv.read_text().replace("site,", "where,", 1))
    result = CliRunner().invoke(main, ["route", str(path), "--allocation", str(broken)])
    assert result.exit_code == 1
    assert f"Error: routing: {broken}: expected the allocation_lines.csv" in result.output
    assert "no column(s) site " in result.output
    assert "Traceback" not in result.output


def test_route_speaks_french_by_default_and_english_when_asked(
    speak: Callable[[str], None], tmp_path: Path
) -> None:
    sc = scenario(
        sites=[site("S1", 47.35, 5.02)],
        associations=[association("A1", 47.33, 5.00)],
        lots=[lot("L1", "S1", 300), lot("L2", "S1", 80, "chilled")],
        vehicles=[vehicle("V1", 1000, refrigerated=False)],  # the chilled lot has no vehicle
    )
    path = write_scenario(sc, tmp_path / "week")
    tuesday = MONDAY + dt.timedelta(days=1)
    csv = tmp_path / "allocation_lines.csv"
    lines(sc, [("L1", "A1", tuesday, 120), ("L2", "A1", tuesday, 80)]).to_csv(csv, index=False)
    out = tmp_path / "plans"
    args = ["route", str(path), "--allocation", str(csv), "--time-limit", "0.5", "--out", str(out)]
    speak("C.UTF-8")
    french = CliRunner().invoke(main, args)
    assert french.exit_code == 0, french.output
    assert "Tournées de 2020-W41, modèle hub (distances à vol d'oiseau) : 2 tournées" in (
        french.output
    )
    assert "non transporté 80,0 kg (1 ligne)" in french.output
    assert "véhicule" in french.output and "mardi 06/10/2020" in french.output
    assert " durée " in french.output and "42\u00a0min" in french.output
    assert "Non transporté :\n  ramasse : aucun véhicule réfrigéré" in french.output
    assert f"Écrit dans {out}/" in french.output
    assert "Rounds of" not in french.output and "kg_picked" not in french.output
    speak("en_US.UTF-8")
    english = CliRunner().invoke(main, args).output
    assert "Rounds of 2020-W41, model hub (geodesic distances)" in english
    assert "not carried 80.0 kg (1 line)" in english and "Not carried:" in english
    assert "kg_picked" in english and "2020-10-06" in english and f"Written to {out}/" in english
    assert "Tournées" not in english and "véhicule" not in english
