"""The steering's read-only pages: indicators with charts, the ledger, the execution report."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def _row_counts(db: Any) -> dict[str, int]:
    with db.read() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n != "portal_session"]
        return {
            n: int(conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one()) for n in names
        }


def test_indicators_page_has_the_table_and_charts(client_for: Any, tiny_week: Any) -> None:
    scenario, _, _ = tiny_week
    page = client_for("pilot").get("/pilotage/")
    assert page.status_code == 200
    assert "Indicateurs de la convention" in page.text
    for a in scenario.associations:
        assert a.name in page.text
    # One published week: the kg per structure; regularity and fairness over time need two.
    assert page.text.count('src="data:image/png;base64,') >= 1


def test_ledger_and_report_are_read_only(client_for: Any, portal_db: Any) -> None:
    client = client_for("pilot")
    before = _row_counts(portal_db)
    page = client.get("/pilotage/registre?annee=2020")
    assert page.status_code == 200 and "Registre de la convention 2020" in page.text
    assert "Contrôles" in page.text and "Dépensé (€)" in page.text and "Exécution" in page.text
    pdf = client.get("/pilotage/rapport.pdf?annee=2020")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/pilotage/registre?annee=1999").status_code == 404
    assert client.get("/pilotage/registre?annee=abc").status_code == 404
    after = _row_counts(portal_db)
    after.pop("portal_audit"), before.pop("portal_audit")
    assert after == before
