"""``aide-alim offers``: score on the shipped tiny week, errors without traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from aide_alim.cli import main

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


TWO_OFFERS = (
    "offre;fournisseur;produit;catégorie;kg;carton_kg;prix;disponible\n"
    "O1;ferme;Carottes;Fruits et légumes;120;10;don;05/10/2020\n"
    "O2;grossiste;Pâtes;épicerie sèche;50;5;0,40;06/10/2020\n"
)


def test_generate_then_score_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDE_ALIM_CACHE", str(tmp_path / "cache"))
    offers = tmp_path / "offres.csv"
    runner = CliRunner()
    made = runner.invoke(main, ["offers", "generate", str(TINY), str(offers), "--count", "5"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(main, ["offers", "score", str(TINY), str(offers), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(v["id"] for v in data) == ["P01", "P02", "P03", "P04", "P05"]
    assert [v["rank"] for v in data] == [1, 2, 3, 4, 5]
    for v in data:
        assert v["verdict"] in ("prendre", "négocier", "refuser")
        assert 1 <= len(v["reasons"]) <= 3
        assert {"economic", "environmental", "need", "feasibility"} <= set(v)
    assert "offers scored in" in result.stderr
    assert "prepared in" in result.stderr  # the first time; then from the week cache
    again = runner.invoke(main, ["offers", "score", str(TINY), str(offers), "--json"])
    assert json.loads(again.stdout) == data
    assert "read from the week cache" in again.stderr
    fresh = runner.invoke(main, ["offers", "score", str(TINY), str(offers), "--no-cache"])
    assert fresh.exit_code == 0 and "prepared in" in fresh.stderr


def test_score_against_a_run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDE_ALIM_CACHE", str(tmp_path / "cache"))
    offers = tmp_path / "offres.csv"
    runner = CliRunner()
    runner.invoke(main, ["offers", "generate", str(TINY), str(offers), "--count", "3"])
    run = tmp_path / "semaine"
    ran = runner.invoke(main, ["run", str(TINY), "--out", str(run)])
    assert ran.exit_code == 0, ran.output
    result = runner.invoke(main, ["offers", "score", str(TINY), str(offers), "--plan", str(run)])
    assert result.exit_code == 0, result.output
    assert f"read from {run}" in result.stderr
    assert not (tmp_path / "cache").exists()
    wrong = runner.invoke(
        main, ["offers", "score", str(TINY), str(offers), "--plan", str(tmp_path)]
    )
    assert wrong.exit_code == 1 and "holds no saved plan" in wrong.output
    assert "Traceback" not in wrong.output


def test_bad_offers_file_is_located_and_exits_1(tmp_path: Path) -> None:
    offers = tmp_path / "offres.csv"
    offers.write_text(
        "id;supplier;product;category;kg;unit_kg;price_eur_kg\nO1;ferme;Pommes;fruits;dix;1;0\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["offers", "score", str(TINY), str(offers)])
    assert result.exit_code == 1
    assert 'Error: offres.csv, row 2, column kg: expected a number > 0, got "dix"' in result.output
    assert "Traceback" not in result.output


def test_prospector_flow_add_list_accept_refuse(tmp_path: Path) -> None:
    import shutil

    from aide_alim.scenario import load_scenario

    folder = tmp_path / "semaine"
    shutil.copytree(TINY, folder)
    offers = tmp_path / "offres.csv"
    offers.write_text(TWO_OFFERS, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    runner = CliRunner()
    added = runner.invoke(main, ["offers", "add", str(folder), str(offers), "--db", db])
    assert added.exit_code == 0, added.output
    assert "2 offers of 2020-W41 recorded in the register" in added.output
    again = runner.invoke(main, ["offers", "add", str(folder), str(offers), "--db", db])
    assert again.exit_code == 1 and "already recorded for 2020-W41" in again.output
    listed = runner.invoke(main, ["offers", "list", "--json", "--db", db])
    assert [r["status"] for r in json.loads(listed.stdout)] == ["pending", "pending"]
    took = runner.invoke(
        main,
        ["offers", "accept", "2020-W41", "O2", "--scenario", str(folder), "--kg", "40",
         "--price", "0.35", "--db", db],
    )  # fmt: skip
    assert took.exit_code == 0, took.output
    lot = load_scenario(folder).lot_by_id["O2"]
    assert (lot.kg, lot.price_eur_kg) == (40.0, 0.35)
    refused = runner.invoke(
        main, ["offers", "refuse", "2020-W41", "O1", "--reason", "déjà trop", "--db", db]
    )
    assert refused.exit_code == 0 and "refused: déjà trop" in refused.output
    twice = runner.invoke(
        main, ["offers", "accept", "2020-W41", "O1", "--scenario", str(folder), "--db", db]
    )
    assert twice.exit_code == 1 and "already refused" in twice.output
    assert "O1" not in load_scenario(folder).lot_by_id
    out = tmp_path / "registre.csv"
    listed = runner.invoke(main, ["offers", "list", "--out", str(out), "--db", db])
    assert "taken (40 kg at 0.35 €/kg)" in listed.output and out.exists()


def test_score_speaks_french_by_default_and_english_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speak: Callable[[str], None]
) -> None:
    monkeypatch.setenv("AIDE_ALIM_CACHE", str(tmp_path / "cache"))
    offers = tmp_path / "offres.csv"
    speak("C.UTF-8")
    runner = CliRunner()
    made = runner.invoke(main, ["offers", "generate", str(TINY), str(offers), "--count", "3"])
    assert made.output == f"3 offres pour 2020-W41 écrites dans {offers}\n"
    french = runner.invoke(main, ["offers", "score", str(TINY), str(offers)])
    assert french.exit_code == 0, french.output
    assert "PRENDRE : 30 kg pris, 34 € économisés, +0,0 km" in french.stdout
    assert "taux de couverture le plus bas 80,0 → 88,8 %" in french.stdout
    assert "0,85 €/kg" in french.stdout and "0.85" not in french.stdout
    assert "Semaine 2020-W41 préparée en" in french.stderr
    assert "3 offres évaluées en" in french.stderr and "scored" not in french.stderr
    speak("en_US.UTF-8")
    made = runner.invoke(main, ["offers", "generate", str(TINY), str(offers), "--count", "3"])
    assert made.output == f"3 offers for 2020-W41 written to {offers}\n"
    english = runner.invoke(main, ["offers", "score", str(TINY), str(offers)])
    assert "TAKE: 30 kg taken, 34 € saved, +0.0 km" in english.stdout
    assert "lowest fill ratio 80.0 → 88.8 %" in english.stdout and "0.85 €/kg" in english.stdout
    assert "Week 2020-W41 read from the week cache in" in english.stderr
    assert "3 offers scored in" in english.stderr and "PRENDRE" not in english.stdout


def test_register_speaks_french_by_default_and_english_when_asked(
    tmp_path: Path, speak: Callable[[str], None]
) -> None:
    offers = tmp_path / "offres.csv"
    offers.write_text(TWO_OFFERS, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    runner = CliRunner()
    speak("C.UTF-8")
    added = runner.invoke(main, ["offers", "add", str(TINY), str(offers), "--db", db])
    assert "2 offres de 2020-W41 enregistrées dans le registre" in added.output
    refused = runner.invoke(main, ["offers", "refuse", "2020-W41", "O1", "--reason", "loin",
                                   "--db", db])  # fmt: skip
    assert refused.output == "Offre O1 de 2020-W41 refusée : loin\n"
    out = tmp_path / "registre.csv"
    french = runner.invoke(main, ["offers", "list", "--db", db, "--out", str(out)]).output
    assert "2020-W41 O1 : Carottes — 120 kg, Ferme des Tilles — verdict prendre" in french
    assert "— refusée (loin)" in french and "— en attente" in french and "(rang 1)" in french
    assert f"Écrit dans {out}" in french and "pending" not in french
    again = runner.invoke(main, ["offers", "refuse", "2020-W41", "O1", "--db", db]).output
    assert "Erreur : L'offre O1 de 2020-W41 a déjà été refusée le " in again
    missing = runner.invoke(main, ["offers", "list", "--db", str(tmp_path / "absent.sqlite")])
    assert "Erreur : aucune base d'historique à " in missing.output
    speak("en_US.UTF-8")
    english = runner.invoke(main, ["offers", "list", "--db", db]).output
    assert "2020-W41 O1: Carottes — 120 kg, Ferme des Tilles — verdict take" in english
    assert "— refused (loin)" in english and "— pending" in english and "(rank 1)" in english
    assert "refusée" not in english and "rang" not in english
    again = runner.invoke(main, ["offers", "refuse", "2020-W41", "O1", "--db", db]).output
    assert "Error: Offer O1 of 2020-W41 was already refused on " in again


def test_simulate_speaks_french_by_default_and_english_when_asked(
    tmp_path: Path, speak: Callable[[str], None]
) -> None:
    args = ["offers", "simulate", str(TINY), "--from", "2020-W41", "--weeks", "1", "--per-week",
            "2", "--db"]  # fmt: skip
    speak("C.UTF-8")
    french = CliRunner().invoke(main, [*args, str(tmp_path / "fr.sqlite")]).output
    assert french.split()[:5] == ["semaine", "offres", "prises", "refusées", "pris"]
    assert "2 offres enregistrées, 2 prise(s) (74 kg)." in french
    speak("en_US.UTF-8")
    english = CliRunner().invoke(main, [*args, str(tmp_path / "en.sqlite")]).output
    assert english.split()[:5] == ["week", "offers", "taken", "refused", "kg_taken"]
    assert "2 offers recorded, 2 taken (74 kg)." in english
