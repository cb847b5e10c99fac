"""Who may see what: every role × every route, and an association forging ids in URLs and forms.

Allowed pages answer 200; refused ones 403 (anonymous visitors are sent to the login page), and
a refused POST — even with the attacker's own valid CSRF token — writes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from conftest import TINY, WEEK, csrf_of

from aide_alim.history import schema as h
from aide_alim.portal import tables as t

NEXT = "2020-W42"


def _setup(app: Any, client_for: Any) -> dict[str, str]:
    """An upload and a queued job to address, as the coordinator would make them."""
    coord = client_for("coord")
    page = coord.get("/coord/import")
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in sorted(TINY.iterdir())
             if p.suffix in (".csv", ".toml")]  # fmt: skip
    response = coord.post("/coord/import", data={"csrf": csrf_of(page.text)}, files=files)
    assert response.status_code == 303, response.text
    token = response.headers["location"].rsplit("/", 1)[-1]
    worker = app.app.state.worker
    from aide_alim.portal.auth import find_user

    with app.app.state.settings.db.read() as conn:
        user = find_user(conn, "coord")
    assert user is not None
    job = worker.submit("run", WEEK, token, user)
    return {"token": token, "job": str(job)}


GETS = {
    "association": [
        "/asso/{aid}/", f"/asso/{{aid}}/semaine/{WEEK}", f"/asso/{{aid}}/semaine/{WEEK}/plan.pdf",
        "/asso/{aid}/declaration",
    ],
    "coordinator": [
        "/coord/", "/coord/import", "/coord/import/{token}", "/coord/travail/{job}",
        f"/coord/semaine/{WEEK}", f"/coord/semaine/{WEEK}/receptions.csv",
        f"/coord/declarations/{NEXT}", f"/coord/declarations/{NEXT}/associations.csv",
        "/coord/journal",
    ],
    # read by the coordinator and the steering (the offers page belongs to [offers])
    "steering": ["/pilotage/", "/pilotage/registre", "/pilotage/rapport.pdf", "/coord/offres"],
}  # fmt: skip
POSTS = [
    f"/asso/{{aid}}/semaine/{WEEK}/reception", "/asso/{aid}/declaration", "/coord/import",
    "/coord/import/{token}/calcul", "/coord/import/{token}/publier",
    "/coord/travail/{job}/publier",
]  # fmt: skip
#: account → the route groups it may use (the association only with its own id).
ALLOWED = {
    "a1": {"association"},
    "coord": {"coordinator", "steering"},
    "pilot": {"steering"},
}


def _writes(db: Any) -> tuple[int, ...]:
    with db.read() as conn:
        return tuple(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (h.receipt, h.publication, t.portal_declaration, t.portal_job)
        )


def test_anonymous_visitors_are_sent_to_login(app: Any, client_for: Any, portal_db: Any) -> None:
    ids = {**_setup(app, client_for), "aid": "A1"}
    before = _writes(portal_db)
    anonymous = client_for(None)
    for group in GETS.values():
        for url in group:
            response = anonymous.get(url.format(**ids))
            assert response.status_code == 303, url
            assert response.headers["location"] == "/connexion"
    for url in POSTS:
        response = anonymous.post(url.format(**ids), data={"csrf": "x"})
        assert response.status_code == 303, url
    assert _writes(portal_db) == before


@pytest.mark.parametrize("account", sorted(ALLOWED))
def test_each_role_on_each_route(app: Any, client_for: Any, portal_db: Any, account: str) -> None:
    if portal_db.dialect != "sqlite":  # access rules do not depend on the database; keep CI short
        pytest.skip("the matrix runs on SQLite; PostgreSQL runs the pages' writes elsewhere")
    ids = {**_setup(app, client_for), "aid": "A1"}
    client = client_for(account)
    for group, urls in GETS.items():
        for url in urls:
            response = client.get(url.format(**ids))
            expected = 200 if group in ALLOWED[account] else 403
            assert response.status_code == expected, (account, url, response.text[:300])
    before = _writes(portal_db)
    home = {"a1": "/asso/A1/", "coord": "/coord/", "pilot": "/pilotage/"}[account]
    csrf = csrf_of(client.get(home).text)  # the attacker's own valid token
    for url in POSTS:
        group = "association" if url.startswith("/asso") else "coordinator"
        if group in ALLOWED[account]:
            continue
        response = client.post(url.format(**ids), data={"csrf": csrf})
        assert response.status_code == 403, (account, url)
    assert _writes(portal_db) == before


def test_association_cannot_reach_another_association(client_for: Any, portal_db: Any) -> None:
    """A1 changes the association id in every URL, with its own valid CSRF token."""
    client = client_for("a1")
    csrf = csrf_of(client.get("/asso/A1/").text)
    before = _writes(portal_db)
    for url in GETS["association"]:
        response = client.get(url.format(aid="A2"))
        assert response.status_code == 403, url
        assert "Accès refusé" in response.text
    post = {"csrf": csrf, "count": "1", "lot_0": "L1", "kg_0": "1", "status_0": "recu",
            "beneficiaries": "1", "dry_kg": "1", "chilled_kg": "1", "frozen_kg": "1",
            "budget_eur": "0"}  # fmt: skip
    for url in POSTS[:2]:
        assert client.post(url.format(aid="A2"), data=post).status_code == 403, url
    assert _writes(portal_db) == before


def test_association_cannot_confirm_a_lot_of_another_plan(
    client_for: Any, portal_db: Any, tiny_week: Any
) -> None:
    """A1 posts to its own form a lot that only A2 receives: refused, nothing written."""
    _, allocation, _ = tiny_week
    lines = allocation.lines
    a1 = set(lines.loc[lines["association"] == "A1", "lot"])
    others = sorted(set(lines["lot"]) - a1)
    foreign = others[0] if others else "L-inconnu"
    client = client_for("a1")
    csrf = csrf_of(client.get(f"/asso/A1/semaine/{WEEK}").text)
    before = _writes(portal_db)
    data = {"csrf": csrf, "count": "1", "lot_0": foreign, "kg_0": "5", "status_0": "recu",
            "association": "A2"}  # fmt: skip
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data=data)
    assert response.status_code == 403
    assert _writes(portal_db) == before


def test_association_sees_only_its_own_plan(client_for: Any, tiny_week: Any) -> None:
    scenario, allocation, _ = tiny_week
    lines = allocation.lines
    only_a2 = set(lines.loc[lines["association"] == "A2", "lot"]) - set(
        lines.loc[lines["association"] == "A1", "lot"]
    )
    text = client_for("a1").get(f"/asso/A1/semaine/{WEEK}").text
    for lot in only_a2:
        assert scenario.lot_by_id[lot].product not in text
    assert scenario.association_by_id["A2"].name not in text


def test_disabled_account_loses_its_session(client_for: Any, portal_db: Any) -> None:
    from aide_alim.portal import auth

    client = client_for("a1")
    assert client.get("/asso/A1/").status_code == 200
    with portal_db.transaction() as conn:
        auth.set_active(conn, "a1", False)
    assert client.get("/asso/A1/").status_code == 303


def test_logout_ends_the_session(client_for: Any) -> None:
    client = client_for("a1")
    csrf = csrf_of(client.get("/asso/A1/").text)
    cookie = client.cookies.get("aide_alim_session")
    assert client.post("/deconnexion", data={"csrf": csrf}).status_code == 303
    client.cookies.set("aide_alim_session", cookie or "", domain="testserver")
    assert client.get("/asso/A1/").status_code == 303
