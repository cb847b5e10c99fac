"""Build the shipped Dijon Métropole scenario (``scenarios/dijon/``) from the real public data.

Run it to regenerate the scenario files next to this script (it is deterministic: the same
files, byte for byte, every time)::

    python scenarios/dijon/build.py            # writes scenarios/dijon/*.csv, scenario.toml
    python scenarios/dijon/build.py --out DIR  # writes a copy elsewhere

Real: the 23 communes (INSEE codes, town-hall coordinates, populations 2023), the priority
neighbourhoods (QPV), the poverty rates of Dijon and Chenôve, the names and addresses of the
food-aid sites of the 2015 lists, the CO₂ and cost per km of a light van, the ration per
beneficiary — all read from ``aide_alim/data/`` (see its ``SOURCES.md``). Illustrative: every
quantity of the week (beneficiaries, storage, budgets, lots, fleet), the suppliers and the hub,
derived as documented in ``scenarios/dijon/README.md`` with the constants below.

Random draws use only ``numpy.random.Generator.random`` (uniform doubles, whose stream NumPy
keeps stable across versions); normals are made from them with the Box–Muller transform.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aide_alim import data
from aide_alim.scenario.categories import DEFAULT_CATEGORIES, slug
from aide_alim.scenario.model import (
    Association,
    Day,
    Lot,
    Policy,
    Scenario,
    Site,
    SiteKind,
    TimeWindow,
    Vehicle,
)
from aide_alim.scenario.products import PRODUCTS, Product
from aide_alim.scenario.write import write_scenario

PRODUCTS_BY_LABEL = {p.label: p for p in PRODUCTS}

HERE = Path(__file__).resolve().parent
SEED = 2020
WEEK = "2020-W41"  # 5–11 October 2020, the first year of the convention

# -- need --------------------------------------------------------------------------------------
#: Poverty rate assumed where Filosofi gives none (ILLUSTRATIVE): communes with a QPV in the
#: 2024 list, and the other (mostly residential, peri-urban) communes.
POVERTY_RATE_QPV_COMMUNE = 0.15
POVERTY_RATE_OTHER_COMMUNE = 0.07
#: Share of the persons below the poverty line who receive food from the scenario's
#: associations in a given week (ILLUSTRATIVE).
TAKE_UP = 0.20
#: An association placed in a QPV weighs this much more when its commune's beneficiaries are
#: shared out (QPV poverty rate ≈ 3× the metropolis's, reference_values.csv; 1.5 is moderate
#: because an association also serves people from outside the QPV).
QPV_WEIGHT = 1.5
#: Number of associations, placed in the communes in proportion to their poor population.
ASSOCIATIONS = 36
#: Lots: count and total supply as a share of the total need (supply is short: fairness matters).
LOTS = 200
SUPPLY_SHARE_OF_NEED = 0.66
#: Smallest lot worth prospecting [kg] (the policy's default min_delivery_kg).
MIN_LOT_KG = 5.0

# Approximate centres of the QPV (ILLUSTRATIVE, from general knowledge of the map, ±1 km).
QPV_CENTRES: dict[str, tuple[float, float]] = {
    "Le Mail": (47.2895, 5.0045),
    "Fontaine D'Ouche": (47.3190, 4.9995),
    "Les Grésilles": (47.3360, 5.0585),
    "Le Bief du Moulin": (47.2890, 5.0580),
    "Le Belvédère": (47.3330, 5.0110),
    "Quetigny-centre": (47.3135, 5.1085),
}

# -- associations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What an association of one kind looks like (ILLUSTRATIVE figures, see README).

    ``weight``: relative size when a commune's beneficiaries are shared out; ``dry``,
    ``chilled``, ``frozen``: free storage in weeks of need (0 = none); ``days``, ``window``:
    when it receives; ``collects``: fetches its share at the hub; ``budget``: € per beneficiary
    per week for bought lots; ``other``: share of its need covered elsewhere this week;
    ``refuses``: categories it does not take.
    """

    kind: str
    weight: float
    dry: float
    chilled: float
    frozen: float
    days: str
    window: str
    collects: bool
    budget: float
    other: float
    refuses: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    # Restos du Cœur centres: big distributions, own cold rooms and vans, national supply.
    "restos": Kind(
        "distribution de colis", 1.8, 1.5, 0.5, 0.3, "tue thu", "08:30-11:30", True, 0.0, 0.35
    ),
    # Secours populaire comités: parcels and libre-service, a fridge, no freezer.
    "spf": Kind(
        "distribution de colis", 1.3, 1.5, 0.3, 0.0, "wed", "09:00-12:00", False, 0.2, 0.25
    ),
    # Croix-Rouge épicerie sociale.
    "crf": Kind("épicerie sociale", 1.0, 2.0, 0.5, 0.25, "tue fri", "09:00-12:00", True, 0.8, 0.2),
    "epicerie": Kind(
        "épicerie sociale", 1.0, 2.0, 0.4, 0.2, "mon wed fri", "09:00-12:00", False, 0.8, 0.15
    ),
    "colis": Kind(
        "distribution de colis",
        1.2,
        1.5,
        0.25,
        0.0,
        "thu",
        "13:30-16:30",
        False,
        0.2,
        0.15,
        ("plats_prepares",),
    ),
    "ccas": Kind(
        "CCAS", 0.6, 1.2, 0.25, 0.0, "mon tue wed thu fri", "09:00-12:00", False, 1.0, 0.1
    ),
    "restaurant": Kind(
        "restauration solidaire",
        0.8,
        1.0,
        0.5,
        0.3,
        "mon tue wed thu fri",
        "08:00-10:30",
        False,
        0.8,
        0.1,
        ("bebe", "hygiene", "entretien"),
    ),
}

