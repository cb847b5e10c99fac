"""The coordinator's summary: one self-contained HTML page (images inlined, no network).

Headline figures, the allocation's metrics, the comparison with the baselines, charts (fill
ratio per association, kg per category, routes map), what the rounds could not carry, the lots
left over and why, and what to look for next week (action 3.1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from aide_alim.documents import charts, html, plans, prospection, tables
from aide_alim.i18n import fmt
from aide_alim.scenario.model import Scenario

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
    "bound_min_fill_ratio": "Au mieux, avec cette flotte : couverture minimale",
    "bound_kg_distributed": "Au mieux, avec cette flotte : kg distribuables",
}
# One plain-French sentence for the indicators a non-specialist cannot guess.
METRIC_HELP_FR = {
    "gini": "0 = toutes les associations couvertes à la même hauteur ; plus c'est proche de 1, "
    "plus la couverture est inégale.",
    "jain": "1 = toutes les associations couvertes à la même hauteur ; plus c'est bas, plus "
    "quelques associations sont bien mieux servies que les autres.",
    "envy_max": "Ce qu'une association gagnerait, en part de son besoin, si elle recevait les "
    "lots d'une autre à la place des siens (0 % = personne n'envie personne).",
    "price_of_fairness_kg": "Les kilos en moins distribués pour partager équitablement, par "
    "rapport à une répartition qui ne chercherait qu'à distribuer le plus possible.",
    "bound_min_fill_ratio": "Aucun plan que les véhicules de la semaine peuvent faire (temps de "
    "chaque véhicule, jours et horaires d'ouverture) ne couvre mieux l'association la moins "
    "bien servie : l'écart avec le taux obtenu est ce qui reste à gagner, au plus.",
    "bound_kg_distributed": "Aucun plan que les véhicules de la semaine peuvent faire ne "
    "distribue davantage.",
}


MEASURED_FR = {
    "allocation": "répartition seule, avant tournées",
    "rounds": "après tournées : ce qui est transporté",
}
MODEL_FR = {
    "hub": "les lots passent par la plateforme (hub)",
    "direct": "ramasse et livraison directes, sans plateforme",
}
# The main columns of each wide table are shown; the others are folded under "Détails".
COMPARISON_SPEC = [
    ("rule", "Règle", "text"),
    ("status", "Résultat", "text"),
    ("measured_fr", "Mesuré", "text"),
    ("min_fill_ratio", "Couverture la plus basse", "pct"),
    ("mean_fill_ratio", "Couverture moyenne", "pct"),
    ("kg_distributed", "Distribué [kg]", "kg"),
    ("kg_left", "Non attribué [kg]", "kg"),
]
COMPARISON_DETAIL_SPEC = [
    ("rule", "Règle", "text"),
    ("gini", "Gini", "num"),
    ("jain", "Jain", "num"),
    ("max_deviation", "Écart max à la part", "pct"),
    ("envy_max", "Envie max", "pct"),
    ("value_distributed_eur", "Valeur distribuée [€]", "eur"),
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
]
ROUNDS_SPEC = [
    ("vehicle_name", "Véhicule", "text"),
    ("day_name", "Jour", "text"),
    ("places", "Lieux visités", "int"),
    ("kg_picked", "Ramassé [kg]", "kg"),
    ("kg_dropped", "Livré [kg]", "kg"),
    ("km", "km", "num1"),
    ("hours", "Durée", "hours"),
    ("cost_eur", "Coût [€]", "eur"),
    ("co2_kg", "CO₂ [kg]", "num1"),
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
    blank = pd.Series([""] * len(out), index=out.index)
    stages = out.get("stage", blank)
    codes = out.get("reason_code", blank)
    out["reason_fr"] = [
        plans.unserved_reason_fr(str(st), str(r), str(c))
        for st, r, c in zip(stages, out["reason"], codes, strict=True)
    ]
    return out


def _with_category_labels(left: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The lots left over with the categories' French labels instead of their ids."""
    if "category" not in left.columns or left.empty:
        return left
    out = left.copy()
    out["category"] = [labels.get(str(c), str(c)) for c in out["category"]]
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
    """The comparison with the rules and statuses in French, the chosen rule marked."""
    if comparison is None or comparison.empty:
        return pd.DataFrame()
    out = comparison.copy()
    chosen = str(getattr(allocation, "rule", ""))
    measured = out["measured"] if "measured" in out else pd.Series("allocation", index=out.index)
    out["measured_fr"] = [MEASURED_FR.get(str(m), str(m)) for m in measured]
    out["rule"] = [
        tables.RULE_NAME_FR.get(str(r), str(r)) + (" (retenue)" if r == chosen else "")
        for r in out["rule"]
    ]
    if "status" in out:
        out["status"] = [tables.STATUS_FR.get(str(s), str(s)) for s in out["status"]]
    return out


