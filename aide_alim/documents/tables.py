"""The week's tables as the documents read them, and the French labels they share.

:func:`lines_table` enriches the allocation lines (product, dates, labels, meals);
:func:`stops_table` gives the route plan's stops addresses and times in minutes; the labels
(rules, temperature classes, stop kinds) are the French words every document uses.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from aide_alim.data import commune_name
from aide_alim.scenario.model import Day, Scenario, Temperature

RULE_FR = {
    "leximin": (
        "répartition équitable : on sert d'abord les associations les moins bien couvertes, "
        "puis les suivantes, et ainsi de suite ; ensuite on distribue le plus possible"
    ),
    "maxmin": "max-min : on relève le plus possible le taux de couverture le plus bas",
    "proportional": (
        "proportionnelle : chaque association reçoit une part proche de sa part des besoins, "
        "avec un écart borné"
    ),
    "proportional_split": "partage proportionnel de chaque lot selon les besoins",
    "fcfs": "premier arrivé, premier servi",
    "round_robin": "tour de rôle",
    "least_served": "la moins servie jusqu'ici d'abord",
}


#: The rules in a few words, for table cells and headings.
RULE_NAME_FR = {
    "leximin": "répartition équitable",
    "maxmin": "au plus bas d'abord",
    "proportional": "proportionnelle bornée",
    "proportional_split": "partage proportionnel",
    "fcfs": "premier arrivé, premier servi",
    "round_robin": "tour de rôle",
    "least_served": "moins servie jusqu'ici d'abord",
}

#: The allocation's statuses in French.
STATUS_FR = {
    "optimal": "optimale",
    "feasible": "réalisable",
    "infeasible": "impossible",
    "failed": "échec",
    "time_limit": "limite de temps atteinte",
    "not_solved": "non résolue",
}


BASIS_FR = {"kg": "kilogrammes", "value": "valeur marchande (€)", "meals": "repas"}


STORAGE_FR = {
    Temperature.AMBIENT: "stockage ambiant",
    Temperature.CHILLED: "stockage réfrigéré",
    Temperature.FROZEN: "congélateur",
}


CLASS_PLURAL_FR = {
    Temperature.AMBIENT: "produits ambiants",
    Temperature.CHILLED: "produits frais",
    Temperature.FROZEN: "surgelés",
}


TEMPERATURE_NOTE_FR = {
    Temperature.AMBIENT: "",
    Temperature.CHILLED: "Froid positif 0–4 °C : ne pas rompre la chaîne du froid.",
    Temperature.FROZEN: "Froid négatif −18 °C : ne jamais laisser décongeler.",
}


KIND_FR = {
    "start": "Départ",
    "end": "Retour",
    "reload": "Passage à la plateforme",
    "unload": "Dépôt à la plateforme",
    "pickup": "Ramasse",
    "delivery": "Livraison",
    "hub_pickup": "Retrait à la plateforme",
    "site_pickup": "Retrait chez le fournisseur",
}


def temperature_of(value: Any) -> Temperature:
    return value if isinstance(value, Temperature) else Temperature(str(value))


def as_date(value: Any, scenario: Scenario) -> dt.date:
    """A date from a date, a timestamp, a :class:`Day` or a day code."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, Day):
        return scenario.date_of(value)
    if isinstance(value, int):
        return scenario.date_of(Day(value))
    text = str(value).strip().lower()
    for day in Day:
        if text in (day.code, day.name.lower(), day.label_fr):
            return scenario.date_of(day)
    return dt.date.fromisoformat(text[:10])


def lines_table(scenario: Scenario, lines: pd.DataFrame) -> pd.DataFrame:
    """The allocation lines with what a reader needs beside them (product, dates, labels, meals)."""
    columns = [
        "lot", "association", "association_name", "day", "product", "category",
        "category_label", "temperature", "kg", "units", "unit_kg", "meals", "value_eur",
        "price_eur", "site", "use_by", "best_before", "collects",
    ]  # fmt: skip
    if lines is None or lines.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    out = lines.copy()
    lots = scenario.lot_by_id
    out["day"] = [as_date(d, scenario) for d in out["day"]]
    out["product"] = [lots[lot].product for lot in out["lot"]]
    out["unit_kg"] = [lots[lot].unit_kg for lot in out["lot"]]
    out["use_by"] = [lots[lot].use_by for lot in out["lot"]]
    out["best_before"] = [lots[lot].best_before for lot in out["lot"]]
    if "category" not in out:
        out["category"] = [lots[lot].category for lot in out["lot"]]
    if "temperature" not in out:
        out["temperature"] = [lots[lot].temperature for lot in out["lot"]]
    out["temperature"] = [temperature_of(t).value for t in out["temperature"]]
    cats = scenario.categories
    out["category_label"] = [cats[c].label if c in cats else c for c in out["category"]]
    out["association_name"] = [
        scenario.association_by_id[a].name if a in scenario.association_by_id else a
        for a in out["association"]
    ]
    if "units" not in out:
        out["units"] = (out["kg"] / out["unit_kg"]).round().astype(int)
    if "value_eur" not in out:
        pairs = list(zip(out["lot"], out["kg"], strict=True))
        out["value_eur"] = [lots[lot].value_eur_kg * k for lot, k in pairs]
    if "price_eur" not in out:
        pairs = list(zip(out["lot"], out["kg"], strict=True))
        out["price_eur"] = [lots[lot].price_eur_kg * k for lot, k in pairs]
    if "site" not in out:
        out["site"] = [lots[lot].site for lot in out["lot"]]
    if "collects" not in out:
        out["collects"] = [scenario.association_by_id[a].collects for a in out["association"]]
    out["meals"] = out["kg"] / scenario.policy.kg_per_meal
    out = out.sort_values(["association", "day", "lot"], kind="stable").reset_index(drop=True)
    return out[columns]