#: The real sites of the 2015 lists used as associations: site id in food_aid_sites.csv → kind.
#: (Not used: the Samu social, a street service; the Secours populaire fédération, an office at
#: the same address as its antenne; the "Dijon" centroids of the Restos and of the food bank.)
REAL_SITES: dict[str, str] = {
    "CRF-U2101": "crf",
    "RDC-Dijon-Reggio": "restos",
    "RDC-Dijon-Chevreul": "restos",
    "RDC-Dijon-Parmentier": "restos",
    "SPF-001267": "spf",
    "SPF-000384": "spf",
    "SPF-000386": "spf",
    "SPF-000385": "spf",
}
REAL_NAMES: dict[str, str] = {
    "CRF-U2101": "Épicerie sociale de la Croix-Rouge (Dijon)",
    "RDC-Dijon-Reggio": "Restos du Cœur – centre Reggio (Dijon)",
    "RDC-Dijon-Chevreul": "Restos du Cœur – centre Chevreul (Dijon)",
    "RDC-Dijon-Parmentier": "Restos du Cœur – centre Parmentier (Dijon)",
    "SPF-001267": "Secours populaire – antenne d'aide d'urgence (Dijon)",
    "SPF-000384": "Secours populaire – comité de Chenôve",
    "SPF-000386": "Secours populaire – comité de Quetigny",
    "SPF-000385": "Secours populaire – comité de Chevigny-Saint-Sauveur",
}
REAL_IDS: dict[str, str] = {
    "CRF-U2101": "crf_epicerie_dijon",
    "RDC-Dijon-Reggio": "restos_reggio",
    "RDC-Dijon-Chevreul": "restos_chevreul",
    "RDC-Dijon-Parmentier": "restos_parmentier",
    "SPF-001267": "spf_dijon",
    "SPF-000384": "spf_chenove",
    "SPF-000386": "spf_quetigny",
    "SPF-000385": "spf_chevigny",
}
#: Generic associations added to each commune after its real sites: its CCAS first, then
#: these kinds in turn.
GENERIC_CYCLE: tuple[str, ...] = ("epicerie", "colis", "epicerie", "colis", "restaurant")
GENERIC_NAMES: dict[str, str] = {
    "ccas": "CCAS de {commune}",
    "epicerie": "Épicerie solidaire de {commune}",
    "colis": "Distribution de colis de {commune}",
    "restaurant": "Restaurant solidaire de {commune}",
}

