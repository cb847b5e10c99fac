"""Plausible offers for a week, for the demo, the tests and a simulated quarter of prospection.

Each offer comes from a supplier of the week (``SHARE_KNOWN_SUPPLIERS`` of them) or a new one
placed 5 to 60 km from the hub; its category follows the week's lots (kg-weighted), its
quantity is log-normal around the week's median lot, half are donations and the others sold at
20 to 95 % of the market value; chilled and frozen products carry a DLC 1 to 12 days after they
become available, some offers must be collected within two days or taken above a minimum. The
same scenario, count and seed give the same offers.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from aide_alim.documents.safety import neutralise_frame
from aide_alim.offers.model import Offer, Supplier
from aide_alim.scenario.model import Scenario, Temperature

SHARE_KNOWN_SUPPLIERS = 0.7
SHARE_DONATIONS = 0.5
EARTH_KM_PER_DEGREE = 111.2


def generate_offers(scenario: Scenario, count: int, seed: int = 1) -> tuple[Offer, ...]:
    """``count`` offers for the week of ``scenario`` (ids ``P01``, ``P02``, …)."""
    rng = np.random.default_rng(seed)
    suppliers = [s for s in scenario.sites if s.id != scenario.hub]
    kg_by_category: dict[str, float] = {}
    for lot in scenario.lots:
        kg_by_category[lot.category] = kg_by_category.get(lot.category, 0.0) + lot.kg
    categories = sorted(kg_by_category) or sorted(scenario.categories)
    weights = np.array([kg_by_category.get(c, 1.0) for c in categories])
    weights = weights / weights.sum()
    median_kg = float(np.median([lot.kg for lot in scenario.lots])) if scenario.lots else 50.0
    median_kg = max(median_kg, 50.0)
    hub = scenario.hub_site
    width = max(2, len(str(count)))
    offers = []
    for n in range(1, count + 1):
        if suppliers and rng.random() < SHARE_KNOWN_SUPPLIERS:
            site = suppliers[int(rng.integers(len(suppliers)))]
            supplier = Supplier(site.id, site.name, site.lat, site.lon, False, site.open_days,
                                site.window, site.address)  # fmt: skip
        else:
            km = float(rng.uniform(5, 60))
            angle = float(rng.uniform(0, 2 * math.pi))
            lat = hub.lat + km * math.sin(angle) / EARTH_KM_PER_DEGREE
            lon = hub.lon + km * math.cos(angle) / (
                EARTH_KM_PER_DEGREE * math.cos(math.radians(hub.lat))
            )
            sid, name = f"nouveau_{seed}_{n:0{width}d}", f"Fournisseur prospecté {seed}-{n}"
            supplier = Supplier(sid, name, round(lat, 5), round(lon, 5), True)
        category = scenario.categories[categories[int(rng.choice(len(categories), p=weights))]]
        unit = float(rng.choice([2.0, 5.0, 10.0]))
        kg = max(unit, round(median_kg * float(rng.lognormal(0.3, 0.8)) / unit) * unit)
        value = category.value_eur_kg
        donation = rng.random() < SHARE_DONATIONS
        price = 0.0 if donation else round(value * float(rng.uniform(0.2, 0.95)), 2)
        available = scenario.week_start + dt.timedelta(days=int(rng.integers(0, 4)))
        use_by = None
        if category.temperature is not Temperature.AMBIENT or rng.random() < 0.2:
            use_by = available + dt.timedelta(days=int(rng.integers(1, 13)))
        collect_by = available + dt.timedelta(days=2) if rng.random() < 0.2 else None
        min_kg = round(kg * 0.8 / unit) * unit if rng.random() < 0.15 else 0.0
        offers.append(
            Offer(
                id=f"P{n:0{width}d}",
                supplier=supplier,
                product=f"{category.label} (offre {n})",
                category=category.id,
                temperature=category.temperature,
                kg=kg,
                unit_kg=unit,
                price_eur_kg=price,
                value_eur_kg=value,
                available=available,
                use_by=use_by,
                collect_by=collect_by,
                min_kg=min_kg,
                received=available - dt.timedelta(days=int(rng.integers(1, 4))),
            )
        )
    return tuple(offers)


def offers_table(offers: tuple[Offer, ...] | list[Offer]) -> pd.DataFrame:
    """Offers as the table an offers file holds (the columns :func:`read_offers` reads)."""
    rows = []
    for o in offers:
        s = o.supplier
        rows.append(
            {
                "id": o.id,
                "supplier": s.name if s.is_new else s.id,
                "lat": s.lat if s.is_new else None,
                "lon": s.lon if s.is_new else None,
                "product": o.product,
                "category": o.category,
                "temperature": str(o.temperature),
                "kg": o.kg,
                "unit_kg": o.unit_kg,
                "price_eur_kg": o.price_eur_kg,
                "value_eur_kg": o.value_eur_kg,
                "available": o.available.isoformat(),
                "use_by": o.use_by.isoformat() if o.use_by else None,
                "best_before": o.best_before.isoformat() if o.best_before else None,
                "collect_by": o.collect_by.isoformat() if o.collect_by else None,
                "min_kg": o.min_kg,
                "received": o.received.isoformat() if o.received else None,
            }
        )
    return pd.DataFrame(rows)


def write_offers(offers: tuple[Offer, ...] | list[Offer], path: str | Path) -> Path:
    """Write offers as a CSV file (UTF-8, comma-separated); text cells a spreadsheet would run
    as formulas are neutralised."""
    from aide_alim.output import output_file

    out = Path(path)
    with output_file(out) as temporary:  # never half a file
        neutralise_frame(offers_table(offers)).to_csv(temporary, index=False, encoding="utf-8")
    return out
