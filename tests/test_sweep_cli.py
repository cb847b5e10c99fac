"""``aide-alim sweep``: Parquet and CSV tables, located spec errors, French and English."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sweep_helpers import write_spec

from aide_alim.cli import main

distributed = pytest.importorskip("distributed")

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


def test_cli_writes_parquet_and_csv(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    spec = write_spec(tmp_path, '[grid]\nrule = ["leximin", "round_robin"]\n')
    out = tmp_path / "out" / "table.parquet"
    result = CliRunner().invoke(
        main, ["sweep", str(TINY), "--spec", str(spec), "--workers", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 variants in" in result.output and "(0 failed)" in result.output
    table = pd.read_parquet(out)
    assert table["rule"].tolist() == ["leximin", "round_robin"]

    bad = write_spec(tmp_path, '[grid]\nrule = ["best"]\n', name="bad.toml")
    result = CliRunner().invoke(
        main, ["sweep", str(TINY), "--spec", str(bad), "--out", str(tmp_path / "t.csv")]
    )
    assert result.exit_code == 1
    assert f"{bad}, line 2, key grid.rule: expected rule in" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "t.csv").exists()


def test_cli_speaks_french_by_default_and_english_when_asked(
    tmp_path: Path, speak: Callable[[str], None]
) -> None:
    spec = write_spec(tmp_path, '[grid]\nrule = ["leximin", "round_robin"]\n')
    out = tmp_path / "table.csv"
    args = ["sweep", str(TINY), "--spec", str(spec), "--workers", "1", "--out", str(out)]
    speak("C.UTF-8")
    french = CliRunner().invoke(main, args)
    assert french.exit_code == 0, french.output
    assert "2 variantes en " in french.output
    assert f"(0 en échec) ; tableau écrit dans {out}." in french.output
    assert "variants" not in french.output
    bad = write_spec(tmp_path, '[grid]\nrule = ["best"]\nvehicles = [-1]\n', name="bad.toml")
    refused = CliRunner().invoke(main, ["sweep", str(TINY), "--spec", str(bad), "--out", str(out)])
    assert refused.output.startswith("Erreur : 2 erreurs dans la spécification du balayage :\n")
    assert f"{bad}, ligne 2, clé grid.rule : attendu rule parmi leximin" in refused.output
    assert f"{bad}, ligne 3, clé grid.vehicles : attendu un entier >= 0, trouvé -1" in (
        refused.output
    )
    speak("en_US.UTF-8")
    english = CliRunner().invoke(main, args)
    assert f"(0 failed); table written to {out}." in english.output
    assert "2 variants in " in english.output and "variantes" not in english.output
    refused = CliRunner().invoke(main, ["sweep", str(TINY), "--spec", str(bad), "--out", str(out)])
    assert refused.output.startswith("Error: 2 errors in the sweep spec:\n")
    assert f"{bad}, line 3, key grid.vehicles: expected an integer >= 0, got -1" in refused.output
