"""The routing graph: the week's places as networkx nodes, joined by roads.

By default (no road network) every pair of places is joined by an edge whose ``length`` is the
geodesic distance (geopy, WGS84 ellipsoid) × ``logistics.circuity`` [m] and whose ``travel_time``
is that length at ``logistics.speed_kmh`` [s]. With a user road network (GraphML, e.g. saved by
osmnx: node ``x`` = longitude, ``y`` = latitude; edge ``length`` [m], optional ``travel_time`` [s]
or ``maxspeed`` [km/h]), every place is snapped to its nearest road node and shortest paths are
taken on the network (see :mod:`aide_alim.routing.matrices`).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from geopy.distance import geodesic

from aide_alim.errors import Problem, ScenarioError
from aide_alim.scenario.model import Logistics, Scenario

if TYPE_CHECKING:  # networkx (0.2 s to import) only when a graph is built
    import networkx as nx

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class Place:
    """A node of the routing graph. ``key`` is unique across kinds: ``site:<id>`` or
    ``association:<id>`` (a site and an association may share an id)."""

    key: str
    id: str
    name: str
    kind: str  # "hub", "supplier" or "association"
    lat: float
    lon: float


def site_key(site_id: str) -> str:
    return f"site:{site_id}"


def association_key(association_id: str) -> str:
    return f"association:{association_id}"


def places_of(scenario: Scenario) -> tuple[Place, ...]:
    """Every place of the scenario: the hub first, then the other sites, then the associations."""
    hub = scenario.hub_site
    places = [Place(site_key(hub.id), hub.id, hub.name or hub.id, "hub", hub.lat, hub.lon)]
    places += [
        Place(site_key(s.id), s.id, s.name or s.id, str(s.kind), s.lat, s.lon)
        for s in scenario.sites
        if s.id != hub.id
    ]
    places += [
        Place(association_key(a.id), a.id, a.name or a.id, "association", a.lat, a.lon)
        for a in scenario.associations
    ]
    return tuple(places)


def geodesic_graph(places: tuple[Place, ...], logistics: Logistics) -> nx.DiGraph:
    """The default routing graph: a complete graph of geodesic distance × circuity.

    Edges carry ``length`` [m] and ``travel_time`` [s]; nodes carry the :class:`Place` fields.
    """
    import networkx as nx

    graph = nx.DiGraph()
    for p in places:
        graph.add_node(p.key, name=p.name, kind=p.kind, lat=p.lat, lon=p.lon)
    speed_ms = logistics.speed_kmh / 3.6
    for i, a in enumerate(places):
        for b in places[i + 1 :]:
            metres = geodesic((a.lat, a.lon), (b.lat, b.lon)).meters * logistics.circuity
            for u, v in ((a.key, b.key), (b.key, a.key)):
                graph.add_edge(u, v, length=metres, travel_time=metres / speed_ms)
    return graph


def resolve_road_graph(scenario: Scenario) -> Path | None:
    """The road network file of the scenario (``logistics.road_graph``), resolved against the
    scenario's folder (or the folder of its workbook); ``None`` if the scenario has none."""
    name = scenario.logistics.road_graph
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute() and scenario.source:
        base = Path(scenario.source)
        path = (base if base.is_dir() else base.parent) / path
    return path


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (part of the matrix cache key)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_road_graph(path: Path, *, speed_kmh: float) -> nx.DiGraph:
    """Read a GraphML road network into a simple directed graph with float ``length`` [m] and
    ``travel_time`` [s] on every edge and float ``x``/``y`` on every node.

    Parallel edges keep their shortest ``length`` and fastest ``travel_time``; an undirected file
    gives both directions. ``travel_time`` comes from the edge if present, else from ``maxspeed``
    [km/h], else from ``speed_kmh``. Problems are collected and raised together as a
    :class:`ScenarioError` naming the file, the node or edge, and what was found.
    """
    import networkx as nx

    name = path.name
    if not path.exists():
        raise ScenarioError([Problem(name, None, None, f"road network file not found: {path}")])
    try:
        raw = nx.read_graphml(path)
    except Exception as exc:  # networkx raises several parser errors
        raise ScenarioError(
            [
                Problem(
                    name, None, None, f"expected a GraphML road network, could not read it: {exc}"
                )
            ]
        ) from None
    problems: list[Problem] = []
    graph = nx.DiGraph()
    for node, attrs in raw.nodes(data=True):
        x, y = _float(attrs.get("x")), _float(attrs.get("y"))
        if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90):
            problems.append(
                Problem(
                    name,
                    None,
                    "x/y",
                    f"node {node}: expected x (longitude) and y (latitude) in degrees, "
                    f"found x={attrs.get('x')!r}, y={attrs.get('y')!r}",
                )
            )
            continue
        graph.add_node(node, x=x, y=y)
    default_speed = speed_kmh / 3.6
    directed = raw.is_directed()
    for u, v, attrs in raw.edges(data=True):
        length = _float(attrs.get("length"))
        if length is None or length < 0:
            problems.append(
                Problem(
                    name,
                    None,
                    "length",
                    f"edge {u}→{v}: expected a length in metres ≥ 0, found {attrs.get('length')!r}",
                )
            )
            continue
        seconds = _float(attrs.get("travel_time"))
        if seconds is None or seconds < 0:
            speed = _maxspeed(attrs.get("maxspeed"))
            seconds = length / (speed / 3.6 if speed else default_speed)
        pairs = [(u, v)] if directed else [(u, v), (v, u)]
        for a, b in pairs:
            if a not in graph or b not in graph:
                continue
            if graph.has_edge(a, b):
                data = graph.edges[a, b]
                data["length"] = min(data["length"], length)
                data["travel_time"] = min(data["travel_time"], seconds)
            else:
                graph.add_edge(a, b, length=length, travel_time=seconds)
    if problems:
        raise ScenarioError(problems[:20])
    if graph.number_of_nodes() == 0:
        raise ScenarioError([Problem(name, None, None, "expected road nodes, found none")])
    return graph


def snap(graph: nx.DiGraph, places: tuple[Place, ...]) -> dict[str, tuple[object, float]]:
    """Nearest road node of every place and the straight-line distance to it [m]."""
    nodes = list(graph.nodes)
    lon = np.radians(np.fromiter((graph.nodes[n]["x"] for n in nodes), float, len(nodes)))
    lat = np.radians(np.fromiter((graph.nodes[n]["y"] for n in nodes), float, len(nodes)))
    snapped: dict[str, tuple[object, float]] = {}
    for p in places:
        plat, plon = math.radians(p.lat), math.radians(p.lon)
        # Haversine: exact enough to pick the nearest node at city scale.
        h = (
            np.sin((lat - plat) / 2) ** 2
            + np.cos(plat) * np.cos(lat) * np.sin((lon - plon) / 2) ** 2
        )
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
        best = int(np.argmin(metres))
        snapped[p.key] = (nodes[best], float(metres[best]))
    return snapped


def _float(value: object) -> float | None:
    if value is None:
        return None
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _maxspeed(value: object) -> float | None:
    """osmnx stores ``maxspeed`` as "50", "50 mph", or a list like "['30', '50']": take the
    lowest number, in km/h."""
    if value is None:
        return None
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", str(value))]
    if not numbers:
        return None
    speed = min(numbers)
    if "mph" in str(value):
        speed *= 1.609344
    return speed if speed > 0 else None
