"""The 2020 convention as data: the transcription adds up and matches the signed text."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

from aide_alim.ledger import load_convention, parse_convention
from aide_alim.ledger.checks import check_commitments
from aide_alim.ledger.convention_files import default_convention_path

SEED = Path(__file__).parents[2] / "shared" / "seed" / "convention-pacte-solidarite-dijon-2020.txt"
ACTIONS_2020 = ["1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "3.1", "3.2"]


@pytest.fixture(scope="module")
def convention():
    return load_convention()


def test_the_2020_convention_has_ten_actions_on_three_axes(convention):
    assert convention.year == 2020
    assert [a.id for a in convention.actions] == ACTIONS_2020
    assert [a.id for a in convention.axes] == ["1", "2", "3"]
    assert convention.funders == ("etat", "metropole")
    assert str(convention.report_deadline) == "2021-03-31"
    assert all(a.indicators for a in convention.actions)


def test_commitment_table_sums_to_200000_per_funder(convention):
    for funder in ("etat", "metropole"):
        total = sum(a.committed_eur(funder) for a in convention.actions)
        assert total == Decimal(200000) == convention.funding_eur[funder]


def test_each_actions_two_shares_equal_its_sheets_budget(convention):
    for action in convention.actions:
        assert action.committed_eur("etat") + action.committed_eur("metropole") == action.budget_eur
    assert check_commitments(convention) == []


def _seed_text() -> str:
    if not SEED.exists():
        pytest.skip("the seed text of the convention (../shared/seed) is not available")
    return SEED.read_text(encoding="utf-8")


def _euros(text: str) -> Decimal:
    return Decimal(re.sub(r"\s", "", text).replace(",", "."))


def parse_seed_commitments(text: str) -> dict[str, tuple[Decimal, Decimal]]:
    """The commitment table of the signed text: action id -> (État, Métropole) [€]."""
    table = text[text.index("Tableau des engagements") : text.index("Précisions autour des axes")]
    ids = re.findall(r"^\s*(\d\.\d)\s", table, flags=re.M)
    pairs = re.findall(r"^\s*([\d ]+) €\s+([\d ]+) €\s*$", table, flags=re.M)
    assert len(ids) == len(pairs) == 10, (ids, pairs)
    return {i: (_euros(a), _euros(b)) for i, (a, b) in zip(ids, pairs, strict=True)}


def parse_seed_budgets(text: str) -> dict[str, Decimal]:
    """The "Budget estimé" of each action sheet of the signed text: action id -> [€]."""
    sheets = text[text.index("Précisions autour des axes") :]
    heads = list(re.finditer(r"^Action\s+Action\s+(\d\.\d)", sheets, flags=re.M))
    budgets = {}
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(sheets)
        found = re.search(r"Budget\s+estimé\s+([\d ,]+?)\s*€", sheets[head.start() : end])
        assert found, head.group(1)
        budgets[head.group(1)] = _euros(found.group(1))
    return budgets


def test_transcription_matches_the_commitment_table_of_the_signed_text(convention):
    seed = parse_seed_commitments(_seed_text())
    assert list(seed) == ACTIONS_2020
    for action in convention.actions:
        assert (action.committed_eur("etat"), action.committed_eur("metropole")) == seed[
            action.id
        ], action.id
    total = re.search(r"^Total ([\d ]+) € ([\d ]+) €", _seed_text(), flags=re.M)
    assert total is not None
    assert _euros(total.group(1)) == convention.funding_eur["etat"]
    assert _euros(total.group(2)) == convention.funding_eur["metropole"]


def test_transcription_matches_the_budget_of_each_action_sheet(convention):
    seed = parse_seed_budgets(_seed_text())
    assert seed == {a.id: a.budget_eur for a in convention.actions}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("’", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def test_indicator_labels_come_from_the_signed_text(convention):
    seed = _norm(_seed_text())
    for ind in convention.indicators:
        label = ind.label.split(" — ", 1)[-1]  # 2.3: "Évaluation externe — <axis>"
        assert _norm(label)[:45] in seed, ind.id


def test_a_transcription_error_is_caught():
    text = default_convention_path().read_text(encoding="utf-8")
    wrong = text.replace("amounts = { etat = 6000, metropole = 6000 }",
                         "amounts = { etat = 6000, metropole = 600 }")  # fmt: skip
    assert wrong != text
    findings = check_commitments(parse_convention(wrong, file_name="wrong.toml"))
    wheres = {(f.where, f.check) for f in findings}
    assert ("Dijon Métropole", "engagements") in wheres  # the funder total is off by 5 400 €
    assert ("action 1.4", "engagements") in wheres  # the shares no longer equal the budget
    assert any("parité" in f.message for f in findings)  # and the table breaks art. 2.3.2
