"""Closing the loop with the prospection (action 3.1): what to look for next week.

Unmet need that free storage could absorb, by category and temperature class; free storage by
association and class; plain-French advice. Need and unmet need are in kg whatever the basis.
"""

from __future__ import annotations

import pandas as pd

from aide_alim.documents.tables import CLASS_PLURAL_FR, STORAGE_FR
from aide_alim.i18n import fmt
from aide_alim.scenario.model import Scenario, Temperature


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


VEHICLE_REASONS = frozenset({"vehicle_full", "vehicle_capacity", "no_visit_planned"})


def left_for_vehicles(left: pd.DataFrame) -> dict[str, float]:
    """kg left over for a vehicle reason, by temperature class."""
    if left.empty or "temperature" not in left:
        return {}
    mine = left[left["reason"].isin(VEHICLE_REASONS)]
    return {str(t): float(kg) for t, kg in mine.groupby("temperature")["kg"].sum().items()}


def prospection_advice(unmet_class: pd.DataFrame, left: pd.DataFrame) -> tuple[str, ...]:
    """Plain-French advice for next week's prospection, from what could still be absorbed."""
    advice: list[str] = []
    ranked = unmet_class.sort_values("unmet_need_with_room_kg", ascending=False)
    stuck = left_for_vehicles(left)
    for row in ranked.to_dict("records"):
        t = Temperature(row["temperature"])
        kg = float(row["unmet_need_with_room_kg"])
        count = int(row["associations_with_room"])
        if stuck.get(t.value, 0.0) >= 1:
            # Never ask for food the fleet could not move this week.
            advice.append(
                f"{CLASS_PLURAL_FR[t].capitalize()} : inutile d'en chercher davantage sans un "
                f"véhicule ou un créneau de plus : {fmt.kg(stuck[t.value])} de cette classe sont "
                "restés chez les fournisseurs faute de véhicule disponible."
            )
        elif kg >= 1:
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
