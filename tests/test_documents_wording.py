"""What associations and drivers read, worded for them: one test per fixed wording, and no
document of another territory's week that mentions Dijon.

The week is ``tests/fixtures/beaune``: the tiny week moved to Beaune, run end to end once.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from aide_alim.documents.pdf import fit_widths
from aide_alim.documents.plans import _why
from aide_alim.documents.summary import places_visited
from aide_alim.indicators.report import chart_fairness, chart_regularity, chart_weekly_volume
from aide_alim.scenario import load_scenario
from aide_alim.weekly import run_week

BEAUNE = Path(__file__).parent / "fixtures" / "beaune"
NB = "\u00a0"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("beaune") / "plans"
    run_week(BEAUNE, out)
    return out


def _texts(folder: Path) -> dict[str, str]:
    """Every document's text: HTML and CSV as written, PDF pages extracted, xlsx cells."""
    texts = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".html", ".csv", ".json"):
            texts[str(path)] = path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".pdf":
            texts[str(path)] = "\n".join(p.extract_text() for p in PdfReader(path).pages)
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts[str(path)] = "\n".join(
                    book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")
                )
    return texts


def _plan(docs: Path, association: str) -> str:
    return (docs / "plans" / f"{association}.html").read_text(encoding="utf-8")


def test_no_document_of_another_territory_mentions_dijon(docs: Path) -> None:
    texts = _texts(docs)
    assert len(texts) > 15
    found = {
        path: m.group(0) for path, text in texts.items() if (m := re.search("dijon", text, re.I))
    }
    assert not found
    assert "la banque alimentaire de Beaune Côte et Sud" in _plan(docs, "a1")


def test_the_plan_gives_an_arrival_window_to_the_quarter_hour(docs: Path) -> None:
    plan = _plan(docs, "a1")
    windows = re.findall(rf"entre (\d+){NB}h(?:{NB}(\d\d))? et (\d+){NB}h(?:{NB}(\d\d))?", plan)
    assert windows
    for h1, m1, h2, m2 in windows:
        start, end = int(h1) * 60 + int(m1 or 0), int(h2) * 60 + int(m2 or 0)
        assert start % 15 == 0 and end % 15 == 0 and end - start >= 30
        assert start >= 9 * 60 and end <= 12 * 60  # within A1's receiving hours
    assert not re.search(r"\d\d:\d\d–\d\d:\d\d", plan)  # no one-minute slots


def test_a_pickup_names_the_hub_street_address(docs: Path) -> None:
    plan = _plan(docs, "a2")
    assert "retrait à la plateforme" in plan
    assert "5 rue des Entrepôts 21200 Beaune" in plan


def test_the_plan_speaks_in_the_future_tense(docs: Path) -> None:
    plan = _plan(docs, "a1")
    assert "Vous recevrez " in plan
    assert "Vous recevez " not in plan and "reçu de" not in plan


def test_the_plan_heading_and_the_average_read_naturally(docs: Path) -> None:
    plan = _plan(docs, "a1")
    assert "Pourquoi cette part" in plan and "Pourquoi vous recevez" not in plan
    # Beaune's three associations are all covered at 80 %: no "de 80 % à 80 %".
    assert f"Les 3 associations seront toutes couvertes à 80{NB}%." in plan
    assert f"de 80{NB}% à 80{NB}%" not in plan


def test_the_window_note_fits_a_delivery_or_a_pickup(docs: Path) -> None:
    delivered, picked_up = _plan(docs, "a1"), _plan(docs, "a2")
    assert "la tournée est prévue au milieu" in delivered and "retrait" not in delivered
    assert "retrait à la plateforme" in picked_up
    assert "Pour votre retrait, venez pendant la fenêtre indiquée." in picked_up
    assert "la tournée est prévue au milieu" not in picked_up


def test_route_sheet_maps_outside_the_layer_have_a_scale_and_no_outline(docs: Path) -> None:
    """Beaune is outside the shipped commune layer: its maps draw no outline (and so no IGN
    attribution) but keep the scale bar; the Dijon maps are tested in test_documents_maps."""
    sheets = sorted((docs / "feuilles_de_route").glob("*.html"))
    assert sheets
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8")
        assert "IGN" not in text and "Dijon" not in text


def test_fruit_and_vegetables_are_ambient_not_dry(docs: Path) -> None:
    plan = _plan(docs, "a2")
    assert "ambiant" in plan
    assert "sec (ambiant)" not in plan and ", sec" not in plan


def test_the_rule_is_said_in_plain_french(docs: Path) -> None:
    plan = _plan(docs, "a1")
    assert (
        "répartition équitable : on sert d&#39;abord les associations les moins bien couvertes"
        in (plan)
    )
    assert "leximin" not in plan


