"""Synthetic scenarios of any size, realistic in their mix and deterministic for a seed.

:func:`synthesize` draws associations, supplier sites, lots and a fleet with a
:class:`numpy.random.Generator` seeded by ``seed``: the same arguments always give the same
scenario. The mix follows what the prospection of a French metropolis finds in a week:

- **associations** of four kinds (épicerie sociale, distribution de colis, CCAS, restauration
  solidaire) with lognormal beneficiaries, dry storage for all, chilled storage for most and
  frozen storage for a minority (depending on the kind), open days and receiving windows of
  their kind, some that collect at the hub themselves, budgets for bought lots and a little
  food from elsewhere (``other_supply_kg``);
- **supplier sites** of five kinds (grande surface, grossiste, producteur, industrie
  agroalimentaire, grossiste non alimentaire), each offering the categories it sells;
- **lots** of the products in :data:`PRODUCTS` over the 12 categories and the three temperature
  classes, with category-dependent lognormal quantities in whole cartons, donations and
  negotiated purchases (price below market value), DLC or DDM dates within and beyond the week;
- a **fleet** of light vans at the hub sized to the week's supply, at least one refrigerated.

Need is scaled to the supply so that the lots cover ``supply_ratio`` of the total need (0.7 by
default): short enough that fairness matters.

Geography: one metropolis by default (Dijon Métropole's 23 communes, associations spread in
proportion to population). With ``regions`` > 1 (by default one region per 100 associations),
associations and suppliers are spread over that many French cities, the scenario keeps one hub
(in the first region) and ``logistics.reach_km`` is set so that a lot reaches the associations
of its own and of the neighbouring regions, not all of France.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.model import (
    Association,
    Category,
    Day,
    Logistics,
    Lot,
    Policy,
    Scenario,
    Site,
    SiteKind,
    Temperature,
    TimeWindow,
    Vehicle,
    parse_iso_week,
)

A, C, F = Temperature.AMBIENT, Temperature.CHILLED, Temperature.FROZEN


@dataclass(frozen=True, slots=True)
class Product:
    """A product the prospection finds, with what a typical lot of it looks like.

    ``median_kg`` is the median size of a lot [kg]; ``unit_kg`` its carton or crate [kg];
    ``dating`` is ``"dlc"`` (use-by date), ``"ddm"`` (best-before date) or ``""`` (neither);
    a lot's date falls ``shelf_days`` (min, max) days after it becomes available; ``local``
    is false for what French farms do not grow (bananas, oranges).
    """

    label: str
    category: str
    temperature: Temperature
    median_kg: float
    unit_kg: float
    dating: str
    shelf_days: tuple[int, int]
    local: bool = True


#: The product catalogue of synthetic lots (and of the Dijon scenario). Each product's
#: temperature class agrees with its category's (cold or not), as the validator expects: UHT
#: milk, stored ambient but a dairy product, is left out for that reason.
PRODUCTS: tuple[Product, ...] = (
    Product("Pommes", "fruits_legumes", A, 120, 12, "ddm", (7, 25)),
    Product("Carottes", "fruits_legumes", A, 150, 10, "ddm", (5, 15)),
    Product("Pommes de terre", "fruits_legumes", A, 250, 25, "ddm", (10, 30)),
    Product("Oranges", "fruits_legumes", A, 100, 10, "ddm", (5, 15), local=False),
    Product("Tomates", "fruits_legumes", A, 60, 6, "ddm", (2, 6)),
    Product("Laitues", "fruits_legumes", A, 30, 3, "ddm", (2, 5)),
    Product("Courgettes", "fruits_legumes", A, 60, 5, "ddm", (3, 8)),
    Product("Bananes", "fruits_legumes", A, 90, 18, "ddm", (2, 6), local=False),
    Product("Yaourts nature", "produits_laitiers", C, 60, 4.8, "dlc", (3, 20)),
    Product("Fromage blanc", "produits_laitiers", C, 40, 6, "dlc", (3, 15)),
    Product("Emmental râpé", "produits_laitiers", C, 25, 2.5, "dlc", (5, 30)),
    Product("Beurre", "produits_laitiers", C, 20, 5, "dlc", (10, 40)),
    Product("Crèmes dessert", "produits_laitiers", C, 30, 3, "dlc", (5, 25)),
    Product("Poulet entier", "viande_poisson_oeufs", C, 40, 8, "dlc", (2, 7)),
    Product("Jambon blanc", "viande_poisson_oeufs", C, 20, 2, "dlc", (4, 14)),
    Product("Filets de poisson", "viande_poisson_oeufs", C, 15, 3, "dlc", (1, 4)),
    Product("Steaks hachés surgelés", "viande_poisson_oeufs", F, 40, 5, "ddm", (60, 240)),
    Product("Œufs", "viande_poisson_oeufs", C, 30, 1.9, "ddm", (10, 28)),
    Product("Pâtes", "epicerie_seche", A, 150, 12, "ddm", (90, 540)),
    Product("Riz", "epicerie_seche", A, 120, 10, "ddm", (90, 540)),
    Product("Farine", "epicerie_seche", A, 60, 10, "ddm", (60, 300)),
    Product("Sucre", "epicerie_seche", A, 50, 10, "ddm", (180, 720)),
    Product("Huile de tournesol", "epicerie_seche", A, 60, 6, "ddm", (90, 365)),
    Product("Céréales du petit-déjeuner", "epicerie_seche", A, 40, 3, "ddm", (30, 240)),
    Product("Biscuits", "epicerie_seche", A, 40, 4, "ddm", (14, 240)),
    Product("Café moulu", "epicerie_seche", A, 20, 3, "ddm", (90, 365)),
    Product("Haricots verts en conserve", "conserves", A, 90, 9, "ddm", (180, 900)),
    Product("Thon en conserve", "conserves", A, 40, 4, "ddm", (180, 1100)),
    Product("Ratatouille en conserve", "conserves", A, 60, 6, "ddm", (180, 900)),
    Product("Sardines à l'huile", "conserves", A, 25, 2.5, "ddm", (365, 1500)),
    Product("Compote de pommes", "conserves", A, 50, 5, "ddm", (60, 400)),
    Product("Légumes surgelés", "surgeles", F, 60, 6, "ddm", (60, 540)),
    Product("Poisson pané surgelé", "surgeles", F, 40, 4, "ddm", (60, 365)),
    Product("Frites surgelées", "surgeles", F, 60, 10, "ddm", (60, 540)),
    Product("Pizzas surgelées", "surgeles", F, 30, 4, "ddm", (30, 300)),
    Product("Eau minérale", "boissons", A, 200, 9, "ddm", (180, 600)),
    Product("Jus d'orange", "boissons", A, 80, 6, "ddm", (30, 300)),
    Product("Pain frais (invendus)", "pain", A, 25, 2.5, "ddm", (1, 2)),
    Product("Viennoiseries (invendus)", "pain", A, 10, 1, "ddm", (1, 3)),
    Product("Pain de mie", "pain", A, 30, 3, "ddm", (5, 20)),
    Product("Baguettes précuites surgelées", "surgeles", F, 30, 5, "ddm", (60, 300)),
    Product("Plats cuisinés frais", "plats_prepares", C, 30, 3, "dlc", (2, 8)),
    Product("Sandwichs", "plats_prepares", C, 10, 1, "dlc", (1, 3)),
    Product("Salades composées", "plats_prepares", C, 15, 1.5, "dlc", (1, 5)),
    Product("Plats cuisinés surgelés", "plats_prepares", F, 30, 4, "ddm", (60, 300)),
    Product("Savon et gel douche", "hygiene", A, 30, 3, "", (0, 0)),
    Product("Dentifrice", "hygiene", A, 10, 1, "", (0, 0)),
    Product("Protections hygiéniques", "hygiene", A, 15, 2, "", (0, 0)),
    Product("Shampooing", "hygiene", A, 20, 3, "", (0, 0)),
    Product("Lessive", "entretien", A, 60, 6, "", (0, 0)),
    Product("Liquide vaisselle", "entretien", A, 30, 6, "", (0, 0)),
    Product("Eau de Javel", "entretien", A, 40, 8, "", (0, 0)),
    Product("Lait infantile 2e âge", "bebe", A, 20, 2.4, "ddm", (120, 540)),
    Product("Petits pots bébé", "bebe", A, 20, 2.4, "ddm", (90, 540)),
    Product("Couches", "bebe", A, 30, 5, "", (0, 0)),
)


@dataclass(frozen=True, slots=True)
class AssociationKind:
    """What associations of one kind look like.

    ``share`` of all associations; ``beneficiaries``: median persons served a week;
    ``chilled``, ``frozen``: chance of having a cold room, a freezer; ``days``, ``windows``:
    the open days and receiving windows found in that kind; ``collects``: chance of fetching
    its share at the hub; ``budget``: range of € per beneficiary per week for bought lots;
    ``refuses``: categories it does not take.
    """

    share: float
    beneficiaries: float
    chilled: float
    frozen: float
    days: tuple[str, ...]
    windows: tuple[str, ...]
    collects: float
    budget: tuple[float, float]
    refuses: tuple[str, ...] = ()


MAX_SUPPLY_RATIO = 10.0
"""Largest supply ÷ need a synthetic week can have (as plausible as a week gets)."""

ASSOCIATION_KINDS: Mapping[str, AssociationKind] = {
    "épicerie sociale": AssociationKind(
        0.35,
        120,
        0.9,
        0.5,
        ("tue thu", "mon wed fri", "tue wed thu fri"),
        ("09:00-12:00", "14:00-17:00"),
        0.4,
        (0.3, 0.9),
    ),
    "distribution de colis": AssociationKind(
        0.3,
        250,
        0.55,
        0.25,
        ("tue", "wed", "thu", "mon thu"),
        ("08:30-12:00", "13:30-16:30"),
        0.35,
        (0.0, 0.3),
        ("plats_prepares",),
    ),
    "CCAS": AssociationKind(
        0.2,
        80,
        0.4,
        0.15,
        ("mon tue wed thu fri",),
        ("09:00-12:00", "13:30-17:00"),
        0.2,
        (0.4, 1.2),
    ),
    "restauration solidaire": AssociationKind(
        0.15,
        150,
        0.95,
        0.6,
        ("mon tue wed thu fri", "mon tue wed thu fri sat"),
        ("08:00-10:30", "14:00-16:00"),
        0.3,
        (0.3, 1.0),
        ("bebe", "hygiene", "entretien"),
    ),
}

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

#: French cities used as region centres: name, INSEE code, lat, lon (town centre, approximate).
#: Dijon first (the default single region), then by population. Codes and coordinates were
#: written from general knowledge for synthetic data, not checked against a source; the real,
#: sourced communes of Dijon Métropole are in ``aide_alim/data/communes.csv``.
REGION_CENTRES: tuple[tuple[str, str, float, float], ...] = (
    ("Dijon", "21231", 47.322, 5.042),
    ("Paris", "75056", 48.857, 2.352),
    ("Marseille", "13055", 43.296, 5.370),
    ("Lyon", "69123", 45.764, 4.836),
    ("Toulouse", "31555", 43.605, 1.444),
    ("Nice", "06088", 43.710, 7.262),
    ("Nantes", "44109", 47.218, -1.554),
    ("Montpellier", "34172", 43.611, 3.877),
    ("Strasbourg", "67482", 48.573, 7.752),
    ("Bordeaux", "33063", 44.838, -0.579),
    ("Lille", "59350", 50.629, 3.057),
    ("Rennes", "35238", 48.117, -1.678),
    ("Reims", "51454", 49.258, 4.032),
    ("Toulon", "83137", 43.124, 5.928),
    ("Saint-Étienne", "42218", 45.440, 4.387),
    ("Le Havre", "76351", 49.494, 0.108),
    ("Grenoble", "38185", 45.188, 5.724),
    ("Angers", "49007", 47.478, -0.563),
    ("Nîmes", "30189", 43.837, 4.360),
    ("Clermont-Ferrand", "63113", 45.778, 3.087),
    ("Le Mans", "72181", 48.006, 0.199),
    ("Brest", "29019", 48.390, -4.486),
    ("Tours", "37261", 47.394, 0.685),
    ("Amiens", "80021", 49.894, 2.296),
    ("Limoges", "87085", 45.834, 1.262),
    ("Perpignan", "66136", 42.699, 2.895),
    ("Metz", "57463", 49.120, 6.176),
    ("Besançon", "25056", 47.238, 6.024),
    ("Orléans", "45234", 47.903, 1.909),
    ("Rouen", "76540", 49.443, 1.099),
    ("Mulhouse", "68224", 47.750, 7.336),
    ("Caen", "14118", 49.183, -0.370),
    ("Nancy", "54395", 48.692, 6.184),
    ("Poitiers", "86194", 46.580, 0.340),
    ("Pau", "64445", 43.295, -0.371),
    ("La Rochelle", "17300", 46.160, -1.151),
    ("Avignon", "84007", 43.949, 4.806),
    ("Troyes", "10387", 48.297, 4.074),
    ("Chambéry", "73065", 45.564, 5.918),
    ("Bayonne", "64102", 43.493, -1.475),
)

#: Vans of the fleet: name, payload [kg], refrigerated.
VAN_TYPES: tuple[tuple[str, float, bool], ...] = (
    ("Fourgon 12 m³", 1000.0, False),
    ("Fourgon 20 m³", 1300.0, False),
    ("Fourgon frigorifique", 900.0, True),
)

# A light diesel van < 1.5 t: 6.8 L/100 km x 3.17 kg CO2e/L (aide_alim/data/reference_values.csv)
_CO2_G_KM = 215.6
_COST_EUR_KM = 0.47  # fiscal barème kilométrique, a proxy (reference_values.csv)
_KM_PER_DEG_LAT = 111.2


def default_regions(associations: int) -> int:
    """One region per 100 associations (1 below 150), at most :data:`REGION_CENTRES`."""
    return max(1, min(len(REGION_CENTRES), round(associations / 100)))


def synthesize(
    associations: int,
    lots: int,
    *,
    seed: int = 0,
    regions: int | None = None,
    week: str = "2020-W41",
    supply_ratio: float = 0.7,
    name: str | None = None,
) -> Scenario:
    """A synthetic scenario with ``associations`` associations and ``lots`` lots.

    ``supply_ratio`` is total lot kg ÷ total need [kg] (need = beneficiaries × ration).
    ``regions``: how many French cities the scenario spreads over (default
    :func:`default_regions`). Deterministic: the same arguments give an equal scenario.
    """
    if associations < 1:
        raise ValueError(f"Expected associations >= 1, got {associations}.")
    if lots < 1:
        raise ValueError(f"Expected lots >= 1, got {lots}.")
    if not 0 < supply_ratio <= MAX_SUPPLY_RATIO:
        # Beyond, every association is down to one person and the ratio is not reached.
        raise ValueError(f"Expected 0 < supply_ratio <= {MAX_SUPPLY_RATIO:g}, got {supply_ratio}.")
    region_count = default_regions(associations) if regions is None else regions
    if not 1 <= region_count <= len(REGION_CENTRES):
        raise ValueError(
            f"Expected regions between 1 and {len(REGION_CENTRES)}, got {region_count}."
        )
    monday = parse_iso_week(week)
    week = monday.strftime("%G-W%V")  # canonical: "2020-w41" → "2020-W41"
    rng = np.random.default_rng(seed)
    centres = REGION_CENTRES[:region_count]
    categories = dict(DEFAULT_CATEGORIES)

    region_weights = _region_weights(rng, region_count)
    assoc_region = _spread(rng, associations, region_weights)
    raw_beneficiaries, kinds = _draw_beneficiaries(rng, associations)

    sites, site_region, site_kind = _suppliers(rng, lots, region_weights, centres)
    hub = Site(
        id="HUB",
        name=f"Entrepôt de la banque alimentaire ({centres[0][0]})",
        kind=SiteKind.HUB,
        lat=round(centres[0][2] - 0.03, 5),
        lon=round(centres[0][3] - 0.01, 5),
        open_days=frozenset(Day(d) for d in range(5)),
        window=TimeWindow(7 * 60, 17 * 60),
    )
    # Lots and need meet half-way (geometric mean): a typical lot is a few tens of kg and a
    # typical association serves a few hundred persons, whatever the counts asked for.
    ration = Policy().ration_kg
    typical_supply = sum(p.median_kg for p in PRODUCTS) / len(PRODUCTS)
    wanted = supply_ratio * ration * float(raw_beneficiaries.sum())
    size_factor = float(np.clip(math.sqrt(wanted / (typical_supply * lots)), 0.3, 3.0))
    lot_list = _lots(
        rng, lots, monday, sites, site_region, site_kind, region_weights, categories, size_factor
    )
    supply_kg = sum(lot.kg for lot in lot_list)

    # Scale beneficiaries so that supply / need = supply_ratio (keeps the lognormal shape).
    scale = supply_kg / (supply_ratio * ration * float(raw_beneficiaries.sum()))
    beneficiaries = np.maximum(1, np.rint(raw_beneficiaries * scale)).astype(int)
    association_list = _associations(rng, beneficiaries, kinds, assoc_region, centres, ration)
    fleet = _fleet(rng, lot_list)

    logistics = Logistics()
    if region_count > 1:
        logistics = logistics.replace(reach_km=_reach_km(centres))
    return Scenario(
        name=name or f"synth-{associations}x{lots}-s{seed}",
        week=week,
        hub=hub.id,
        associations=tuple(association_list),
        sites=(hub, *sites),
        lots=tuple(lot_list),
        vehicles=tuple(fleet),
        categories=categories,
        logistics=logistics,
    )


def _region_weights(rng: np.random.Generator, count: int) -> np.ndarray:
    """Share of associations (and of supply) of each region: bigger cities first."""
    if count == 1:
        return np.ones(1)
    weights = 1.0 / np.arange(1, count + 1) ** 0.6 * rng.uniform(0.8, 1.2, count)
    return np.asarray(weights / weights.sum())


def _spread(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` region indices, each region with at least one item when ``n`` allows."""
    if n >= len(weights):
        rest = rng.choice(len(weights), size=n - len(weights), p=weights)
        out = np.concatenate([np.arange(len(weights)), rest])
    else:
        out = rng.choice(len(weights), size=n, p=weights)
    return np.sort(out)


