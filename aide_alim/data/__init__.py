"""Real public data shipped with aide_alim (Dijon Métropole), see ``SOURCES.md`` in this folder.

Each function returns a fresh tidy :class:`pandas.DataFrame` read from the packaged CSV file:

- :func:`communes`: the 23 communes (INSEE code, name, town-hall and centre coordinates,
  population 2023); :func:`commune_outlines`: their simplified outlines (for maps);
- :func:`qpv`: the priority neighbourhoods (quartiers prioritaires) of the metropolis;
- :func:`poverty`: Filosofi 2021 poverty rate and median standard of living (Dijon, Chenôve);
- :func:`food_aid_sites`: food-aid sites listed in 2015 (may have moved or closed since);
- :func:`reference_values`: sourced constants (CO₂ per km, cost per km, kg per beneficiary…);
  :func:`reference_value` returns one of them as a float.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

_TEXT_COLUMNS = {"insee_code": str, "postal_code": str, "qpv_code_2015": str}


def _read(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(name).open("rb") as handle:
        return pd.read_csv(handle, dtype=_TEXT_COLUMNS, encoding="utf-8")


def communes() -> pd.DataFrame:
    """The 23 communes of Dijon Métropole, one row each (population municipale 2023)."""
    return _read("communes.csv")


@cache
def _commune_names() -> dict[str, str]:
    return dict(zip(communes()["insee_code"], communes()["name"], strict=True))


def commune_name(insee_code: str) -> str:
    """The name of a commune of the shipped table from its INSEE code (``21231`` → ``Dijon``);
    empty for other codes, so that documents never print a bare code."""
    return _commune_names().get(str(insee_code).strip(), "")


@cache
def commune_outlines() -> tuple[tuple[str, str, tuple[tuple[float, float], ...]], ...]:
    """The outline of each shipped commune: ``(insee_code, name, ((lon, lat), …))`` rings,
    simplified (IGN ADMIN EXPRESS COG 2018 via france-geojson, see ``SOURCES.md``)."""
    import json

    text = resources.files(__name__).joinpath("communes_outlines.geojson").read_text("utf-8")
    rings = []
    for feature in json.loads(text)["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            ring = tuple((float(x), float(y)) for x, y in polygon[0])
            rings.append((str(props["insee_code"]), str(props["name"]), ring))
    return tuple(rings)


def qpv() -> pd.DataFrame:
    """Priority neighbourhoods of the metropolis (2015–2023 and 2024 lists)."""
    return _read("qpv.csv")


def poverty() -> pd.DataFrame:
    """Filosofi 2021 poverty rate [%] and median standard of living [€/year] (2 communes)."""
    return _read("poverty.csv")


def food_aid_sites() -> pd.DataFrame:
    """Food-aid sites of the metropolis in 2015 lists (verify before operational use)."""
    return _read("food_aid_sites.csv")


def reference_values() -> pd.DataFrame:
    """Sourced constants: ``key, value, unit, source, note``."""
    return _read("reference_values.csv")


def reference_value(key: str) -> float:
    """One constant of :func:`reference_values` by key, e.g. ``"kg_per_meal_equivalent"``."""
    table = reference_values()
    match = table.loc[table["key"] == key, "value"]
    if match.empty:
        raise KeyError(f"no reference value {key!r} in aide_alim/data/reference_values.csv")
    return float(match.iloc[0])