# -- suppliers (ILLUSTRATIVE: kinds of places that exist there, not named businesses) ---------


@dataclass(frozen=True)
class Supplier:
    """A supplier site: where it is (commune name or explicit lat/lon), what it offers."""

    id: str
    name: str
    place: str
    categories: tuple[str, ...]
    donation: float
    size: float
    days: str = "mon tue wed thu fri"
    window: str = "08:00-12:00"
    lat: float | None = None
    lon: float | None = None


ALL = tuple(DEFAULT_CATEGORIES)
FRESH = ("fruits_legumes", "produits_laitiers", "viande_poisson_oeufs", "pain", "plats_prepares")
# fmt: off
SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("hyper_quetigny", "Hypermarché, zone commerciale de Quetigny", "Quetigny", ALL, 0.95,
             3.0, "mon tue wed thu fri sat"),
    Supplier("hyper_toison", "Hypermarché, zone commerciale de la Toison d'Or (Dijon nord)",
             "Dijon", ALL, 0.95, 3.0, "mon tue wed thu fri sat", lat=47.3545, lon=5.0600),
    Supplier("hyper_chenove", "Hypermarché, zone commerciale de Chenôve", "Chenôve", ALL, 0.95,
             2.5, "mon tue wed thu fri sat"),
    Supplier("hyper_marsannay", "Hypermarché, Marsannay-la-Côte", "Marsannay-la-Côte", ALL,
             0.95, 2.0, "mon tue wed thu fri sat"),
    Supplier("super_fontaine", "Supermarché, Fontaine-lès-Dijon", "Fontaine-lès-Dijon", FRESH,
             1.0, 1.0, "mon tue wed thu fri sat"),
    Supplier("super_talant", "Supermarché, Talant", "Talant", FRESH, 1.0, 1.0,
             "mon tue wed thu fri sat"),
    Supplier("super_chevigny", "Supermarché, Chevigny-Saint-Sauveur", "Chevigny-Saint-Sauveur",
             FRESH, 1.0, 1.0, "mon tue wed thu fri sat"),
    Supplier("super_longvic", "Supermarché, Longvic", "Longvic", FRESH, 1.0, 1.0,
             "mon tue wed thu fri sat"),
    Supplier("super_dijon_centre", "Supermarché de centre-ville, Dijon", "Dijon", FRESH, 1.0,
             1.0, "mon tue wed thu fri sat"),
    Supplier("grossiste_fl", "Grossiste en fruits et légumes (marché de gros), Dijon sud",
             "Dijon", ("fruits_legumes",), 0.4, 2.5, "mon tue wed thu fri", "06:00-11:00",
             lat=47.2985, lon=5.0480),
    Supplier("grossiste_frais", "Grossiste en produits frais, Saint-Apollinaire",
             "Saint-Apollinaire", ("produits_laitiers", "viande_poisson_oeufs"), 0.5, 1.5,
             "mon tue wed thu fri", "07:00-12:00"),
    Supplier("grossiste_surgeles", "Grossiste en surgelés, Longvic", "Longvic", ("surgeles",),
             0.5, 1.5, "mon wed fri", "07:00-12:00"),
    Supplier("maraicher_breteniere", "Maraîcher, Bretenière", "Bretenière", ("fruits_legumes",),
             0.3, 1.0, "tue fri"),
    Supplier("maraicher_fenay", "Maraîcher, Fénay", "Fénay", ("fruits_legumes",), 0.3, 0.8,
             "tue fri"),
    Supplier("legumes_magny", "Exploitation de légumes de plein champ, Magny-sur-Tille",
             "Magny-sur-Tille", ("fruits_legumes",), 0.3, 1.0, "mon thu"),
    Supplier("laiterie_bressey", "Ferme laitière, Bressey-sur-Tille", "Bressey-sur-Tille",
             ("produits_laitiers",), 0.4, 0.8, "tue fri"),
    Supplier("oeufs_genlis", "Élevage de poules pondeuses, Genlis (hors métropole)", "Genlis",
             ("viande_poisson_oeufs",), 0.3, 0.6, "wed", lat=47.2410, lon=5.2230),
    Supplier("biscuiterie_dijon", "Biscuiterie et épicerie fine, Dijon", "Dijon",
             ("epicerie_seche",), 0.6, 1.0, "mon tue wed thu fri", "08:00-16:00",
             lat=47.3380, lon=5.0330),
    Supplier("conserverie_chevigny", "Conserverie, zone industrielle de Chevigny",
             "Chevigny-Saint-Sauveur", ("conserves", "epicerie_seche"), 0.6, 1.5,
             "mon tue wed thu fri", "08:00-16:00"),
    Supplier("boulangerie_ind", "Boulangerie industrielle, Longvic", "Longvic", ("pain",), 0.9,
             1.0, "mon tue wed thu fri", "06:00-12:00"),
    Supplier("cuisine_centrale", "Cuisine centrale (restauration collective), Dijon", "Dijon",
             ("plats_prepares",), 1.0, 0.8, "mon tue wed thu fri", "10:00-14:00",
             lat=47.3150, lon=5.0700),
    Supplier("boissons_ouges", "Entrepositaire de boissons, Ouges", "Ouges", ("boissons",), 0.5,
             0.8, "mon wed fri", "08:00-16:00"),
    Supplier("plateforme_hygiene", "Plateforme logistique non alimentaire, Perrigny-lès-Dijon",
             "Perrigny-lès-Dijon", ("hygiene", "entretien", "bebe"), 0.3, 1.2,
             "mon tue wed thu fri", "08:00-16:00"),
)
# fmt: on

