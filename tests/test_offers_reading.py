"""Reading offers: French spreadsheets, new suppliers, located errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aide_alim.offers import OfferError, offer_from_fields, read_offers, with_offers
from aide_alim.offers.generate import generate_offers, write_offers
from aide_alim.scenario import Temperature
from tests.offers_helpers import week

FRENCH = """\
Offre;Fournisseur;Produit;Catégorie;Quantité (kg);Carton (kg);Prix;DLC;Disponible le;lat;lon
O1;s1;Carottes;Fruits et légumes;120;10;don;;05/10/2020;;
O2;Maraîcher Dupont;Salades;fruits_legumes;40,5;4,5;0,30;09/10/2020;06/10/2020;47,30;5,10
"""


def test_french_csv_with_a_new_supplier(tmp_path: Path) -> None:
    path = tmp_path / "offres.csv"
    path.write_bytes(FRENCH.encode("cp1252"))  # a Windows-1252 export
    o1, o2 = read_offers(path, week())
    assert o1.supplier.id == "s1" and not o1.supplier.is_new
    assert o1.is_donation and o1.value_eur_kg == 2.0 and o1.temperature is Temperature.AMBIENT
    assert o2.supplier.is_new and o2.supplier.id == "maraicher_dupont"
    assert (o2.supplier.lat, o2.supplier.lon) == (47.30, 5.10)
    assert o2.kg == 40.5 and o2.price_eur_kg == 0.30
    assert o2.use_by == dt.date(2020, 10, 9) and o2.available == dt.date(2020, 10, 6)
    variant = with_offers(week(), [o1, o2])
    assert variant.lot_by_id["O2"].site == "maraicher_dupont"
    assert variant.site_by_id["maraicher_dupont"].name == "Maraîcher Dupont"


def test_every_error_is_located(tmp_path: Path) -> None:
    path = tmp_path / "offres.csv"
    path.write_text(
        "id;supplier;product;category;kg;unit_kg;price_eur_kg;use_by;available;collect_by\n"
        "O1;s1;Yaourts;laitier;-3;4;x;01/10/2020;06/10/2020;\n"
        "O2;Inconnu;Pâtes;epicerie_seche;10;2;0;;05/10/2020;04/10/2020\n"
        "O1;s1;Pâtes;epicerie_seche;10;2;0;;05/10/2020;\n",
        encoding="utf-8",
    )
    with pytest.raises(OfferError) as caught:
        read_offers(path, week())
    messages = [str(p) for p in caught.value.errors]
    assert "offres.csv, row 2, column category: expected a category among" in messages[0]
    assert 'offres.csv, row 2, column kg: expected a number > 0, got "-3"' in messages
    assert any(m.startswith("offres.csv, row 2, column price_eur_kg: expected a price") for m in
               messages)  # fmt: skip
    assert any(m.startswith("offres.csv, row 3, column lat: expected the lat of the new "
                            'supplier "Inconnu"') for m in messages)  # fmt: skip
    assert any(m.startswith("offres.csv, row 3, column collect_by: expected a day on or after")
               for m in messages)  # fmt: skip
    assert any(m.startswith('offres.csv, row 4, column id: expected a unique id, got "O1"')
               for m in messages)  # fmt: skip


def test_errors_name_the_users_french_column(tmp_path: Path) -> None:
    path = tmp_path / "offres.csv"
    path.write_text(FRENCH.replace("120;10", "120;abc"), encoding="utf-8")
    with pytest.raises(OfferError) as caught:
        read_offers(path, week())
    assert [str(p) for p in caught.value.errors] == [
        'offres.csv, row 2, column Carton (kg): expected a number > 0, got "abc"'
    ]


def test_offer_typed_field_by_field_and_lot_id_clash() -> None:
    scenario = week()
    offer = offer_from_fields(
        {"id": "T1", "supplier": "Supermarché voisin", "product": "Riz", "category":
         "Épicerie sèche", "kg": "50", "unit_kg": "5", "price_eur_kg": "1,20"}, scenario,
    )  # fmt: skip
    assert offer.supplier.id == "s1" and offer.price_eur_kg == 1.2
    assert offer.available == scenario.week_start
    with pytest.raises(OfferError, match="saisie, row 1, column id: expected an id that no lot"):
        offer_from_fields(
            {"id": "L1", "supplier": "s1", "product": "Riz", "category": "epicerie_seche",
             "kg": "50", "unit_kg": "5", "price_eur_kg": "0"}, scenario,
        )  # fmt: skip


def test_generated_offers_read_back(tmp_path: Path) -> None:
    scenario = week()
    offers = generate_offers(scenario, 12, seed=3)
    assert generate_offers(scenario, 12, seed=3) == offers
    path = write_offers(offers, tmp_path / "offres.csv")
    again = read_offers(path, scenario)
    assert [o.id for o in again] == [o.id for o in offers]
    assert [o.kg for o in again] == [o.kg for o in offers]


def test_xlsx_sheet(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "offres"
    sheet.append(["id", "fournisseur", "produit", "categorie", "kg", "unit_kg", "prix"])
    sheet.append(["X1", "s1", "Lait", "produits laitiers", 24, 6, "don"])
    sheet.append(["X2", "s1", "Lait", "produits laitiers", "beaucoup", 6, "don"])
    path = tmp_path / "offres.xlsx"
    book.save(path)
    with pytest.raises(OfferError) as caught:
        read_offers(path, week())
    assert [str(p) for p in caught.value.errors] == [
        'offres.xlsx[offres], row 3, column kg: expected a number > 0, got "beaucoup"'
    ]


def test_the_offers_own_checks_speak_french_by_default(speak, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    speak("C.UTF-8")
    path = tmp_path / "offres.csv"
    path.write_text(
        "id;supplier;product;category;kg;unit_kg;price_eur_kg;available;collect_by;min_kg\n"
        "L1;s1;Pâtes;epicerie_seche;10;2;0;06/10/2020;05/10/2020;20\n",
        encoding="utf-8",
    )
    with pytest.raises(OfferError) as caught:
        read_offers(path, week())
    messages = "\n".join(str(p) for p in caught.value.errors)
    assert "attendu un identifiant qu'aucun lot de la semaine ne porte" in messages
    assert "attendu un jour égal ou postérieur à available (2020-10-06)" in messages
    assert 'attendu au plus kg (10), trouvé "20"' in messages
    assert "expected" not in messages
