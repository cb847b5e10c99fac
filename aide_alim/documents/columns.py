"""The week's tables as French readers see them in the workbook: French column names, French
day names beside the dates, temperature classes and booleans in words, no column twice.

The tidy CSV files of ``donnees/`` keep the English names, ISO dates and codes: they are for
programs; ``tableaux.xlsx`` is for people.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from aide_alim.i18n import fmt
from aide_alim.scenario.model import Temperature

COLUMNS_FR = {
    "lot": "lot", "association": "association (réf.)", "association_name": "association",
    "name": "association", "day": "date", "product": "produit", "category": "catégorie (réf.)",
    "category_label": "catégorie", "temperature": "température", "kg": "kg", "units": "cartons",
    "unit_kg": "kg par carton", "meals": "repas", "value_eur": "valeur (€)",
    "price_eur": "prix (€)", "site": "lieu de ramasse (réf.)", "use_by": "DLC",
    "best_before": "DDM", "collects": "retire à la plateforme", "need": "besoin",
    "received": "reçu", "received_kg": "reçu (kg)", "other_supply": "autres sources",
    "fill_ratio": "taux de couverture", "fair_share": "part équitable",
    "deviation": "écart à la part", "paid_eur": "payé (€)", "n_lots": "lots",
    "delivery_days": "jours de livraison", "reason": "raison (code)", "reason_fr": "raison",
    "vehicle": "véhicule", "family": "tournée", "trip": "voyage", "seq": "ordre",
    "kind": "étape", "place": "lieu (réf.)", "place_kind": "type de lieu",
    "place_name": "lieu", "address": "adresse", "lat": "latitude", "lon": "longitude",
    "kg_picked": "ramassé (kg)", "kg_dropped": "déposé (kg)", "lots": "lots",
    "associations": "associations", "load_ambient_kg": "à bord ambiant (kg)",
    "load_chilled_kg": "à bord frais (kg)", "load_frozen_kg": "à bord surgelé (kg)",
    "arrival": "arrivée", "departure": "départ", "refrigerated": "réfrigéré",
    "trips": "voyages", "stops": "visites", "start": "début", "end": "fin",
    "km": "km", "hours": "heures", "cost_eur": "coût (€)", "co2_kg": "CO₂ (kg)",
    "stage": "étape manquée", "reason_code": "raison (code)", "rule": "règle",
    "status": "résultat", "metric": "indicateur (réf.)", "label": "indicateur",
    "value": "valeur", "text": "valeur (texte)", "explanation": "explication",
    "distributed_kg": "distribué (kg)", "associations_with_room": "associations preneuses",
    "unmet_need_with_room_kg": "besoin non couvert absorbable (kg)",
    "free_storage_kg": "stockage libre (kg)", "storage_kg": "stockage déclaré (kg)",
    "free_kg": "libre (kg)", "resource": "ressource en plus", "subject": "concerne (réf.)",
    "kg_gain": "kg en plus (au mieux)", "min_fill_gain": "couverture minimale en plus (au mieux)",
    "bound_kg": "kg distribuables (au mieux)",
    "bound_min_fill_ratio": "couverture minimale (au mieux)",
    "resource_kind": "type de ressource", "status_fr": "calcul",
}  # fmt: skip

#: Columns that say again what another one says when they hold the same values.
_SAME_AS = {"received": "received_kg", "need": "need_kg", "other_supply": "other_supply_kg"}
#: Codes kept only where no French text stands beside them.
_CODES = {"reason": "reason_fr", "category": "category_label", "reason_code": "reason_fr"}


def _temperature(value: object) -> object:
    try:
        return Temperature(str(value)).label_fr
    except ValueError:
        return value


def french_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for a French reader (see the module's docstring); the input is not changed."""
    out = frame.copy()
    drop = [
        c for c, twin in _SAME_AS.items() if c in out and twin in out and out[c].equals(out[twin])
    ]
    drop += [c for c, text in _CODES.items() if c in out and text in out]
    out = out.drop(columns=drop)
    if "temperature" in out:
        out["temperature"] = out["temperature"].map(_temperature)
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: "oui", False: "non"})
    if "day" in out and len(out) and all(isinstance(d, dt.date) for d in out["day"]):
        out.insert(list(out.columns).index("day"), "jour", [fmt.day_name(d) for d in out["day"]])
    return out.rename(columns={c: COLUMNS_FR.get(str(c), str(c)) for c in out.columns})
