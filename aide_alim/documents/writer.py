"""Write every document of the week into a folder.

Layout (file names from ids go through :class:`~aide_alim.documents.safety.FileNamer`)::

    synthese.html                      the coordinator's summary (self-contained)
    tableaux.xlsx                      every table, one sheet each
    plans/<association>.html|.pdf|.csv one distribution plan per association
    feuilles_de_route/<vehicle>_<date>.html|.pdf|.png   one route sheet per vehicle-day used
    donnees/*.csv                      the tidy tables (UTF-8, comma-separated, dot decimals)
    donnees/plan.json                  the plan itself, which ``publish FOLDER`` records

The plan CSVs are for French spreadsheets: ``;``-separated, decimal comma, UTF-8 with BOM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aide_alim.background import in_background
from aide_alim.documents import charts, html, pdf, plans, prospection, sheets, summary, tables
from aide_alim.documents.columns import french_table
from aide_alim.documents.safety import FileNamer, inside, neutralise_frame
from aide_alim.documents.workbook import write_workbook
from aide_alim.history.plan_file import PLAN_FILE, plan_json
from aide_alim.i18n import fmt
from aide_alim.scenario.model import Scenario, Temperature

if TYPE_CHECKING:
    from aide_alim.allocation import Allocation
    from aide_alim.planning.advice import FleetAdvice
    from aide_alim.routing import RoutePlan

SUMMARY = "synthese.html"
WORKBOOK = "tableaux.xlsx"
PLANS = "plans"
SHEETS = "feuilles_de_route"
DATA = "donnees"


@dataclass(frozen=True)
class Documents:
    """The files written, relative to the output folder (sorted)."""

    summary: str
    workbook: str
    plans: tuple[str, ...]
    route_sheets: tuple[str, ...]
    data: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(
            sorted({self.summary, self.workbook, *self.plans, *self.route_sheets, *self.data})
        )


def _sheet_stems(week_sheets: Sequence[sheets.RouteSheet]) -> list[str]:
    """The file stem of each route sheet: ``<vehicle>_<date>``."""
    vehicle_names = FileNamer("vehicule")
    return [f"{vehicle_names.stem(s.vehicle_id)}_{s.day.isoformat()}" for s in week_sheets]


def _write_sheets(
    scenario: Scenario,
    week_sheets: Sequence[sheets.RouteSheet],
    stems: Sequence[str],
    out_dir: Path,
    created: Any,
    fonts: pdf.Fonts,
) -> None:
    """Write each vehicle's route sheet of each day (map, HTML, PDF) into ``out_dir``."""
    folder = out_dir / SHEETS
    for sheet, stem in zip(week_sheets, stems, strict=True):
        png = charts.sheet_map(scenario, sheet.stops)
        inside(folder, f"{stem}.png").write_bytes(png)
        inside(folder, f"{stem}.html").write_text(
            html.render("route_sheet.html.j2", sheet=sheet, map_png=html.b64(png)),
            encoding="utf-8",
        )
        inside(folder, f"{stem}.pdf").write_bytes(pdf.route_sheet_pdf(sheet, png, created, fonts))


def _csv(frame: pd.DataFrame, path: Path, *, french: bool = False) -> None:
    out = neutralise_frame(frame)
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, tuple | list)).any():
            out[column] = out[column].map(
                lambda v: " ".join(map(str, v)) if isinstance(v, tuple | list) else v
            )
    if french:
        out.to_csv(
            path, sep=";", decimal=",", index=False, encoding="utf-8-sig", lineterminator="\n"
        )
    else:
        out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.6g")


def _tidy_stops(stops: pd.DataFrame) -> pd.DataFrame:
    """The stops for a spreadsheet: ids space-separated, times as ``HH:MM``."""
    out = stops.copy()
    for column in ("lots", "associations"):
        out[column] = out[column].map(lambda v: " ".join(v))
    out["arrival"] = [fmt.clock(v) if v == v else "" for v in out["arrival_min"]]
    out["departure"] = [fmt.clock(v) if v == v else "" for v in out["departure_min"]]
    return out.drop(columns=["arrival_min", "departure_min"])


def write_documents(
    scenario: Scenario,
    allocation: Allocation,
    plan: RoutePlan,
    out_dir: Path,
    *,
    comparison: pd.DataFrame | None = None,
    notes: Sequence[str] = (),
    advice: FleetAdvice | None = None,
) -> Documents:
    """Render every document of the week into ``out_dir`` (which must exist and be empty);
    ``notes``: the planning's notes for the summary (see :mod:`aide_alim.documents.logistics`);
    ``advice``: what one more resource would bring (summary and ``conseils_flotte.csv``)."""
    if comparison is not None:  # wall times differ from run to run: keep the files identical
        comparison = comparison.drop(columns=[c for c in comparison.columns if "second" in str(c)])
    with pdf.Fonts(_texts(scenario)) as fonts:
        return _write(scenario, allocation, plan, out_dir, comparison, fonts, tuple(notes), advice)


def _texts(scenario: Scenario) -> list[str]:
    """Every text of the scenario that a PDF may print (names, products, addresses, ids)."""
    texts = [scenario.name]
    for a in scenario.associations:
        texts += [a.id, a.name, a.kind, a.commune, a.address]
    for s in scenario.sites:
        texts += [s.id, s.name, s.address]
    for lot in scenario.lots:
        texts += [lot.id, lot.product]
    for v in scenario.vehicles:
        texts += [v.id, v.name]
    texts += [c.label for c in scenario.categories.values()]
    return texts


