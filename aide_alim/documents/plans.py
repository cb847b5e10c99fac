"""What the distribution plan of an association says: its lots, when and where it gets them,
and, in plain French, how its share compares with its need and with the fair share, and why
(:func:`explain_share`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from aide_alim.data import commune_name
from aide_alim.documents.tables import (
    CLASS_PLURAL_FR,
    RULE_FR,
    RULE_NAME_FR,
    STORAGE_FR,
    as_date,
    clock_minutes,
)
from aide_alim.i18n import fmt
from aide_alim.scenario.model import Association, Scenario, Site, Temperature, TimeWindow

# Route plans made before routing had reason codes give only English words: known patterns
# first, then the stage of the round that could not take the line.
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
    "hub_pickup": "le retrait à la plateforme n'a pas pu être planifié",
    "site_pickup": "le retrait chez le fournisseur n'a pas pu être planifié",
}


def unserved_reason_fr(stage: str, reason: str, code: str = "") -> str:
    """A French explanation of why the rounds do not carry a line: the stage, then the French
    label of routing's ``reason_code`` (:data:`aide_alim.routing.UNSERVED_REASONS_FR`); the
    English ``reason`` is only matched against known phrases when there is no known code."""
    from aide_alim.routing.plan import UNSERVED_REASONS_FR

    head = _UNSERVED_STAGES_FR.get(stage, "l'acheminement n'a pas pu être planifié")
    if code in UNSERVED_REASONS_FR:
        return f"{head} : {UNSERVED_REASONS_FR[code]}"
    for pattern, french in _UNSERVED_PATTERNS_FR:
        if pattern in reason:
            return f"{head} : {french}"
    return head


#: Margin around the planned time of a visit [min]: a round is never on time to the minute, so
#: the plan gives a window from the planned arrival minus this to the departure plus this.
MARGIN_MIN = 30
QUARTER_MIN = 15


def arrival_window(first_min: float, last_min: float, bounds: TimeWindow | None = None) -> str:
    """``entre 9 h 45 et 10 h 45``: the planned visit widened by :data:`MARGIN_MIN` on each
    side, rounded outwards to the quarter hour and kept inside ``bounds`` (the hours when the
    association can receive or the place is open)."""
    start = math.floor((first_min - MARGIN_MIN) / QUARTER_MIN) * QUARTER_MIN
    end = math.ceil((last_min + MARGIN_MIN) / QUARTER_MIN) * QUARTER_MIN
    if bounds is not None and max(start, bounds.start_min) < min(end, bounds.end_min):
        start, end = max(start, bounds.start_min), min(end, bounds.end_min)
    return f"entre {fmt.clock_fr(start)} et {fmt.clock_fr(end)}"


def _overlap(a: TimeWindow, b: TimeWindow) -> TimeWindow | None:
    start, end = max(a.start_min, b.start_min), min(a.end_min, b.end_min)
    return TimeWindow(start, end) if start < end else None


def place_address(site: Site) -> str:
    """A site's postal address, else its GPS coordinates (a phone's map finds those)."""
    return site.address or f"coordonnées GPS {site.lat:.5f}, {site.lon:.5f}"


@dataclass(frozen=True)
class Handover:
    """When and where an association gets some of its lots."""

    day: dt.date
    #: "livraison", "retrait à la plateforme", "retrait chez le fournisseur", "non planifiée"
    mode: str
    place: str
    address: str
    slot: str  # the arrival window, in words
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
    signature: str = "la coordination de l'aide alimentaire"

    @property
    def rule_name(self) -> str:
        """The rule in a few French words (``répartition équitable``)."""
        return RULE_NAME_FR.get(self.rule, self.rule)

    @property
    def window_note(self) -> str:
        """What the arrival windows mean for this plan's handovers: a delivery is planned in
        the middle of its window; a pickup is the association's own trip (no round to wait
        for). Empty when nothing is handed over."""
        modes = {h.mode for h in self.handovers}
        delivered = "livraison" in modes
        picked_up = any(m.startswith("retrait") for m in modes)
        if delivered and picked_up:
            return (
                "Les heures d'arrivée sont des fenêtres : une livraison est prévue au milieu, "
                "à une demi-heure près ; pour un retrait, venez pendant la fenêtre indiquée."
            )
        if delivered:
            return (
                "Les heures d'arrivée sont des fenêtres : la tournée est prévue au milieu, "
                "à une demi-heure près."
            )
        if picked_up:
            return "Pour votre retrait, venez pendant la fenêtre indiquée."
        return ""

    @property
    def commune(self) -> str:
        """The association's commune by name (empty when the code is not a known one)."""
        return commune_name(self.association.commune)

    @property
    def received(self) -> bool:
        return self.total_kg > 0


def _minutes(stop: dict[str, Any]) -> tuple[float, float]:
    return float(stop["arrival_min"]), float(stop["departure_min"])


