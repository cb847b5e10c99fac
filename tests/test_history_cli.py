"""The history commands: publish, receive, indicators, simulate (exit codes and messages)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_helpers import allocation, association, lot, routes, scenario

from aide_alim.cli import main
from aide_alim.db import open_database
from aide_alim.history import publications, publish_week

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_publish_then_refuse_then_replace(url: str) -> None:
    code, out = _run("publish", str(TINY), "--db", url, "--no-routes", "--note", "essai")
    assert code == 0, out
    assert "Published 2020-W41 version 1 (publication 1)" in out
    code, out = _run("publish", str(TINY), "--db", url, "--no-routes")
    assert code == 1
    assert "Error: Week 2020-W41 is already published (version 1" in out
    assert "Traceback" not in out
    code, out = _run("publish", str(TINY), "--db", url, "--no-routes", "--replace")
    assert code == 0 and "version 2" in out, out
    with open_database(url) as db:
        assert publications(db)[["version", "active"]].values.tolist() == [[1, False], [2, True]]


def test_publish_with_routes(url: str) -> None:
    code, out = _run("publish", str(TINY), "--db", url)
    assert code == 0, out
    assert "km of rounds" in out


def test_receive_shows_differences_and_rejects_bad_rows(url: str, tmp_path: Path) -> None:
    assert _run("publish", str(TINY), "--db", url, "--no-routes")[0] == 0
    with open_database(url) as db:
        from aide_alim.history import read_history

        planned = read_history(db).deliveries.iloc[0]
    good = tmp_path / "retour.csv"
    good.write_text(
        "lot;association;kg_received;comment\n"
        f"{planned['lot']};{planned['association']};{planned['kg'] - 3:.1f};carton manquant\n"
    )
    code, out = _run("receive", "2020-W41", str(good), "--db", url)
    assert code == 0, out
    assert "Recorded 1 receipt line(s) for 2020-W41." in out
    assert "less" in out and "carton manquant" in out
    bad = tmp_path / "faux.csv"
    bad.write_text("lot,association,kg_received\nL1,A1,trois\n")
    code, out = _run("receive", "2020-W41", str(bad), "--db", url)
    assert code == 1
    assert 'faux.csv, row 2, column kg_received: expected a number of kg >= 0, got "trois"' in out
    assert "Traceback" not in out


def _hostile_history(url: str) -> None:
    people = [association("a1", 10, name="<script>alert(1)</script>"),
              association("a2", 10, name='=HYPERLINK("x")')]  # fmt: skip
    with open_database(url) as db:
        for week in ("2020-W41", "2020-W42"):
            scn = scenario(week, people, [lot("l1", 20, week=week)])
            publish_week(db, scn, allocation(scn, {("l1", "a1"): 8, ("l1", "a2"): 12}), routes(5))


def test_indicators_formats_and_safety(url: str, tmp_path: Path) -> None:
    _hostile_history(url)
    code, out = _run("indicators", "--db", url)
    assert code == 0, out
    assert "== summary" in out and "a1" in out
    code, out = _run("indicators", "--db", url, "--format", "csv", "--table", "regularity")
    assert code == 0
    assert out.splitlines()[0].startswith("association,name,weeks,weeks_served,share_served")
    assert "'=HYPERLINK" in out  # neutralised for spreadsheets
    page = tmp_path / "bilan.html"
    code, out = _run("indicators", "--db", url, "--format", "html", "--out", str(page))
    assert code == 0, out
    html = page.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('src="data:image/png;base64,') == 3
    assert "Régularité" in html and "Impact financier" in html
    book = tmp_path / "bilan.xlsx"
    assert _run("indicators", "--db", url, "--format", "xlsx", "--out", str(book))[0] == 0
    import openpyxl

    sheets = openpyxl.load_workbook(book).sheetnames
    assert sheets[:3] == ["summary", "volume", "weekly"]


def test_indicators_errors(url: str) -> None:
    code, out = _run("indicators", "--db", url, "--format", "html")
    assert code == 1 and "--format html writes a file: give it with --out FILE." in out
    code, out = _run("indicators", "--db", url, "--from", "2020-W99")
    assert code == 1 and 'Expected an ISO week like "2020-W41", got "2020-W99"' in out
    code, out = _run("indicators", "--db", url, "--table", "nope")
    assert code == 1 and "Expected --table in summary, volume" in out


def test_simulate(url: str) -> None:
    code, out = _run("simulate", str(TINY), "--weeks", "2", "--seed", "1", "--db", url, "--memory")
    assert code == 0, out
    assert "Published 2 simulated week(s)" in out
    with open_database(url) as db:
        assert publications(db)["week"].tolist() == ["2020-W41", "2020-W42"]


@pytest.mark.parametrize("command", ["publish", "receive", "indicators", "simulate"])
def test_every_command_has_an_example(command: str) -> None:
    code, out = _run(command, "--help")
    assert code == 0
    assert f"Example: aide-alim {command}" in out


def test_receive_with_a_mistyped_db_creates_nothing(tmp_path: Path) -> None:
    # Issue 15, item 9: the folder and an empty database were created before the failure.
    receipts = tmp_path / "retour.csv"
    receipts.write_text("lot,association,kg_received\nL1,A1,3\n")
    typo = tmp_path / "histroy" / "history.sqlite"
    code, out = _run("receive", "2020-W41", str(receipts), "--db", str(typo))
    assert code == 1 and "no history database at" in out
    assert not typo.parent.exists()


def test_receive_and_simulate_speak_french_by_default_and_english_when_asked(
    url: str, tmp_path: Path, speak: Callable[[str], None]
) -> None:
    assert _run("publish", str(TINY), "--db", url, "--no-routes")[0] == 0
    with open_database(url) as db:
        from aide_alim.history import read_history

        planned = read_history(db).deliveries.iloc[0]
    returned = tmp_path / "retour.csv"
    returned.write_text(
        "lot;association;kg_received;comment\n"
        f"{planned['lot']};{planned['association']};{planned['kg'] - 2.5:.1f};abîmé\n"
    )
    speak("C.UTF-8")
    code, french = _run("receive", "2020-W41", str(returned), "--db", url)
    assert code == 0, french
    header, row = french.splitlines()[2:4]
    assert header.split()[:3] == ["lot", "association", "prévu"] and "constat" in header
    assert "moins" in row and f"{planned['kg'] - 2.5:.1f}".replace(".", ",") in row
    speak("en_US.UTF-8")
    code, english = _run("receive", "2020-W41", str(returned), "--db", url)
    header, row = english.splitlines()[2:4]
    assert header.split()[:3] == ["lot", "association", "planned_kg"] and "flag" in header
    assert "less" in row and "moins" not in row
    simulate = ("simulate", str(TINY), "--weeks", "1", "--seed", "1", "--db", url, "--replace")
    speak("C.UTF-8")
    code, french = _run(*simulate)
    assert code == 0, french
    assert french.split()[:3] == ["semaine", "publication", "résultat"] and "optimale" in french
    speak("en_US.UTF-8")
    code, english = _run(*simulate)
    assert english.split()[:3] == ["week", "publication_id", "status"] and "optimal" in english
