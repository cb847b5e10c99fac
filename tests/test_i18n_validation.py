# ruff: noqa: E501  (the tables pin whole messages, one case per line)
"""Validation problems in the coordinator's language.

Every broken scenario of ``test_scenario_validate`` is checked again in French: the problem keeps
its file, row and column, and its message reads in French (no English left outside the quoted
cell text). A few wordings are pinned; the command line is checked in subprocesses with ``LANG``;
the catalogue translates every message the package can show, and the modules that word the
validation problems build none of them outside the catalogue. The language is always set
explicitly, never taken from the machine.
"""

from __future__ import annotations

import ast
import datetime as dt
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from scenario_helpers import ROOT, copy_scenario, set_cell
from test_scenario_validate import ERRORS, WARNINGS, Case

from aide_alim.cli.ledger import _counts  # imported in English: the help stays as written
from aide_alim.errors import Problem, ScenarioError
from aide_alim.history.receipts import ReceiptError, read_receipts
from aide_alim.i18n.catalogue import missing_translations
from aide_alim.ledger import LedgerError, load_convention
from aide_alim.ledger.checks import Finding
from aide_alim.ledger.convention_files import default_convention_path
from aide_alim.ledger.entries import Expense, expense_problems, parse_amount
from aide_alim.parsing import Bad
from aide_alim.scenario import check_scenario, load_scenario

# English words a French message must not contain (outside the quoted text of a cell).
ENGLISH = re.compile(
    r"\b(expected|got|found|row|column|did you mean|unknown|none|at most|at least|number|"
    r"between|like|or|and|of|the|a|an|with|without|text|file|days|window|id|value|"
    r"keep only|nothing|hidden|readable|error)\b",
    re.IGNORECASE,
)
# Identifiers a French message may name as they are written in the files.
IDENTIFIERS = re.compile(
    r"\b(policy|logistics|routing|hub|supplier|rule|basis|ration_kg|reach_km|seed|sites\.csv|"
    r"[a-z]+_[a-z_]+|[A-Za-z_]+\.(csv|toml|xlsx)|kg|WGS84|GraphML|TOML|DLC|INSEE|ISO|CSV)\b"
)


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "fr")


def _english_left(message: str) -> list[str]:
    """English words of ``message`` once quoted cell texts and identifiers are taken out."""
    words = re.sub(r'"[^"]*"|/\S+', "", message)  # cell texts, paths
    words = re.sub(r"\[[^\]]*\]|\([^)]*\b(unknown|inconnue)\b[^)]*\)", "", words)
    words = IDENTIFIERS.sub("", words)
    return ENGLISH.findall(words)


def _broken(case: Case, tmp_path: Path) -> tuple[Path, Problem]:
    folder = copy_scenario(tmp_path / "week")
    case.mutate(folder)
    return folder, case.expected


@pytest.mark.parametrize("case", ERRORS + WARNINGS, ids=[c.name for c in ERRORS + WARNINGS])
def test_every_problem_is_located_and_worded_in_french(
    case: Case, tmp_path: Path, french: None
) -> None:
    folder, english = _broken(case, tmp_path)
    report = check_scenario(folder)
    problems = report.errors + report.warnings
    where = (english.file, english.row, english.column)
    assert any((p.file, p.row, p.column) == where for p in problems), problems
    for problem in problems:
        assert problem.message != english.message.replace("{folder}", str(folder))
        assert not _english_left(problem.message), (problem.message, _english_left(problem.message))
        text = str(problem)
        assert "row " not in text and "column " not in text
        if problem.row is not None:
            assert f", ligne {problem.row}" in text
        if problem.column:
            assert f"colonne {problem.column} : " in text


