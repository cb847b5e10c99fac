"""``aide-alim offers``: score on the shipped tiny week, errors without traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from aide_alim.cli import main

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


def test_generate_then_score_json(tmp_path: Path) -> None:
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
