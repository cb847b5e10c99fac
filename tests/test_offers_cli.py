"""``aide-alim offers``: score on the shipped tiny week, errors without traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from aide_alim.cli import main

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


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
    offers.write_text(
        "offre;fournisseur;produit;catégorie;kg;carton_kg;prix;disponible\n"
        "O1;ferme;Carottes;Fruits et légumes;120;10;don;05/10/2020\n"
        "O2;grossiste;Pâtes;épicerie sèche;50;5;0,40;06/10/2020\n",
        encoding="utf-8",
    )
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
    assert "prise (40 kg à 0.35 €/kg)" in listed.output and out.exists()