def places_visited(stops: pd.DataFrame) -> pd.DataFrame:
    """Places a vehicle visits per day and round family: consecutive visits of one place (one
    per order line) count once, the hub's departure and return not at all."""
    columns = ["vehicle", "day", "family", "places"]
    driven = stops[stops["vehicle"] != ""] if len(stops) else stops
    rows = []
    for (vehicle, day, family), group in driven.groupby(["vehicle", "day", "family"], sort=True):
        visits = group.sort_values(["trip", "seq"], kind="stable")
        visits = visits[~visits["kind"].isin(["start", "end", "reload"])]
        places = (visits["place"] != visits["place"].shift()).sum()
        rows.append({"vehicle": vehicle, "day": day, "family": family, "places": int(places)})
    return pd.DataFrame(rows, columns=columns)


def rounds_table(scenario: Scenario, rounds: pd.DataFrame, stops: pd.DataFrame) -> pd.DataFrame:
    """The rounds with vehicle names, French day names and the places each one visits."""
    if rounds.empty:
        return rounds
    out = rounds.copy()
    out["day"] = [tables.as_date(d, scenario) for d in out["day"]]
    vehicles = scenario.vehicle_by_id
    out["vehicle_name"] = [
        (vehicles[v].name or v) if v in vehicles else str(v) for v in out["vehicle"]
    ]
    out["day_name"] = [fmt.day_name(d) for d in out["day"]]
    places = places_visited(stops)
    if "family" in out and len(places):
        out = out.merge(places, on=["vehicle", "day", "family"], how="left")
    return out


def metrics_table(allocation: Any) -> pd.DataFrame:
    """The allocation's metrics: key, French label, value, value as French text and, for the
    indicators that need one, a plain-French explanation."""
    return pd.DataFrame(
        [
            {
                "metric": k,
                "label": METRIC_LABELS_FR.get(k, k),
                "value": v,
                "text": _metric(k, v),
                "explanation": METRIC_HELP_FR.get(k, ""),
            }
            for k, v in (getattr(allocation, "metrics", {}) or {}).items()
            if isinstance(v, int | float | str | bool)
        ],
        columns=["metric", "label", "value", "text", "explanation"],
    )


def week_text(scenario_name: str, week_start: Any) -> str:
    """The week in French, without repeating ``semaine N de AAAA`` when the scenario's name
    already says it (then only the dates: ``du lundi 5 au dimanche 11 octobre 2020``)."""
    label = fmt.week_label(week_start)
    short, _, dates = label.partition(" (")
    if short.lower() in scenario_name.lower() and dates:
        return dates.rstrip(")")
    return label


