"""Login, throttling, invitations, CSRF, headers and cookies, errors without traces, escaping."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from conftest import PASSWORD, WEEK, csrf_of, log_in

from aide_alim.portal import auth
from aide_alim.portal import tables as t


def _count(db: Any, table: sa.Table) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_login_page_is_french_and_phone_ready(client_for: Any) -> None:
    page = client_for(None).get("/connexion")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text and "Se connecter" in page.text
    assert 'name="viewport"' in page.text


def test_wrong_password_is_refused_and_audited(client_for: Any, portal_db: Any) -> None:
    client = client_for(None)
    response = log_in(client, "a1", "pas le bon mot de passe")
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.text
    assert "aide_alim_session" not in response.headers.get("set-cookie", "")
    assert log_in(client, "inconnu", "peu importe").status_code == 401
    with portal_db.read() as conn:
        actions = [r.action for r in conn.execute(sa.select(t.portal_audit)).all()]
    assert actions.count("login_failed") == 2


def test_login_is_throttled_after_repeated_failures(client_for: Any, portal_db: Any) -> None:
    client = client_for(None)
    for _ in range(auth.MAX_FAILURES_PER_LOGIN):
        assert log_in(client, "a1", "mauvais").status_code == 401
    blocked = log_in(client, "a1", PASSWORD)  # even the right password now waits
    assert blocked.status_code == 429 and "Trop de tentatives" in blocked.text
    assert log_in(client, "a2", PASSWORD).status_code == 303  # other accounts are not locked
    assert _count(portal_db, t.portal_login_failure) == auth.MAX_FAILURES_PER_LOGIN


def test_session_cookie_is_secure_httponly_samesite(client_for: Any) -> None:
    client = client_for(None)
    response = log_in(client, "a1")
    cookie = response.headers["set-cookie"]
    assert "aide_alim_session=" in cookie
    for flag in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower(), flag


def test_security_headers_on_every_page(client_for: Any) -> None:
    client = client_for("a1")
    for url in ("/connexion", "/asso/A1/", f"/asso/A1/semaine/{WEEK}", "/nulle-part"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"


def test_forged_csrf_token_is_refused_and_nothing_written(client_for: Any, portal_db: Any) -> None:
    client = client_for("a1")
    page = client.get(f"/asso/A1/semaine/{WEEK}").text
    data = {"csrf": "forged-token", "count": "1", "lot_0": "L1", "kg_0": "10", "status_0": "recu"}
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data=data)
    assert response.status_code == 403 and "Formulaire expiré" in response.text
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data={**data, "csrf": ""})
    assert response.status_code == 403
    other = client_for("a2")
    stolen = csrf_of(other.get("/asso/A2/").text)  # a real token, of another session
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data={**data, "csrf": stolen})
    assert response.status_code == 403
    assert 'name="csrf"' in page
    from aide_alim.history import schema as h

    assert _count(portal_db, h.receipt) == 0
    login_forged = client_for(None).post(
        "/connexion", data={"csrf": "forged", "login": "a1", "password": PASSWORD}
    )
    assert login_forged.status_code == 403


def test_invitation_sets_a_password_once(client_for: Any, portal_db: Any) -> None:
    with portal_db.transaction() as conn:
        auth.add_user(conn, "nouvelle@asso.fr", "association", association="A3")
        token = auth.invite(conn, "nouvelle@asso.fr")
    client = client_for(None)
    assert log_in(client, "nouvelle@asso.fr", "nimporte quoi ici").status_code == 401
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200
    form = {"csrf": csrf_of(page.text), "password": "court", "password2": "court"}
    short = client.post(f"/invitation/{token}", data=form)
    assert short.status_code == 400 and "10 caractères" in short.text
    page = client.get(f"/invitation/{token}")
    good = "une phrase de passe longue"
    form = {"csrf": csrf_of(page.text), "password": good, "password2": good}
    done = client.post(f"/invitation/{token}", data=form)
    assert done.status_code == 303
    assert "mot de passe est enregistré" in client.get(done.headers["location"]).text
    assert client.get(f"/invitation/{token}").status_code == 404  # used once
    assert log_in(client, "nouvelle@asso.fr", good).headers["location"] == "/asso/A3/"
    with portal_db.read() as conn:
        u = t.portal_user
        stored = conn.execute(
            sa.select(u.c.password_hash).where(u.c.login == "nouvelle@asso.fr")
        ).scalar_one()
    assert stored.startswith("$argon2id$") and good not in stored


def test_unexpected_error_shows_no_trace(client_for: Any, monkeypatch: Any) -> None:
    from aide_alim.portal import plans

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(plans, "association_plan", boom)
    response = client_for("a1").get(f"/asso/A1/semaine/{WEEK}")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.text and "Référence" in response.text
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
    assert "content-security-policy" in response.headers


def test_unknown_pages_and_methods_answer_in_french(client_for: Any) -> None:
    client = client_for("a1")
    missing = client.get("/pas/ici")
    assert missing.status_code == 404 and "Page introuvable" in missing.text
    wrong = client.put("/connexion")
    assert wrong.status_code == 405 and "Action impossible" in wrong.text


def test_script_in_names_is_rendered_inert(client_for: Any, portal_db: Any) -> None:
    """An account name, a receipt reason and a declaration comment with markup stay text."""
    with portal_db.transaction() as conn:
        conn.execute(
            t.portal_user.update().where(t.portal_user.c.login == "a1")
            .values(name='<script>alert("x")</script>')
        )  # fmt: skip
    client = client_for("a1")
    page = client.get(f"/asso/A1/semaine/{WEEK}")
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_script_and_formula_in_scenario_names_stay_inert(
    client_for: Any, portal_db: Any, tiny_week: Any
) -> None:
    """A week whose association name holds markup and a formula: escaped on the coordinator's
    pages and the association's, neutralised in the receipts export."""
    import dataclasses

    from aide_alim.history import publish_week, record_receipts

    scenario, allocation, plan = tiny_week
    name = "<script>alert(1)</script>=1+1"
    renamed = tuple(
        dataclasses.replace(a, name=name) if a.id == "A1" else a for a in scenario.associations
    )
    publish_week(portal_db, scenario.replace(associations=renamed), allocation, plan, replace=True)
    import pandas as pd

    record_receipts(portal_db, WEEK, pd.DataFrame(
        {"lot": ["L1"], "association": ["A1"], "kg_received": [2.0], "comment": ["@SUM(A1:A9)"]}
    ))  # fmt: skip
    for client, url in ((client_for("coord"), f"/coord/semaine/{WEEK}"),
                        (client_for("a1"), f"/asso/A1/semaine/{WEEK}")):  # fmt: skip
        text = client.get(url).text
        assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    export = client_for("coord").get(f"/coord/semaine/{WEEK}/receptions.csv").text
    assert ";'@SUM(A1:A9);" in export
