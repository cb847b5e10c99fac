"""Every CLI command against one shared table of faults (issue 15, item 5 and "Must show").

Each command names the inputs it takes (``{scenario}``, ``{db}``, ``{csv}``, ``{out}``,
``{out_file}``); each fault breaks one of them (bad files, a damaged, newer or read-only
database, a full disk through a small ``RLIMIT_FSIZE``, a write interrupted at the last moment).
Every (command, fault) pair whose input the command takes is run, and must end with: an exit
status ≠ 0, one readable ``Error`` line, no traceback, no half-written output, and the database
unchanged. The commands run in-process (``CliRunner``) so that the table stays fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from scenario_helpers import TINY

from aide_alim.cli import main

RECEIPTS = "lot,association,kg_received\nL1,A1,35\n"
EXPENSES = "action,funder,date,label,amount_eur\n1.2,etat,2020-11-15,Formation,7500\n"
SPEC = '[grid]\nrule = ["fcfs"]\n'
OFFERS = (
    "id,supplier,product,category,temperature,kg,unit_kg,price_eur_kg,value_eur_kg,available\n"
    "P01,ferme,Carottes,fruits_legumes,ambient,200,10,0,2,2020-10-05\n"
)


@dataclass(frozen=True)
class Command:
    """A CLI command with placeholders for its inputs and outputs."""

    name: str
    args: tuple[str, ...]
    csv: str = ""  # valid content of its {csv} input
    writes_db: bool = False  # a read-only database is a fault only for these
    needs_db: bool = False  # a missing database is a fault (the command never creates one)
    only: tuple[str, ...] = ()  # the faults that apply, when not all those of its inputs

    def takes(self, slot: str) -> bool:
        return any(f"{{{slot}}}" in a for a in self.args)


COMMANDS = (
    Command("validate", ("validate", "{scenario}")),
    Command("allocate", ("allocate", "{scenario}", "--out", "{out}")),
    Command("compare", ("compare", "{scenario}", "--rules", "fcfs", "--out", "{out_file}")),
    Command("route", ("route", "{scenario}", "--allocation", "{csv}"), csv="lot,association\n"),
    Command("run", ("run", "{scenario}", "--out", "{out}")),
    Command("synth", ("synth", "--associations", "3", "--lots", "5", "{out}")),
    Command("sweep", ("sweep", "{scenario}", "--spec", "{csv}", "--out", "x.csv"), csv=SPEC),
    Command(
        "publish",
        ("publish", "{scenario}", "--no-routes", "--replace", "--db", "{db}"),
        writes_db=True,
    ),
    Command(
        "receive",
        ("receive", "2020-W41", "{csv}", "--db", "{db}"),
        csv=RECEIPTS,
        writes_db=True,
        needs_db=True,
    ),
    Command(
        "indicators",
        ("indicators", "--format", "html", "--out", "{out_file}", "--db", "{db}"),
        needs_db=True,
    ),
    Command(
        "simulate",
        ("simulate", "{scenario}", "--weeks", "1", "--seed", "1", "--replace", "--db", "{db}"),
        writes_db=True,
    ),
    Command("ledger show", ("ledger", "show", "--db", "{db}"), needs_db=True),
    Command("ledger check", ("ledger", "check", "--db", "{db}"), needs_db=True),
    Command(
        "ledger add-expense",
        (
            "ledger",
            "add-expense",
            "--action",
            "1.2",
            "--funder",
            "etat",
            "--date",
            "2020-11-15",
            "--label",
            "Formation",
            "--amount",
            "7500",
            "--db",
            "{db}",
        ),
        writes_db=True,
    ),
    Command(
        "ledger set-indicator",
        (
            "ledger",
            "set-indicator",
            "--indicator",
            "1.1.a",
            "--period",
            "2020",
            "--value",
            "3",
            "--db",
            "{db}",
        ),
        writes_db=True,
    ),
    Command("offers score", ("offers", "score", "{scenario}", "{csv}"), csv=OFFERS),
    Command("offers generate", ("offers", "generate", "{scenario}", "{out_file}")),
    Command(
        "offers add",
        ("offers", "add", "{scenario}", "{csv}", "--db", "{db}"),
        csv=OFFERS.replace("P01", "P02")
        .replace("Carottes,", "Poireaux,")
        .replace(",200,", ",120,"),
        writes_db=True,
    ),
    Command("offers list", ("offers", "list", "--db", "{db}")),
    Command(
        "offers accept",
        ("offers", "accept", "2020-W41", "P01", "--scenario", "{scenario}", "--db", "{db}"),
        writes_db=True,
    ),
    Command(
        "offers refuse", ("offers", "refuse", "2020-W41", "P01", "--db", "{db}"), writes_db=True
    ),
    Command(
        "offers simulate",
        (
            "offers",
            "simulate",
            "{scenario}",
            "--from",
            "2020-W41",
            "--weeks",
            "1",
            "--per-week",
            "2",
            "--db",
            "{db}",
        ),
        writes_db=True,
    ),
    Command(
        "declarations export",
        (
            "declarations",
            "export",
            "2020-W42",
            "--base",
            "{scenario}",
            "--out",
            "{out_file}",
            "--db",
            "{db}",
        ),
    ),
    Command(
        "users add",
        ("users", "add", "max", "--role", "coordinator", "--db", "{db}"),
        writes_db=True,
    ),
    Command("users list", ("users", "list", "--db", "{db}")),
    Command("users disable", ("users", "disable", "lea", "--db", "{db}"), writes_db=True),
    Command("users invite", ("users", "invite", "lea", "--db", "{db}"), writes_db=True),
    # serve would start listening with a usable database: only the faults that stop it first
    Command(
        "serve", ("serve", "--port", "0", "--db", "{db}"), only=("damaged database", "newer schema")
    ),
    Command(
        "ledger delete-expense",
        ("ledger", "delete-expense", "1", "--reason", "doublon", "--db", "{db}"),
        writes_db=True,
        needs_db=True,
    ),
    Command(
        "ledger correct-expense",
        ("ledger", "correct-expense", "1", "--amount", "7250", "--reason", "x", "--db", "{db}"),
        writes_db=True,
        needs_db=True,
    ),
    Command(
        "ledger import", ("ledger", "import", "{csv}", "--db", "{db}"), csv=EXPENSES, writes_db=True
    ),
    Command(
        "ledger report",
        ("ledger", "report", "--no-refresh", "--out", "{out}", "--db", "{db}"),
        needs_db=True,
    ),
)


@dataclass
class Setup:
    """The inputs of one case, and what must hold afterwards."""

    paths: dict[str, Path]
    db_url: str
    expected: str  # a word the message must hold


@dataclass(frozen=True)
class Fault:
    name: str
    slot: str  # which input it breaks
    applies: Callable[[Command], bool]
    make: Callable[[Setup], contextlib.AbstractContextManager[None]]


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


def _break(action: Callable[[Setup], None], expected: str) -> Callable[[Setup], Any]:
    def make(setup: Setup) -> contextlib.AbstractContextManager[None]:
        action(setup)
        setup.expected = expected
        return _nothing()

    return make


def _binary(path: Path) -> None:
    path.write_bytes(b"\x00\x01PK\x03\x04\xff\xfe" * 64)


def _corrupt(setup: Setup) -> None:
    data = bytearray(setup.paths["db"].read_bytes())
    data[4096 : 4096 * 3] = b"\xde\xad" * 4096  # damaged pages behind a valid header
    setup.paths["db"].write_bytes(bytes(data))


def _newer(setup: Setup) -> None:
    with contextlib.closing(sqlite3.connect(setup.paths["db"])) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
        conn.commit()


def _read_only(setup: Setup) -> None:
    setup.db_url = f"sqlite:///file:{setup.paths['db']}?mode=ro&uri=true"


def _out_is_file(setup: Setup) -> None:
    setup.paths["out"].write_text("à garder")


@contextlib.contextmanager
def _full_disk(setup: Setup) -> Iterator[None]:
    setup.expected = ""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, hard))  # any real output is larger
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


@contextlib.contextmanager
def _interrupted(setup: Setup) -> Iterator[None]:
    setup.expected = "Interrupted"

    def stop(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("aide_alim.output._swap", stop)  # every output is complete, then ^C
        patch.setattr("aide_alim.output.os.replace", stop)
        yield


def _writes(command: Command) -> bool:
    return command.takes("out") or command.takes("out_file") or command.writes_db


def _scenario_file(name: str) -> Callable[[Setup], None]:
    return lambda s: _binary(s.paths["scenario"] / name)


FAULTS = (
    Fault(
        "missing scenario",
        "scenario",
        lambda c: True,
        _break(lambda s: shutil.rmtree(s.paths["scenario"]), "tiny"),
    ),
    Fault(
        "binary lots.csv",
        "scenario",
        lambda c: True,
        _break(_scenario_file("lots.csv"), "lots.csv"),
    ),
    Fault("missing csv", "csv", lambda c: True, _break(lambda s: s.paths["csv"].unlink(), "csv")),
    Fault("binary csv", "csv", lambda c: True, _break(lambda s: _binary(s.paths["csv"]), "csv")),
    Fault(
        "header-only csv",
        "csv",
        lambda c: c.name != "sweep",  # its spec is TOML
        _break(
            lambda s: s.paths["csv"].write_text(s.paths["csv"].read_text().split("\n")[0]), "csv"
        ),
    ),
    Fault("damaged database", "db", lambda c: True, _break(_corrupt, "damaged")),
    Fault("newer schema", "db", lambda c: True, _break(_newer, "newer aide-alim")),
    Fault("read-only database", "db", lambda c: c.writes_db, _break(_read_only, "read-only")),
    Fault(
        "missing database",
        "db",
        lambda c: c.needs_db,
        _break(lambda s: s.paths["db"].unlink(), "no history database"),
    ),
    Fault("out is a file", "out", lambda c: True, _break(_out_is_file, "folder")),
    Fault("full disk", "any", _writes, _full_disk),
    # synth replaces a scenario's files one by one (scenario/write.py), never a whole folder
    Fault(
        "interrupted write",
        "any",
        lambda c: (c.takes("out") or c.takes("out_file")) and c.name != "synth",
        _interrupted,
    ),
)

CASES = [
    pytest.param(command, fault, id=f"{command.name}|{fault.name}")
    for command in COMMANDS
    for fault in FAULTS
    if (fault.slot == "any" or command.takes(fault.slot))
    and fault.applies(command)
    and (not command.only or fault.name in command.only)
]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A history with the tiny week published, an offer, an account and an expenditure
    (copied for each case)."""
    db = tmp_path_factory.mktemp("history") / "history.sqlite"
    offers = db.parent / "offres.csv"
    offers.write_text(OFFERS)
    for args in (
        ["publish", str(TINY), "--no-routes"],
        ["offers", "add", str(TINY), str(offers)],
        ["users", "add", "lea", "--role", "coordinator"],
        [
            "ledger",
            "add-expense",
            "--action",
            "1.1",
            "--funder",
            "etat",
            "--label",
            "Mobilier",
            "--date",
            "2020-11-15",
            "--amount",
            "7500",
        ],
    ):
        result = CliRunner().invoke(main, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
    return db


def _entries(folder: Path) -> list[str]:
    """What a folder holds, but SQLite's own -wal/-shm files (its journal, not our output)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm")))


def _digest(path: Path) -> str | None:
    if not path.exists():
        return None
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    files = sorted(p for p in path.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()


@pytest.mark.parametrize(("command", "fault"), CASES)
def test_every_command_fails_cleanly(
    command: Command, fault: Fault, published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # outputs named relative to the work folder stay inside it
    paths = {
        "scenario": work / "tiny",
        "db": work / "history.sqlite",
        "csv": work / "input.csv",
        "out": work / "sortie",
        "out_file": work / "sortie.html",
    }
    shutil.copytree(TINY, paths["scenario"])
    shutil.copy(published, paths["db"])
    paths["csv"].write_text(command.csv or RECEIPTS)
    setup = Setup(paths, str(paths["db"]), "")
    with fault.make(setup):
        before = {slot: _digest(path) for slot, path in paths.items()}
        entries = _entries(work)
        args = [
            a.format(**{k: str(v) for k, v in paths.items()} | {"db": setup.db_url})
            for a in command.args
        ]
        result = CliRunner().invoke(main, args)
    output = result.output
    assert result.exit_code != 0, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output and "Exception ignored" not in output
    errors = [line for line in output.splitlines() if line.startswith(("Error", "Interrupted"))]
    assert len(errors) == 1, output
    assert setup.expected.lower() in output.lower(), output
    assert _digest(paths["db"]) == before["db"], "the database changed"
    for slot in ("out", "out_file", "scenario", "csv"):
        assert _digest(paths[slot]) == before[slot], f"{slot} changed"
    assert _entries(work) == entries, "half-written output left behind"


def test_the_table_covers_every_command() -> None:
    names = {c.name for c in COMMANDS}
    every = set()
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            every |= {f"{name} {sub}" for sub in command.commands}
        else:
            every.add(name)
    assert every <= names, every - names
    assert len(CASES) >= 80


def test_a_full_disk_under_stdout_is_one_message(tmp_path: Path) -> None:
    # Issue 15, item 5: "Exception ignored … Traceback" after a failed write of stdout.
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.RLIM_INFINITY))

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as users run it
    code = "from aide_alim.cli import main; main()"
    with (tmp_path / "out.txt").open("w") as stdout:
        done = subprocess.run(
            [sys.executable, "-c", code, "validate", str(TINY)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=small_files,
            timeout=120,
        )
    assert done.returncode == 1
    assert done.stderr.count("Error:") == 1 and "File too large" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