#: Farms offer only what they grow (no bananas from Magny-sur-Tille).
FARMS = frozenset(
    {"maraicher_breteniere", "maraicher_fenay", "legumes_magny", "laiterie_bressey", "oeufs_genlis"}
)

HUB = Site(
    id="hub",
    name="Entrepôt mutualisé de l'aide alimentaire, zone d'activités Chenôve–Longvic",
    kind=SiteKind.HUB,
    lat=47.2870,
    lon=5.0330,
    open_days=frozenset(Day(d) for d in range(5)),
    window=TimeWindow(7 * 60, 17 * 60),
)

#: Vehicles (ILLUSTRATIVE fleet): id, name, payload [kg], refrigerated, days.
FLEET: tuple[tuple[str, str, float, bool, str], ...] = (
    ("frigo_1", "Fourgon frigorifique 12 m³", 900.0, True, "mon tue wed thu fri"),
    ("fourgon_1", "Fourgon 20 m³", 1300.0, False, "mon tue wed thu fri"),
    ("fourgon_2", "Fourgon 12 m³", 1000.0, False, "mon tue wed thu fri"),
    ("utilitaire", "Petit utilitaire 3 m³ (bénévoles)", 500.0, False, "tue wed thu"),
)


# -- random draws that stay stable across NumPy versions ---------------------------------------


