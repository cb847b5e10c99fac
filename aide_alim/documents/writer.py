"""Write every document of the week into a folder.

Layout (file names from ids go through :class:`~aide_alim.documents.safety.FileNamer`)::

    synthese.html                      the coordinator's summary (self-contained)
    tableaux.xlsx                      every table, one sheet each
    plans/<association>.html|.pdf|.csv one distribution plan per association
    feuilles_de_route/<vehicle>_<date>.html|.pdf|.png   one route sheet per vehicle-day used
    donnees/*.csv                      the tidy tables (UTF-8, comma-separated, dot decimals)

The plan CSVs are for French spreadsheets: ``;``-separated, decimal comma, UTF-8 with BOM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aide_alim.documents import charts, fmt, html, pdf, plans, prospection, sheets, tables
from aide_alim.documents.safety import FileNamer, inside, neutralise_frame
from aide_alim.documents.workbook import write_workbook
from aide_alim.scenario.model import Scenario, Temperature

if TYPE_CHECKING:
    from aide_alim.allocation import Allocation
    from aide_alim.routing import RoutePlan

SUMMARY = "synthese.html"
WORKBOOK = "tableaux.xlsx"
PLANS = "plans"
SHEETS = "feuilles_de_route"
DATA = "donnees"

METRIC_LABELS_FR = {
    "min_fill_ratio": "Taux de couverture minimal",
    "mean_fill_ratio": "Taux de couverture moyen",
    "gini": "Indice de Gini des taux de couverture (0 = tous égaux)",
    "jain": "Indice de Jain des taux de couverture (1 = tous égaux)",
    "max_deviation": "Écart maximal à la part proportionnelle",
    "envy_max": "Envie maximale (part du besoin)",
    "envy_pairs": "Paires d'associations avec envie",
    "kg_distributed": "Distribué [kg]",
    "value_distributed_eur": "Valeur marchande distribuée [€]",
    "meals_distributed": "Repas distribués",
    "paid_eur": "Payé par les associations [€]",
    "kg_left": "Non attribué [kg]",
    "value_left_eur": "Valeur non attribuée [€]",
    "share_distributed": "Part de l'offre distribuée",
    "price_of_fairness_kg": "Prix de l'équité [kg]",
    "kg_past_ddm": "Livré après DDM [kg]",
    "n_lines": "Lignes (lot, association, jour)",
    "n_deliveries": "Livraisons (association, jour)",
}


COMPARISON_SPEC = [
    ("rule", "Règle", "text"),
    ("status", "Statut", "text"),
    ("min_fill_ratio", "Couverture min", "pct"),
    ("mean_fill_ratio", "Couverture moyenne", "pct"),
    ("gini", "Gini", "num"),
    ("jain", "Jain", "num"),
    ("max_deviation", "Écart max à la part", "pct"),
    ("envy_max", "Envie max", "pct"),
    ("kg_distributed", "Distribué [kg]", "kg"),
    ("value_distributed_eur", "Valeur distribuée [€]", "eur"),
    ("kg_left", "Non attribué [kg]", "kg"),
    ("price_of_fairness_kg", "Prix de l'équité [kg]", "kg"),
]
PER_ASSOCIATION_SPEC = [
    ("name", "Association", "text"),
    ("need", "Besoin", "kg"),
    ("received_kg", "Reçu [kg]", "kg"),
    ("other_supply", "Autres sources", "kg"),
    ("fill_ratio", "Couverture", "pct"),
    ("fair_share", "Part équitable", "kg"),
    ("deviation", "Écart à la part", "pct"),
    ("value_eur", "Valeur [€]", "eur"),
    ("paid_eur", "Payé [€]", "eur"),
]
ROUNDS_SPEC = [
    ("vehicle", "Véhicule", "text"),
    ("day", "Jour", "date"),
    ("round", "Tournée", "int"),
    ("kind", "Type", "text"),
    ("stops", "Arrêts", "int"),
    ("n_stops", "Arrêts", "int"),
    ("kg", "Charge [kg]", "kg"),
    ("load_kg", "Charge [kg]", "kg"),
    ("km", "km", "num"),
    ("hours", "Heures", "num"),
    ("cost_eur", "Coût [€]", "eur"),
    ("co2_kg", "CO₂ [kg]", "num"),
]
LEFTOVER_SPEC = [
    ("lot", "Lot", "text"),
    ("product", "Produit", "text"),
    ("category", "Catégorie", "text"),
    ("temperature", "Température", "temp"),
    ("kg", "kg", "kg"),
    ("use_by", "DLC", "date"),
    ("reason_fr", "Raison", "text"),
]
UNMET_CATEGORY_SPEC = [
    ("category_label", "Catégorie", "text"),
    ("temperature", "Température", "temp"),
    ("distributed_kg", "Distribué cette semaine [kg]", "kg"),
    ("associations_with_room", "Associations preneuses", "int"),
    ("unmet_need_with_room_kg", "Besoin non couvert absorbable [kg]", "kg"),
]
UNMET_CLASS_SPEC = [
    ("temperature", "Température", "temp"),
    ("free_storage_kg", "Stockage libre [kg]", "kg"),
    ("associations_with_room", "Associations avec besoin et place", "int"),
    ("unmet_need_with_room_kg", "Besoin non couvert absorbable [kg]", "kg"),
]
FREE_STORAGE_SPEC = [
    ("name", "Association", "text"),
    ("temperature", "Température", "temp"),
    ("storage_kg", "Stockage déclaré [kg]", "kg"),
    ("received_kg", "Reçu [kg]", "kg"),
    ("free_kg", "Libre [kg]", "kg"),
]
REASONS_SPEC = [
    ("reason_fr", "Raison", "text"),
    ("lots", "Lots", "int"),
    ("kg", "kg", "kg"),
]


UNSERVED_SPEC = [
    ("lot", "Lot", "text"),
    ("name", "Association", "text"),
    ("day", "Jour", "date"),
    ("kg", "kg", "kg"),
    ("reason_fr", "Raison", "text"),
    ("reason", "Détail (routage)", "text"),
]


def _unserved_fr(unserved: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    if unserved.empty:
        return unserved
    out = unserved.copy()
    out["name"] = [names.get(a, a) for a in out["association"]]
    stages = out["stage"] if "stage" in out else pd.Series([""] * len(out), index=out.index)
    out["reason_fr"] = [
        plans.unserved_reason_fr(str(st), str(r))
        for st, r in zip(stages, out["reason"], strict=True)
    ]
    return out


def _metric(key: str, value: Any) -> str:
    """A metric in French, formatted after its unit in the allocation's METRICS table."""
    from aide_alim.allocation import METRICS

    unit = METRICS.get(key, ("", ""))[0]
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        return str(value)
    if unit == "ratio":
        return fmt.pct(float(value))
    if unit == "count":
        return fmt.number(float(value))
    if unit == "kg":
        return fmt.kg(float(value))
    if unit == "€":
        return fmt.eur(float(value))
    if unit == "meals":
        return f"{fmt.number(float(value))} repas"
    return fmt.number(float(value), 3)