FRENCH = [
    ("negative quantity", 'lots.csv, ligne 4, colonne kg : attendu un nombre >= 0, trouvé "-12"'),
    ("empty required cell", 'lots.csv, ligne 2, colonne kg : attendu un nombre >= 0, trouvé ""'),
    ("empty required text", 'associations.csv, ligne 3, colonne name : attendu une valeur (texte, 200 caractères au plus), trouvé ""'),
    ("bad date", 'lots.csv, ligne 3, colonne use_by : attendu une date comme "05/10/2020" ou "2020-10-05", trouvé "31/02/2020"'),
    ("column twice", 'vehicles.csv, ligne 1, colonne Cost EUR km : attendu chaque colonne une seule fois, trouvé "cost_eur_km" deux fois'),
    ("zero carton", 'lots.csv, ligne 4, colonne unit_kg : attendu un nombre >= 0.001, trouvé "0"'),
    ("too many beneficiaries", 'associations.csv, ligne 3, colonne beneficiaries : attendu au plus 5\u202f000 personnes par semaine dans une association, trouvé "6000"'),
    ("cold lots and no refrigerated vehicle", "vehicles.csv, colonne refrigerated : attendu un véhicule frigorifique pour les 3 lots frais ou surgelés, aucun trouvé"),
]  # fmt: skip
CASES = {c.name: c for c in ERRORS + WARNINGS}


@pytest.mark.parametrize(("name", "wording"), FRENCH, ids=[n for n, _ in FRENCH])
def test_french_wording(name: str, wording: str, tmp_path: Path, french: None) -> None:
    folder, _english = _broken(CASES[name], tmp_path)
    report = check_scenario(folder)
    assert wording in [str(p) for p in report.errors + report.warnings]


def test_a_category_is_suggested_by_its_french_label_in_french(
    tmp_path: Path, french: None
) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L1", "category", "fruit et legume")
    (problem,) = check_scenario(folder).errors
    assert problem.message.startswith("attendu une catégorie parmi Fruits et légumes, ")
    assert problem.message.endswith(
        '(vouliez-vous dire "Fruits et légumes" ?), trouvé "fruit et legume"'
    )


def test_the_scenario_error_counts_its_errors_in_french(tmp_path: Path, french: None) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L1", "kg", "-1")
    set_cell(folder, "lots.csv", "L2", "kg", "-2")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(folder)
    assert str(raised.value).startswith("2 erreurs dans le scénario :\n  lots.csv, ligne 2")


def test_the_same_problem_in_english_and_then_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parsers' caches keep one answer per language."""
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L1", "use_by", "demain")
    monkeypatch.setenv("LANGUAGE", "en")
    assert check_scenario(folder).errors[0].message.startswith("expected a date like")
    monkeypatch.setenv("LANGUAGE", "fr")
    assert check_scenario(folder).errors[0].message.startswith("attendu une date comme")


def test_receipts_problems_are_in_french(tmp_path: Path, french: None) -> None:
    path = tmp_path / "retour.csv"
    path.write_text("lot,association,kg_received\nl1,a1,beaucoup\n,a2,3\nl1,a1,999999\n")
    with pytest.raises(ReceiptError) as raised:
        read_receipts(path)
    text = str(raised.value)
    assert text.startswith("4 problèmes dans les réceptions ; rien n'a été enregistré :")
    assert (
        'retour.csv, ligne 2, colonne kg_received : attendu un nombre de kg >= 0, trouvé "beaucoup"'
        in text
    )
    assert (
        "retour.csv, ligne 3, colonne lot : attendu un identifiant, trouvé une cellule vide" in text
    )
    assert "au plus 100000 kg pour un lot (erreur de frappe ?)" in text
    assert "déjà donné ligne 2 ; donnez chaque lot une seule fois par association" in text
    for problem in raised.value.problems:
        assert not _english_left(problem.message), problem.message


def test_ledger_problems_are_in_french(french: None) -> None:
    convention = load_convention()
    expense = Expense("9.9", "personne", dt.date(2019, 5, 2), "", Decimal("0.001"), "", "")
    messages = [p.message for p in expense_problems(convention, expense, file="depenses.csv")]
    assert messages[0].startswith("attendu une action de la convention 2020 (")
    assert messages[1].startswith("attendu l'un de ")
    assert messages[2:] == [
        "attendu un libellé, rien trouvé",
        "attendu au plus 2 décimales (centimes), trouvé 0.001",
        "attendu une date en 2020, l'année de la convention, trouvé 2019-05-02",
    ]
    bad = parse_amount("sept mille")
    assert isinstance(bad, Bad) and bad.expected.startswith("un montant en euros comme 1234,56")
    error = LedgerError(expense_problems(convention, expense, file="depenses.csv", row=3))
    assert str(error).startswith("5 erreurs dans la saisie du registre :\n  depenses.csv, ligne 3")