class Draw:
    """Uniform, normal and weighted draws from ``Generator.random`` only."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        return low + (high - low) * float(self._rng.random())

    def normal(self) -> float:
        u1, u2 = float(self._rng.random()), float(self._rng.random())
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)

    def lognormal(self, sigma: float) -> float:
        return math.exp(sigma * self.normal())

    def index(self, weights: Sequence[float]) -> int:
        threshold = self.uniform(0.0, float(sum(weights)))
        total = 0.0
        for i, w in enumerate(weights):
            total += w
            if threshold < total:
                return i
        return len(weights) - 1


def _offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    return (
        round(lat + north_km / 111.2, 5),
        round(lon + east_km / (111.2 * math.cos(math.radians(lat))), 5),
    )


def _days(text: str) -> frozenset[Day]:
    return frozenset(Day[code.upper()] for code in text.split())


# -- the build ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneNeed:
    """Need of one commune: beneficiaries = population × poverty rate × :data:`TAKE_UP`."""

    insee_code: str
    name: str
    lat: float
    lon: float
    population: int
    poverty_rate: float
    rate_sourced: bool
    has_qpv: bool

    @property
    def poor(self) -> float:
        """Persons below the poverty line (60 % of the median standard of living)."""
        return self.population * self.poverty_rate

    @property
    def beneficiaries(self) -> float:
        return self.poor * TAKE_UP


def commune_need() -> list[CommuneNeed]:
    """The 23 communes with their poverty rate: Filosofi where known, else the assumption."""
    rates = {
        str(r["insee_code"]): float(r["poverty_rate_pct"]) / 100
        for r in data.poverty().to_dict("records")
    }
    qpv = data.qpv()
    qpv_codes = {str(code) for code in qpv.loc[qpv["in_list_2024"] == "yes", "insee_code"]}
    out = []
    for c in data.communes().to_dict("records"):
        code = str(c["insee_code"])
        has_qpv = code in qpv_codes
        default = POVERTY_RATE_QPV_COMMUNE if has_qpv else POVERTY_RATE_OTHER_COMMUNE
        out.append(
            CommuneNeed(
                insee_code=code,
                name=str(c["name"]),
                lat=float(c["lat"]),
                lon=float(c["lon"]),
                population=int(c["population"]),
                poverty_rate=rates.get(code, default),
                rate_sourced=code in rates,
                has_qpv=has_qpv,
            )
        )
    return out


def _real_site(site_id: str) -> dict[str, Any]:
    sites = data.food_aid_sites()
    row = sites.loc[sites["site_id"] == site_id].iloc[0]
    return {str(key): value for key, value in row.to_dict().items()}


def association_counts(communes: Sequence[CommuneNeed]) -> dict[str, int]:
    """:data:`ASSOCIATIONS` shared out in proportion to poor persons (largest remainders), at
    least one where a real 2015 site is; communes with none are left out."""
    real_communes = {str(_real_site(sid)["insee_code"]) for sid in REAL_SITES}
    total_poor = sum(c.poor for c in communes)
    quotas = {c.insee_code: ASSOCIATIONS * c.poor / total_poor for c in communes}
    counts = {code: int(q) for code, q in quotas.items()}
    for code in real_communes:
        counts[code] = max(counts[code], 1)
    by_remainder = sorted(quotas, key=lambda code: (-(quotas[code] - int(quotas[code])), code))
    for code in by_remainder:
        if sum(counts.values()) >= ASSOCIATIONS:
            break
        if counts[code] == int(quotas[code]):
            counts[code] += 1
    return {code: n for code, n in counts.items() if n > 0}


def _nearest(of: CommuneNeed, candidates: Sequence[CommuneNeed]) -> CommuneNeed:
    def squared_km(other: CommuneNeed) -> tuple[float, str]:
        north = other.lat - of.lat
        east = (other.lon - of.lon) * math.cos(math.radians(of.lat))
        return north**2 + east**2, other.insee_code

    return min(candidates, key=squared_km)


@dataclass
class Slot:
    """One association being placed, before its beneficiaries are known."""

    ident: str
    key: str
    name: str
    commune: str
    lat: float
    lon: float
    address: str
    weight: float
    beneficiaries: int = 0


def served_by_commune(communes: Sequence[CommuneNeed], counts: dict[str, int]) -> dict[str, float]:
    """Beneficiaries per commune with associations; a commune without any sends its
    beneficiaries to the nearest commune (town hall to town hall) that has some."""
    with_associations = [c for c in communes if c.insee_code in counts]
    served = {c.insee_code: 0.0 for c in with_associations}
    for c in communes:
        target = c if c.insee_code in counts else _nearest(c, with_associations)
        served[target.insee_code] += c.beneficiaries
    return served


def place_associations(draw: Draw, communes: Sequence[CommuneNeed]) -> list[Slot]:
    """Real 2015 sites first, then the commune's CCAS, then generic kinds in turn; every other
    generic association of a commune with a QPV sits in a QPV."""
    counts = association_counts(communes)
    served = served_by_commune(communes, counts)
    by_code = {c.insee_code: c for c in communes}
    qpv = data.qpv()
    qpv_by_commune: dict[str, list[str]] = {}
    for q in qpv.loc[qpv["in_list_2024"] == "yes"].to_dict("records"):
        qpv_by_commune.setdefault(str(q["insee_code"]), []).append(str(q["qpv_name"]))

    slots: list[Slot] = []
    name_counts: dict[str, int] = {}
    for code in sorted(counts, key=lambda k: (-counts[k], k)):
        commune = by_code[code]
        real = [sid for sid in REAL_SITES if str(_real_site(sid)["insee_code"]) == code]
        extra = counts[code] - len(real)
        generic = (["ccas"] if extra else []) + [
            GENERIC_CYCLE[i % len(GENERIC_CYCLE)] for i in range(extra - 1)
        ]
        qpvs = qpv_by_commune.get(code, [])
        for k, item in enumerate(real + generic):
            in_qpv = False
            if item in REAL_SITES:
                site = _real_site(item)
                key, name, ident = REAL_SITES[item], REAL_NAMES[item], REAL_IDS[item]
                address = str(site["address"]) if isinstance(site["address"], str) else ""
                if isinstance(site["lat"], float) and not math.isnan(site["lat"]):
                    lat, lon = round(float(site["lat"]), 5), round(float(site["lon"]), 5)
                else:  # address only: near the town hall
                    lat, lon = _offset(
                        commune.lat, commune.lon, 0.3 * draw.normal(), 0.3 * draw.normal()
                    )
            else:
                key, ident, address = item, "", ""
                name = GENERIC_NAMES[key].format(commune=commune.name)
                lat0, lon0 = commune.lat, commune.lon
                spread = 1.2 if code == "21231" else 0.5
                if qpvs and k % 2 == 0:
                    in_qpv = True
                    qpv_name = qpvs[(k // 2) % len(qpvs)]
                    label = qpv_name.replace("D'Ouche", "d'Ouche")
                    name = f"{name} – {label}"
                    lat0, lon0 = QPV_CENTRES[qpv_name]
                    spread = 0.4
                name_counts[name] = name_counts.get(name, 0) + 1
                if name_counts[name] > 1:
                    name = f"{name} n°{name_counts[name]}"
                lat, lon = _offset(lat0, lon0, spread * draw.normal(), spread * draw.normal())
            weight = KINDS[key].weight * (QPV_WEIGHT if in_qpv else 1.0) * draw.lognormal(0.25)
            slots.append(Slot(ident, key, name, code, lat, lon, address, weight))

    for code in counts:
        members = [s for s in slots if s.commune == code]
        total_weight = sum(s.weight for s in members)
        for s in members:
            s.beneficiaries = max(10, round(served[code] * s.weight / total_weight))
    return slots


def build_associations(draw: Draw, ration_kg: float) -> list[Association]:
    communes = commune_need()
    names = {c.insee_code: c.name for c in communes}
    used_ids: set[str] = set()
    associations = []
    for s in place_associations(draw, communes):
        kind = KINDS[s.key]
        need = s.beneficiaries * ration_kg
        base = s.ident or f"{s.key}_{slug(names[s.commune])}"
        ident, n = base, 1
        while ident in used_ids:
            n += 1
            ident = f"{base}_{n}"
        used_ids.add(ident)
        associations.append(
            Association(
                id=ident,
                name=s.name,
                kind=kind.kind,
                commune=s.commune,
                lat=s.lat,
                lon=s.lon,
                beneficiaries=s.beneficiaries,
                dry_kg=_round10(need * kind.dry),
                chilled_kg=_round10(need * kind.chilled) if kind.chilled else 0.0,
                frozen_kg=_round10(need * kind.frozen) if kind.frozen else 0.0,
                open_days=_days(kind.days),
                receive_window=TimeWindow.parse(kind.window),
                collects=kind.collects,
                budget_eur=float(round(s.beneficiaries * kind.budget)),
                refuses=frozenset(kind.refuses),
                other_supply_kg=_round10(need * kind.other) if kind.other else 0.0,
                address=s.address,
            )
        )
    return associations


def _round10(kg: float) -> float:
    """Storage and other supply rounded to 10 kg, as people state them."""
    return float(max(10, round(kg / 10) * 10))


def build_sites(draw: Draw) -> list[Site]:
    town_halls = {
        str(c["name"]): (float(c["lat"]), float(c["lon"]))
        for c in data.communes().to_dict("records")
    }
    sites = [HUB]
    for s in SUPPLIERS:
        if s.lat is not None and s.lon is not None:
            lat, lon = s.lat, s.lon
        else:
            lat0, lon0 = town_halls[s.place]
            lat, lon = _offset(lat0, lon0, 0.8 * draw.normal(), 0.8 * draw.normal())
        sites.append(
            Site(
                id=s.id,
                name=s.name,
                kind=SiteKind.SUPPLIER,
                lat=lat,
                lon=lon,
                open_days=_days(s.days),
                window=TimeWindow.parse(s.window),
            )
        )
    return sites


@dataclass(frozen=True)
class LotSpec:
    """A lot before it is dated: days are offsets from the week's Monday (0 = Monday)."""

    supplier: str
    product: Product
    kg: float
    price_eur_kg: float
    available_day: int
    use_by_day: int | None
    best_before_day: int | None


