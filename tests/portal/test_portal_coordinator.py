"""The coordinator's pages through HTTP: upload and check, run, publish, follow-up, exports."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import TINY, WEEK, csrf_of
from starlette.testclient import TestClient

from aide_alim.history import schema as h
from aide_alim.portal import tables as t


def tiny_files(**replace: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    """The tiny week's files as an upload (``replace``: file name → new text)."""
    out = []
    for path in sorted(TINY.iterdir()):
        if path.suffix in (".csv", ".toml"):
            text = replace.get(path.name, path.read_text(encoding="utf-8"))
            out.append(("files", (path.name, text.encode(), "text/csv")))
    return out


def tiny_workbook(tmp_path: Path, week: str = WEEK) -> bytes:
    from aide_alim.scenario import load_scenario
    from aide_alim.scenario.write import write_workbook

    scenario = load_scenario(TINY).replace(week=week)
    return write_workbook(scenario, tmp_path / "semaine.xlsx").read_bytes()


def upload(client: TestClient, files: Any) -> Any:
    csrf = csrf_of(client.get("/coord/import").text)
    return client.post("/coord/import", data={"csrf": csrf}, files=files)


def test_dashboard_follows_the_published_week(client_for: Any) -> None:
    page = client_for("coord").get("/coord/")
    assert page.status_code == 200
    assert f"/coord/semaine/{WEEK}" in page.text
    assert "0 / 3" in page.text  # nobody has confirmed or declared yet


def test_upload_with_errors_shows_each_located_problem(client_for: Any, app: Any) -> None:
    lots = (TINY / "lots.csv").read_text(encoding="utf-8").replace(",80,5,", ",-80,5,")
    response = upload(client_for("coord"), tiny_files(**{"lots.csv": lots}))
    assert response.status_code == 400
    table = response.text[response.text.index('id="problems"') :]
    assert "<td>lots.csv</td>" in table and '<td class="num">4</td>' in table
    assert "<td>kg</td>" in table and "-80" in table
    assert "rien n'a été importé" in response.text
    uploads = app.app.state.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())  # nothing kept


def test_upload_of_unexpected_files_is_refused(client_for: Any) -> None:
    files = [("files", ("notes.txt", b"hello", "text/plain"))]
    response = upload(client_for("coord"), files)
    assert response.status_code == 400 and "fichier inattendu" in response.text
    assert upload(client_for("coord"), []).status_code == 400


def test_truncated_workbook_is_refused_with_a_message(client_for: Any, tmp_path: Path) -> None:
    data = tiny_workbook(tmp_path)
    response = upload(client_for("coord"), [("files", ("semaine.xlsx", data[: len(data) // 2],
                                                       "application/octet-stream"))])  # fmt: skip
    assert response.status_code == 400
    assert "semaine.xlsx" in response.text and "Traceback" not in response.text


def test_oversized_upload_is_refused_and_nothing_kept(client_for: Any, app: Any) -> None:
    limit = app.app.state.settings.max_body
    files = [("files", ("lots.csv", b"x" * (limit + 10), "text/csv"))]
    response = upload(client_for("coord"), files)
    assert response.status_code == 413
    assert "trop gros" in response.text or "Mo" in response.text
    uploads = app.app.state.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_run_then_publish_a_week_from_a_workbook(
    client_for: Any, portal_db: Any, tmp_path: Path, app: Any
) -> None:
    client = client_for("coord")
    response = upload(client, [("files", ("semaine.xlsx", tiny_workbook(tmp_path, "2020-W42"),
                                          "application/octet-stream"))])  # fmt: skip
    assert response.status_code == 303, response.text
    checked = client.get(response.headers["location"])
    assert checked.status_code == 200 and "2020-W42" in checked.text
    token = response.headers["location"].rsplit("/", 1)[-1]
    csrf = csrf_of(checked.text)
    run = client.post(f"/coord/import/{token}/calcul", data={"csrf": csrf})
    assert run.status_code == 303
    page = client.get(run.headers["location"])
    assert "Terminé." in page.text, page.text
    assert "Comparaison des règles" in page.text and "premier arrivé" in page.text
    # Each row says what it measured: the kept rule after its rounds, the others before.
    assert "Mesuré" in page.text and "après tournées" in page.text
    assert "avant tournées" in page.text
    summary = client.get(run.headers["location"] + "/synthese")
    assert summary.status_code == 200
    assert "sandbox" in summary.headers["content-security-policy"]
    # "Publier ce plan" publishes the plan the run wrote, the one just reviewed.
    published = client.post(run.headers["location"] + "/publier", data={"csrf": csrf})
    page = client.get(published.headers["location"])
    assert "Semaine 2020-W42 publiée" in page.text, page.text
    import json

    run_dir = app.app.state.settings.data_dir / "runs" / run.headers["location"].rsplit("/", 1)[1]
    reviewed = json.loads((run_dir / "portal_summary.json").read_text(encoding="utf-8"))
    with portal_db.read() as conn:
        kg = conn.execute(
            sa.select(sa.func.sum(h.allocation_line.c.kg))
            .join(h.publication, h.publication.c.id == h.allocation_line.c.publication_id)
            .where(h.publication.c.active_week == "2020-W42")
        ).scalar_one()  # fmt: skip
    assert kg == pytest.approx(reviewed["kg"])
    with portal_db.read() as conn:
        weeks = conn.execute(
            sa.select(h.publication.c.week, h.publication.c.note)
            .where(h.publication.c.active_week.is_not(None))
        ).all()  # fmt: skip
    assert ("2020-W42", "portail (coord)") in [tuple(w) for w in weeks]
    # Publishing the same week again is refused by the history; nothing more is written.
    again = client.post(f"/coord/import/{token}/publier", data={"csrf": csrf})
    page = client.get(again.headers["location"])
    assert "Échec." in page.text and "already published" in page.text
    with portal_db.read() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).where(h.publication.c.week == "2020-W42")
        ).scalar_one()
        actions = [r.action for r in conn.execute(sa.select(t.portal_audit)).all()]
    assert count == 1
    assert {"upload", "run_queued", "run_done", "publish_done", "publish_failed"} <= set(actions)


