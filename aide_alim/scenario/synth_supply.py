"""Synthetic supply: the kinds of supplier sites, the sites, and the lots they offer.

Supplier sites are of five kinds (:data:`SUPPLIER_KINDS`: grande surface, grossiste,
producteur, industrie agroalimentaire, grossiste non alimentaire), each offering the categories
it sells. Lots are products of :data:`~aide_alim.scenario.products.PRODUCTS` with
category-dependent lognormal quantities in whole cartons, donations and negotiated purchases
(price below market value), DLC or DDM dates within and beyond the week.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from aide_alim.scenario.model import Category, Lot, Site, SiteKind, TimeWindow
from aide_alim.scenario.products import PRODUCTS
from aide_alim.scenario.synth_associations import days_of
from aide_alim.scenario.synth_regions import KM_PER_DEG_LAT, spread_over_regions

_BASE_CATEGORY_WEIGHTS = {
    "fruits_legumes": 0.2,
    "produits_laitiers": 0.12,
    "viande_poisson_oeufs": 0.08,
    "epicerie_seche": 0.12,
    "conserves": 0.08,
    "surgeles": 0.06,
    "boissons": 0.05,
    "pain": 0.08,
    "plats_prepares": 0.06,
    "hygiene": 0.06,
    "entretien": 0.04,
    "bebe": 0.05,
}


@dataclass(frozen=True, slots=True)
class SupplierKind:
    """A kind of supplier site: ``share`` of sites, chance that a lot is donated (else bought at
    a negotiated price), categories offered (all when empty), open days and window."""

    share: float
    donation: float
    categories: tuple[str, ...]
    days: str
    window: str

    def offers(self, category: str) -> bool:
        return not self.categories or category in self.categories


SUPPLIER_KINDS: Mapping[str, SupplierKind] = {
    "grande surface": SupplierKind(0.45, 0.9, (), "mon tue wed thu fri sat", "08:00-12:00"),
    "grossiste": SupplierKind(
        0.12,
        0.45,
        ("fruits_legumes", "produits_laitiers", "viande_poisson_oeufs", "surgeles"),
        "mon tue wed thu fri",
        "06:00-12:00",
    ),
    "producteur": SupplierKind(
        0.2,
        0.35,
        ("fruits_legumes", "produits_laitiers", "viande_poisson_oeufs"),
        "tue fri",
        "08:00-12:00",
    ),
    "industrie agroalimentaire": SupplierKind(
        0.15,
        0.6,
        (
            "epicerie_seche",
            "conserves",
            "surgeles",
            "boissons",
            "pain",
            "plats_prepares",
            "produits_laitiers",
        ),
        "mon tue wed thu fri",
        "08:00-16:00",
    ),
    "grossiste non alimentaire": SupplierKind(
        0.08, 0.25, ("hygiene", "entretien", "bebe"), "mon wed fri", "09:00-16:00"
    ),
}


def draw_suppliers(
    rng: np.random.Generator,
    lots: int,
    region_weights: np.ndarray,
    centres: Sequence[tuple[str, str, float, float]],
) -> tuple[list[Site], np.ndarray, list[str]]:
    """About one supplier per 10 lots (at least 3 and one per region)."""
    count = max(3, len(region_weights), math.ceil(lots / 10))
    regions = spread_over_regions(rng, count, region_weights)
    kinds = list(SUPPLIER_KINDS)
    shares = np.array([SUPPLIER_KINDS[k].share for k in kinds])
    kind_index = rng.choice(len(kinds), size=count, p=shares / shares.sum())
    kind_index[: min(count, len(kinds))] = np.arange(min(count, len(kinds)))
    jitter = rng.normal(0.0, 1.0, size=(count, 2))
    width = len(str(count))
    sites: list[Site] = []
    for i in range(count):
        region = int(regions[i])
        place, _, lat0, lon0 = centres[region]
        kind = kinds[int(kind_index[i])]
        # Farms are spread wider than shops and wholesalers.
        sd_km = 12.0 if kind == "producteur" else 6.0
        lat = round(lat0 + float(jitter[i, 0]) * sd_km / KM_PER_DEG_LAT, 5)
        lon = round(
            lon0 + float(jitter[i, 1]) * sd_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat0))),
            5,
        )
        spec = SUPPLIER_KINDS[kind]
        sites.append(
            Site(
                id=f"S{i + 1:0{width}d}",
                name=f"{kind.capitalize()} {i + 1} ({place})",
                kind=SiteKind.SUPPLIER,
                lat=lat,
                lon=lon,
                open_days=days_of(spec.days),
                window=TimeWindow.parse(spec.window),
            )
        )
    return sites, regions, [kinds[int(k)] for k in kind_index]


def draw_lots(
    rng: np.random.Generator,
    n: int,
    monday: dt.date,
    sites: Sequence[Site],
    site_region: np.ndarray,
    site_kind: Sequence[str],
    region_weights: np.ndarray,
    categories: Mapping[str, Category],
    size_factor: float,
) -> list[Lot]:
    """``n`` lots offered by ``sites`` in the week of ``monday``, sized by ``size_factor``."""
    # Site of each lot: its region in proportion to the region's weight, then a site there.
    site_weight = rng.lognormal(0.0, 0.5, len(sites)) * region_weights[site_region]
    site_of = rng.choice(len(sites), size=n, p=site_weight / site_weight.sum())
    # Product of each lot among those its site offers, weighted by category share.
    by_category: dict[str, list[int]] = {}
    for index, product in enumerate(PRODUCTS):
        by_category.setdefault(product.category, []).append(index)
    product_of = np.empty(n, dtype=int)
    for kind in SUPPLIER_KINDS:
        offered = SUPPLIER_KINDS[kind].categories or tuple(_BASE_CATEGORY_WEIGHTS)
        # Farms only offer what they grow.
        local = kind == "producteur"
        pairs = [
            (p, _BASE_CATEGORY_WEIGHTS[c] / len(by_category[c]))
            for c in offered
            for p in by_category[c]
            if PRODUCTS[p].local or not local
        ]
        candidates = np.array([p for p, _ in pairs])
        weights = np.array([w for _, w in pairs])
        mask = np.array([site_kind[s] == kind for s in site_of], dtype=bool)
        product_of[mask] = rng.choice(candidates, size=int(mask.sum()), p=weights / weights.sum())
    # Every category at least once when there are enough lots: the first lots of a shuffled
    # order take one product of each category (from a site that offers it).
    if n >= len(by_category):
        order = rng.permutation(n)
        for slot, (needed, products) in zip(order, sorted(by_category.items()), strict=False):
            product_of[slot] = products[int(rng.integers(len(products)))]
            if not SUPPLIER_KINDS[site_kind[int(site_of[slot])]].offers(needed):
                offering = [
                    s for s in range(len(sites)) if SUPPLIER_KINDS[site_kind[s]].offers(needed)
                ]
                site_of[slot] = offering[int(rng.integers(len(offering)))]

    median = np.array([PRODUCTS[p].median_kg for p in product_of])
    unit = np.array([PRODUCTS[p].unit_kg for p in product_of])
    cartons = size_factor * median * rng.lognormal(0.0, 0.7, n) / unit
    # At least 5 kg (the policy's default min_delivery_kg): smaller offers are not prospected.
    units = np.maximum(np.ceil(5.0 / unit - 1e-9), np.rint(cartons)).astype(int)
    kg = np.round(units * unit, 3)
    available_offset = rng.choice(5, size=n, p=[0.3, 0.2, 0.2, 0.15, 0.15])
    shelf = rng.uniform(size=n)
    donated = rng.uniform(size=n)
    discount = rng.uniform(0.15, 0.6, size=n)
    width = len(str(n))
    out: list[Lot] = []
    for i in range(n):
        product = PRODUCTS[int(product_of[i])]
        category = categories[product.category]
        site_index = int(site_of[i])
        available = monday + dt.timedelta(days=int(available_offset[i]))
        lo, hi = product.shelf_days
        date = available + dt.timedelta(days=int(lo + (hi - lo) * shelf[i]))
        value = category.value_eur_kg
        is_donation = donated[i] < SUPPLIER_KINDS[site_kind[site_index]].donation
        price = 0.0 if is_donation else round(value * float(discount[i]), 2)
        out.append(
            Lot(
                id=f"L{i + 1:0{width}d}",
                site=sites[site_index].id,
                product=product.label,
                category=product.category,
                temperature=product.temperature,
                kg=float(kg[i]),
                unit_kg=float(product.unit_kg),
                price_eur_kg=price,
                value_eur_kg=value,
                available=available,
                use_by=date if product.dating == "dlc" else None,
                best_before=date if product.dating == "ddm" else None,
            )
        )
    return out