def _draw_beneficiaries(rng: np.random.Generator, n: int) -> tuple[np.ndarray, list[str]]:
    names = list(ASSOCIATION_KINDS)
    shares = np.array([ASSOCIATION_KINDS[k].share for k in names])
    kind_index = rng.choice(len(names), size=n, p=shares / shares.sum())
    medians = np.array([ASSOCIATION_KINDS[k].beneficiaries for k in names])
    raw = medians[kind_index] * np.clip(rng.lognormal(0.0, 0.6, n), 0.25, 4.0)
    return raw, [names[i] for i in kind_index]


def _dijon_communes() -> list[tuple[str, str, float, float, int]]:
    from aide_alim.data import communes

    return [
        (
            str(r["insee_code"]),
            str(r["name"]),
            float(r["lat"]),
            float(r["lon"]),
            int(r["population"]),
        )
        for r in communes().to_dict("records")
    ]


def _associations(
    rng: np.random.Generator,
    beneficiaries: np.ndarray,
    kinds: Sequence[str],
    regions: np.ndarray,
    centres: Sequence[tuple[str, str, float, float]],
    ration: float,
) -> list[Association]:
    n = len(beneficiaries)
    width = len(str(n))
    need = beneficiaries * ration
    # Places: in Dijon, the real communes weighted by population; elsewhere the city itself.
    communes = _dijon_communes()
    populations = np.array([c[4] for c in communes], dtype=float)
    commune_pick = rng.choice(len(communes), size=n, p=populations / populations.sum())
    unit = rng.uniform(size=(n, 10))
    jitter = rng.normal(0.0, 1.0, size=(n, 2))
    counters: dict[tuple[str, str], int] = {}
    out: list[Association] = []
    for i in range(n):
        spec = ASSOCIATION_KINDS[kinds[i]]
        region = int(regions[i])
        if centres[region][0] == "Dijon":
            code, place, lat0, lon0, _ = communes[commune_pick[i]]
            sd_km = 1.0
        else:
            place, code, lat0, lon0 = centres[region]
            sd_km = 4.0
        lat = round(lat0 + float(jitter[i, 0]) * sd_km / _KM_PER_DEG_LAT, 5)
        lon = round(
            lon0 + float(jitter[i, 1]) * sd_km / (_KM_PER_DEG_LAT * math.cos(math.radians(lat0))),
            5,
        )
        counters[(kinds[i], place)] = counters.get((kinds[i], place), 0) + 1
        number = counters[(kinds[i], place)]
        label = _kind_label(kinds[i], place) + (f" {number}" if number > 1 else "")
        has_chilled = unit[i, 0] < spec.chilled
        has_frozen = unit[i, 1] < spec.frozen
        budget_lo, budget_hi = spec.budget
        out.append(
            Association(
                id=f"A{i + 1:0{width}d}",
                name=label,
                kind=kinds[i],
                commune=code,
                lat=lat,
                lon=lon,
                beneficiaries=int(beneficiaries[i]),
                dry_kg=_round10(need[i] * (1.0 + 1.5 * unit[i, 2])),
                chilled_kg=_round10(need[i] * (0.25 + 0.5 * unit[i, 3])) if has_chilled else 0.0,
                frozen_kg=_round10(need[i] * (0.1 + 0.3 * unit[i, 4])) if has_frozen else 0.0,
                open_days=_days(spec.days[int(unit[i, 5] * len(spec.days))]),
                receive_window=TimeWindow.parse(spec.windows[int(unit[i, 6] * len(spec.windows))]),
                collects=bool(unit[i, 7] < spec.collects),
                budget_eur=round(
                    float(beneficiaries[i] * (budget_lo + (budget_hi - budget_lo) * unit[i, 8])),
                    0,
                ),
                refuses=frozenset(spec.refuses),
                other_supply_kg=_round10(need[i] * 0.25 * unit[i, 9]),
            )
        )
    return out