@dataclass(frozen=True)
class _RouteIndex:
    """The route plan looked up by allocation line: fates, unserved reasons, stops."""

    fates: dict[tuple[str, str, dt.date], dict[str, Any]]
    unserved: dict[tuple[str, str, dt.date], list[tuple[str, float]]]  # (French reason, kg)
    stops: dict[str, list[dict[str, Any]]]  # association → stops handling its lots

    @classmethod
    def of(cls, scenario: Scenario, stops: pd.DataFrame, plan: Any) -> _RouteIndex:
        fates: dict[tuple[str, str, dt.date], dict[str, Any]] = {}
        table = getattr(plan, "lines", None)
        for row in table.to_dict("records") if table is not None else []:
            key = (str(row["lot"]), str(row["association"]), as_date(row["day"], scenario))
            fates[key] = {str(k): v for k, v in row.items()}
        unserved: dict[tuple[str, str, dt.date], list[tuple[str, float]]] = {}
        table = getattr(plan, "unserved", None)
        for row in table.to_dict("records") if table is not None else []:
            key = (str(row["lot"]), str(row["association"]), as_date(row["day"], scenario))
            why = unserved_reason_fr(
                str(row.get("stage", "")), str(row["reason"]), str(row.get("reason_code", ""))
            )
            unserved.setdefault(key, []).append((why, float(row["kg"])))
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
    # Handovers are grouped by (day, mode, place, address, vehicle); each group keeps its lots,
    # the earliest arrival and latest departure of its visits, and the hours they must fit in.
    groups: dict[tuple[Any, ...], list[str]] = {}
    times: dict[tuple[Any, ...], tuple[float, float]] = {}
    bounds: dict[tuple[Any, ...], TimeWindow | None] = {}
    # Unplanned kg per group and reason, summed over the lots sharing the group.
    unplanned: dict[tuple[Any, ...], dict[str, float]] = {}
    here = index.stops.get(association.id, [])
    line_kg = lines["kg"] if "kg" in lines else pd.Series([0.0] * len(lines), index=lines.index)
    hub = scenario.hub_site

    def add(key: tuple[Any, ...], lot: str, when: tuple[float, float] | None, hours: Any) -> None:
        groups.setdefault(key, []).append(lot)
        bounds[key] = hours
        if when is not None and not any(math.isnan(t) for t in when):
            first, last = times.get(key, when)
            times[key] = (min(first, when[0]), max(last, when[1]))

    for lot, day, kg in zip(lines["lot"].astype(str), lines["day"], line_kg, strict=True):
        fate = index.fates.get((lot, association.id, day), {})
        status = str(fate.get("status", ""))
        if status in ("unserved", "partial") or not fate:
            reasons = index.unserved.get((lot, association.id, day), [])
            key: tuple[Any, ...] = (day, "non planifiée", "", "", "–")
            add(key, lot, None, None)
            bucket = unplanned.setdefault(key, {})
            for why, why_kg in reasons or [("aucune tournée ne prend ce lot en charge", kg)]:
                bucket[why] = bucket.get(why, 0.0) + float(why_kg)
            if status != "partial":
                continue
        if status in ("hub_pickup", "site_pickup"):
            found = [
                s for s in here if s["kind"] == status and s["day"] == day and lot in s["lots"]
            ]
            mode = (
                "retrait à la plateforme"
                if status == "hub_pickup"
                else "retrait chez le fournisseur"
            )
            lot_site = scenario.lot_by_id[lot].site if lot in scenario.lot_by_id else hub.id
            site = hub if status == "hub_pickup" else scenario.site_by_id.get(lot_site, hub)
            if found:
                site = scenario.site_by_id.get(str(found[0].get("place", "")), site)
            hours = _overlap(site.window, association.receive_window)
            key = (day, mode, site.name, place_address(site), "vos moyens")
            add(key, lot, _minutes(found[0]) if found else None, hours)
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
            if found:
                when: tuple[float, float] | None = _minutes(found[0])
            else:
                handover = clock_minutes(fate.get("handover"))
                when = (handover, handover)
            address = association.address or commune_name(association.commune)
            key = (day, "livraison", association.name, address, label)
            add(key, lot, when, association.receive_window)
    notes = {
        key: "; ".join(f"{why} ({fmt.kg(kg)})" if kg > 0 else why for why, kg in bucket.items())
        + ". Contactez la coordination pour convenir d'un retrait."
        for key, bucket in unplanned.items()
    }
    result = []
    for key, lots in groups.items():
        day, mode, place, address, vehicle = key
        hours = bounds.get(key)
        if key in times:
            slot = arrival_window(*times[key], hours)
        elif hours is not None:  # no planned time: the hours it fits in
            slot = f"entre {fmt.clock_fr(hours.start_min)} et {fmt.clock_fr(hours.end_min)}"
        else:
            slot = "–"
        result.append(
            Handover(
                day=day, mode=mode, place=place, address=address, slot=slot, vehicle=vehicle,
                lots=tuple(dict.fromkeys(lots)), note=notes.get(key, ""),
            )
        )  # fmt: skip
    start = {key[:5]: times.get(key, (math.inf, 0.0))[0] for key in groups}
    return tuple(
        sorted(
            result,
            key=lambda h: (h.day, start[(h.day, h.mode, h.place, h.address, h.vehicle)], h.mode),
        )
    )


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
    got = f"Vous recevrez {fmt.kg(received_kg)}"
    if basis != "kg":
        got += f" ({_amount(received, basis)})"
    if other > 0:
        sentences.append(
            f"{got} ; avec {_amount(other, basis)} reçus d'autres sources cette semaine, "
            f"votre besoin sera couvert à {fmt.pct(fill)}."
        )
    else:
        sentences.append(f"{got}, soit {fmt.pct(fill)} de votre besoin.")
    low, high = (
        (fmt.pct(float(fills.min())), fmt.pct(float(fills.max()))) if len(fills) else ("", "")
    )
    if len(fills) > 1 and low == high:  # not "de 80 % à 80 %"
        sentences.append(f"Les {len(fills)} associations seront toutes couvertes à {low}.")
    elif len(fills) > 1:  # one association alone has no average to compare with
        sentences.append(
            f"La moyenne des {len(fills)} associations est de {fmt.pct(mean_fill)} "
            f"(de {low} à {high})."
        )
    fair = row.get("fair_share")
    if fair is not None and not (isinstance(fair, float) and math.isnan(fair)) and fair > 0:
        tau = (float(fair) + other) / need if need > 0 else math.nan
        diff = received - float(fair)
        if abs(diff) <= 0.02 * float(fair):
            comparison = "vous recevrez à peu près cette part"
        elif diff > 0:
            comparison = f"vous recevrez {_amount(diff, basis)} de plus"
        else:
            comparison = f"vous recevrez {_amount(-diff, basis)} de moins"
        sentences.append(
            f"Si toute l'offre de la semaine était partagée au prorata des besoins, chaque "
            f"association serait couverte à {fmt.pct(tau)} : votre part équitable serait de "
            f"{_amount(float(fair), basis)} ; {comparison}."
        )
    sentences.append(f"Règle appliquée — {RULE_FR.get(rule, rule)}.")
    if rule in ("leximin", "maxmin") and len(fills) > 1 and fill <= float(fills.min()) + 0.005:
        sentences.append(
            "Vous êtes parmi les associations les moins bien couvertes cette semaine : la "
            "répartition vous sert en priorité, dans la limite de ce que vous pouvez stocker et "
            "recevoir."
        )
    if fill >= 0.999:
        sentences.append("Votre besoin de la semaine sera entièrement couvert.")
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
                "de place en stockage ambiant"
            )  # fmt: skip
            reasons.append(
                f"Vous ne recevrez pas de {CLASS_PLURAL_FR[temperature]} car vous n'avez pas "
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
                "véhicule réfrigéré ; vous pourriez les retirer vous-même à la plateforme."
            )
        elif storage > 0 and got >= 0.98 * storage:
            reasons.append(
                f"Vos {CLASS_PLURAL_FR[temperature]} sont limités par la place libre que vous "
                f"avez déclarée dans votre {STORAGE_FR[temperature]} : {fmt.kg(storage)} cette "
                "semaine, entièrement utilisés."
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
                f"Des lots vendus ({fmt.kg(sold_kg)} cette semaine) ne vous sont pas attribués "
                "car vous n'avez pas de budget d'achat."
            )
        elif paid >= 0.98 * association.budget_eur:
            reasons.append(
                f"Votre budget d'achat ({fmt.eur(association.budget_eur)}) sera entièrement "
                "utilisé."
            )
    if len(association.open_days) < 5:
        names = [f"le {d.label_fr}" for d in sorted(association.open_days)]
        days = " et ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        window = association.receive_window
        reasons.append(
            f"Vous pouvez recevoir {days or 'aucun jour'}, de {fmt.clock_fr(window.start_min)} "
            f"à {fmt.clock_fr(window.end_min)} : un lot dont la DLC tombe avant votre prochain "
            "jour de réception ne peut pas vous être attribué."
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
                signature=scenario.signature,
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
                # Dates as French spreadsheets show them (JJ/MM/AAAA), the day by its name.
                "DLC": fmt.short_date(line["use_by"]) if line["use_by"] else "",
                "DDM": fmt.short_date(line["best_before"]) if line["best_before"] else "",
                "valeur (€)": round(float(line["value_eur"]), 2),
                "prix à payer (€)": round(float(line["price_eur"]), 2),
                "repas": round(float(line["meals"]), 1),
                "jour": fmt.day_name(line["day"]),
                "date": fmt.short_date(line["day"]),
                "mode": found.mode if found else "",
                "lieu": found.place if found else "",
                "adresse": found.address if found else "",
                "heure d'arrivée prévue": found.slot if found else "",
                "véhicule": found.vehicle if found else "",
            }
        )
    columns = [
        "lot", "produit", "catégorie", "température", "kg", "cartons", "DLC", "DDM",
        "valeur (€)", "prix à payer (€)", "repas", "jour", "date", "mode", "lieu", "adresse",
        "heure d'arrivée prévue", "véhicule",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
