"""Distance [m] and duration [s] matrices between the week's places, computed once per run.

The matrices are cached by content: the key hashes the places' coordinates, the speed and
circuity parameters and the road network file's bytes. An in-process LRU serves repeated runs
(scenario variants, sweeps); an optional cache folder keeps them across runs (one ``.npz`` per
key). Pairs with no road path are kept in :attr:`Matrices.reachable`, never a crash: the rounds
report the stops they cut off, by name.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aide_alim.routing.graph import (
    Place,
    file_digest,
    geodesic_graph,
    load_road_graph,
    resolve_road_graph,
    snap,
)
from aide_alim.scenario.model import Logistics, Scenario

_LRU_SIZE = 16
_lru: OrderedDict[str, Matrices] = OrderedDict()
_stats = {"hits": 0, "disk_hits": 0, "misses": 0}


@dataclass(frozen=True, eq=False)
class Matrices:
    """Square matrices over :attr:`keys` (place keys, see :func:`.graph.places_of`).

    ``distance_m[i, j]`` [m] and ``duration_s[i, j]`` [s] are integers; where ``reachable[i, j]``
    is false they hold 0 and must not be used. ``source`` is ``"geodesic"`` or the road file name.
    """

    keys: tuple[str, ...]
    names: tuple[str, ...]
    distance_m: np.ndarray
    duration_s: np.ndarray
    reachable: np.ndarray
    source: str
    digest: str

    def index(self, key: str) -> int:
        return self._index[key]

    @property
    def _index(self) -> dict[str, int]:
        cached = self.__dict__.get("_index_cache")
        if cached is None:
            cached = {k: i for i, k in enumerate(self.keys)}
            object.__setattr__(self, "_index_cache", cached)
        return cached

    def unreachable_pairs(self) -> list[tuple[str, str]]:
        """Names of every ordered pair of places with no road path between them."""
        rows, cols = np.nonzero(~self.reachable)
        return [(self.names[i], self.names[j]) for i, j in zip(rows, cols, strict=True)]


def cache_info() -> dict[str, int]:
    """Counts of in-process hits, on-disk hits and computations since the process started."""
    return dict(_stats)


def clear_cache() -> None:
    """Empty the in-process cache (the on-disk cache is left alone)."""
    _lru.clear()


def scenario_matrices(
    scenario: Scenario, places: tuple[Place, ...], *, cache_dir: Path | str | None = None
) -> Matrices:
    """The matrices between ``places`` for this scenario's logistics and road network."""
    return matrices_for(
        places, scenario.logistics, resolve_road_graph(scenario), cache_dir=cache_dir
    )


def matrices_for(
    places: tuple[Place, ...],
    logistics: Logistics,
    road_graph: Path | None,
    *,
    cache_dir: Path | str | None = None,
) -> Matrices:
    """Matrices between ``places``: geodesic × circuity, or shortest paths on ``road_graph``."""
    graph_digest = file_digest(road_graph) if road_graph is not None and road_graph.exists() else ""
    payload = {
        "places": [[p.key, round(p.lat, 7), round(p.lon, 7)] for p in places],
        "speed_kmh": logistics.speed_kmh,
        "circuity": logistics.circuity if road_graph is None else None,
        "graph": graph_digest if road_graph is not None else None,
        "version": 1,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    if digest in _lru:
        _lru.move_to_end(digest)
        _stats["hits"] += 1
        return _lru[digest]
    disk = Path(cache_dir) / f"matrices-{digest[:40]}.npz" if cache_dir is not None else None
    result = _read(disk, places, digest) if disk is not None and disk.exists() else None
    if result is not None:
        _stats["disk_hits"] += 1
    else:
        _stats["misses"] += 1
        if road_graph is None:
            result = _geodesic(places, logistics, digest)
        else:
            result = _road(places, logistics, road_graph, digest)
        if disk is not None:
            disk.parent.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(
                disk,
                distance_m=result.distance_m,
                duration_s=result.duration_s,
                reachable=result.reachable,
                source=np.array(result.source),
            )
    _lru[digest] = result
    if len(_lru) > _LRU_SIZE:
        _lru.popitem(last=False)
    return result


def _read(path: Path, places: tuple[Place, ...], digest: str) -> Matrices | None:
    try:
        with np.load(path) as data:
            return Matrices(
                keys=tuple(p.key for p in places),
                names=tuple(p.name for p in places),
                distance_m=data["distance_m"],
                duration_s=data["duration_s"],
                reachable=data["reachable"],
                source=str(data["source"]),
                digest=digest,
            )
    except (OSError, KeyError, ValueError):
        return None  # a damaged cache file is recomputed, not trusted


def _geodesic(places: tuple[Place, ...], logistics: Logistics, digest: str) -> Matrices:
    graph = geodesic_graph(places, logistics)
    n = len(places)
    dist = np.zeros((n, n))
    dur = np.zeros((n, n))
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            if i != j:
                edge = graph.edges[a.key, b.key]
                dist[i, j], dur[i, j] = edge["length"], edge["travel_time"]
    return Matrices(
        keys=tuple(p.key for p in places),
        names=tuple(p.name for p in places),
        distance_m=np.rint(dist).astype(np.int64),
        duration_s=np.rint(dur).astype(np.int64),
        reachable=np.ones((n, n), dtype=bool),
        source="geodesic",
        digest=digest,
    )


def _road(places: tuple[Place, ...], logistics: Logistics, path: Path, digest: str) -> Matrices:
    """Many-to-many Dijkstra: one single-source search per distinct snapped origin node, on
    ``length`` for distances and on ``travel_time`` for durations. The straight-line snapping
    offsets at both ends are added (at ``speed_kmh``)."""
    import networkx as nx

    graph = load_road_graph(path, speed_kmh=logistics.speed_kmh)
    snapped = snap(graph, places)
    n = len(places)
    dist = np.zeros((n, n))
    dur = np.zeros((n, n))
    reachable = np.ones((n, n), dtype=bool)
    speed_ms = logistics.speed_kmh / 3.6
    by_node: dict[object, list[int]] = {}
    for i, p in enumerate(places):
        by_node.setdefault(snapped[p.key][0], []).append(i)
    for origin, rows in by_node.items():
        lengths = nx.single_source_dijkstra_path_length(graph, origin, weight="length")
        times = nx.single_source_dijkstra_path_length(graph, origin, weight="travel_time")
        for j, p in enumerate(places):
            target, offset_j = snapped[p.key]
            for i in rows:
                if i == j:
                    continue
                offset = snapped[places[i].key][1] + offset_j
                if target not in lengths:
                    reachable[i, j] = False
                    continue
                dist[i, j] = lengths[target] + offset
                dur[i, j] = times[target] + offset / speed_ms
    return Matrices(
        keys=tuple(p.key for p in places),
        names=tuple(p.name for p in places),
        distance_m=np.rint(dist).astype(np.int64),
        duration_s=np.rint(dur).astype(np.int64),
        reachable=reachable,
        source=path.name,
        digest=digest,
    )
