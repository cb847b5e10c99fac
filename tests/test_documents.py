"""The documents alone (hand-made allocation and rounds, no solver): safety, content, layout."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from documents_helpers import (
    FORMULA,
    SCRIPT,
    hand_allocation,
    hand_plan,
    hostile_scenario,
)
from openpyxl import load_workbook

from aide_alim.documents import FileNamer, neutralise_cell, slugify, write_documents
from aide_alim.documents.plans import explain_share
from aide_alim.documents.prospection import unmet_need
from aide_alim.documents.tables import lines_table
from aide_alim.scenario.model import Temperature

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

NB = "\u00a0"


@pytest.fixture(scope="module")
def week_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = hostile_scenario()
    out = tmp_path_factory.mktemp("docs")
    write_documents(scenario, hand_allocation(scenario), hand_plan(scenario), out)
    return out


# --------------------------------------------------------------------------- safety helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+33 3 80", "'+33 3 80"),
        ("-Pâtes", "'-Pâtes"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Pâtes", "Pâtes"),
        ("a=b", "a=b"),
        (-3.5, -3.5),
        (12, 12),
    ],
)
def test_neutralise_cell(value: object, expected: object) -> None:
    assert neutralise_cell(value) == expected


def test_file_names_never_escape_and_never_collide() -> None:
    namer = FileNamer()
    assert namer.stem("../../etc/passwd") == "etc-passwd"
    assert namer.stem("Épicerie Sociale / Nord") == "epicerie-sociale-nord"
    assert namer.stem("epicerie sociale nord") == "epicerie-sociale-nord-2"
    assert namer.stem("Épicerie Sociale / Nord") == "epicerie-sociale-nord"  # stable per id
    assert namer.stem("///") == "sans-nom"
    assert namer.stem("CON") == "con-x"
    assert namer.stem("x" * 300) == "x" * 60
    assert slugify("<script>alert(1)</script>") == "script-alert-1-script"


# --------------------------------------------------------------------------- hostile strings


def test_script_and_formula_are_inert_in_html(week_docs: Path) -> None:
    pages = sorted(week_docs.rglob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), page
        assert "<b>Test" not in text, page  # the address's markup is escaped too
    plan = (week_docs / "plans" / "a1.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in plan
    assert "=HYPERLINK(&#34;x&#34;)" in plan
    summary = (week_docs / "synthese.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary


def test_formula_is_inert_in_every_csv(week_docs: Path) -> None:
    files = sorted(week_docs.rglob("*.csv"))
    assert any(f.parent.name == "plans" for f in files)
    seen = False
    for path in files:
        delimiter = ";" if path.parent.name == "plans" else ","
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, delimiter=delimiter):
                for cell in row:
                    # numbers may be negative; text never starts a formula
                    if cell[:1] in ("=", "+", "@", "\t", "\r"):
                        pytest.fail(f"{path}: live formula cell {cell!r}")
                    if cell.startswith("-"):
                        float(cell.replace(",", "."))  # only a negative number may
                    seen |= cell == "'" + FORMULA
    assert seen, "the product name should appear, neutralised"


def test_formula_is_inert_in_the_workbook(week_docs: Path) -> None:
    workbook = load_workbook(week_docs / "tableaux.xlsx")
    assert {"attribution", "par_association", "non_attribues", "tournees"} <= set(
        workbook.sheetnames
    )
    seen = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
                    seen.add(cell.value)
    assert "'" + FORMULA in seen
    assert SCRIPT in seen  # a string in a cell is inert in Excel: kept as written


def test_pdf_text_is_literal_and_has_no_actions(week_docs: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    plan = week_docs / "plans" / "a1.pdf"
    raw = plan.read_bytes()
    for action in (b"/JavaScript", b"/JS", b"/URI", b"/Launch", b"/SubmitForm", b"/AA"):
        assert action not in raw
    # fpdf2's only opening action is a view (page 1, fit width), never a script or link
    assert raw.count(b"/OpenAction") == raw.count(b"/OpenAction [3 0 R /FitH null]")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(plan).pages)
    assert SCRIPT in text
    assert FORMULA in text
    assert "Votre besoin estimé" in text


def test_no_file_outside_the_output_folder(week_docs: Path) -> None:
    root = week_docs.resolve()
    for path in week_docs.rglob("*"):
        assert root in path.resolve().parents
    assert (week_docs / "plans" / "evil.html").exists()  # id "../../evil"


# --------------------------------------------------------------------------- content


def test_every_association_and_vehicle_day_has_its_document(week_docs: Path) -> None:
    plans = {p.stem for p in (week_docs / "plans").glob("*.html")}
    assert plans == {"a1", "evil", "a3"}
    for stem in plans:
        for ext in ("pdf", "csv"):
            assert (week_docs / "plans" / f"{stem}.{ext}").exists()
    sheets = {p.stem for p in (week_docs / "feuilles_de_route").glob("*.html")}
    assert sheets == {"v2_2020-10-05", "v1_2020-10-06"}
    for stem in sheets:
        assert (week_docs / "feuilles_de_route" / f"{stem}.pdf").exists()
        assert (week_docs / "feuilles_de_route" / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"


def test_plan_explains_the_share_in_french(week_docs: Path) -> None:
    a1 = (week_docs / "plans" / "a1.html").read_text(encoding="utf-8")
    assert "Votre besoin estimé : 105\u00a0kg (100 bénéficiaires × 1,05\u00a0kg par semaine)." in a1
    assert "Vous recevrez 70\u00a0kg, soit 67\u00a0% de votre besoin." in a1
    assert "La moyenne des 3 associations est de 49\u00a0%" in a1
    assert "votre part équitable serait de 63\u00a0kg" in a1
    # delivery window (planned 09:20–09:30, half an hour either side, quarter hours) and vehicle
    assert f"entre 9{NB}h et 10{NB}h" in a1  # A1 receives from 9:00 on
    assert "09:20" not in a1
    assert "+Frigo" in a1
    a3 = (week_docs / "plans" / "a3.html").read_text(encoding="utf-8")
    assert "Vous ne recevrez pas de produits frais car vous n&#39;avez pas de stockage" in a3
    assert "avec 20\u00a0kg reçus d&#39;autres sources" in a3
    evil = (week_docs / "plans" / "evil.html").read_text(encoding="utf-8")
    assert "retrait à la plateforme" in evil
    assert "Plateforme solidaire" in evil


def test_plan_csv_lists_each_lot_with_dates_and_slot(week_docs: Path) -> None:
    with (week_docs / "plans" / "a1.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [r["lot"] for r in rows] == ["L1", "L2"]
    assert rows[1]["DLC"] == "09/10/2020" and rows[0]["jour"] == "lundi"
    assert rows[1]["température"] == Temperature.CHILLED.label_fr
    assert rows[0]["mode"] == "livraison"
    assert rows[0]["heure d'arrivée prévue"] == f"entre 9{NB}h et 10{NB}h"
    assert rows[0]["kg"] == "50,0"


def test_route_sheet_lists_loads_and_cold_chain(week_docs: Path) -> None:
    sheet = (week_docs / "feuilles_de_route" / "v2_2020-10-05.html").read_text(encoding="utf-8")
    assert "Froid positif 0–4 °C" in sheet
    assert "Yaourts (L2) : 20\u00a0kg" in sheet
    assert "Grossiste @sud" in sheet
    assert "data:image/png;base64," in sheet


def test_documents_are_the_same_bytes_on_one_core_and_on_two(
    week_docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # week_docs drew the route sheets and the workbook in a forked child (where fork exists);
    # here everything is written in this process: the files must not depend on which.
    monkeypatch.setattr("aide_alim.background.can_fork", lambda: False)
    scenario = hostile_scenario()
    written = write_documents(scenario, hand_allocation(scenario), hand_plan(scenario), tmp_path)
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(week_docs) for p in week_docs.rglob("*") if p.is_file())
    assert sorted(map(Path, written.all)) == files
    assert any(f.parts[0] == "feuilles_de_route" for f in files)
    for f in files:
        assert (tmp_path / f).read_bytes() == (week_docs / f).read_bytes(), f


def test_unmet_need_points_the_prospection_at_what_fits() -> None:
    scenario = hostile_scenario()
    lines = lines_table(scenario, hand_allocation(scenario).lines)
    table = unmet_need(scenario, lines, hand_allocation(scenario).by_association).set_index(
        "category"
    )
    # A3 refuses frozen food and has no cold room: only ambient categories can reach it.
    frozen = table.loc["surgeles"]
    assert frozen["associations_with_room"] == 1  # only the association with a freezer
    dry = table.loc["epicerie_seche"]
    assert dry["associations_with_room"] == 3
    assert dry["unmet_need_with_room_kg"] == pytest.approx((105 - 70) + (210 - 130) + (105 - 20))


# --------------------------------------------------------------------------- browser


def _dump_dom(page: Path, profile: Path) -> str:
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_summary_and_plan_render_in_chromium(week_docs: Path, tmp_path: Path) -> None:
    summary = _dump_dom(week_docs / "synthese.html", tmp_path / "profile")
    assert "Synthèse de la coordination" in summary
    assert "À chercher la semaine prochaine" in summary
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary  # shown as text, not run
    assert "<script>alert(1)" not in summary
    plan = _dump_dom(week_docs / "plans" / "a1.html", tmp_path / "profile")
    assert "Plan de distribution" in plan
    assert "Pourquoi cette part" in plan
    assert "Yaourts" in plan
    assert "<script>alert(1)" not in plan


def test_summary_tells_the_prospection_what_would_find_takers(week_docs: Path) -> None:
    summary = (week_docs / "synthese.html").read_text(encoding="utf-8")
    # fresh: A1 (35 kg short, 80 kg of cold room left) and the collecting one (80 kg short)
    assert "Produits frais : jusqu&#39;à 115\u00a0kg trouveraient preneur chez 2 associations" in (
        summary
    )
    assert "Surgelés : jusqu&#39;à 80\u00a0kg trouveraient preneur chez 1 association " in summary


def test_share_is_explained_in_meals_when_the_policy_counts_meals() -> None:
    scenario = hostile_scenario()
    scenario = scenario.replace(policy=scenario.policy.replace(basis="meals"))
    a1 = scenario.association_by_id["A1"]
    lines = lines_table(scenario, hand_allocation(scenario).lines)
    mine = lines[lines["association"] == "A1"]
    by_association = pd.DataFrame(
        [
            {"association": "A1", "need": 210.0, "received": 140.0, "received_kg": 70.0,
             "other_supply": 0.0, "fill_ratio": 140 / 210, "fair_share": 126.0},
            {"association": "A3", "need": 210.0, "received": 0.0, "received_kg": 0.0,
             "other_supply": 40.0, "fill_ratio": 40 / 210, "fair_share": 86.0},
        ]
    )  # fmt: skip
    text = " ".join(explain_share(scenario, a1, mine, by_association, "maxmin"))
    assert "Votre besoin estimé : 210\u00a0repas" in text
    assert "= 105\u00a0kg, à 0,5\u00a0kg par repas" in text
    assert "Vous recevrez 70\u00a0kg (140\u00a0repas), soit 67\u00a0% de votre besoin." in text
    assert (
        "votre part équitable serait de 126\u00a0repas ; vous recevrez 14\u00a0repas de plus"
        in text
    )
    assert "max-min" in text


def test_a_week_where_nothing_could_be_placed_still_gets_its_summary(tmp_path: Path) -> None:
    scenario = hostile_scenario()
    full = hand_allocation(scenario)
    nothing = dataclasses.replace(
        full,
        lines=full.lines.iloc[0:0],
        unallocated=pd.DataFrame(
            [
                {
                    "lot": lot.id,
                    "kg": lot.kg,
                    "reason": "storage_full",
                    "reason_fr": "stockage plein chez toutes les associations possibles",
                }
                for lot in scenario.lots
            ]
        ),
        by_association=full.by_association.assign(received=0.0, received_kg=0.0),
    )
    plan = hand_plan(scenario)
    empty_plan = dataclasses.replace(
        plan, stops=plan.stops.iloc[0:0], rounds=plan.rounds.iloc[0:0], lines=plan.lines.iloc[0:0]
    )
    written = write_documents(scenario, nothing, empty_plan, tmp_path)
    assert written.route_sheets == ()
    summary = (tmp_path / "synthese.html").read_text(encoding="utf-8")
    assert "stockage plein chez toutes les associations possibles" in summary
    a1 = (tmp_path / "plans" / "a1.html").read_text(encoding="utf-8")
    assert "Vous ne recevrez aucun lot cette semaine." in a1
