"""Fixtures of the portal tests: a published week (the shipped tiny scenario, allocated and
routed once per session), one account per role, logged-in HTTP clients.

The database is SQLite always and PostgreSQL too when ``AIDE_ALIM_TEST_POSTGRES_URL`` is set
(the ``db`` fixture of ``history_helpers``). Argon2 runs with cheap parameters here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("argon2")

from argon2 import PasswordHasher
from history_helpers import db  # noqa: F401
from starlette.testclient import TestClient

from aide_alim.db import Database
from aide_alim.portal import auth, create_app

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "scenarios" / "tiny"
WEEK = "2020-W41"
PASSWORD = "un mot de passe solide"
ACCOUNTS = {
    "a1": ("association", "A1"),
    "a2": ("association", "A2"),
    "coord": ("coordinator", None),
    "pilot": ("steering", None),
}

auth.set_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def tiny_week() -> Any:
    """The tiny scenario, its allocation and rounds (computed once)."""
    from aide_alim.planning import allocate_and_route
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(TINY)
    routed = allocate_and_route(scenario)
    return scenario, routed.allocation, routed.plan


@pytest.fixture
def portal_db(db: Database, tiny_week: Any) -> Database:  # noqa: F811
    """A database with the tiny week published and one account per role."""
    from aide_alim.history import publish_week

    scenario, allocation, plan = tiny_week
    publish_week(db, scenario, allocation, plan)
    with db.transaction() as conn:
        for login, (role, association) in ACCOUNTS.items():
            auth.add_user(conn, login, role, association=association, password=PASSWORD,
                          name=f"Compte {login}")  # fmt: skip
    return db


@pytest.fixture
def app(portal_db: Database, tmp_path: Path) -> Any:
    return create_app(portal_db, tmp_path / "portal-data", run_inline=True)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def log_in(client: TestClient, login: str, password: str = PASSWORD) -> Any:
    page = client.get("/connexion")
    return client.post(
        "/connexion", data={"csrf": csrf_of(page.text), "login": login, "password": password}
    )


@pytest.fixture
def client_for(app: Any) -> Iterator[Callable[[str | None], TestClient]]:
    """``client_for("a1")``: a client logged in as that account (``None``: anonymous)."""
    clients: list[TestClient] = []

    def make(login: str | None) -> TestClient:
        client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False,
                            follow_redirects=False)  # fmt: skip
        client.__enter__()
        clients.append(client)
        if login is not None:
            response = log_in(client, login)
            assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