def test_a_full_freezer_is_not_called_free() -> None:
    scenario = load_scenario(BEAUNE)
    a2 = scenario.association_by_id["A2"]  # 80 kg of free freezer room
    mine = pd.DataFrame([{"temperature": "frozen", "kg": 80.0, "price_eur": 0.0}])
    text = " ".join(_why(scenario, a2, mine))
    assert "libres) est plein" not in text
    assert (
        f"Vos surgelés sont limités par la place libre que vous avez déclarée dans votre "
        f"congélateur : 80{NB}kg cette semaine, entièrement utilisés."
    ) in text


def test_route_sheets_name_communes_and_vehicles(docs: Path) -> None:
    sheets = [p.read_text(encoding="utf-8") for p in (docs / "feuilles_de_route").glob("*.html")]
    assert sheets
    for sheet in sheets:
        assert not re.search(r"commune \d{5}", sheet)
        assert "(V1)" not in sheet and "(V2)" not in sheet  # names, not ids
        assert ")·" not in sheet  # a space before every separator
        assert re.search(
            r"<strong>Fourgon (sec|frigorifique)</strong> · \w+day|<strong>Fourgon", sheet
        )
    plans = "".join(_plan(docs, a) for a in ("a1", "a2", "a3"))
    assert not re.search(r"commune \d{5}", plans)


def test_the_summary_counts_places_and_names_rules_in_french(docs: Path) -> None:
    summary = (docs / "synthese.html").read_text(encoding="utf-8")
    assert "Lieux visités" in summary and "Arrêts" not in summary
    assert "répartition équitable (retenue)" in summary
    assert ">optimal<" not in summary and ">feasible<" not in summary
    assert "premier arrivé, premier servi" in summary
    assert "Fourgon frigorifique" in summary  # vehicle names in the rounds table


def test_places_are_counted_once_per_visit_not_per_order_line() -> None:
    rows = [("start", "hub"), ("pickup", "s1"), ("pickup", "s1"), ("pickup", "s2"),
            ("delivery", "a1"), ("delivery", "a1"), ("delivery", "a1"), ("end", "hub")]  # fmt: skip
    stops = pd.DataFrame(
        [{"vehicle": "V1", "day": "mon", "family": "hub", "trip": 1, "seq": i, "kind": kind,
          "place": place} for i, (kind, place) in enumerate(rows)]
    )  # fmt: skip
    assert places_visited(stops)["places"].tolist() == [3]


def test_pdf_headers_never_break_inside_a_word() -> None:
    width = {"Exécution": 20.0, "Tendance": 17.0}

    def measure(word: str) -> float:
        return width.get(word, 2.0 * len(word))

    header = ["Action", "Exécution", "Tendance"]
    fitted = fit_widths(measure, header, [60, 10, 10], pad=1.0)
    assert sum(fitted) == pytest.approx(80)
    assert fitted[1] >= 22 and fitted[2] >= 19 and fitted[0] >= measure("Action") + 2


def test_indicator_charts_make_sense_with_one_week() -> None:
    one = pd.DataFrame(
        {"week": ["2020-W41"] * 3, "association": ["a", "b", "c"], "name": ["A", "B", "C"],
         "kg": [10.0, 30.0, 20.0]}
    )  # fmt: skip
    assert chart_weekly_volume(one) is not None
    assert chart_regularity(one) is None  # one column of a heat map says nothing
    fairness = one.assign(cum_fill_ratio=[0.5, 0.7, 0.6])
    assert chart_fairness(fairness, one) is None
    two = pd.concat([one, one.assign(week="2020-W42")])
    assert chart_regularity(two) is not None
    assert chart_fairness(pd.concat([fairness, fairness.assign(week="2020-W42")]), two)


def test_the_workbook_speaks_french_without_twin_columns(docs: Path) -> None:
    book = load_workbook(docs / "tableaux.xlsx", read_only=True)
    header = {
        name: [c.value for c in next(book[name].iter_rows(max_row=1))] for name in book.sheetnames
    }
    assert "reçu (kg)" in header["par_association"]
    assert "reçu" not in header["par_association"]  # same values as "reçu (kg)" in kg
    assert {"jour", "date", "produit", "température"} <= set(header["attribution"])
    rows = list(book["attribution"].iter_rows(min_row=2, max_row=2, values_only=True))
    row = dict(zip(header["attribution"], rows[0], strict=True))
    assert row["jour"] in ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
    assert row["température"] in ("ambiant", "frais (0–4 °C)", "surgelé (−18 °C)")
    for names in header.values():
        assert len(names) == len(set(names))


def test_the_plan_csv_has_french_headers_and_dates(docs: Path) -> None:
    text = (docs / "plans" / "a1.csv").read_text(encoding="utf-8-sig")
    head, first = text.splitlines()[:2]
    assert head.startswith("lot;produit;catégorie;température;kg;cartons;DLC;DDM;valeur (€)")
    assert "heure d'arrivée prévue;véhicule" in head
    assert re.search(r";(lundi|mardi|mercredi|jeudi|vendredi);\d\d/10/2020;", first)