STOP_COLUMNS = [
    "vehicle", "day", "family", "trip", "seq", "kind", "place", "place_kind", "place_name",
    "address", "lat", "lon", "arrival_min", "departure_min", "kg_picked", "kg_dropped",
    "lots", "associations", "load_ambient_kg", "load_chilled_kg", "load_frozen_kg",
]  # fmt: skip


def clock_minutes(value: Any) -> float:
    """Minutes after midnight of a timestamp (NaN when absent)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, dt.datetime | dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    return float(value)


def stops_table(scenario: Scenario, plan: Any) -> pd.DataFrame:
    """The plan's stops with addresses, times in minutes after midnight and id tuples.

    One row per visit of :attr:`aide_alim.routing.RoutePlan.stops` (vehicle rounds and the
    associations' own pickups, ``vehicle == ""``), columns :data:`STOP_COLUMNS`.
    """
    stops = getattr(plan, "stops", None) if plan is not None else None
    if stops is None or len(stops) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in STOP_COLUMNS})
    out = stops.copy()
    out["day"] = [as_date(d, scenario) for d in out["day"]]
    info = [
        place_info(scenario, p, k) for p, k in zip(out["place"], out["place_kind"], strict=True)
    ]
    out["address"] = [address for _, address in info]
    out["arrival_min"] = [clock_minutes(t) for t in out["arrival"]]
    out["departure_min"] = [clock_minutes(t) for t in out["departure"]]
    out["lots"] = [split_ids(v) for v in out["lots"]]
    out["associations"] = [split_ids(v) for v in out["associations"]]
    out["vehicle"] = out["vehicle"].fillna("").astype(str)
    out = out.sort_values(["vehicle", "day", "family", "trip", "seq"], kind="stable")
    return out.reset_index(drop=True)[STOP_COLUMNS]


def split_ids(value: Any) -> tuple[str, ...]:
    """Ids from a space-separated string (the plan's ``lots`` and ``associations`` columns)."""
    if not isinstance(value, str):
        return ()
    return tuple(value.split())


def place_info(scenario: Scenario, place: str, kind: str) -> tuple[str, str]:
    """Display name and address of a site or association."""
    if kind == "association" and place in scenario.association_by_id:
        a = scenario.association_by_id[place]
        return a.name, a.address or commune_name(a.commune)
    if place in scenario.site_by_id:
        s = scenario.site_by_id[place]
        return s.name, s.address
    return place, ""


def leftovers(scenario: Scenario, allocation: Any, labels: dict[str, str]) -> pd.DataFrame:
    """Lots (or parts) not placed, with product, class and the reason in French."""
    un = getattr(allocation, "unallocated", None)
    columns = ["lot", "product", "category", "temperature", "kg", "use_by", "reason", "reason_fr"]
    if un is None or un.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rows = []
    for _, row in un.iterrows():
        lot = scenario.lot_by_id.get(row["lot"])
        reason = str(row.get("reason", ""))
        rows.append(
            {
                "lot": row["lot"],
                "product": lot.product if lot else "",
                "category": lot.category if lot else "",
                "temperature": lot.temperature.value if lot else "",
                "kg": float(row["kg"]),
                "use_by": lot.use_by if lot else None,
                "reason": reason,
                "reason_fr": str(row["reason_fr"])
                if "reason_fr" in un and str(row["reason_fr"])
                else labels.get(reason, reason),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def reason_labels(allocation: Any) -> dict[str, str]:
    """The French labels of the allocation's left-over reasons."""
    labels: dict[str, str] = {}
    try:
        from aide_alim.allocation.admissible import REASONS_FR

        labels.update(REASONS_FR)
    except ImportError:  # pragma: no cover - the allocation package is always there
        pass
    un = getattr(allocation, "unallocated", None)
    if un is not None and "reason_fr" in un:
        pairs = zip(un["reason"].astype(str), un["reason_fr"].astype(str), strict=True)
        labels.update(dict(pairs))
    return labels


def fill_stats(by_association: pd.DataFrame) -> dict[str, float]:
    fills = (
        by_association["fill_ratio"] if "fill_ratio" in by_association else pd.Series(dtype=float)
    )
    if fills.empty:
        return {"min": math.nan, "mean": math.nan, "max": math.nan}
    return {"min": float(fills.min()), "mean": float(fills.mean()), "max": float(fills.max())}
