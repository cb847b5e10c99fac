"""The synthetic fleet: light vans at the hub, sized to the week's supply.

:func:`draw_fleet` takes refrigerated vans for the chilled and frozen kg (at least one) and
vans of :data:`VAN_TYPES` drawn at random for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aide_alim.scenario.model import Lot, TimeWindow, Vehicle

#: Vans of the fleet: name, payload [kg], refrigerated.
VAN_TYPES: tuple[tuple[str, float, bool], ...] = (
    ("Fourgon 12 m³", 1000.0, False),
    ("Fourgon 20 m³", 1300.0, False),
    ("Fourgon frigorifique", 900.0, True),
)

# A light diesel van < 1.5 t: 6.8 L/100 km x 3.17 kg CO2e/L (aide_alim/data/reference_values.csv)
_CO2_G_KM = 215.6
_COST_EUR_KM = 0.47  # fiscal barème kilométrique, a proxy (reference_values.csv)


def draw_fleet(rng: np.random.Generator, lots: Sequence[Lot]) -> list[Vehicle]:
    """Vans enough to move the week's supply twice (collection, then delivery) in two rounds a
    day over five days: refrigerated vans for the chilled and frozen kg, others for the rest."""
    cold = sum(lot.kg for lot in lots if lot.temperature.needs_cold)
    dry = sum(lot.kg for lot in lots) - cold
    days, rounds = 5, 2
    types: list[tuple[str, float, bool]] = []
    while not types or sum(t[1] for t in types) * days * rounds < 2 * cold:
        types.append(VAN_TYPES[2])
    carried = 0.0
    while carried == 0 or carried * days * rounds < 2 * dry:
        van = VAN_TYPES[int(rng.integers(2))]
        types.append(van)
        carried += van[1]
    width = len(str(len(types)))
    return [
        Vehicle(
            id=f"V{i:0{width}d}",
            depot="HUB",
            capacity_kg=capacity,
            refrigerated=refrigerated,
            cost_eur_km=_COST_EUR_KM,
            co2_g_km=_CO2_G_KM,
            shift=TimeWindow(7 * 60 + 30, 15 * 60 + 30),
            name=f"{name} n°{i}",
        )
        for i, (name, capacity, refrigerated) in enumerate(types, start=1)
    ]
