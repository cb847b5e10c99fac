"""The command line in French by default, in English with ``LANG=en_US.UTF-8``; the compiled
catalogue shipped in the package is the one its ``.po`` file gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aide_alim.i18n.catalogue import MO_FILE, PO_FILE, compiled

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


def _cli(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "aide_alim.cli", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["fr_FR.UTF-8", "C.UTF-8"])
def test_help_is_in_french_by_default(lang: str) -> None:
    out = _cli("--help", lang=lang).stdout
    assert out.startswith("Utilisation : aide-alim")
    assert "Vérifier le scénario PATH" in out and "Afficher cette aide et quitter." in out


def test_help_is_in_english_when_asked() -> None:
    out = _cli("--help", lang="en_US.UTF-8").stdout
    assert out.startswith("Usage: aide-alim")
    assert "Check the scenario at PATH" in out and "Show this message and exit." in out


def test_validate_speaks_the_users_language() -> None:
    french = _cli("validate", str(TINY), lang="fr_FR.UTF-8").stdout
    assert "Par classe de température :" in french
    assert "besoin (400 personnes × 1,00 kg)" in french
    assert f"OK : {TINY} est un scénario valide." in french
    assert "semaine 2020-W41 (lundi 5 octobre 2020)" in french
    assert " chilled " not in french and " ambient " not in french  # classes in French words
    english = _cli("validate", str(TINY), lang="en_US.UTF-8").stdout
    assert "By temperature class:" in english and f"OK: {TINY} is a valid scenario." in english


def test_errors_speak_the_users_language(tmp_path: Path) -> None:
    french = _cli("publish", str(tmp_path / "absent"), lang="fr_FR.UTF-8")
    assert french.returncode == 2 and "Erreur : Valeur non valide pour 'PLANS'" in french.stderr
    english = _cli("publish", str(tmp_path / "absent"), lang="en_US.UTF-8")
    assert "Error: Invalid value for 'PLANS'" in english.stderr


def test_run_help_is_french_paragraph_by_paragraph() -> None:
    out = _cli("run", "--help", lang="fr_FR.UTF-8").stdout
    assert "Traiter la semaine : vérifier, répartir" in out
    assert "Exemple : aide-alim run scenarios/dijon --out plans/2020-W41" in out
    assert "Dossier où écrire les documents" in out


def test_the_shipped_catalogue_is_the_compiled_po_file() -> None:
    assert MO_FILE.read_bytes() == compiled(PO_FILE.read_bytes())
