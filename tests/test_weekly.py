"""The weekly run end to end on small real scenarios: documents, atomic output, failures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from documents_helpers import FORMULA, SCRIPT, hostile_scenario
from openpyxl import load_workbook

import aide_alim.routing
from aide_alim.cli import main
from aide_alim.documents import slugify
from aide_alim.errors import StageError
from aide_alim.output import MARKER
from aide_alim.scenario import load_scenario
from aide_alim.weekly import STAGES, OutputExistsError, Stage, StageEvent, WeekResult, run_week

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


def _fail_routing(*args: object, **kwargs: object) -> None:
    raise RuntimeError("solver exploded")


def _leftovers(parent: Path) -> list[str]:
    """Hidden staging or swap folders a run may have left next to its output."""
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[WeekResult, list[StageEvent]]:
    events: list[StageEvent] = []
    out = tmp_path_factory.mktemp("run") / "semaine"
    return run_week(TINY, out, progress=events.append), events


def test_run_writes_a_plan_per_association_and_a_sheet_per_vehicle_day(
    tiny_run: tuple[WeekResult, list[StageEvent]],
) -> None:
    result, _ = tiny_run
    out = result.out_dir
    receivers = set(result.allocation.lines["association"])
    assert receivers
    for association in receivers:
        for ext in ("html", "pdf", "csv"):
            assert (out / "plans" / f"{slugify(association)}.{ext}").is_file()
    stops = result.plan.stops
    used = {(v, d) for v, d in zip(stops["vehicle"], stops["day"], strict=True) if v}
    assert used
    for vehicle, day in used:
        for ext in ("html", "pdf", "png"):
            assert (out / "feuilles_de_route" / f"{slugify(vehicle)}_{day}.{ext}").is_file()
    sheets = {p.stem for p in (out / "feuilles_de_route").glob("*.html")}
    assert len(sheets) == len(used)
    assert (out / "synthese.html").is_file()
    assert (out / "tableaux.xlsx").is_file()
    written = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert set(result.files) == written - {MARKER}  # the marker says aide-alim wrote the folder
    assert _leftovers(out.parent) == []


def test_progress_reports_each_stage_in_order(
    tiny_run: tuple[WeekResult, list[StageEvent]],
) -> None:
    _, events = tiny_run
    assert [(e.stage, e.state) for e in events if e.state in ("start", "done")] == [
        (stage, state) for stage in STAGES for state in ("start", "done")
    ]
    assert all(e.seconds >= 0 for e in events)
    # The route stage shows its steps (bound, passes) between its start and its end.
    states = [(e.stage, e.state) for e in events]
    route = [e for e in events if e.state == "step"]
    assert route and all(e.stage is Stage.ROUTE and e.message for e in route)
    first = states.index((Stage.ROUTE, "step"))
    assert states.index((Stage.ROUTE, "start")) < first < states.index((Stage.ROUTE, "done"))
    # Each day of the rounds is shown as it is solved, after the step that started them.
    ticks = [e for e in events if e.state == "tick"]
    assert ticks and all(e.stage is Stage.ROUTE for e in ticks)
    assert {e.message for e in ticks} <= {"lundi", "mardi", "mercredi", "jeudi", "vendredi"}
    assert first < states.index((Stage.ROUTE, "tick")) < states.index((Stage.ROUTE, "done"))


def test_the_plan_takes_its_bound_from_the_fleet_advice_solved_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import aide_alim.planning.core
    from aide_alim.planning import plan_bound

    alone = plan_bound(load_scenario(TINY))

    def solved_twice(*args: object, **kwargs: object) -> None:
        raise AssertionError("the week's bound was solved a second time")

    monkeypatch.setattr(aide_alim.planning.core, "plan_bound", solved_twice)
    result = run_week(TINY, tmp_path / "semaine")
    assert result.planning is not None and result.advice is not None
    bound = result.planning.bound
    assert bound is not None
    assert bound.min_fill_ratio == result.advice.bound_min_fill_ratio
    assert bound.min_fill_ratio == pytest.approx(alone.min_fill_ratio, abs=1e-6)
    assert bound.kg_distributed == pytest.approx(alone.kg_distributed, abs=1e-3)
    assert result.allocation.metrics["bound_min_fill_ratio"] == bound.min_fill_ratio


def test_summary_holds_metrics_comparison_and_prospection(
    tiny_run: tuple[WeekResult, list[StageEvent]],
) -> None:
    result, _ = tiny_run
    page = (result.out_dir / "synthese.html").read_text(encoding="utf-8")
    for heading in (
        "Indicateurs de la répartition",
        "Comparaison avec les règles de référence",
        "Taux de couverture par association",
        "Kilogrammes par catégorie",
        "Tournées",
        "Lots non attribués et raisons",
        "À chercher la semaine prochaine",
        "Stockage libre par association et classe",
    ):
        assert heading in page
    for rule in (
        "répartition équitable (retenue)",
        "partage proportionnel",
        "premier arrivé, premier servi",
        "tour de rôle",
    ):
        assert rule in page
    assert "http://" not in page and "https://" not in page  # viewable offline
    assert page.count("data:image/png;base64,") == 3
    workbook = load_workbook(result.out_dir / "tableaux.xlsx", read_only=True)
    assert {"attribution", "par_association", "non_attribues", "tournees", "arrets"} <= set(
        workbook.sheetnames
    )


def test_same_scenario_and_seed_give_identical_files(
    tiny_run: tuple[WeekResult, list[StageEvent]], tmp_path: Path
) -> None:
    first, _ = tiny_run
    second = run_week(TINY, tmp_path / "again")
    assert first.allocation.lines.equals(second.allocation.lines)
    assert first.plan.stops.equals(second.plan.stops)
    compared = 0
    for path in first.out_dir.rglob("*"):
        if path.suffix in (".csv", ".html", ".pdf", ".png", ".xlsx"):
            twin = second.out_dir / path.relative_to(first.out_dir)
            assert path.read_bytes() == twin.read_bytes(), path.name
            compared += 1
    assert compared > 20


def test_existing_folder_is_kept_without_force_and_replaced_with_it(tmp_path: Path) -> None:
    out = tmp_path / "semaine"
    run_week(TINY, out, compare_rules=None)
    (out / "ancien.txt").write_text("précédent")
    with pytest.raises(OutputExistsError, match="--force"):
        run_week(TINY, out, compare_rules=None)
    assert (out / "ancien.txt").read_text() == "précédent"
    run_week(TINY, out, force=True, compare_rules=None)
    assert not (out / "ancien.txt").exists()
    assert (out / "synthese.html").is_file()
    assert _leftovers(tmp_path) == []


def test_routing_failure_leaves_no_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(aide_alim.routing, "plan_routes", _fail_routing)
    events: list[StageEvent] = []
    with pytest.raises(StageError) as caught:
        run_week(TINY, tmp_path / "semaine", progress=events.append, compare_rules=None)
    assert caught.value.stage == "route"
    assert "solver exploded" in str(caught.value)
    assert events[-1].stage is Stage.ROUTE and events[-1].state == "failed"
    assert list(tmp_path.iterdir()) == []


def test_failure_while_replacing_keeps_the_old_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "semaine"
    out.mkdir()
    (out / MARKER).write_text("{}")  # an earlier run's output
    (out / "ancien.txt").write_text("précédent")

    def broken_documents(*args: object, **kwargs: object) -> None:
        staging = args[3]
        assert isinstance(staging, Path)
        (staging / "synthese.html").write_text("à moitié")  # half-written, then a crash
        raise OSError("disk full")

    monkeypatch.setattr("aide_alim.documents.write_documents", broken_documents)
    with pytest.raises(StageError, match="documents: OSError: disk full"):
        run_week(TINY, out, force=True, compare_rules=None)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "ancien.txt"]
    assert _leftovers(tmp_path) == []


def test_hostile_names_are_inert_in_every_output(tmp_path: Path) -> None:
    scenario = hostile_scenario()
    result = run_week(scenario, tmp_path / "semaine", compare_rules=("leximin", "fcfs"))
    out = result.out_dir
    assert "A1" in set(result.allocation.lines["association"])
    assert (out / "plans" / "a1.html").is_file()
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "plans" / "a1.html").read_text()
    seen_formula = False
    for table in out.rglob("*.csv"):
        delimiter = ";" if table.parent.name == "plans" else ","
        with table.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, delimiter=delimiter):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@")), (table, cell)
                    seen_formula |= cell == "'" + FORMULA
    assert seen_formula
    workbook = load_workbook(out / "tableaux.xlsx")
    for sheet in workbook.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f"
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    pypdf = pytest.importorskip("pypdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out / "plans" / "a1.pdf").pages)
    assert SCRIPT in text
    for document in out.rglob("*.pdf"):
        raw = document.read_bytes()
        assert b"/JavaScript" not in raw and b"/URI" not in raw and b"/Launch" not in raw


# --------------------------------------------------------------------------- CLI


def test_cli_runs_the_week_and_summarises(tmp_path: Path) -> None:
    out = tmp_path / "semaine"
    result = CliRunner().invoke(main, ["run", str(TINY), "--out", str(out), "--time-limit", "0.5"])
    assert result.exit_code == 0, result.output
    assert "fill ratio: min" in result.output
    assert "rounds:" in result.output and "kg CO2" in result.output
    assert "[5/5] writing the documents" in result.output
    assert (out / "synthese.html").is_file()
    again = CliRunner().invoke(main, ["run", str(TINY), "--out", str(out)])
    assert again.exit_code == 1
    assert "already exists; use --force" in again.output


def test_cli_names_the_failed_stage_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(aide_alim.routing, "plan_routes", _fail_routing)
    out = tmp_path / "semaine"
    result = CliRunner().invoke(main, ["run", str(TINY), "--out", str(out), "--rule", "maxmin"])
    assert result.exit_code == 1
    assert "Error: the route stage failed: RuntimeError: solver exploded" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_reports_scenario_errors_by_location(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for source in TINY.iterdir():
        (broken / source.name).write_bytes(source.read_bytes())
    lots = (broken / "lots.csv").read_text(encoding="utf-8").replace(",100,10,", ",cent,10,", 1)
    (broken / "lots.csv").write_text(lots, encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - the loader's own error type
        load_scenario(broken)
    result = CliRunner().invoke(main, ["run", str(broken), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "lots.csv" in result.output and "row 2" in result.output
    assert not (tmp_path / "out").exists()


def test_documents_failure_removes_the_folders_it_created(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken_documents(*args: object, **kwargs: object) -> None:
        raise ValueError("template missing")

    monkeypatch.setattr("aide_alim.documents.write_documents", broken_documents)
    with pytest.raises(StageError, match="documents: ValueError: template missing"):
        run_week(TINY, tmp_path / "2020" / "W41" / "semaine", compare_rules=None)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "fichier").write_text("x")
    with pytest.raises(OutputExistsError, match="not a folder"):
        run_week(TINY, tmp_path / "fichier", force=True, compare_rules=None)
