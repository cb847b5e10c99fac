"""The prospector's page of the portal: the register of opportunities, escaped, by role."""

from __future__ import annotations

from typing import Any

from offers_helpers import offer, week

from aide_alim.db import Database
from aide_alim.offers import prepare_week, score_offers
from aide_alim.offers.register import decide_offer, record_verdicts


def test_register_page_lists_verdicts_and_outcomes_escaped(
    client_for: Any, portal_db: Database
) -> None:
    sneaky = offer("X<1>", product='<script>alert("x")</script>', price_eur_kg=0.8)
    frozen = offer("GEL", category="surgeles", kg=50.0, unit_kg=5.0)
    verdicts = score_offers(prepare_week(week()), [sneaky, frozen])
    record_verdicts(portal_db, "2020-W41", verdicts)
    decide_offer(portal_db, "2020-W41", "GEL", "refused")
    page = client_for("coord").get("/coord/offres?semaine=2020-W41")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "X&lt;1&gt;" in page.text
    assert "refusée : aucune association n&#39;a de place en surgelé" in page.text
    assert client_for("pilot").get("/coord/offres").status_code == 200
    assert client_for("a1").get("/coord/offres").status_code != 200
    other = client_for("coord").get("/coord/offres?semaine=2020-W40")
    assert "Aucune offre enregistrée pour 2020-W40" in other.text
