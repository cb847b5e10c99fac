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
    "depot": "Dépôt",
    "hub": "Hub",
    "pickup": "Ramasse",
    "delivery": "Livraison",
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


def _lot_ids(value: Any) -> tuple[str, ...]:
    """Lot ids from a list, a tuple, a ``;``/``,``-separated string, or nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, str):
        parts = value.replace(";", ",").split(",")
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, dict):
        return tuple(str(k) for k in value)
    return tuple(str(v) for v in value)


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
    "vehicle", "day", "round", "seq", "kind", "place", "place_name", "address", "lat", "lon",
    "arrival_min", "departure_min", "picked", "dropped",
    "load_ambient_kg", "load_chilled_kg", "load_frozen_kg",
]  # fmt: skip


def _minutes(value: Any) -> float:
    if value is None:
        return math.nan
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute + value.second / 60
    if isinstance(value, pd.Timedelta | dt.timedelta):
        return value.total_seconds() / 60
    if isinstance(value, str):
        hours, _, mins = value.partition(":")
        return int(hours) * 60 + int(mins[:2] or 0)
    return float(value)


def _first(row: pd.Series, *names: str, default: Any = None) -> Any:
    for name in names:
        if name in row.index:
            return row[name]
    return default


def stops_table(scenario: Scenario, plan: Any) -> pd.DataFrame:
    """The plan's ordered stops in one tidy table (one row per stop, columns :data:`STOP_COLUMNS`).

    Times are minutes after midnight; loads are on board after the stop [kg].
    """
    stops = getattr(plan, "stops", None) if plan is not None else None
    if stops is None or len(stops) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in STOP_COLUMNS})
    rows: list[dict[str, Any]] = []
    for _, row in stops.iterrows():
        place = str(_first(row, "place", "node", "location", "site", default=""))
        name, address, lat, lon = _place_info(scenario, place)
        rows.append(
            {
                "vehicle": str(_first(row, "vehicle")),
                "day": _as_date(_first(row, "day", "date"), scenario),
                "round": int(_first(row, "round", "trip", default=1)),
                "seq": int(_first(row, "seq", "stop", "order", "position", default=len(rows))),
                "kind": str(_first(row, "kind", "type", "action", default="")),
                "place": place,
                "place_name": name,
                "address": address,
                "lat": lat,
                "lon": lon,
                "arrival_min": _minutes(_first(row, "arrival_min", "arrival")),
                "departure_min": _minutes(_first(row, "departure_min", "departure")),
                "picked": _lot_ids(_first(row, "picked_up", "picked", "pickup_lots")),
                "dropped": _lot_ids(_first(row, "dropped", "delivered", "delivery_lots")),
                "load_ambient_kg": float(_first(row, "load_ambient_kg", default=0.0) or 0.0),
                "load_chilled_kg": float(_first(row, "load_chilled_kg", default=0.0) or 0.0),
                "load_frozen_kg": float(_first(row, "load_frozen_kg", default=0.0) or 0.0),
            }
        )
    out = pd.DataFrame(rows, columns=STOP_COLUMNS)
    return out.sort_values(["vehicle", "day", "round", "seq"], kind="stable").reset_index(drop=True)


def _place_info(scenario: Scenario, place: str) -> tuple[str, str, float, float]:
    """Display name, address, latitude and longitude of a site or association id."""
    if place in scenario.site_by_id:
        s = scenario.site_by_id[place]
        return s.name, s.address, s.lat, s.lon
    if place in scenario.association_by_id:
        a = scenario.association_by_id[place]
        return a.name, a.address or f"commune {a.commune}", a.lat, a.lon
    return place, "", math.nan, math.nan


# --------------------------------------------------------------------------- association plan


@dataclass(frozen=True)
class Handover:
    """When and where an association gets its lots of one day."""

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


def _unserved_lots(plan: Any) -> dict[tuple[str, str], str]:
    """(lot, association) → reason the routing could not serve it."""
    unserved = getattr(plan, "unserved", None) if plan is not None else None
    out: dict[tuple[str, str], str] = {}
    if unserved is None or len(unserved) == 0:
        return out
    for _, row in unserved.iterrows():
        reason = str(_first(row, "reason_fr", "label", "reason", default=""))
        lot = str(_first(row, "lot", default=""))
        assoc = str(_first(row, "association", "place", default=""))
        out[(lot, assoc)] = reason
    return out


def handovers(
    scenario: Scenario,
    association: Association,
    lines: pd.DataFrame,
    stops: pd.DataFrame,
    unserved: dict[tuple[str, str], str],
) -> tuple[Handover, ...]:
    """Delivery slots (from the route plan) or pickup slots, one per day and mode."""
    mine = lines[lines["association"] == association.id]
    result: list[Handover] = []
    for key, group in mine.groupby("day", sort=True):
        day = cast(dt.date, key)
        lots = tuple(group["lot"])
        missing = [lot for lot in lots if (lot, association.id) in unserved]
        if missing:
            reasons = sorted({unserved[(lot, association.id)] for lot in missing})
            result.append(
                Handover(day, "non planifiée", "", "", "–", "–", tuple(missing), "; ".join(reasons))
            )
            lots = tuple(lot for lot in lots if lot not in missing)
            if not lots:
                continue
        if association.collects:
            result.append(_pickup(scenario, association, day, lots, group, stops))
            continue
        here = stops[(stops["place"] == association.id) & (stops["day"] == day)]
        if here.empty:
            result.append(
                Handover(
                    day,
                    "non planifiée",
                    "",
                    "",
                    "–",
                    "–",
                    lots,
                    "aucun arrêt prévu par les tournées : contactez la coordination",
                )
            )
            continue
        for _, stop in here.iterrows():
            dropped = tuple(lot for lot in lots if not stop["dropped"] or lot in stop["dropped"])
            if not dropped:
                continue
            slot = f"{fmt.clock(stop['arrival_min'])}–{fmt.clock(stop['departure_min'])}"
            vehicle = scenario.vehicle_by_id.get(stop["vehicle"])
            label = (vehicle.name or vehicle.id) if vehicle else stop["vehicle"]
            result.append(
                Handover(day, "livraison", association.name, stop["address"], slot, label, dropped)
            )
    return tuple(result)


def _pickup(
    scenario: Scenario,
    association: Association,
    day: dt.date,
    lots: tuple[str, ...],
    group: pd.DataFrame,
    stops: pd.DataFrame,
) -> Handover:
    """Pickup by the association itself: at the hub (hub model) or at the supplier (direct)."""
    if scenario.logistics.model == "direct":
        sites = sorted(set(group["site"]))
        names = ", ".join(scenario.site_by_id[s].name for s in sites if s in scenario.site_by_id)
        site = scenario.site_by_id.get(sites[0]) if len(sites) == 1 else None
        window = site.window if site else association.receive_window
        return Handover(
            day, "retrait chez le fournisseur", names, site.address if site else "",
            str(window), "vos moyens", lots,
        )  # fmt: skip
    hub = scenario.hub_site
    start = max(hub.window.start_min, association.receive_window.start_min)
    end = min(hub.window.end_min, association.receive_window.end_min)
    if end <= start:  # windows do not overlap: the hub's hours rule
        start, end = hub.window.start_min, hub.window.end_min
    # Goods are there once the collection round that brought them is back at the hub.
    at_hub = stops[(stops["place"] == scenario.hub) & (stops["day"] == day)]
    arrivals = [
        row["arrival_min"]
        for _, row in at_hub.iterrows()
        if any(lot in row["dropped"] for lot in lots) and not math.isnan(row["arrival_min"])
    ]
    note = ""
    if arrivals and max(arrivals) > start:
        start = math.ceil(max(arrivals) / 5) * 5
        note = "à partir du retour de la tournée de ramasse"
    slot = f"{fmt.clock(start)}–{fmt.clock(max(end, start))}"
    return Handover(day, "retrait au hub", hub.name, hub.address, slot, "vos moyens", lots, note)


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
    days = ", ".join(d.label_fr for d in sorted(association.open_days))
    reasons.append(
        f"Vous pouvez recevoir le {days or 'aucun jour'}, de {association.receive_window}: "
        "un lot dont la DLC tombe avant votre prochain jour d'ouverture ne peut pas vous être "
        "attribué."
    )
    return reasons


def association_plans(
    scenario: Scenario, allocation: Any, lines: pd.DataFrame, stops: pd.DataFrame, plan: Any
) -> list[AssociationPlan]:
    """The distribution plan of every association (also those that receive nothing)."""
    unserved = _unserved_lots(plan)
    by_association = getattr(allocation, "by_association", pd.DataFrame())
    rule = str(getattr(allocation, "rule", scenario.policy.rule))
    week = fmt.week_label(scenario.week_start)
    plans = []
    for association in scenario.associations:
        mine = lines[lines["association"] == association.id].reset_index(drop=True)
        plans.append(
            AssociationPlan(
                association=association,
                week=week,
                lines=mine,
                handovers=handovers(scenario, association, mine, stops, unserved),
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
    seq: int
    kind: str
    place: str
    address: str
    arrival: str
    departure: str
    load: tuple[str, ...]
    unload: tuple[str, ...]
    on_board: str


@dataclass(frozen=True)
class RouteSheet:
    """One vehicle's work on one day: its rounds and ordered stops."""

    vehicle_id: str
    vehicle_label: str
    refrigerated: bool
    capacity_kg: float
    day: dt.date
    rounds: tuple[tuple[int, tuple[SheetStop, ...]], ...]
    temperature_notes: tuple[str, ...]
    km: float
    hours: float
    stops: pd.DataFrame = field(repr=False)


