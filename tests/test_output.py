"""Folders the tool writes (issue 15, items 1, 6 and 7): never the scenario, the current folder
or someone else's folder; replaced whole; no hidden leftovers after a killed run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from scenario_helpers import TINY

from aide_alim.cli import main
from aide_alim.output import MARKER, OutputExistsError, clean_stale, output_folder


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_run_force_refuses_to_write_over_the_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "s"
    shutil.copytree(TINY, scenario)
    before = _snapshot(scenario)
    code, output = _invoke("run", str(scenario), "--out", str(scenario), "--force")
    assert code != 0 and "is or contains" in output
    code, output = _invoke("run", str(scenario), "--out", str(tmp_path), "--force")
    assert code != 0 and "is or contains" in output
    assert _snapshot(scenario) == before


def test_run_force_refuses_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "travail.txt").write_text("à garder")
    monkeypatch.chdir(tmp_path)
    code, output = _invoke("run", str(TINY), "--out", ".", "--force")
    assert code != 0 and "the current folder" in output
    assert (tmp_path / "travail.txt").read_text() == "à garder"


def test_run_force_leaves_a_folder_it_did_not_write(tmp_path: Path) -> None:
    sand = tmp_path / "sand"
    sand.mkdir()
    (sand / "precious.txt").write_text("précieux")
    code, output = _invoke("run", str(TINY), "--out", str(sand), "--force")
    assert code != 0 and "not written by aide-alim" in output
    assert (sand / "precious.txt").read_text() == "précieux"


def test_allocate_out_neither_overwrites_nor_crashes(tmp_path: Path) -> None:
    existing = tmp_path / "resultats.csv"
    existing.write_text("à garder")
    code, output = _invoke("allocate", str(TINY), "--out", str(existing))
    assert code != 0 and "is not a folder" in output
    assert existing.read_text() == "à garder"
    out = tmp_path / "alloc"
    assert _invoke("allocate", str(TINY), "--out", str(out))[0] == 0
    (out / "allocation_lines.csv").write_text("modifié à la main")
    code, output = _invoke("allocate", str(TINY), "--out", str(out))
    assert code != 0 and "--force" in output
    assert (out / "allocation_lines.csv").read_text() == "modifié à la main"
    assert _invoke("allocate", str(TINY), "--out", str(out), "--force")[0] == 0
    assert (out / "allocation_lines.csv").read_text().startswith("lot,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alloc", "resultats.csv"]


def test_a_failure_while_writing_leaves_the_previous_folder_whole(tmp_path: Path) -> None:
    target = tmp_path / "rapport"
    with output_folder(target, replace=True) as staging:
        (staging / "a.html").write_text("v1")
        (staging / "b.pdf").write_text("v1")
    with pytest.raises(OSError), output_folder(target, replace=True) as staging:
        (staging / "a.html").write_text("v2")
        raise OSError(28, "No space left on device")
    assert {p.name: p.read_text() for p in target.iterdir() if p.name != MARKER} == {
        "a.html": "v1",
        "b.pdf": "v1",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["rapport"]


def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    return int(child.stdout)


def _leftover(parent: Path, name: str, pid: int | None, age_s: float = 60.0) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / "plan.html").write_text("à moitié")
    if pid is not None:
        info = {"tool": "aide-alim", "pid": pid, "host": os.uname().nodename}
        (folder / MARKER).write_text(json.dumps(info))
        old = time.time() - age_s
        os.utime(folder / MARKER, (old, old))
    return folder


def test_stale_folders_of_killed_runs_are_removed_and_only_those(tmp_path: Path) -> None:
    target = tmp_path / "plans"
    killed = _leftover(tmp_path, ".plans.k1l.tmp", _dead_pid())
    running = _leftover(tmp_path, ".plans.run.tmp", os.getppid())  # a live process
    foreign = _leftover(tmp_path, ".plans.usr.tmp", None)  # not marked: not ours
    other = _leftover(tmp_path, ".autre.x.tmp", _dead_pid())  # another output's
    assert clean_stale(target, time.time()) == [killed]
    assert not killed.exists() and running.exists() and foreign.exists() and other.exists()


def test_a_swap_interrupted_after_moving_the_old_folder_aside_is_undone(tmp_path: Path) -> None:
    old = _leftover(tmp_path, ".plans.abc.old", _dead_pid())
    assert clean_stale(tmp_path / "plans", time.time()) == [old]
    assert (tmp_path / "plans" / "plan.html").read_text() == "à moitié"  # the earlier output
    with (
        pytest.raises(OutputExistsError, match="--force"),
        output_folder(tmp_path / "plans", replace=False),
    ):
        pass


def test_ledger_report_is_replaced_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "h.sqlite")
    args = ["--action", "1.2", "--funder", "etat", "--date", "2020-11-15", "--label", "Formation"]
    assert _invoke("ledger", "add-expense", *args, "--amount", "7500", "--db", db)[0] == 0
    out = tmp_path / "rapport"
    report = ["ledger", "report", "--year", "2020", "--out", str(out), "--no-refresh", "--db", db]
    assert _invoke(*report)[0] == 0
    before = _snapshot(out)
    assert {"rapport_execution_2020.html", "rapport_execution_2020.pdf"} <= set(before)

    def no_pdf(*args: object) -> bytes:
        raise OSError(27, "File too large")

    monkeypatch.setattr("aide_alim.ledger.report.render_pdf", no_pdf)
    code, output = _invoke(*report)
    assert code != 0 and "File too large" in output
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite", "rapport"]
