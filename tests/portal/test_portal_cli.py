"""``aide-alim users`` and ``aide-alim declarations export`` from the shell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import TINY

from aide_alim.cli import main


def _run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=stdin)


def test_users_add_invite_disable_list(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    added = _run("users", "add", "coord@x.fr", "--role", "coordinator", "--password-stdin",
                 "--db", db, stdin="une phrase assez longue\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert _run("users", "add", "a@x.fr", "--role", "association", "--db", db).exit_code == 1
    assert _run("users", "add", "a@x.fr", "--role", "association", "--association", "A1",
                "--db", db).exit_code == 0  # fmt: skip
    again = _run("users", "add", "a@x.fr", "--role", "steering", "--db", db)
    assert again.exit_code == 1 and "already exists" in again.output
    weak = _run("users", "add", "b@x.fr", "--role", "steering", "--password-stdin", "--db", db,
                stdin="court\n")  # fmt: skip
    assert weak.exit_code == 1
    link = _run("users", "invite", "a@x.fr", "--url", "https://portail.exemple.fr/", "--db", db)
    assert link.exit_code == 0 and link.output.startswith("https://portail.exemple.fr/invitation/")
    assert _run("users", "disable", "a@x.fr", "--db", db).exit_code == 0
    listing = _run("users", "list", "--db", db)
    assert "a@x.fr\tassociation\tA1\tdisabled" in listing.output
    assert "coord@x.fr\tcoordinator\t\tactive" in listing.output
    assert _run("users", "disable", "nobody", "--db", db).exit_code == 1


def test_declarations_export_applies_the_latest_declaration(portal_db: Any, tmp_path: Path) -> None:
    from aide_alim.portal.declarations import parse_declaration, record_declaration

    first = parse_declaration("2020-W42", "A2", {
        "beneficiaries": "10", "dry_kg": "1", "chilled_kg": "1", "frozen_kg": "1",
        "budget_eur": "0"}, set())  # fmt: skip
    form = {
        "beneficiaries": "210", "dry_kg": "450", "chilled_kg": "120", "frozen_kg": "60",
        "budget_eur": "25", "closed_days": ["thu"], "refuses": ["surgeles"],
    }  # fmt: skip
    latest = parse_declaration("2020-W42", "A2", form, {"surgeles"})
    with portal_db.transaction() as conn:
        record_declaration(conn, first, 1)
        record_declaration(conn, latest, 1)
    out = tmp_path / "associations.csv"
    url = portal_db.engine.url.render_as_string(hide_password=False)
    result = _run("declarations", "export", "2020-W42", "--out", str(out), "--db", url)
    assert result.exit_code == 0, result.output
    assert "1 with a declaration" in result.output
    rows = {line.split(",")[0]: line for line in out.read_text(encoding="utf-8").splitlines()}
    assert ",210,450,120,60,tue,14:00-17:00,true,25,surgeles," in rows["A2"]
    original = (TINY / "associations.csv").read_text(encoding="utf-8").splitlines()
    assert rows["A1"].split(",")[6] == original[1].split(",")[6]  # A1 declared nothing
    from aide_alim.scenario import load_scenario

    folder = tmp_path / "next"
    folder.mkdir()
    for path in TINY.iterdir():
        if path.suffix in (".csv", ".toml"):
            (folder / path.name).write_bytes(path.read_bytes())
    (folder / "associations.csv").write_bytes(out.read_bytes())
    assert load_scenario(folder).association_by_id["A2"].beneficiaries == 210


def test_demo_publishes_once_and_creates_the_missing_accounts(tmp_path: Path) -> None:
    from aide_alim.db import open_database
    from aide_alim.history import publications
    from aide_alim.portal import auth
    from aide_alim.portal.demo import prepare

    with open_database(f"sqlite:///{tmp_path / 'demo.sqlite'}") as db:
        first = prepare(db, TINY)
        assert first.published and first.week == "2020-W41"
        assert first.created == ("coordination", "pilotage", "A1", "A2", "A3")
        assert auth.authenticate(db, "A2", first.password, "test") is not None
        again = prepare(db, TINY)
        assert not again.published and again.created == ()
        assert len(publications(db)) == 1
        assert {u.role for u in auth.list_users(db)} == {"coordinator", "steering", "association"}


def test_users_and_serve_speak_french_by_default_and_english_when_asked(
    tmp_path: Path, speak: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # no server in a test
    db = str(tmp_path / "h.sqlite")
    speak("C.UTF-8")
    added = _run("users", "add", "c@x.fr", "--role", "coordinator", "--db", db)
    assert added.output == "Compte c@x.fr créé (coordination).\n"
    assert _run("users", "disable", "c@x.fr", "--db", db).output == "Compte c@x.fr désactivé.\n"
    assert (
        _run("users", "list", "--db", db).output
        == "c@x.fr\tcoordination\t\tdésactivé\t\n1 compte.\n"
    )
    served = _run("serve", "--db", db, "--data-dir", str(tmp_path / "data"))
    assert served.exit_code == 0, served.output
    assert served.output.startswith("Portail sur http://127.0.0.1:8000/, base sqlite:///")
    assert "(dépôts et calculs dans " in served.output
    nobody = _run("users", "invite", "nobody", "--db", db).output
    assert nobody == "Erreur : Aucun compte avec l'identifiant 'nobody'.\n"
    speak("en_US.UTF-8")
    assert (
        _run("users", "disable", "c@x.fr", "--enable", "--db", db).output == "c@x.fr is enabled.\n"
    )
    assert (
        _run("users", "list", "--db", db).output == "c@x.fr\tcoordinator\t\tactive\t\n1 account.\n"
    )
    served = _run("serve", "--db", db, "--data-dir", str(tmp_path / "data"))
    assert served.output.startswith("Portal on http://127.0.0.1:8000/ over sqlite:///")
    nobody = _run("users", "invite", "nobody", "--db", db).output
    assert nobody == "Error: No account with the login 'nobody'.\n"
