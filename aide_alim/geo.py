"""Great-circle distances between many WGS84 points at once.

geopy's ``great_circle``/``geodesic`` measure one pair at a time; the allocation's reach test and
the validator compare every site with every association, so they need a vectorised form. Routing
keeps geopy's ellipsoidal ``geodesic`` for its (smaller) matrices.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), as geopy's great_circle uses

ArrayLike = npt.ArrayLike


def haversine_km(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Great-circle distance [km] between arrays of WGS84 points in degrees (broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