def _in_basis(spec: list[tuple[str, str, str]], scenario: Scenario) -> list[tuple[str, str, str]]:
    """Headers of the columns counted in the policy's basis, with its unit."""
    unit = {"kg": "kg", "value": "€", "meals": "repas"}[scenario.policy.basis]
    in_basis = {"need", "other_supply", "fair_share"}
    return [(c, f"{h} [{unit}]" if c in in_basis else h, k) for c, h, k in spec]


def _mark_rule(comparison: pd.DataFrame | None, allocation: Any) -> pd.DataFrame:
    if comparison is None or comparison.empty:
        return pd.DataFrame()
    out = comparison.copy()
    chosen = str(getattr(allocation, "rule", ""))
    out["rule"] = [f"{r} (retenue)" if r == chosen else r for r in out["rule"]]
    return out


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
) -> Documents:
    """Render every document of the week into ``out_dir`` (which must exist and be empty)."""
    if comparison is not None:  # wall times differ from run to run: keep the files identical
        comparison = comparison.drop(columns=[c for c in comparison.columns if "second" in str(c)])
    with pdf.Fonts(_texts(scenario)) as fonts:
        return _write(scenario, allocation, plan, out_dir, comparison, fonts)


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

    # --- route sheets
    sheet_files: list[str] = []
    sheet_links: list[tuple[str, str]] = []
    vehicle_names = FileNamer("vehicule")
    for sheet in sheets.route_sheets(scenario, lines, stops, plan):
        stem = f"{vehicle_names.stem(sheet.vehicle_id)}_{sheet.day.isoformat()}"
        folder = out_dir / SHEETS
        png = charts.sheet_map(scenario, sheet.stops)
        inside(folder, f"{stem}.png").write_bytes(png)
        inside(folder, f"{stem}.html").write_text(
            html.render("route_sheet.html.j2", sheet=sheet, map_png=html.b64(png)),
            encoding="utf-8",
        )
        inside(folder, f"{stem}.pdf").write_bytes(pdf.route_sheet_pdf(sheet, png, created, fonts))
        sheet_files += [f"{SHEETS}/{stem}.{ext}" for ext in ("html", "pdf", "png")]
        sheet_links.append(
            (
                f"Feuille de route – {sheet.vehicle_label} – {fmt.date(sheet.day)}",
                f"{SHEETS}/{stem}.html",
            )
        )

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
    metrics = pd.DataFrame(
        [
            {"metric": k, "label": METRIC_LABELS_FR.get(k, k), "value": v, "text": _metric(k, v)}
            for k, v in (getattr(allocation, "metrics", {}) or {}).items()
            if isinstance(v, int | float | str | bool)
        ],
        columns=["metric", "label", "value", "text"],
    )
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
    data_files = []
    for name, frame in week_tables.items():
        _csv(frame, inside(out_dir / DATA, f"{name}.csv"))
        data_files.append(f"{DATA}/{name}.csv")
    write_workbook(out_dir / WORKBOOK, week_tables, created)

    # --- summary
    names = {a.id: a.name for a in scenario.associations}
    cat_labels = {c.id: c.label for c in scenario.categories.values()}
    fills = tables.fill_stats(by_association)
    kg_out = float(lines["kg"].sum())
    meals_out = kg_out / scenario.policy.kg_per_meal
    n_served = lines["association"].nunique()
    headline = [
        ("Taux de couverture (min / moyenne / max)",
         f"{fmt.pct(fills['min'])} / {fmt.pct(fills['mean'])} / {fmt.pct(fills['max'])}"),
        ("Distribué", f"{fmt.kg(kg_out)} · {fmt.number(meals_out)} repas"),
        ("Valeur marchande distribuée", fmt.eur(float(lines["value_eur"].sum()))),
        ("Payé par les associations", fmt.eur(float(lines["price_eur"].sum()))),
        ("Non attribué", fmt.kg(float(left["kg"].sum()) if len(left) else 0.0)),
        ("Associations servies", f"{n_served} sur {len(scenario.associations)}"),
    ]  # fmt: skip
    for key, label, render in (
        ("km", "Distance des tournées", lambda v: f"{fmt.number(v, 1)}{fmt.NBSP}km"),
        ("hours", "Durée des tournées", lambda v: f"{fmt.number(v, 1)}{fmt.NBSP}h"),
        ("cost_eur", "Coût des tournées", fmt.eur),
        ("co2_kg", "Émissions", lambda v: f"{fmt.number(v, 1)}{fmt.NBSP}kg CO₂"),
    ):
        if isinstance(totals.get(key), int | float) and not math.isnan(totals[key]):
            headline.append((label, render(float(totals[key]))))
    if len(unserved):
        headline.append(
            (
                "Attribué mais pas acheminé par les tournées",
                f"{fmt.kg(float(unserved['kg'].sum()))} ({len(unserved)} lignes, voir plus bas)",
            )
        )
    status = getattr(allocation, "status", "")
    message = getattr(allocation, "message", "")
    status_note = (
        "" if str(status) == "optimal" else f"Statut de la répartition : {status}. {message}"
    )
    per_assoc = by_association.copy()
    if "name" not in per_assoc:
        per_assoc.insert(1, "name", [names.get(a, a) for a in per_assoc["association"]])
    summary = {
        "scenario_name": scenario.name,
        "week": fmt.week_label(scenario.week_start),
        "rule_fr": tables.RULE_FR.get(
            str(getattr(allocation, "rule", "")), str(getattr(allocation, "rule", ""))
        ),
        "basis_fr": tables.BASIS_FR.get(scenario.policy.basis, scenario.policy.basis),
        "model": scenario.logistics.model,
        "status_note": status_note.strip(),
        "headline": headline,
        "metrics": html.table(
            metrics[["label", "text"]], {"label": "Indicateur", "text": "Valeur"}
        ),
        "comparison": html.present(_mark_rule(comparison, allocation), COMPARISON_SPEC),
        "per_association": html.present(per_assoc, _in_basis(PER_ASSOCIATION_SPEC, scenario)),
        "rounds": html.present(rounds, ROUNDS_SPEC) if len(rounds) else html.table(rounds),
        "unserved": html.present(_unserved_fr(unserved, names), UNSERVED_SPEC),
        "leftovers": html.present(left, LEFTOVER_SPEC),
        "advice": prospection.prospection_advice(unmet_cls, left),
        "unmet_by_category": html.present(unmet_cat, UNMET_CATEGORY_SPEC),
        "unmet_by_class": html.present(unmet_cls, UNMET_CLASS_SPEC),
        "free_storage": html.present(free[free["free_kg"] > 0], FREE_STORAGE_SPEC),
        "leftover_reasons": html.present(reasons, REASONS_SPEC),
        "fill_png": html.b64(charts.fill_ratio_chart(by_association, names)),
        "category_png": html.b64(charts.category_chart(lines, left, cat_labels)),
        "map_png": html.b64(charts.routes_map(scenario, stops)),
        "documents": [
            ("Classeur de tous les tableaux (xlsx)", WORKBOOK),
            *plan_links,
            *sheet_links,
        ],
    }
    (out_dir / SUMMARY).write_text(html.render("summary.html.j2", s=summary), encoding="utf-8")
    return Documents(
        SUMMARY,
        WORKBOOK,
        tuple(sorted(plan_files)),
        tuple(sorted(sheet_files)),
        tuple(sorted(data_files)),
    )
