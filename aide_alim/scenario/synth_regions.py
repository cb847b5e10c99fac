"""Geography of synthetic scenarios: the region centres and how items spread over them.

One metropolis by default (Dijon Métropole's 23 communes, associations spread in proportion to
population). With more regions (by default one per 100 associations, :func:`default_regions`),
associations and suppliers are spread over that many French cities (:data:`REGION_CENTRES`),
and :func:`reach_km` gives a ``logistics.reach_km`` such that a lot reaches the associations of
its own and of the neighbouring regions, not all of France.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

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

#: Kilometres per degree of latitude, to place items a few km around their region's centre.
KM_PER_DEG_LAT = 111.2


def default_regions(associations: int) -> int:
    """One region per 100 associations (1 below 150), at most :data:`REGION_CENTRES`."""
    return max(1, min(len(REGION_CENTRES), round(associations / 100)))


def draw_region_weights(rng: np.random.Generator, count: int) -> np.ndarray:
    """Share of associations (and of supply) of each region: bigger cities first."""
    if count == 1:
        return np.ones(1)
    weights = 1.0 / np.arange(1, count + 1) ** 0.6 * rng.uniform(0.8, 1.2, count)
    return np.asarray(weights / weights.sum())


def spread_over_regions(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` region indices, each region with at least one item when ``n`` allows."""
    if n >= len(weights):
        rest = rng.choice(len(weights), size=n - len(weights), p=weights)
        out = np.concatenate([np.arange(len(weights)), rest])
    else:
        out = rng.choice(len(weights), size=n, p=weights)
    return np.sort(out)


def dijon_communes() -> list[tuple[str, str, float, float, int]]:
    """The communes of Dijon Métropole: INSEE code, name, lat, lon, population."""
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


def reach_km(centres: Sequence[tuple[str, str, float, float]]) -> float:
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