#: Lots placed by hand to make the week hard in the ways real weeks are (see README).
HARD_LOTS: tuple[LotSpec, ...] = (
    # 480 kg of frozen vegetables: few associations have a freezer, none has 480 kg free.
    LotSpec("grossiste_surgeles", PRODUCTS_BY_LABEL["Légumes surgelés"], 480.0, 0.0, 0, None, 200),
    # Fresh fish available Monday with a Monday DLC: delivered today or lost.
    LotSpec("hyper_chenove", PRODUCTS_BY_LABEL["Filets de poisson"], 24.0, 0.0, 0, 0, None),
    # Sandwiches on Friday with a Saturday DLC: only associations open on Friday can take them.
    LotSpec("super_dijon_centre", PRODUCTS_BY_LABEL["Sandwichs"], 12.0, 0.0, 4, 5, None),
    # Chicken bought at 3.20 €/kg (value 9 €/kg), DLC Friday: needs budget and cold storage.
    LotSpec("grossiste_frais", PRODUCTS_BY_LABEL["Poulet entier"], 160.0, 3.2, 1, 4, None),
    # Nappies bought at 2.40 €/kg: refused by the restaurants, wanted by épiceries.
    LotSpec("plateforme_hygiene", PRODUCTS_BY_LABEL["Couches"], 150.0, 2.4, 2, None, None),
)