def _kind_label(kind: str, place: str) -> str:
    return {
        "épicerie sociale": f"Épicerie sociale de {place}",
        "distribution de colis": f"Distribution de colis de {place}",
        "CCAS": f"CCAS de {place}",
        "restauration solidaire": f"Restaurant solidaire de {place}",
    }[kind]


def _round10(kg: float) -> float:
    """Storage rounded to 10 kg, as people state it."""
    return float(max(10, round(float(kg) / 10) * 10))


def _days(text: str) -> frozenset[Day]:
    return frozenset(Day[code.upper()] for code in text.split())


def _suppliers(
    rng: np.random.Generator,
    lots: int,
    region_weights: np.ndarray,
    centres: Sequence[tuple[str, str, float, float]],
) -> tuple[list[Site], np.ndarray, list[str]]:
    """About one supplier per 10 lots (at least 3 and one per region)."""
    count = max(3, len(region_weights), math.ceil(lots / 10))
    regions = _spread(rng, count, region_weights)
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
        lat = round(lat0 + float(jitter[i, 0]) * sd_km / _KM_PER_DEG_LAT, 5)
        lon = round(
            lon0 + float(jitter[i, 1]) * sd_km / (_KM_PER_DEG_LAT * math.cos(math.radians(lat0))),
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
                open_days=_days(spec.days),
                window=TimeWindow.parse(spec.window),
            )
        )
    return sites, regions, [kinds[int(k)] for k in kind_index]


def _lots(
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


def _fleet(rng: np.random.Generator, lots: Sequence[Lot]) -> list[Vehicle]:
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


def _reach_km(centres: Sequence[tuple[str, str, float, float]]) -> float:
    """A reach that links every region to its nearest neighbours but not across France.

    The largest nearest-neighbour distance between region centres, plus 40 km for the spread
    of suppliers and associations around their centre, rounded up to 10 km.
    """
    lat = np.radians([c[2] for c in centres])
    lon = np.radians([c[3] for c in centres])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    dist = 2 * 6371.0 * np.arcsin(np.sqrt(h))
    np.fill_diagonal(dist, np.inf)
    nearest = dist.min(axis=1)
    return float(math.ceil((nearest.max() + 40.0) / 10.0) * 10)
