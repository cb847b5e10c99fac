"""The register of opportunities: recorded once, decided once, a lot of the week, and 3.1.a.

Runs on SQLite, and on PostgreSQL when ``AIDE_ALIM_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path

import pytest

from aide_alim.db import Database
from aide_alim.offers import Verdict, prepare_week, score_offers
from aide_alim.offers.lots import add_offer_lot
from aide_alim.offers.register import (
    RegisterError,
    decide_offer,
    find_offer,
    offer_of,
    opportunity,
    quarterly_31a,
    read_register,
    record_verdicts,
)
from aide_alim.scenario import load_scenario
from tests.history_helpers import db  # noqa: F401  (fixture)
from tests.offers_helpers import HUB, new_supplier, offer, week

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


@pytest.fixture(scope="module")
def verdicts() -> list[Verdict]:
    """Three scored offers of the tiny week: near (s1), far (a new supplier), frozen."""
    far = new_supplier("loin", HUB.lat - 0.36, HUB.lon)
    offers = [
        offer("NEAR", price_eur_kg=0.8),
        offer("FAR", supplier=far, price_eur_kg=0.5),
        offer("FROZEN", category="surgeles", kg=50.0, unit_kg=5.0),
    ]
    return score_offers(prepare_week(week()), offers)


def test_schema_matches_the_migration(db: Database) -> None:  # noqa: F811
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.read() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), opportunity.metadata)
    mine = [d for d in diff if "offers_" in repr(d)]
    assert mine == []


def test_an_offer_recorded_twice_is_refused(db: Database, verdicts: list[Verdict]) -> None:  # noqa: F811
    ids = record_verdicts(db, "2020-W41", verdicts)
    assert len(ids) == 3
    with pytest.raises(RegisterError, match="offer NEAR: already recorded for 2020-W41 as #"):
        record_verdicts(db, "2020-W41", verdicts[:1])
    # The same offer under another id is the same offer.
    renamed = dataclasses.replace(
        verdicts[0], offer=dataclasses.replace(verdicts[0].offer, id="N2")
    )
    with pytest.raises(RegisterError, match="same supplier, product, kg, price and availability"):
        record_verdicts(db, "2020-W41", [renamed])
    assert len(read_register(db)) == 3  # nothing of the refused batches was written
    assert record_verdicts(db, "2020-W42", verdicts[:1])  # another week is another offer


def test_outcomes_are_recorded_once(db: Database, verdicts: list[Verdict]) -> None:  # noqa: F811
    record_verdicts(db, "2020-W41", verdicts)
    taken = decide_offer(db, "2020-W41", "NEAR", "taken", kg=60.0, price_eur_kg=0.7)
    assert (taken["status"], taken["kg_taken"], taken["price_paid_eur_kg"]) == ("taken", 60, 0.7)
    refused = decide_offer(db, "2020-W41", "FROZEN", "refused")
    assert "surgelé" in refused["outcome_reason"]  # the verdict's reason by default
    with pytest.raises(RegisterError, match="already taken"):
        decide_offer(db, "2020-W41", "NEAR", "refused", reason="trop tard")
    with pytest.raises(RegisterError, match="No offer 'NOPE'"):
        decide_offer(db, "2020-W41", "NOPE", "taken")
    with pytest.raises(RegisterError, match="Expected kg taken"):
        decide_offer(db, "2020-W41", "FAR", "taken", kg=1000.0)
    table = read_register(db, status="pending")
    assert list(table["offer_id"]) == ["FAR"]
    row = find_offer(db, "2020-W41", "FAR")
    original = next(v.offer for v in verdicts if v.offer.id == "FAR")
    assert offer_of(row) == dataclasses.replace(original, received=row["received_on"])


def test_accepted_offer_becomes_a_lot_with_its_provenance(tmp_path: Path) -> None:
    folder = tmp_path / "semaine"
    shutil.copytree(TINY, folder)
    lots = folder / "lots.csv"
    # A French export: ";" separator, decimal comma, Windows-1252.
    lots.write_bytes(lots.read_text(encoding="utf-8").replace(",", ";").encode("cp1252"))
    scenario = load_scenario(folder)
    far = new_supplier("loin", 47.0, 5.0)
    fresh = offer("NEW1", supplier=far, kg=25.5, unit_kg=2.5, price_eur_kg=0.35)
    loaded = add_offer_lot(folder, scenario, fresh)
    lot = loaded.lot_by_id["NEW1"]
    assert (lot.kg, lot.price_eur_kg, lot.site) == (25.5, 0.35, "loin")
    assert loaded.site_by_id["loin"].name == "Fournisseur loin"
    text = lots.read_bytes().decode("cp1252")
    assert "25,5;2,5;0,35" in text and "registre des opportunités : offre NEW1" in text
    with pytest.raises(Exception, match="already has a lot 'NEW1'"):
        add_offer_lot(folder, loaded, fresh)


def test_a_lot_that_breaks_the_week_is_not_written(tmp_path: Path) -> None:
    folder = tmp_path / "semaine"
    shutil.copytree(TINY, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    scenario = load_scenario(folder)
    broken = offer("BAD", kg=10.0, unit_kg=20.0)  # a carton bigger than the lot
    with pytest.raises(Exception, match="unit_kg"):
        add_offer_lot(folder, scenario, broken)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_indicator_31a_per_quarter_by_hand(db: Database, verdicts: list[Verdict]) -> None:  # noqa: F811
    near, far, frozen = (next(v for v in verdicts if v.offer.id == i)
                         for i in ("NEAR", "FAR", "FROZEN"))  # fmt: skip
    record_verdicts(db, "2020-W27", [near, frozen])  # Thursday 2 July: T3
    record_verdicts(db, "2020-W41", [near, far])  # Thursday 8 October: T4
    decide_offer(db, "2020-W27", "NEAR", "taken", kg=100.0, price_eur_kg=0.8)
    decide_offer(db, "2020-W27", "FROZEN", "refused")
    decide_offer(db, "2020-W41", "NEAR", "taken", kg=50.0, price_eur_kg=0.6)
    decide_offer(db, "2020-W41", "FAR", "taken", kg=100.0, price_eur_kg=0.5)
    table = quarterly_31a(read_register(db), 2020).set_index("period")
    t3, t4, year = table.loc["2020-T3"], table.loc["2020-T4"], table.loc["2020"]
    assert (t3["received"], t3["taken"], t3["refused"]) == (2, 1, 1)
    assert t3["kg_taken"] == 100 and t3["value_eur"] == pytest.approx(250.0)
    assert t3["saved_eur"] == pytest.approx(250 - 80)
    assert (t3["suppliers"], t3["new_suppliers"]) == (1, 1)  # s1 (twice)
    assert t4["kg_taken"] == 150 and t4["saved_eur"] == pytest.approx(375 - 30 - 50)
    assert (t4["suppliers"], t4["new_suppliers"]) == (2, 1)  # s1 known since T3, "loin" new
    co2 = (near.scores.collection.co2_kg + far.scores.collection.co2_kg) * 1000 / 150
    assert t4["co2_g_per_kg"] == pytest.approx(co2)
    assert t4["kg_change"] == pytest.approx(0.5) and math.isnan(t3["kg_change"])
    assert (year["received"], year["taken"], year["kg_taken"]) == (4, 3, 250)
    assert (year["suppliers"], year["new_suppliers"]) == (2, 2)


def test_accepted_offer_goes_into_a_workbook_week(tmp_path: Path) -> None:
    from aide_alim.offers.lots import restored_on_error
    from aide_alim.scenario import write_workbook

    book = tmp_path / "semaine.xlsx"
    write_workbook(load_scenario(TINY), book)
    scenario = load_scenario(book)
    fresh = offer("WB1", supplier=new_supplier("ailleurs", 47.2, 5.1), kg=30.0, unit_kg=3.0)
    loaded = add_offer_lot(book, scenario, fresh, kg=27.0)
    assert loaded.lot_by_id["WB1"].kg == 27.0 and "ailleurs" in loaded.site_by_id
    before = book.read_bytes()
    with pytest.raises(RuntimeError), restored_on_error(book):  # e.g. the register refuses
        add_offer_lot(book, loaded, offer("WB2", kg=10.0, unit_kg=1.0))
        raise RuntimeError("refused")
    assert book.read_bytes() == before
