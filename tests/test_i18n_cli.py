"""The command line in French by default, in English with ``LANG=en_US.UTF-8``; the compiled
catalogue shipped in the package is the one its ``.po`` file gives."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aide_alim.i18n.catalogue import MO_FILE, PO_FILE, compiled

ROOT = Path(__file__).parents[1]
TINY = ROOT / "scenarios" / "tiny"


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


CATALOGUE_CALLS = {"_", "N_", "ngettext", "pgettext"}
# Help texts: click's decorators and the *_HELP constants they take, translated by localise().
HELP_CALLS = {"option", "argument", "command", "group", "version_option"}
SENTENCE = re.compile(r"\b[A-Za-z]+ [a-z]+ [a-z]+\b")  # three words in a row


@pytest.mark.parametrize(
    "module", sorted(p.name for p in (ROOT / "aide_alim" / "cli").glob("*.py"))
)
def test_the_command_line_words_nothing_outside_the_catalogue(module: str) -> None:
    """Every sentence a command prints goes through the catalogue: a string of three words or
    more outside ``_()``/``ngettext()``/``pgettext()``, a help text or a docstring would reach a
    French coordinator in English."""
    tree = ast.parse((ROOT / "aide_alim" / "cli" / module).read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in CATALOGUE_CALLS or name in HELP_CALLS:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    inside.update(id(n) for n in ast.walk(arg))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and ast.get_docstring(
            node
        ):
            inside.add(id(node.body[0].value))  # type: ignore[attr-defined]
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "").endswith("_HELP") for t in node.targets
        ):
            inside.update(id(n) for n in ast.walk(node.value))
    loose = [
        f"line {node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in inside
        and SENTENCE.search(node.value)
    ]
    assert loose == []