def summary_html(
    scenario: Scenario,
    allocation: Any,
    *,
    week_tables: Mapping[str, pd.DataFrame],
    totals: Mapping[str, Any],
    comparison: pd.DataFrame | None,
    documents: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
    fleet_advice: Sequence[str] = (),
) -> str:
    """The summary page; ``week_tables`` holds the week's tables by the writer's names;
    ``notes`` the planning's plain-French notes (bound, why some associations get more, DLC
    close, what the fleet could not move); ``fleet_advice`` what one more resource would
    bring (sentences of :meth:`aide_alim.planning.advice.FleetAdvice.sentences_fr`)."""
    t = week_tables
    lines, stops, left = t["lines"], t["stops"], t["left"]
    metrics, rounds, unserved = t["metrics"], t["rounds"], t["unserved"]
    unmet_cat, unmet_cls = t["unmet_category"], t["unmet_class"]
    free, reasons = t["free"], t["reasons"]
    by_association = allocation.by_association
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
    bound = (getattr(allocation, "metrics", {}) or {}).get("bound_min_fill_ratio")
    if isinstance(bound, int | float) and math.isfinite(bound):
        kg_bound = float(allocation.metrics.get("bound_kg_distributed", math.nan))
        headline.append(
            (
                "Au mieux, avec cette flotte",
                f"{fmt.pct(float(bound))} de couverture minimale · {fmt.kg(kg_bound)}",
            )
        )
    for key, label, render in (
        ("km", "Distance des tournées", lambda v: f"{fmt.number(v, 1)}{fmt.NBSP}km"),
        ("hours", "Durée des tournées", fmt.duration),
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
        ""
        if str(status) == "optimal"
        else f"Résultat de la répartition : {tables.STATUS_FR.get(str(status), status)}. {message}"
    )
    per_assoc = by_association.copy()
    if "name" not in per_assoc:
        per_assoc.insert(1, "name", [names.get(a, a) for a in per_assoc["association"]])
    summary = {
        "scenario_name": scenario.name,
        "signature": scenario.signature,
        "week": week_text(scenario.name, scenario.week_start),
        "rule_fr": tables.RULE_FR.get(
            str(getattr(allocation, "rule", "")), str(getattr(allocation, "rule", ""))
        ),
        "basis_fr": tables.BASIS_FR.get(scenario.policy.basis, scenario.policy.basis),
        "model": MODEL_FR.get(scenario.logistics.model, scenario.logistics.model),
        "status_note": status_note.strip(),
        "headline": headline,
        "metrics": html.table(
            metrics[["label", "text", "explanation"]],
            {"label": "Indicateur", "text": "Valeur", "explanation": "Ce que cela veut dire"},
        ),
        "comparison": html.present(_mark_rule(comparison, allocation), COMPARISON_SPEC),
        "comparison_details": html.present(
            _mark_rule(comparison, allocation), COMPARISON_DETAIL_SPEC
        ),
        "per_association": html.present(per_assoc, _in_basis(PER_ASSOCIATION_SPEC, scenario)),
        "rounds": html.present(rounds_table(scenario, rounds, stops), ROUNDS_SPEC),
        "unserved": html.present(_unserved_fr(unserved, names), UNSERVED_SPEC),
        "leftovers": html.present(_with_category_labels(left, cat_labels), LEFTOVER_SPEC),
        "advice": prospection.prospection_advice(unmet_cls, left),
        "unmet_by_category": html.present(unmet_cat, UNMET_CATEGORY_SPEC),
        "unmet_by_class": html.present(unmet_cls, UNMET_CLASS_SPEC),
        "free_storage": html.present(free[free["free_kg"] > 0], FREE_STORAGE_SPEC),
        "leftover_reasons": html.present(reasons, REASONS_SPEC),
        "fill_png": html.b64(charts.fill_ratio_chart(by_association, names)),
        "category_png": html.b64(charts.category_chart(lines, left, cat_labels)),
        "map_png": html.b64(charts.routes_map(scenario, stops)),
        "documents": list(documents),
        "notes": list(notes),
        "fleet_advice": list(fleet_advice),
    }
    return html.render("summary.html.j2", s=summary)
