"""What the documents say, computed once from the scenario, the allocation and the route plan.

Everything here is data (dataclasses and tidy DataFrames in the domain's words); the HTML, PDF,
CSV and xlsx renderers only lay it out. The French sentences an association reads about its share
are built in :func:`explain_share`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from aide_alim.documents import fmt
from aide_alim.scenario.model import Association, Day, Scenario, Temperature

RULE_FR = {
    "leximin": (
        "leximin : on relève d'abord le taux de couverture de l'association la moins bien servie, "
        "puis celui de la suivante, et ainsi de suite ; ensuite on distribue le plus possible"
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
BASIS_FR = {"kg": "kilogrammes", "value": "valeur marchande (€)", "meals": "repas"}
STORAGE_FR = {
    Temperature.AMBIENT: "stockage sec",
    Temperature.CHILLED: "stockage réfrigéré",
    Temperature.FROZEN: "congélateur",
}
CLASS_PLURAL_FR = {
    Temperature.AMBIENT: "produits secs",
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
    "reload": "Passage au hub",
    "unload": "Dépôt au hub",
    "pickup": "Ramasse",
    "delivery": "Livraison",
    "hub_pickup": "Retrait au hub",
    "site_pickup": "Retrait chez le fournisseur",
}


def _temperature(value: Any) -> Temperature:
    return value if isinstance(value, Temperature) else Temperature(str(value))


def _as_date(value: Any, scenario: Scenario) -> dt.date:
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


# --------------------------------------------------------------------------- tables


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
    out["day"] = [_as_date(d, scenario) for d in out["day"]]
    out["product"] = [lots[lot].product for lot in out["lot"]]
    out["unit_kg"] = [lots[lot].unit_kg for lot in out["lot"]]
    out["use_by"] = [lots[lot].use_by for lot in out["lot"]]
    out["best_before"] = [lots[lot].best_before for lot in out["lot"]]
    if "category" not in out:
        out["category"] = [lots[lot].category for lot in out["lot"]]
    if "temperature" not in out:
        out["temperature"] = [lots[lot].temperature for lot in out["lot"]]
    out["temperature"] = [_temperature(t).value for t in out["temperature"]]
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


def _minutes(value: Any) -> float:
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
    out["day"] = [_as_date(d, scenario) for d in out["day"]]
    info = [
        _place_info(scenario, p, k) for p, k in zip(out["place"], out["place_kind"], strict=True)
    ]
    out["address"] = [address for _, address in info]
    out["arrival_min"] = [_minutes(t) for t in out["arrival"]]
    out["departure_min"] = [_minutes(t) for t in out["departure"]]
    out["lots"] = [_lot_ids(v) for v in out["lots"]]
    out["associations"] = [_lot_ids(v) for v in out["associations"]]
    out["vehicle"] = out["vehicle"].fillna("").astype(str)
    out = out.sort_values(["vehicle", "day", "family", "trip", "seq"], kind="stable")
    return out.reset_index(drop=True)[STOP_COLUMNS]


def _lot_ids(value: Any) -> tuple[str, ...]:
    """Ids from a space-separated string (the plan's ``lots`` and ``associations`` columns)."""
    if not isinstance(value, str):
        return ()
    return tuple(value.split())


def _place_info(scenario: Scenario, place: str, kind: str) -> tuple[str, str]:
    """Display name and address of a site or association."""
    if kind == "association" and place in scenario.association_by_id:
        a = scenario.association_by_id[place]
        return a.name, a.address or f"commune {a.commune}"
    if place in scenario.site_by_id:
        s = scenario.site_by_id[place]
        return s.name, s.address
    return place, ""


# Routing gives its reasons in English words; associations read French. Known patterns first,
# then the stage of the round that could not take the line.
_UNSERVED_PATTERNS_FR = (
    ("lack capacity or time", "les véhicules de ce jour-là n'ont plus de place ni de temps"),
    ("no refrigerated vehicle", "aucun véhicule réfrigéré ne circule ce jour-là"),
    ("no road path", "aucun itinéraire routier connu"),
    ("cannot be met within", "vos horaires de réception ne tiennent pas dans les tournées"),
    ("no feasible", "aucune tournée possible n'a été trouvée à temps"),
    ("could not be collected", "la ramasse n'a pas pu se faire en entier"),
    ("is closed", "le fournisseur est fermé ces jours-là"),
    ("available only from", "le lot n'est disponible qu'après le jour prévu"),
    ("does not meet", "vos horaires ne rencontrent pas ceux du lieu de retrait"),
    ("works", "aucun véhicule adapté ne circule ces jours-là"),
)
_UNSERVED_STAGES_FR = {
    "collection": "la ramasse chez le fournisseur n'a pas pu être planifiée",
    "delivery": "la livraison n'a pas pu être planifiée",
    "direct": "la ramasse et la livraison n'ont pas pu être planifiées",
    "hub_pickup": "le retrait au hub n'a pas pu être planifié",
    "site_pickup": "le retrait chez le fournisseur n'a pas pu être planifié",
}


def unserved_reason_fr(stage: str, reason: str) -> str:
    """A French explanation of why the rounds do not carry a line (from routing's words)."""
    head = _UNSERVED_STAGES_FR.get(stage, "l'acheminement n'a pas pu être planifié")
    for pattern, french in _UNSERVED_PATTERNS_FR:
        if pattern in reason:
            return f"{head} : {french}"
    return head


# --------------------------------------------------------------------------- association plan


@dataclass(frozen=True)
class Handover:
    """When and where an association gets some of its lots."""

    day: dt.date
    mode: str  # "livraison", "retrait au hub", "retrait chez le fournisseur", "non planifiée"
    place: str
    address: str
    slot: str
    vehicle: str
    lots: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class AssociationPlan:
    """Everything the distribution plan of one association shows."""

    association: Association
    week: str
    lines: pd.DataFrame
    handovers: tuple[Handover, ...]
    total_kg: float
    total_units: int
    total_value_eur: float
    total_price_eur: float
    total_meals: float
    explanation: tuple[str, ...]
    rule: str

    @property
    def received(self) -> bool:
        return self.total_kg > 0


def _slot(stop: dict[str, Any]) -> str:
    return f"{fmt.clock(stop['arrival_min'])}–{fmt.clock(stop['departure_min'])}"


@dataclass(frozen=True)
class _RouteIndex:
    """The route plan looked up by allocation line: fates, unserved reasons, stops."""

    fates: dict[tuple[str, str, dt.date], dict[str, Any]]
    unserved: dict[tuple[str, str, dt.date], list[str]]
    stops: dict[str, list[dict[str, Any]]]  # association → stops handling its lots

    @classmethod
    def of(cls, scenario: Scenario, stops: pd.DataFrame, plan: Any) -> _RouteIndex:
        fates: dict[tuple[str, str, dt.date], dict[str, Any]] = {}
        table = getattr(plan, "lines", None)
        for row in table.to_dict("records") if table is not None else []:
            key = (str(row["lot"]), str(row["association"]), _as_date(row["day"], scenario))
            fates[key] = {str(k): v for k, v in row.items()}
        unserved: dict[tuple[str, str, dt.date], list[str]] = {}
        table = getattr(plan, "unserved", None)
        for row in table.to_dict("records") if table is not None else []:
            key = (str(row["lot"]), str(row["association"]), _as_date(row["day"], scenario))
            why = unserved_reason_fr(str(row.get("stage", "")), str(row["reason"]))
            unserved.setdefault(key, []).append(f"{why} ({fmt.kg(float(row['kg']))})")
        by_association: dict[str, list[dict[str, Any]]] = {}
        for stop in stops.to_dict("records"):
            for association in stop["associations"]:
                by_association.setdefault(association, []).append(
                    {str(k): v for k, v in stop.items()}
                )
        return cls(fates, unserved, by_association)


def handovers(
    scenario: Scenario, association: Association, lines: pd.DataFrame, index: _RouteIndex
) -> tuple[Handover, ...]:
    """Delivery slots and vehicles, own pickups with their slot, and what could not be planned.

    Read from the route plan: its ``lines`` (the fate of each allocation line), its stops and
    its ``unserved`` table.
    """
    groups: dict[tuple[Any, ...], list[str]] = {}
    notes: dict[tuple[Any, ...], str] = {}
    here = index.stops.get(association.id, [])
    for lot, day in zip(lines["lot"].astype(str), lines["day"], strict=True):
        fate = index.fates.get((lot, association.id, day), {})
        status = str(fate.get("status", ""))
        if status in ("unserved", "partial") or not fate:
            reasons = index.unserved.get((lot, association.id, day), [])
            key: tuple[Any, ...] = (day, "non planifiée", "", "", "–", "–")
            groups.setdefault(key, []).append(lot)
            notes[key] = (
                "; ".join(dict.fromkeys(reasons)) or "aucune tournée ne prend ce lot en charge"
            ) + ". Contactez la coordination pour convenir d'un retrait."
            if status != "partial":
                continue
        if status in ("hub_pickup", "site_pickup"):
            found = [
                s for s in here if s["kind"] == status and s["day"] == day and lot in s["lots"]
            ]
            mode = "retrait au hub" if status == "hub_pickup" else "retrait chez le fournisseur"
            if found:
                stop = found[0]
                key = (day, mode, stop["place_name"], stop["address"], _slot(stop), "vos moyens")
            else:
                hub = scenario.hub_site
                key = (
                    day,
                    mode,
                    hub.name,
                    hub.address,
                    str(association.receive_window),
                    "vos moyens",
                )
        else:
            vehicle_id = str(fate.get("delivery_vehicle", ""))
            found = [
                s
                for s in here
                if s["kind"] == "delivery"
                and s["day"] == day
                and s["vehicle"] == vehicle_id
                and lot in s["lots"]
            ]
            vehicle = scenario.vehicle_by_id.get(vehicle_id)
            label = (vehicle.name or vehicle.id) if vehicle else vehicle_id
            slot = _slot(found[0]) if found else fmt.clock(_minutes(fate.get("handover")))
            key = (day, "livraison", association.name, association.address, slot, label)
        groups.setdefault(key, []).append(lot)
    # Several visits of the same vehicle on the same day (one per lot or per trip) make one slot
    # from the first arrival to the last departure.
    merged: dict[tuple[Any, ...], tuple[str, str, list[str], str]] = {}
    for key, lots in groups.items():
        day, mode, place, address, slot, vehicle = key
        start, _, end = slot.partition("–")
        short = (day, mode, place, address, vehicle)
        if short in merged:
            first, last, before, _ = merged[short]
            start, end = min(first, start), max(last, end)
            lots = before + lots
        merged[short] = (start, end, lots, notes.get(key, ""))
    result = [
        Handover(
            day=day, mode=mode, place=place, address=address,
            slot=(f"vers {start}" if start == end else f"{start}–{end}") if end else start,
            vehicle=vehicle,
            lots=tuple(dict.fromkeys(lots)), note=note,
        )
        for (day, mode, place, address, vehicle), (start, end, lots, note) in merged.items()
    ]  # fmt: skip
    return tuple(sorted(result, key=lambda h: (h.day, h.slot, h.mode)))


def _row_for(by_association: pd.DataFrame, association_id: str) -> dict[str, Any]:
    if by_association is None or by_association.empty:
        return {}
    match = by_association[by_association["association"] == association_id]
    return {str(k): v for k, v in match.iloc[0].items()} if len(match) else {}


def _amount(value: float, basis: str) -> str:
    if basis == "value":
        return fmt.eur(value)
    if basis == "meals":
        return f"{fmt.number(value)}{fmt.NBSP}repas"
    return fmt.kg(value)


def explain_share(
    scenario: Scenario,
    association: Association,
    mine: pd.DataFrame,
    by_association: pd.DataFrame,
    rule: str,
) -> tuple[str, ...]:
    """Plain-French sentences on how the association's share compares with its need and why."""
    policy = scenario.policy
    basis = policy.basis
    row = _row_for(by_association, association.id)
    need = float(row.get("need", scenario.need(association)))
    received = float(row.get("received", mine["kg"].sum() if basis == "kg" else 0.0))
    received_kg = float(row.get("received_kg", mine["kg"].sum()))
    other = float(row.get("other_supply", scenario.other_supply(association)))
    fill = float(row.get("fill_ratio", (received + other) / need if need > 0 else math.nan))
    sentences: list[str] = []

    need_kg = association.beneficiaries * policy.ration_kg
    how = (
        f"{fmt.number(association.beneficiaries)} bénéficiaires × "
        f"{fmt.number(policy.ration_kg, 2)}{fmt.NBSP}kg par semaine"
    )
    if basis == "kg":
        sentences.append(f"Votre besoin estimé : {fmt.kg(need)} ({how}).")
    elif basis == "meals":
        sentences.append(
            f"Votre besoin estimé : {_amount(need, basis)} ({how} = {fmt.kg(need_kg)}, "
            f"à {fmt.number(policy.kg_per_meal, 1)}{fmt.NBSP}kg par repas)."
        )
    else:
        sentences.append(
            f"Votre besoin estimé : {fmt.eur(need)} de valeur marchande ({how} = "
            f"{fmt.kg(need_kg)}, à {fmt.eur(scenario.mean_value_eur_kg)}/kg, valeur moyenne des "
            "lots de la semaine)."
        )

    fills = by_association["fill_ratio"] if "fill_ratio" in by_association else pd.Series()
    mean_fill = float(fills.mean()) if len(fills) else math.nan
    got = f"Vous recevez {fmt.kg(received_kg)}"
    if basis != "kg":
        got += f" ({_amount(received, basis)})"
    if other > 0:
        sentences.append(
            f"{got} ; avec {_amount(other, basis)} reçus d'autres sources cette semaine, "
            f"votre besoin est couvert à {fmt.pct(fill)}."
        )
    else:
        sentences.append(f"{got}, soit {fmt.pct(fill)} de votre besoin.")
    if len(fills):
        sentences.append(
            f"La moyenne des {len(fills)} associations est de {fmt.pct(mean_fill)} "
            f"(de {fmt.pct(float(fills.min()))} à {fmt.pct(float(fills.max()))})."
        )
    fair = row.get("fair_share")
    if fair is not None and not (isinstance(fair, float) and math.isnan(fair)) and fair > 0:
        tau = (float(fair) + other) / need if need > 0 else math.nan
        diff = received - float(fair)
        if abs(diff) <= 0.02 * float(fair):
            comparison = "vous recevez à peu près cette part"
        elif diff > 0:
            comparison = f"vous recevez {_amount(diff, basis)} de plus"
        else:
            comparison = f"vous recevez {_amount(-diff, basis)} de moins"
        sentences.append(
            f"Si toute l'offre de la semaine était partagée au prorata des besoins, chaque "
            f"association serait couverte à {fmt.pct(tau)} : votre part équitable serait de "
            f"{_amount(float(fair), basis)} ; {comparison}."
        )
    sentences.append(f"Règle de répartition appliquée : {RULE_FR.get(rule, rule)}.")
    if rule in ("leximin", "maxmin") and len(fills) > 1 and fill <= float(fills.min()) + 0.005:
        sentences.append(
            "Vous êtes parmi les associations les moins bien couvertes cette semaine : la règle "
            "vous a servie en priorité, dans la limite de ce que vous pouvez stocker et recevoir."
        )
    if fill >= 0.999:
        sentences.append("Votre besoin de la semaine est entièrement couvert.")
    sentences.extend(_why(scenario, association, mine))
    return tuple(sentences)


def _why(scenario: Scenario, association: Association, mine: pd.DataFrame) -> list[str]:
    """The limits that shaped this association's share (cold chain, storage, refusals, budget)."""
    reasons: list[str] = []
    received_by_class = mine.groupby("temperature")["kg"].sum() if len(mine) else pd.Series()
    offered = {lot.temperature for lot in scenario.lots}
    refrigerated_fleet = any(v.refrigerated for v in scenario.vehicles)
    for temperature in Temperature:
        storage = association.storage_kg(temperature)
        got = float(received_by_class.get(temperature.value, 0.0))
        if temperature not in offered:
            continue
        if storage <= 0 and got == 0:
            what = "de congélateur" if temperature is Temperature.FROZEN else (
                "de stockage réfrigéré" if temperature is Temperature.CHILLED else
                "de place en stockage sec"
            )  # fmt: skip
            reasons.append(
                f"Vous n'avez pas reçu de {CLASS_PLURAL_FR[temperature]} car vous n'avez pas "
                f"{what} disponible cette semaine."
            )
        elif (
            temperature.needs_cold
            and got == 0
            and not association.collects
            and not refrigerated_fleet
        ):
            reasons.append(
                f"Les {CLASS_PLURAL_FR[temperature]} ne peuvent pas vous être livrés faute de "
                "véhicule réfrigéré ; vous pourriez les retirer vous-même au hub."
            )
        elif storage > 0 and got >= 0.98 * storage:
            reasons.append(
                f"Votre {STORAGE_FR[temperature]} ({fmt.kg(storage)} libres) est plein : c'est "
                f"ce qui limite vos {CLASS_PLURAL_FR[temperature]}."
            )
    if association.refuses:
        labels = sorted(
            scenario.categories[c].label if c in scenario.categories else c
            for c in association.refuses
        )
        reasons.append(f"Vous avez indiqué ne pas prendre : {', '.join(labels)}.")
    sold_kg = sum(lot.kg for lot in scenario.lots if not lot.is_donation)
    paid = float(mine["price_eur"].sum()) if len(mine) else 0.0
    if sold_kg > 0 and scenario.policy.budget == "association":
        if association.budget_eur <= 0:
            reasons.append(
                f"Des lots vendus ({fmt.kg(sold_kg)} cette semaine) ne vous ont pas été attribués "
                "car vous n'avez pas de budget d'achat."
            )
        elif paid >= 0.98 * association.budget_eur:
            reasons.append(
                f"Votre budget d'achat ({fmt.eur(association.budget_eur)}) est entièrement utilisé."
            )
    if len(association.open_days) < 5:
        days = ", ".join(d.label_fr for d in sorted(association.open_days)) or "aucun jour"
        window = association.receive_window
        reasons.append(
            f"Vous recevez : {days}, de {fmt.clock(window.start_min)} à "
            f"{fmt.clock(window.end_min)}. Un lot dont la DLC tombe avant votre prochain jour "
            "de réception ne peut pas vous être attribué."
        )
    return reasons


def association_plans(
    scenario: Scenario, allocation: Any, lines: pd.DataFrame, stops: pd.DataFrame, plan: Any
) -> list[AssociationPlan]:
    """The distribution plan of every association (also those that receive nothing)."""
    by_association = getattr(allocation, "by_association", pd.DataFrame())
    rule = str(getattr(allocation, "rule", scenario.policy.rule))
    week = fmt.week_label(scenario.week_start)
    plans = []
    index = _RouteIndex.of(scenario, stops, plan)
    by_id = dict(tuple(lines.groupby("association", sort=False))) if len(lines) else {}
    for association in scenario.associations:
        mine = by_id.get(association.id, lines.iloc[0:0]).reset_index(drop=True)
        plans.append(
            AssociationPlan(
                association=association,
                week=week,
                lines=mine,
                handovers=handovers(scenario, association, mine, index),
                total_kg=float(mine["kg"].sum()),
                total_units=int(mine["units"].sum()),
                total_value_eur=float(mine["value_eur"].sum()),
                total_price_eur=float(mine["price_eur"].sum()),
                total_meals=float(mine["meals"].sum()),
                explanation=explain_share(scenario, association, mine, by_association, rule),
                rule=rule,
            )
        )
    return plans


def plan_csv_table(plan: AssociationPlan) -> pd.DataFrame:
    """The lines of one plan with French column names (the association's CSV)."""
    slots = {}
    for h in plan.handovers:
        for lot in h.lots:
            slots[(h.day, lot)] = h
    rows = []
    for _, line in plan.lines.iterrows():
        found = slots.get((line["day"], line["lot"]))
        rows.append(
            {
                "lot": line["lot"],
                "produit": line["product"],
                "catégorie": line["category_label"],
                "température": Temperature(line["temperature"]).label_fr,
                "kg": round(float(line["kg"]), 3),
                "cartons": int(line["units"]),
                "DLC": line["use_by"].isoformat() if line["use_by"] else "",
                "DDM": line["best_before"].isoformat() if line["best_before"] else "",
                "valeur_eur": round(float(line["value_eur"]), 2),
                "prix_a_payer_eur": round(float(line["price_eur"]), 2),
                "repas": round(float(line["meals"]), 1),
                "jour": line["day"].isoformat(),
                "mode": found.mode if found else "",
                "lieu": found.place if found else "",
                "creneau": found.slot if found else "",
                "vehicule": found.vehicle if found else "",
            }
        )
    columns = [
        "lot", "produit", "catégorie", "température", "kg", "cartons", "DLC", "DDM",
        "valeur_eur", "prix_a_payer_eur", "repas", "jour", "mode", "lieu", "creneau", "vehicule",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- route sheets


@dataclass(frozen=True)
class SheetStop:
    """One stop of a route sheet: what to load and unload there."""

    kind: str
    place: str
    address: str
    arrival: str
    departure: str
    load: tuple[str, ...]
    unload: tuple[str, ...]
    on_board: str


@dataclass(frozen=True)
class SheetRound:
    """One round (family and trip) of a vehicle on a day."""

    title: str
    stops: tuple[SheetStop, ...]


@dataclass(frozen=True)
class RouteSheet:
    """One vehicle's work on one day: its rounds and ordered stops."""

    vehicle_id: str
    vehicle_label: str
    refrigerated: bool
    capacity_kg: float
    day: dt.date
    rounds: tuple[SheetRound, ...]
    temperature_notes: tuple[str, ...]
    km: float
    hours: float
    stops: pd.DataFrame = field(repr=False)


FAMILY_FR = {
    "hub": "Tournée",
    "collection": "Ramasse chez les fournisseurs",
    "delivery": "Livraison aux associations",
    "direct": "Ramasse et livraison directe",
}


def _lot_text(scenario: Scenario, lot_id: str, kg: float) -> str:
    lot = scenario.lot_by_id.get(lot_id)
    if lot is None:
        return lot_id
    dlc = f", DLC {fmt.short_date(lot.use_by)}" if lot.use_by else ""
    return f"{lot.product} ({lot_id}) : {fmt.kg(kg)}, {lot.temperature.label_fr}{dlc}"


def _shares(
    kg_by_pair: dict[tuple[str, str], float],
    lots: tuple[str, ...],
    associations: tuple[str, ...],
    total: float,
) -> dict[str, float]:
    """kg of each lot handled at a stop: the allocation lines of those lots and recipients,
    scaled so that they add up to the stop's total (a line may be split between visits)."""
    by_lot = {lot: sum(kg_by_pair.get((lot, a), 0.0) for a in associations) for lot in lots}
    whole = sum(by_lot.values())
    if whole <= 0:
        return {lot: total / len(lots) for lot in lots} if lots else {}
    return {lot: kg * total / whole for lot, kg in by_lot.items()}


def _trip_balance(
    kg_by_pair: dict[tuple[str, str], float], trip: list[dict[Any, Any]]
) -> tuple[dict[str, float], dict[str, float]]:
    """What a trip takes from the hub and what it leaves there [kg per lot].

    A trip delivers lots it picked up on the way or loaded at the hub (stock collected earlier),
    and brings back to the hub what it picked up but did not deliver (stock for later days).
    """
    picked: dict[str, float] = {}
    dropped: dict[str, float] = {}
    for stop in trip:
        if stop["kind"] == "pickup":
            target, total = picked, float(stop["kg_picked"])
        elif stop["kind"] in ("delivery", "unload"):
            target, total = dropped, float(stop["kg_dropped"])
        else:
            continue
        for lot, kg in _shares(kg_by_pair, stop["lots"], stop["associations"], total).items():
            target[lot] = target.get(lot, 0.0) + kg
    from_hub = {lot: kg - picked.get(lot, 0.0) for lot, kg in dropped.items()}
    to_hub = {lot: kg - dropped.get(lot, 0.0) for lot, kg in picked.items()}
    return (
        {lot: kg for lot, kg in from_hub.items() if kg > 0.05},
        {lot: kg for lot, kg in to_hub.items() if kg > 0.05},
    )


def _round_stops(
    scenario: Scenario, kg_by_pair: dict[tuple[str, str], float], trip: pd.DataFrame
) -> list[SheetStop]:
    """Stops of one round with what to load and unload: goods at suppliers and associations,
    and at the hub the stock a trip takes out and the goods it brings back."""
    records = trip.to_dict("records")
    bounds = [i for i, r in enumerate(records) if r["kind"] in ("start", "reload", "end")]
    rows: list[dict[str, Any]] = []
    for i, stop in enumerate(records):
        load: dict[str, float] = {}
        unload: dict[str, float] = {}
        kind = stop["kind"]
        if kind == "pickup":
            load = _shares(kg_by_pair, stop["lots"], stop["associations"], float(stop["kg_picked"]))
        elif kind in ("delivery", "unload"):
            total = float(stop["kg_dropped"])
            unload = _shares(kg_by_pair, stop["lots"], stop["associations"], total)
        if kind in ("reload", "end"):  # the trip that ends here leaves its surplus at the hub
            start = max((b for b in bounds if b < i), default=0)
            unload = _trip_balance(kg_by_pair, records[start : i + 1])[1]
        if kind in ("start", "reload"):  # the trip that starts here takes stock from the hub
            end = min((b for b in bounds if b > i), default=len(records) - 1)
            load = _trip_balance(kg_by_pair, records[i : end + 1])[0]
        board = [
            f"{label} {fmt.kg(float(stop[col]))}"
            for label, col in (
                ("sec", "load_ambient_kg"),
                ("frais", "load_chilled_kg"),
                ("surgelé", "load_frozen_kg"),
            )
            if float(stop[col]) > 0
        ]
        for_whom = ""
        if kind == "unload" and stop["associations"]:
            names = [
                scenario.association_by_id[a].name if a in scenario.association_by_id else a
                for a in stop["associations"]
            ]
            for_whom = f" – pour {', '.join(names)}"
        last = rows[-1] if rows else None
        if last is not None and (last["place"], last["kind"]) == (stop["place_name"], kind):
            # The solver visits a supplier once per recipient: one row per place on the sheet.
            last["departure"] = stop["departure_min"]
            last["on_board"] = board
            for lot, kg in load.items():
                last["load"][lot] = last["load"].get(lot, 0.0) + kg
            for lot, kg in unload.items():
                last["unload"][lot] = last["unload"].get(lot, 0.0) + kg
            continue
        rows.append(
            {
                "kind": kind,
                "place": stop["place_name"],
                "address": stop["address"],
                "arrival": stop["arrival_min"],
                "departure": stop["departure_min"],
                "load": dict(load),
                "unload": dict(unload),
                "on_board": board,
                "for_whom": for_whom,
            }
        )
    return [
        SheetStop(
            kind=KIND_FR.get(str(r["kind"]), str(r["kind"])),
            place=str(r["place"]),
            address=str(r["address"]),
            arrival=fmt.clock(r["arrival"]),
            departure=fmt.clock(r["departure"]),
            load=tuple(_lot_text(scenario, lot, kg) for lot, kg in sorted(r["load"].items())),
            unload=tuple(
                _lot_text(scenario, lot, kg) + r["for_whom"]
                for lot, kg in sorted(r["unload"].items())
            ),
            on_board=", ".join(r["on_board"]) or "vide",
        )
        for r in rows
    ]


def route_sheets(
    scenario: Scenario, lines: pd.DataFrame, stops: pd.DataFrame, plan: Any
) -> list[RouteSheet]:
    """One sheet per vehicle and day the plan uses (associations' own pickups are left out)."""
    sheets: list[RouteSheet] = []
    driven = stops[stops["vehicle"] != ""] if len(stops) else stops
    if driven.empty:
        return sheets
    rounds_table = getattr(plan, "rounds", None)
    for key, group in driven.groupby(["vehicle", "day"], sort=True):
        vehicle_id, day = cast(tuple[str, dt.date], key)
        vehicle = scenario.vehicle_by_id.get(vehicle_id)
        later = lines[lines["day"] >= day]  # a collection may bring lots for later days
        day_lines = cast(
            dict[tuple[str, str], float],
            later.groupby(["lot", "association"])["kg"].sum().to_dict(),
        )
        temperatures: set[Temperature] = set()
        rounds: list[tuple[float, SheetRound]] = []
        for family, route in group.groupby("family", sort=True):
            route = route.sort_values("seq", kind="stable")  # trips are separated by reloads
            for ids in route["lots"]:
                temperatures.update(
                    scenario.lot_by_id[lot].temperature for lot in ids if lot in scenario.lot_by_id
                )
            trips = int(route["trip"].max())
            title = FAMILY_FR.get(str(family), str(family))
            if trips > 1:
                title += f" ({trips} voyages)"
            trip = route
            start = float(trip["departure_min"].min())
            rounds.append(
                (start, SheetRound(title, tuple(_round_stops(scenario, day_lines, trip))))
            )
        notes = [TEMPERATURE_NOTE_FR[t] for t in sorted(temperatures) if t.needs_cold]
        if notes:
            notes.append(
                "Chargez les produits froids en dernier et déchargez-les en premier ; "
                "vérifiez la température du caisson avant le départ."
            )
        km, hours = _round_totals(rounds_table, vehicle_id, day, scenario)
        sheets.append(
            RouteSheet(
                vehicle_id=vehicle_id,
                vehicle_label=(vehicle.name or vehicle.id) if vehicle else vehicle_id,
                refrigerated=bool(vehicle and vehicle.refrigerated),
                capacity_kg=vehicle.capacity_kg if vehicle else math.nan,
                day=day,
                rounds=tuple(r for _, r in sorted(rounds, key=lambda x: x[0])),
                temperature_notes=tuple(notes),
                km=km,
                hours=hours,
                stops=group.reset_index(drop=True),
            )
        )
    return sheets


def _round_totals(
    rounds: Any, vehicle: str, day: dt.date, scenario: Scenario
) -> tuple[float, float]:
    """Distance [km] and duration [h] of a vehicle's rounds on a day, from the plan's rounds."""
    if rounds is None or len(rounds) == 0:
        return math.nan, math.nan
    days = pd.Series([_as_date(d, scenario) for d in rounds["day"]], index=rounds.index)
    mine = rounds[(rounds["vehicle"] == vehicle) & (days == day)]
    return float(mine["km"].sum()), float(mine["hours"].sum())


# --------------------------------------------------------------------------- prospection (3.1)


def free_storage(scenario: Scenario, lines: pd.DataFrame) -> pd.DataFrame:
    """Storage still free after this week's allocation, per association and class [kg]."""
    got = lines.groupby(["association", "temperature"])["kg"].sum().to_dict()
    rows = []
    for a in scenario.associations:
        for t in Temperature:
            storage = a.storage_kg(t)
            received = float(got.get((a.id, t.value), 0.0))
            rows.append(
                {
                    "association": a.id,
                    "name": a.name,
                    "temperature": t.value,
                    "storage_kg": storage,
                    "received_kg": received,
                    "free_kg": max(storage - received, 0.0),
                }
            )
    return pd.DataFrame(rows)


def unmet_need(
    scenario: Scenario, lines: pd.DataFrame, by_association: pd.DataFrame
) -> pd.DataFrame:
    """Unmet need that a lot of each category could fill next week [kg].

    For each category: the associations that accept it and still have free storage in its
    temperature class, and the sum over them of min(unmet need, free storage in that class).
    Need and unmet need are in kg whatever the policy's basis.
    """
    received = lines.groupby("association")["kg"].sum().to_dict()
    free = free_storage(scenario, lines).set_index(["association", "temperature"])["free_kg"]
    supplied = lines.groupby("category")["kg"].sum().to_dict()
    rows = []
    for cat in scenario.categories.values():
        t = cat.temperature
        takers = 0
        absorbable = 0.0
        for a in scenario.associations:
            need_kg = a.beneficiaries * scenario.policy.ration_kg
            gap = max(need_kg - a.other_supply_kg - received.get(a.id, 0.0), 0.0)
            room = float(free.get((a.id, t.value), 0.0))
            if cat.id in a.refuses or gap <= 0 or room <= 0:
                continue
            takers += 1
            absorbable += min(gap, room)
        rows.append(
            {
                "category": cat.id,
                "category_label": cat.label,
                "temperature": t.value,
                "distributed_kg": float(supplied.get(cat.id, 0.0)),
                "associations_with_room": takers,
                "unmet_need_with_room_kg": absorbable,
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(
        ["unmet_need_with_room_kg", "category"], ascending=[False, True]
    ).reset_index(drop=True)


def unmet_by_class(scenario: Scenario, lines: pd.DataFrame) -> pd.DataFrame:
    """Unmet need that free storage of each temperature class could absorb [kg]."""
    received = lines.groupby("association")["kg"].sum().to_dict()
    free = free_storage(scenario, lines)
    rows = []
    for t in Temperature:
        room = free[free["temperature"] == t.value].set_index("association")["free_kg"]
        total = 0.0
        count = 0
        for a in scenario.associations:
            gap = max(
                a.beneficiaries * scenario.policy.ration_kg
                - a.other_supply_kg
                - received.get(a.id, 0.0),
                0.0,
            )
            r = float(room.get(a.id, 0.0))
            if gap > 0 and r > 0:
                count += 1
                total += min(gap, r)
        rows.append(
            {
                "temperature": t.value,
                "free_storage_kg": float(room.sum()),
                "associations_with_room": count,
                "unmet_need_with_room_kg": total,
            }
        )
    return pd.DataFrame(rows)


def prospection_advice(unmet_class: pd.DataFrame, left: pd.DataFrame) -> tuple[str, ...]:
    """Plain-French advice for next week's prospection, from what could still be absorbed."""
    advice: list[str] = []
    ranked = unmet_class.sort_values("unmet_need_with_room_kg", ascending=False)
    for row in ranked.to_dict("records"):
        t = Temperature(row["temperature"])
        kg = float(row["unmet_need_with_room_kg"])
        count = int(row["associations_with_room"])
        if kg >= 1:
            advice.append(
                f"{CLASS_PLURAL_FR[t].capitalize()} : jusqu'à {fmt.kg(kg)} trouveraient preneur "
                f"chez {count} association{'s' if count > 1 else ''} qui ont encore du besoin et "
                f"de la place ({STORAGE_FR[t]} libre : {fmt.kg(float(row['free_storage_kg']))})."
            )
        else:
            advice.append(
                f"{CLASS_PLURAL_FR[t].capitalize()} : inutile d'en chercher, aucune association "
                f"n'a à la fois du besoin et de la place ({STORAGE_FR[t]})."
            )
    if len(left):
        by_reason = left.groupby("reason_fr")["kg"].sum().sort_values(ascending=False)
        top, kg = str(by_reason.index[0]), float(by_reason.iloc[0])
        advice.append(
            f"{fmt.kg(float(left['kg'].sum()))} n'ont pas été placés cette semaine, surtout "
            f"parce que : {top} ({fmt.kg(kg)})."
        )
    return tuple(advice)


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
                "reason_fr": labels.get(reason, reason),
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
