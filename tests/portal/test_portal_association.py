"""The association's pages through HTTP: plan, PDF, receipt confirmation, declaration."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from conftest import WEEK, csrf_of

from aide_alim.history import schema as h
from aide_alim.portal import tables as t


def _receipts(db: Any) -> list[Any]:
    with db.read() as conn:
        return conn.execute(sa.select(h.receipt).order_by(h.receipt.c.id)).all()


def _audit(db: Any, action: str) -> list[Any]:
    with db.read() as conn:
        return conn.execute(
            sa.select(t.portal_audit).where(t.portal_audit.c.action == action)
        ).all()


def _form(html: str) -> dict[str, str]:
    """The receipt form's fields with their pre-filled values."""
    form = html[html.index('id="reception"') :]
    fields = dict(re.findall(r'<input (?:type="hidden" )?name="([^"]+)"[^>]*value="([^"]*)"', form))
    for name in re.findall(r'<select name="([^"]+)"', form):
        fields[name] = "recu"
    return fields


def test_home_lists_the_published_week_and_next_week_to_declare(client_for: Any) -> None:
    page = client_for("a1").get("/asso/A1/")
    assert page.status_code == 200
    assert f"/asso/A1/semaine/{WEEK}" in page.text
    assert "à confirmer" in page.text
    assert "Déclarer la semaine prochaine" in page.text and "2020-W42" in page.text


def test_plan_page_shows_lots_when_and_where(client_for: Any, tiny_week: Any) -> None:
    scenario, allocation, _ = tiny_week
    page = client_for("a1").get(f"/asso/A1/semaine/{WEEK}")
    assert page.status_code == 200
    mine = allocation.lines[allocation.lines["association"] == "A1"]
    for lot in set(mine["lot"]):
        assert scenario.lot_by_id[lot].product in page.text
    assert "Quand et où" in page.text
    assert re.search(r"entre \d+\s?h(\s?\d\d)? et \d+\s?h(\s?\d\d)?", page.text)
    assert "Pourquoi cette part" in page.text
    assert 'content="width=device-width' in page.text


def test_plan_pdf_downloads(client_for: Any) -> None:
    response = client_for("a1").get(f"/asso/A1/semaine/{WEEK}/plan.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response.headers["content-disposition"]


def test_unpublished_week_is_not_found(client_for: Any) -> None:
    assert client_for("a1").get("/asso/A1/semaine/2020-W50").status_code == 404
    assert client_for("a1").get("/asso/A1/semaine/pas-une-semaine").status_code == 404


def test_confirming_writes_the_receipts_table_like_receive(client_for: Any, portal_db: Any) -> None:
    client = client_for("a1")
    fields = _form(client.get(f"/asso/A1/semaine/{WEEK}").text)
    count = int(fields["count"])
    assert count >= 1
    fields["kg_0"] = "12,5"
    fields["status_0"] = "abime"
    fields["reason_0"] = "cartons écrasés"
    if count > 1:
        fields["status_1"] = "refuse"
        fields["reason_1"] = "DLC dépassée"
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data=fields)
    assert response.status_code == 303
    rows = _receipts(portal_db)
    assert len(rows) == count
    assert {r.association for r in rows} == {"A1"}
    assert {r.source for r in rows} == {"association"}
    first = next(r for r in rows if r.lot == fields["lot_0"])
    assert first.kg_received == 12.5 and first.comment == "abîmé : cartons écrasés"
    if count > 1:
        second = next(r for r in rows if r.lot == fields["lot_1"])
        assert second.kg_received == 0.0 and second.comment == "refusé : DLC dépassée"
    assert len(_audit(portal_db, "receipt")) == 1
    page = client.get(f"/asso/A1/semaine/{WEEK}?ok=reception")
    assert "votre réception est enregistrée" in page.text
    assert "Enregistré : 12,5" in page.text


def test_receipt_problems_are_shown_and_nothing_is_written(client_for: Any, portal_db: Any) -> None:
    client = client_for("a1")
    fields = _form(client.get(f"/asso/A1/semaine/{WEEK}").text)
    bad = {**fields, "status_0": "refuse", "reason_0": ""}
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data=bad)
    assert response.status_code == 400
    assert "indiquez la raison" in response.text
    too_much = {**fields, "kg_0": "100000"}
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data=too_much)
    assert response.status_code == 400 and "plus que le lot entier" in response.text
    assert 'value="100000"' in response.text  # what was typed is kept
    not_a_number = {**fields, "kg_0": "beaucoup"}
    response = client.post(f"/asso/A1/semaine/{WEEK}/reception", data=not_a_number)
    assert response.status_code == 400 and "un nombre positif" in response.text
    assert _receipts(portal_db) == []
    assert _audit(portal_db, "receipt") == []


def test_declaration_is_recorded_and_prefills_the_form(client_for: Any, portal_db: Any) -> None:
    client = client_for("a1")
    page = client.get("/asso/A1/declaration")
    assert page.status_code == 200 and "2020-W42" in page.text
    data = {
        "csrf": csrf_of(page.text), "beneficiaries": "130", "dry_kg": "280", "chilled_kg": "90,5",
        "frozen_kg": "0", "budget_eur": "40", "closed_days": ["wed"], "refuses": ["surgeles"],
        "comment": "Fermé mercredi pour inventaire",
    }  # fmt: skip
    response = client.post("/asso/A1/declaration", data=data)
    assert response.status_code == 303
    with portal_db.read() as conn:
        (row,) = conn.execute(sa.select(t.portal_declaration)).all()
    assert (row.week, row.association, row.beneficiaries, row.chilled_kg) == (
        "2020-W42", "A1", 130, 90.5)  # fmt: skip
    assert (row.closed_days, row.refuses) == ("wed", "surgeles")
    again = client.get("/asso/A1/declaration").text
    assert 'value="130"' in again and "Fermé mercredi pour inventaire" in again
    assert re.search(r'value="wed" checked', again)


def test_declaration_with_wrong_values_is_refused(client_for: Any, portal_db: Any) -> None:
    client = client_for("a1")
    page = client.get("/asso/A1/declaration")
    data = {"csrf": csrf_of(page.text), "beneficiaries": "-3", "dry_kg": "abc",
            "chilled_kg": "1", "frozen_kg": "1", "budget_eur": "0", "closed_days": ["xyz"],
            "refuses": ["pas_une_categorie"]}  # fmt: skip
    response = client.post("/asso/A1/declaration", data=data)
    assert response.status_code == 400
    assert response.text.count('aria-invalid="true"') == 2
    assert "jour inconnu" in response.text and "catégorie inconnue" in response.text
    with portal_db.read() as conn:
        assert conn.execute(sa.select(t.portal_declaration)).all() == []