@dataclass
class Draft:
    """A drawn lot before its quantity is scaled to the week's supply."""

    supplier: Supplier
    product: Product
    size: float
    day: int
    donated: bool
    discount: float
    shelf: float


def draw_lots(draw: Draw) -> list[Draft]:
    """The random lots: supplier by size, product among those it offers (categories equally
    likely), available on one of its open working days, donated or bought as it usually does."""
    sizes = [s.size for s in SUPPLIERS]
    drafts: list[Draft] = []
    for _ in range(LOTS - len(HARD_LOTS)):
        supplier = SUPPLIERS[draw.index(sizes)]
        products = [
            p
            for p in PRODUCTS
            if p.category in supplier.categories and (p.local or supplier.id not in FARMS)
        ]
        weights = [1.0 / sum(q.category == p.category for q in products) for p in products]
        open_days = sorted(d for d in _days(supplier.days) if d <= Day.FRI)
        drafts.append(
            Draft(
                supplier=supplier,
                product=products[draw.index(weights)],
                size=draw.lognormal(0.7),
                day=int(open_days[draw.index([1.0] * len(open_days))]),
                donated=draw.uniform() < supplier.donation,
                discount=draw.uniform(0.15, 0.6),
                shelf=draw.uniform(),
            )
        )
    # Every category at least once: a missing one takes over a lot of the most frequent
    # category at a supplier that offers it.
    for category in DEFAULT_CATEGORIES:
        if any(d.product.category == category for d in drafts):
            continue
        counts: dict[str, int] = {}
        for d in drafts:
            counts[d.product.category] = counts.get(d.product.category, 0) + 1
        victim = next(
            d
            for d in sorted(drafts, key=lambda d: -counts[d.product.category])
            if category in d.supplier.categories
        )
        victim.product = next(p for p in PRODUCTS if p.category == category)
    return drafts