def _lot_text(scenario: Scenario, lot_id: str, kg: float) -> str:
    lot = scenario.lot_by_id.get(lot_id)
    if lot is None:
        return lot_id
    dlc = f", DLC {fmt.short_date(lot.use_by)}" if lot.use_by else ""
    return f"{lot.product} ({lot_id}) : {fmt.kg(kg)}, {lot.temperature.label_fr}{dlc}"


def _qty(
    kg_for: dict[Any, float], kg_lot: dict[Any, float], lot: str, place: str, is_assoc: bool
) -> float:
    """kg of ``lot`` handled at a stop: the association's share, or the whole day's quantity."""
    return kg_for.get((lot, place), 0.0) if is_assoc else kg_lot.get(lot, 0.0)


def route_sheets(
    scenario: Scenario, lines: pd.DataFrame, stops: pd.DataFrame, plan: Any
) -> list[RouteSheet]:
    """One sheet per vehicle and day that has at least one stop other than its depot."""
    sheets: list[RouteSheet] = []
    if stops.empty:
        return sheets
    rounds_table = getattr(plan, "rounds", None)
    for key, group in stops.groupby(["vehicle", "day"], sort=True):
        vehicle_id, day = cast(tuple[str, dt.date], key)
        if not (group["picked"].map(len).sum() or group["dropped"].map(len).sum()):
            continue
        vehicle = scenario.vehicle_by_id.get(vehicle_id)
        day_lines = lines[lines["day"] == day]
        kg_for = day_lines.groupby(["lot", "association"])["kg"].sum().to_dict()
        kg_lot = day_lines.groupby("lot")["kg"].sum().to_dict()
        rounds = []
        temperatures: set[Temperature] = set()
        for round_no, rgroup in group.groupby("round", sort=True):
            sheet_stops = []
            for _, stop in rgroup.iterrows():
                place = stop["place"]
                is_assoc = place in scenario.association_by_id

                load = tuple(
                    _lot_text(scenario, lot, _qty(kg_for, kg_lot, lot, place, is_assoc))
                    for lot in stop["picked"]
                )
                unload = tuple(
                    _lot_text(scenario, lot, _qty(kg_for, kg_lot, lot, place, is_assoc))
                    for lot in stop["dropped"]
                )
                for lot in (*stop["picked"], *stop["dropped"]):
                    if lot in scenario.lot_by_id:
                        temperatures.add(scenario.lot_by_id[lot].temperature)
                board = [
                    f"{label} {fmt.kg(stop[col])}"
                    for label, col in (
                        ("sec", "load_ambient_kg"),
                        ("frais", "load_chilled_kg"),
                        ("surgelé", "load_frozen_kg"),
                    )
                    if stop[col] > 0
                ]
                sheet_stops.append(
                    SheetStop(
                        seq=int(stop["seq"]),
                        kind=KIND_FR.get(stop["kind"], stop["kind"]),
                        place=stop["place_name"],
                        address=stop["address"],
                        arrival=fmt.clock(stop["arrival_min"]),
                        departure=fmt.clock(stop["departure_min"]),
                        load=load,
                        unload=unload,
                        on_board=", ".join(board) or "vide",
                    )
                )
            rounds.append((int(cast(int, round_no)), tuple(sheet_stops)))
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
                rounds=tuple(rounds),
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
    if rounds is None or len(rounds) == 0 or "vehicle" not in rounds:
        return math.nan, math.nan
    days = [_as_date(d, scenario) for d in rounds["day"]] if "day" in rounds else []
    mask = (rounds["vehicle"] == vehicle) & pd.Series([d == day for d in days], index=rounds.index)
    mine = rounds[mask]
    km = float(mine["km"].sum()) if "km" in mine else math.nan
    if "hours" in mine:
        hours = float(mine["hours"].sum())
    elif "duration_min" in mine:
        hours = float(mine["duration_min"].sum()) / 60
    else:
        hours = math.nan
    return km, hours


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