def _write(
    scenario: Scenario,
    allocation: Any,
    plan: Any,
    out_dir: Path,
    comparison: pd.DataFrame | None,
    fonts: pdf.Fonts,
    notes: tuple[str, ...] = (),
    advice: FleetAdvice | None = None,
) -> Documents:
    created = scenario.week_start
    lines = tables.lines_table(scenario, allocation.lines)
    stops = tables.stops_table(scenario, plan)
    labels = tables.reason_labels(allocation)
    left = tables.leftovers(scenario, allocation, labels)
    by_association = allocation.by_association

    (out_dir / PLANS).mkdir()
    (out_dir / SHEETS).mkdir()
    (out_dir / DATA).mkdir()

    # The route sheets are listed here (the summary links to them) and drawn on the other core.
    week_sheets = sheets.route_sheets(scenario, lines, stops, plan)
    stems = _sheet_stems(week_sheets)
    sheet_files = [f"{SHEETS}/{stem}.{ext}" for stem in stems for ext in ("html", "pdf", "png")]
    sheet_links = [
        (f"Feuille de route – {s.vehicle_label} – {fmt.date(s.day)}", f"{SHEETS}/{stem}.html")
        for s, stem in zip(week_sheets, stems, strict=True)
    ]

    # --- tables
    rounds = getattr(plan, "rounds", None)
    rounds = rounds if rounds is not None else pd.DataFrame()
    unserved = getattr(plan, "unserved", None)
    unserved = unserved if unserved is not None else pd.DataFrame()
    unmet_cat = prospection.unmet_need(scenario, lines, by_association)
    unmet_cls = prospection.unmet_by_class(scenario, lines)
    free = prospection.free_storage(scenario, lines)
    reasons = (
        left.groupby(["reason", "reason_fr"], as_index=False)
        .agg(lots=("lot", "nunique"), kg=("kg", "sum"))
        .sort_values("kg", ascending=False)
        if len(left)
        else pd.DataFrame(columns=["reason", "reason_fr", "lots", "kg"])
    )
    metrics = summary.metrics_table(allocation)
    totals = {
        k: v
        for k, v in dict(getattr(plan, "totals", {}) or {}).items()
        if not any(word in k for word in ("second", "wall"))  # run-to-run timings
    }
    week_tables: dict[str, pd.DataFrame] = {
        "attribution": lines,
        "par_association": by_association,
        "non_attribues": left,
        "arrets": _tidy_stops(stops),
        "tournees": rounds,
        "non_desservis": unserved,
        "indicateurs": metrics,
        "totaux_tournees": pd.DataFrame(
            [{"indicateur": k, "valeur": v} for k, v in totals.items()]
        ),
        "a_chercher_categories": unmet_cat,
        "a_chercher_classes": unmet_cls,
        "stockage_libre": free,
        "raisons_non_attribues": reasons,
    }
    if comparison is not None:
        week_tables["comparaison"] = comparison
    if advice is not None:
        week_tables["conseils_flotte"] = advice.table()

    def other_core() -> None:
        # Maps and route sheet PDFs, then the workbook: about half of this stage's work, so
        # that both cores finish at about the same time (measured on Dijon: ~3 s each).
        _write_sheets(scenario, week_sheets, stems, out_dir, created, fonts)
        # People read the workbook: French headers and words; the CSV files keep the codes.
        write_workbook(
            out_dir / WORKBOOK, {n: french_table(f) for n, f in week_tables.items()}, created
        )

    drawn = in_background(other_core)

    # --- distribution plans
    namer = FileNamer("association")
    plan_files: list[str] = []
    week_plans = plans.association_plans(scenario, allocation, lines, stops, plan)
    plan_links: list[tuple[str, str]] = []
    for p in week_plans:
        stem = namer.stem(p.association.id)
        folder = out_dir / PLANS
        rows = [
            {**line, "temperature_label": Temperature(line["temperature"]).label_fr}
            for line in p.lines.to_dict("records")
        ]
        inside(folder, f"{stem}.html").write_text(
            html.render("plan.html.j2", plan=p, rows=rows), encoding="utf-8"
        )
        inside(folder, f"{stem}.pdf").write_bytes(pdf.plan_pdf(p, created, fonts))
        _csv(plans.plan_csv_table(p), inside(folder, f"{stem}.csv"), french=True)
        plan_files += [f"{PLANS}/{stem}.{ext}" for ext in ("html", "pdf", "csv")]
        plan_links.append((f"Plan – {p.association.name}", f"{PLANS}/{stem}.html"))

    data_files = []
    for name, frame in week_tables.items():
        _csv(frame, inside(out_dir / DATA, f"{name}.csv"))
        data_files.append(f"{DATA}/{name}.csv")
    (out_dir / PLAN_FILE).write_text(plan_json(scenario, allocation, plan), encoding="utf-8")
    data_files.append(PLAN_FILE)

    # --- summary
    page = summary.summary_html(
        scenario,
        allocation,
        week_tables={
            "lines": lines,
            "stops": stops,
            "left": left,
            "metrics": metrics,
            "rounds": rounds,
            "unserved": unserved,
            "unmet_category": unmet_cat,
            "unmet_class": unmet_cls,
            "free": free,
            "reasons": reasons,
        },
        totals=totals,
        comparison=comparison,
        documents=[("Classeur de tous les tableaux (xlsx)", WORKBOOK), *plan_links, *sheet_links],
        notes=notes,
        fleet_advice=advice.sentences_fr(
            left_by_rounds_kg=sum(prospection.left_for_vehicles(left).values())
        )
        if advice is not None
        else (),
    )
    (out_dir / SUMMARY).write_text(page, encoding="utf-8")
    drawn()
    return Documents(
        SUMMARY,
        WORKBOOK,
        tuple(sorted(plan_files)),
        tuple(sorted(sheet_files)),
        tuple(sorted(data_files)),
    )
