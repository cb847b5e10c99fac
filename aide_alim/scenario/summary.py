"""The figures a coordinator checks before running the week: counts, supply, need, storage.

:func:`summarize` returns plain JSON-able types (dicts, lists, str, int, float) so that the CLI can
print it as a table or as JSON and a notebook can turn any part into a DataFrame.
"""

from __future__ import annotations

from typing import Any

from aide_alim.scenario.model import Lot, Scenario, SiteKind, Temperature


def _kg(value: float) -> float:
    return round(value, 3)


def _eur(value: float) -> float:
    return round(value, 2)


def _totals(lots: list[Lot]) -> dict[str, Any]:
    return {
        "lots": len(lots),
        "kg": _kg(sum(lot.kg for lot in lots)),
        "value_eur": _eur(sum(lot.kg * lot.value_eur_kg for lot in lots)),
        "cost_eur": _eur(sum(lot.kg * lot.price_eur_kg for lot in lots)),
    }


def summarize(scenario: Scenario) -> dict[str, Any]:
    """Counts and totals of a scenario.

    Keys (kg in [kg], money in [€]; ``value_eur`` is market value, ``cost_eur`` the price paid):

    - ``name``, ``week``, ``week_start`` (ISO date of its Monday), ``hub``;
    - ``counts``: associations, beneficiaries, sites, suppliers, lots, vehicles,
      refrigerated_vehicles, categories (used by at least one lot);
    - ``by_temperature``: for ambient, chilled, frozen: lots, kg, value_eur, cost_eur and
      storage_free_kg (the associations' free storage of that class);
    - ``by_category``: for each category with lots, in table order: label, temperature, lots,
      kg, value_eur, cost_eur;
    - ``donated`` and ``bought``: lots, kg, value_eur, cost_eur;
    - ``need``: beneficiaries, ration_kg, need_kg (beneficiaries × ration), supply_kg (this
      week's lots), other_supply_kg, supply_over_need ((supply + other) ÷ need);
    - ``storage_free_kg``: per temperature class and in total;
    - ``budget``: associations_eur (sum of their budgets), bought_cost_eur.
    """
    lots = list(scenario.lots)
    associations = scenario.associations
    beneficiaries = sum(a.beneficiaries for a in associations)
    need_kg = beneficiaries * scenario.policy.ration_kg
    supply_kg = sum(lot.kg for lot in lots)
    other_kg = sum(a.other_supply_kg for a in associations)
    storage = {t.value: sum(a.storage_kg(t) for a in associations) for t in Temperature}

    by_temperature = {}
    for temperature in Temperature:
        row = _totals([lot for lot in lots if lot.temperature is temperature])
        row["storage_free_kg"] = _kg(storage[temperature.value])
        by_temperature[temperature.value] = row

    by_category = {}
    for category in scenario.categories.values():
        of_category = [lot for lot in lots if lot.category == category.id]
        if of_category:
            by_category[category.id] = {
                "label": category.label,
                "temperature": category.temperature.value,
                **_totals(of_category),
            }

    return {
        "name": scenario.name,
        "week": scenario.week,
        "week_start": scenario.week_start.isoformat(),
        "hub": scenario.hub,
        "counts": {
            "associations": len(associations),
            "beneficiaries": beneficiaries,
            "sites": len(scenario.sites),
            "suppliers": sum(s.kind is SiteKind.SUPPLIER for s in scenario.sites),
            "lots": len(lots),
            "vehicles": len(scenario.vehicles),
            "refrigerated_vehicles": sum(v.refrigerated for v in scenario.vehicles),
            "categories": len(by_category),
        },
        "by_temperature": by_temperature,
        "by_category": by_category,
        "donated": _totals([lot for lot in lots if lot.is_donation]),
        "bought": _totals([lot for lot in lots if not lot.is_donation]),
        "need": {
            "beneficiaries": beneficiaries,
            "ration_kg": scenario.policy.ration_kg,
            "need_kg": _kg(need_kg),
            "supply_kg": _kg(supply_kg),
            "other_supply_kg": _kg(other_kg),
            "supply_over_need": round((supply_kg + other_kg) / need_kg, 4) if need_kg else None,
        },
        "storage_free_kg": {
            **{key: _kg(value) for key, value in storage.items()},
            "total": _kg(sum(storage.values())),
        },
        "budget": {
            "associations_eur": _eur(sum(a.budget_eur for a in associations)),
            "bought_cost_eur": _eur(sum(lot.kg * lot.price_eur_kg for lot in lots)),
        },
    }
