"""CLI defects found by a new-user trial: clear errors instead of tracebacks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from aide_alim.cli import main

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "args",
    [("publish", str(TINY)), ("indicators",), ("ledger", "show")],
)
@pytest.mark.parametrize("where", ["folder", "under_a_file"])
def test_unusable_db_path_is_one_clear_error(
    args: tuple[str, ...], where: str, tmp_path: Path
) -> None:
    if where == "folder":
        db = tmp_path
    else:
        (tmp_path / "plain").write_text("x")
        db = tmp_path / "plain" / "h.sqlite"
    code, out = _run(*args, "--db", str(db))
    assert code == 1
    assert out.startswith("Error: ")
    assert str(db) in out
    assert "Traceback" not in out and "sqlalche.me" not in out


@pytest.mark.parametrize("args", [("indicators",), ("ledger", "show"), ("ledger", "check")])
def test_read_only_commands_do_not_create_a_database(args: tuple[str, ...], tmp_path: Path) -> None:
    db = tmp_path / "typo.sqlite"
    code, out = _run(*args, "--db", str(db))
    assert code == 1
    assert f"no history database at {db}" in out
    assert not db.exists()


def test_indicators_period_backwards_is_an_error(tmp_path: Path) -> None:
    code, out = _run("publish", str(TINY), "--db", str(tmp_path / "h.sqlite"))
    assert code == 0, out
    code, out = _run(
        "indicators", "--from", "2020-W45", "--to", "2020-W41", "--db", str(tmp_path / "h.sqlite")
    )
    assert code == 1
    assert "--from 2020-W45 is after --to 2020-W41" in out


def test_ledger_import_refuses_a_binary_file_in_words(tmp_path: Path) -> None:
    binary = tmp_path / "depenses.csv"
    binary.write_bytes(b'\x7fELF\x02\x01\x01\x00\n\r\x00\x00 \x01\r\x02,"\n')
    code, out = _run("ledger", "import", str(binary), "--db", str(tmp_path / "h.sqlite"))
    assert code == 1
    assert "depenses.csv" in out and "expected a text file" in out


def test_ledger_import_accepts_funders_written_in_french(tmp_path: Path) -> None:
    expenses = tmp_path / "depenses.csv"
    expenses.write_text(
        "action;financeur;date;libellé;montant\n"
        "3.1;État;2020-10-01;Camion;100\n"
        "3.1;Dijon Métropole;2020-10-02;Essence;50\n"
        "3.2;MÉTROPOLE;2020-10-03;Loyer;25\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "h.sqlite")
    code, out = _run("ledger", "import", str(expenses), "--db", db)
    assert code == 0, out
    code, out = _run("ledger", "show", "--what", "expenses", "--json", "--db", db)
    assert code == 0, out
    funders = sorted(row["funder"] for row in json.loads(out))
    assert funders == ["etat", "metropole", "metropole"]


def test_sweep_without_dask_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_dask(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] in ("dask", "distributed"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    spec = Path(__file__).parents[1] / "scenarios" / "dijon" / "sweeps" / "fairness.toml"
    code, out = _run("sweep", str(TINY), "--spec", str(spec), "--out", str(tmp_path / "s.csv"))
    assert code == 1
    assert 'Error: sweeps need Dask: pip install -e ".[sweep]"' in out


def test_route_reads_the_allocation_json_that_allocate_writes(tmp_path: Path) -> None:
    code, out = _run("allocate", str(TINY), "--out", str(tmp_path / "alloc"))
    assert code == 0, out
    args = ("route", str(TINY), "--time-limit", "1", "--json", "--allocation")
    code, from_json = _run(*args, str(tmp_path / "alloc" / "allocation.json"))
    assert code == 0, from_json
    code, from_csv = _run(*args, str(tmp_path / "alloc" / "allocation_lines.csv"))
    assert code == 0, from_csv
    totals = [json.loads(text)["totals"] for text in (from_json, from_csv)]
    assert totals[0]["kg_delivered"] + totals[0]["kg_self_collected"] > 0
    assert totals[0]["kg_delivered"] == totals[1]["kg_delivered"]


def test_route_names_the_file_that_is_not_an_allocation(tmp_path: Path) -> None:
    other = tmp_path / "notes.json"
    other.write_text('{"week": "2020-W41"}', encoding="utf-8")
    code, out = _run("route", str(TINY), "--allocation", str(other))
    assert code == 1
    assert str(other) in out and "allocation.json" in out and "Traceback" not in out


def test_receive_reports_every_problem_of_the_file_at_once(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    code, out = _run("publish", str(TINY), "--db", db)
    assert code == 0, out
    receipts = tmp_path / "retours.csv"
    receipts.write_text(
        "lot;association;kg_received\nL1;A1;beaucoup\nL9;A1;3\nL1;A2;100000\n", encoding="utf-8"
    )
    code, out = _run("receive", "2020-W41", str(receipts), "--db", db)
    assert code == 1
    assert "retours.csv, row 2, column kg_received: expected a number of kg" in out
    assert 'retours.csv, row 3, column lot: expected a lot of week 2020-W41, got "L9"' in out
    assert "retours.csv, row 4, column kg_received: expected at most the" in out


def test_indicators_page_shows_ratios_as_percentages(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    code, out = _run("publish", str(TINY), "--db", db)
    assert code == 0, out
    page = tmp_path / "bilan.html"
    code, out = _run("indicators", "--format", "html", "--out", str(page), "--db", db)
    assert code == 0, out
    text = page.read_text(encoding="utf-8")
    summary = text.split("Synthèse par structure")[1].split("</table>")[0]
    assert re.search(r">\d+,\d\u00a0%<", summary), summary  # fill ratio, share of weeks served
    assert ">80,0\u00a0%<" in summary  # cumulative fill ratio, was 0,800


def test_ledger_check_speaks_french_percentages(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    expenses = tmp_path / "depenses.csv"
    expenses.write_text("action;financeur;date;libellé;montant\n3.1;État;2020-10-01;Camion;1\n")
    code, out = _run("ledger", "import", str(expenses), "--db", db)
    assert code == 0, out
    code, out = _run("ledger", "check", "--db", db, "--today", "2021-02-01")
    assert "exécution 0,0\u00a0%" in out and "0.0%" not in out, out