def build_lots(draw: Draw, total_need_kg: float) -> list[Lot]:
    """:data:`LOTS` lots whose total is :data:`SUPPLY_SHARE_OF_NEED` of the need: the drawn
    sizes (product median × lognormal) are scaled, then rounded to whole cartons."""
    monday = dt.date.fromisocalendar(int(WEEK[:4]), int(WEEK[6:]), 1)
    drafts = draw_lots(draw)
    hard_kg = sum(h.kg for h in HARD_LOTS)
    raw_total = sum(d.product.median_kg * d.size for d in drafts)
    scale = (SUPPLY_SHARE_OF_NEED * total_need_kg - hard_kg) / raw_total
    specs = list(HARD_LOTS)
    for d in drafts:
        product = d.product
        smallest = math.ceil(MIN_LOT_KG / product.unit_kg - 1e-9)
        units = max(smallest, round(product.median_kg * d.size * scale / product.unit_kg))
        value = DEFAULT_CATEGORIES[product.category].value_eur_kg
        lo, hi = product.shelf_days
        date_day = d.day + int(lo + (hi - lo) * d.shelf)
        specs.append(
            LotSpec(
                supplier=d.supplier.id,
                product=product,
                kg=round(units * product.unit_kg, 3),
                price_eur_kg=0.0 if d.donated else round(value * d.discount, 2),
                available_day=d.day,
                use_by_day=date_day if product.dating == "dlc" else None,
                best_before_day=date_day if product.dating == "ddm" else None,
            )
        )
    # Listed by day, then supplier, then product, as a coordinator lists the week's offers.
    specs.sort(key=lambda s: (s.available_day, s.supplier, s.product.category, s.product.label))

    def date(day: int | None) -> dt.date | None:
        return None if day is None else monday + dt.timedelta(days=day)

    return [
        Lot(
            id=f"L{i:03d}",
            site=s.supplier,
            product=s.product.label,
            category=s.product.category,
            temperature=s.product.temperature,
            kg=float(s.kg),
            unit_kg=float(s.product.unit_kg),
            price_eur_kg=float(s.price_eur_kg),
            value_eur_kg=DEFAULT_CATEGORIES[s.product.category].value_eur_kg,
            available=monday + dt.timedelta(days=s.available_day),
            use_by=date(s.use_by_day),
            best_before=date(s.best_before_day),
        )
        for i, s in enumerate(specs, start=1)
    ]


def build_vehicles() -> list[Vehicle]:
    co2_g_km = round(1000 * data.reference_value("lcv_diesel_lt1_5t_kgco2e_per_km"), 1)
    cost_eur_km = data.reference_value("vehicle_cost_proxy_eur_per_km_over_20000km")
    return [
        Vehicle(
            id=ident,
            depot=HUB.id,
            capacity_kg=capacity,
            refrigerated=refrigerated,
            cost_eur_km=cost_eur_km,
            cost_eur_h=0.0,
            co2_g_km=co2_g_km,
            shift=TimeWindow(7 * 60 + 30, 15 * 60 + 30),
            days=_days(days),
            name=name,
        )
        for ident, name, capacity, refrigerated, days in FLEET
    ]


def build() -> Scenario:
    """The Dijon scenario, deterministic."""
    draw = Draw(SEED)
    ration = data.reference_value("food_aid_kg_per_beneficiary_per_week_typical")
    policy = Policy(ration_kg=ration)
    associations = build_associations(draw, policy.ration_kg)
    sites = build_sites(draw)
    need = sum(a.beneficiaries for a in associations) * policy.ration_kg
    lots = build_lots(draw, need)
    return Scenario(
        name="Dijon Métropole – semaine 41 de 2020 (illustratif)",
        week=WEEK,
        hub=HUB.id,
        associations=tuple(associations),
        sites=tuple(sites),
        lots=tuple(lots),
        vehicles=tuple(build_vehicles()),
        categories=DEFAULT_CATEGORIES,
        policy=policy,
        territory="Dijon Métropole",
        organisation="la coordination de l'aide alimentaire de Dijon Métropole",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    write_scenario(build(), args.out, overwrite=True)


if __name__ == "__main__":
    main()