def test_two_publications_of_a_week_cannot_be_queued(client_for: Any, app: Any) -> None:
    from aide_alim.portal.auth import find_user
    from aide_alim.portal.worker import JobRefused

    worker = app.app.state.worker
    with app.app.state.settings.db.read() as conn:
        user = find_user(conn, "coord")
    worker.submit("publish", "2020-W43", "token", user)
    with pytest.raises(JobRefused):
        worker.submit("publish", "2020-W43", "token", user)
    worker.submit("run", "2020-W43", "token", user)  # a run takes no lock


def test_background_worker_runs_a_job_and_the_page_follows(portal_db: Any, tmp_path: Path) -> None:
    """With the real worker thread (not inline): the job page refreshes until done."""
    from conftest import log_in

    from aide_alim.portal import create_app

    app = create_app(portal_db, tmp_path / "data")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        assert log_in(client, "coord").status_code == 303
        response = upload(client, tiny_files())
        token = response.headers["location"].rsplit("/", 1)[-1]
        csrf = csrf_of(client.get(response.headers["location"]).text)
        job = client.post(f"/coord/import/{token}/calcul", data={"csrf": csrf}).headers["location"]
        first = client.get(job).text
        assert 'http-equiv="refresh"' in first or "Terminé." in first
        deadline = time.monotonic() + 120
        while "Terminé." not in (page := client.get(job).text):
            assert "Échec." not in page, page
            assert time.monotonic() < deadline
            time.sleep(0.5)
        assert 'http-equiv="refresh"' not in page
        assert "répartition des lots : fait" in page


def test_week_follow_up_and_neutralised_receipts_export(client_for: Any, portal_db: Any) -> None:
    import pandas as pd

    from aide_alim.history import record_receipts

    hostile = pd.DataFrame(
        {"lot": ["L1"], "association": ["A1"], "kg_received": [1.0],
         "comment": ['=HYPERLINK("http://evil","x")']}
    )  # fmt: skip
    record_receipts(portal_db, WEEK, hostile)
    client = client_for("coord")
    page = client.get(f"/coord/semaine/{WEEK}")
    assert page.status_code == 200
    assert 'alt="Carte des tournées de la semaine"' in page.text
    csv = client.get(f"/coord/semaine/{WEEK}/receptions.csv")
    text = csv.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text
    frame = pd.read_csv(io.StringIO(text), sep=";")
    assert list(frame["association"]) == ["A1"]


def test_declarations_are_shown_before_use_and_exported(client_for: Any) -> None:
    a1 = client_for("a1")
    page = a1.get("/asso/A1/declaration")
    a1.post("/asso/A1/declaration", data={
        "csrf": csrf_of(page.text), "beneficiaries": "150", "dry_kg": "300", "chilled_kg": "100",
        "frozen_kg": "0", "budget_eur": "50", "closed_days": ["fri"],
        "comment": "<script>alert(1)</script>",
    })  # fmt: skip
    coord = client_for("coord")
    page = coord.get("/coord/declarations/2020-W42")
    assert page.status_code == 200
    assert "personnes : 100 → 150" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    csv = coord.get("/coord/declarations/2020-W42/associations.csv").text
    a1_row = next(line for line in csv.splitlines() if line.startswith("A1,"))
    assert ",150,300,100,0,mon wed," in a1_row


def test_journal_lists_who_did_what(client_for: Any) -> None:
    client_for("a1")
    page = client_for("coord").get("/coord/journal")
    assert page.status_code == 200
    assert "<td>a1</td><td>login</td>" in page.text.replace("\n", "")