def test_ledger_findings_and_counts_are_in_french(french: None) -> None:
    finding = Finding("parity", "error", "action 2.1, État", "la parité n'est pas respectée")
    assert str(finding) == "[erreur] action 2.1, État : la parité n'est pas respectée"
    assert _counts(1, 43) == "1 erreur, 43 avertissements"


def test_convention_problems_are_in_french(tmp_path: Path, french: None) -> None:
    text = default_convention_path().read_text(encoding="utf-8")
    text = text.replace('id = "1.3"\naxis = "1"', 'id = "1.3"\naxis = "9"')
    text = text.replace("budget = 14000 ", "budget = -14000 ")
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LedgerError) as raised:
        load_convention(path)
    message = str(raised.value)
    assert message.startswith(f"2 erreurs dans broken.toml :\n  {path}, ligne ")
    assert "actions[3] (1.3).axis : axe inconnu '9' : attendu l'un de ['1', '2', '3']" in message
    assert "actions[7] (2.2).budget : attendu un montant ≥ 0 €, trouvé -14000" in message


def test_indicator_tables_in_the_console_are_in_french(french: None) -> None:
    import pandas as pd

    from aide_alim.indicators.report import render_text

    summary = pd.DataFrame(
        {"association": ["a1"], "name": ["Épicerie du Centre"], "weeks": [1], "kg": [84.0],
         "value_eur": [116.5], "cum_fill_ratio": [0.799]}
    )  # fmt: skip
    lines = render_text({"summary": summary}, ("summary",)).splitlines()
    assert lines[0] == "== Synthèse par structure"
    assert lines[1].startswith("Structure") and "Valeur marchande (€)" in lines[1]
    assert lines[2].startswith("Épicerie du Centre")
    assert lines[2].split() == ["Épicerie", "du", "Centre", "1", "84", "116,50", "79,9", "%"]


def _cli(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang
    return subprocess.run(
        [sys.executable, "-m", "aide_alim.cli", "validate", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_validate_prints_problems_in_french_by_default_and_english_on_request(
    tmp_path: Path,
) -> None:
    folder = copy_scenario(tmp_path / "week")
    set_cell(folder, "lots.csv", "L3", "kg", "-12")
    set_cell(folder, "associations.csv", "A1", "open_days", "lundi mercrdi")
    for lang in ("fr_FR.UTF-8", "C.UTF-8"):
        french = _cli(str(folder), lang=lang)
        assert french.returncode == 1
        assert (
            'Erreur : lots.csv, ligne 4, colonne kg : attendu un nombre >= 0, trouvé "-12"'
            in french.stderr
        )
        assert (
            "Erreur : associations.csv, ligne 2, colonne open_days : attendu des jours comme"
            in french.stderr
        )
        assert "expected" not in french.stderr and "row" not in french.stderr
    english = _cli(str(folder), lang="en_US.UTF-8")
    assert 'Error: lots.csv, row 4, column kg: expected a number >= 0, got "-12"' in english.stderr


def test_the_catalogue_translates_every_message_the_package_can_show() -> None:
    assert missing_translations() == []


WORDED_HERE = (
    "parsing.py",
    "errors.py",
    "scenario/parsers.py",
    "scenario/schema.py",
    "scenario/reading.py",
    "scenario/validate.py",
    "scenario/io.py",
    "scenario/model.py",
    "history/receipts.py",
    "offers/reading.py",
    "ledger/entries.py",
    "ledger/store.py",
    "ledger/csv_import.py",
    "ledger/corrections.py",
    "ledger/convention.py",
    "ledger/convention_reader.py",
    "ledger/convention_files.py",
)
CATALOGUE_CALLS = {"_", "N_", "ngettext"}


@pytest.mark.parametrize("module", WORDED_HERE)
def test_validation_messages_go_through_the_catalogue(module: str) -> None:
    """No sentence of a problem is written outside ``_()``/``N_()``: a string that starts with
    "expected" (or "Expected"), or an f-string that holds one, would reach the user untranslated."""
    tree = ast.parse((ROOT / "aide_alim" / module).read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in CATALOGUE_CALLS:
            inside.update(id(n) for arg in node.args for n in ast.walk(arg))
    loose = [
        f"line {node.lineno}: {ast.unparse(node)[:60]}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant | ast.JoinedStr)
        and id(node) not in inside
        and re.match(r"f?['\"](expected|Expected)\b", ast.unparse(node))
    ]
    assert loose == []
