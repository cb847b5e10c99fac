"""The week the offers are scored against: its allocation and rounds, prepared once and kept.

Preparing the week (:func:`~aide_alim.allocation.allocate` then
:func:`~aide_alim.routing.plan_routes`) takes 5–30 s on the Dijon week, most of it the rounds,
and does not change from one offer to the next. :func:`load_week` takes it, fastest first, from:

1. a **run folder** (``aide-alim run SCENARIO --out FOLDER``): the plan the run saved in
   ``donnees/plan.json`` (its allocation and rounds, the ones the coordinator reviewed), if it
   was made from the same scenario files (same content, compared file by file);
2. the **week cache**: one file per scenario content, ``week-<key>.json`` in the cache folder
   (:func:`cache_dir`), in the saved plan's format; the key hashes the scenario's content (its
   model, not the files' layout), the road network file, the package version and the source of
   the allocation and routing packages;
3. computing it (:func:`prepare_week`), and writing it to the cache for the next time.

A cache file that cannot be read is computed again, never trusted; a cache that cannot be
written is skipped. Delete the folder, or pass ``cache=False``, to recompute.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aide_alim import __version__
from aide_alim.allocation import Allocation, AllocationStatus, allocate
from aide_alim.errors import AideAlimError
from aide_alim.routing import RoutePlan, plan_routes
from aide_alim.routing.graph import file_digest, resolve_road_graph
from aide_alim.scenario.model import Scenario

_PLAN_FORMAT = 1  #: :data:`aide_alim.history.plan_file.FORMAT`, checked by a test

CACHE_ENV = "AIDE_ALIM_CACHE"
_CACHE_VERSION = 1


@dataclass(frozen=True)
class SavedAllocation:
    """A saved plan's allocation, as the offers read it: its status, rule, metrics and lines
    (the columns of :data:`~aide_alim.allocation.LINE_COLUMNS`)."""

    status: AllocationStatus
    rule: str
    metrics: dict[str, Any]
    lines: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class SavedRounds:
    """A saved plan's rounds, as the offers read them: totals and stops (the columns of
    :data:`~aide_alim.routing.plan.STOP_COLUMNS`)."""

    totals: dict[str, Any]
    stops: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class Week:
    """The week being prepared: its allocation and planned rounds (computed once).

    ``source``: where they come from (``"computed"``, ``"cache"`` or the run folder);
    ``seconds``: what computing or reading them took [s].
    """

    scenario: Scenario
    allocation: Allocation | SavedAllocation
    plan: RoutePlan | SavedRounds
    seconds: float = 0.0
    source: str = "computed"


def prepare_week(scenario: Scenario, *, plan: RoutePlan | None = None) -> Week:
    """Allocate the week and plan its rounds (or take ``plan``), as the offers' baseline."""
    started = time.perf_counter()
    allocation = allocate(scenario, price_of_fairness=False)
    if plan is None:
        plan = plan_routes(scenario, allocation.lines)
    return Week(scenario, allocation, plan, time.perf_counter() - started)


def cache_dir() -> Path:
    """The cache folder: ``$AIDE_ALIM_CACHE``, else ``$XDG_CACHE_HOME/aide_alim``, else
    ``~/.cache/aide_alim``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "aide_alim"


def week_key(scenario: Scenario) -> str:
    """The cache key of a scenario: SHA-256 of its content (every field but its ``source``
    path), its road network file, the package version and the planner's code."""
    content = {f.name: getattr(scenario, f.name) for f in dataclasses.fields(scenario)}
    content.pop("source", None)
    graph = resolve_road_graph(scenario)
    payload = {
        "scenario": content,
        "graph": file_digest(graph) if graph is not None and graph.exists() else None,
        "version": __version__,
        "code": _code_digest(),
        "cache": _CACHE_VERSION,
    }
    text = json.dumps(payload, sort_keys=True, default=_canonical, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _code_digest() -> str:
    """SHA-256 of the code that makes the week (the allocation and routing packages), so that
    a changed planner never reads a week an older one cached."""
    package = Path(__file__).parents[1]
    digest = hashlib.sha256()
    for path in sorted([*package.glob("allocation/*.py"), *package.glob("routing/*.py")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_week(
    scenario: Scenario, *, run_folder: str | Path | None = None, cache: bool = True
) -> Week:
    """The week of ``scenario`` from ``run_folder``'s saved plan, the cache, or computed (see
    the module docstring). Raises :class:`AideAlimError` if ``run_folder`` holds no plan of
    this scenario."""
    started = time.perf_counter()
    if run_folder is not None:
        week = _from_run(scenario, Path(run_folder))
        return dataclasses.replace(week, seconds=time.perf_counter() - started)
    path = cache_dir() / f"week-{week_key(scenario)[:40]}.json" if cache else None
    if path is not None and path.is_file():
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
            allocation, routes = _saved(content)
        except (OSError, ValueError, KeyError, TypeError):
            routes = None  # a damaged cache file is computed again
        if routes is not None:
            return Week(scenario, allocation, routes, time.perf_counter() - started, "cache")
    week = prepare_week(scenario)
    if path is not None:
        from aide_alim.history.plan_file import plan_json

        _write(path, plan_json(scenario, week.allocation, week.plan))
    return week


def _from_run(scenario: Scenario, folder: Path) -> Week:
    from aide_alim.history.plan_file import read_plan_file
    from aide_alim.history.publish import scenario_snapshot

    path, content = read_plan_file(folder)
    if content.get("scenario") != scenario_snapshot(scenario):
        raise AideAlimError(
            f"{path} was made from other scenario files than {scenario.source or 'this week'}: "
            "run the week again, or score without --plan."
        )
    try:
        allocation, routes = _saved(content)
    except (KeyError, ValueError, TypeError) as exc:
        raise AideAlimError(f"{path} cannot be read: {exc}") from None
    if routes is None:
        raise AideAlimError(f"{path} has no rounds: run the week with its rounds.")
    return Week(scenario, allocation, routes, source=str(folder))


def _saved(content: dict[str, Any]) -> tuple[SavedAllocation, SavedRounds | None]:
    """The allocation and rounds of a saved plan's JSON content (the history package, which
    reads them for ``publish``, is not imported: its database layer costs 0.2 s)."""
    if content.get("format") != _PLAN_FORMAT:
        raise ValueError(f"format {content.get('format')!r}, expected {_PLAN_FORMAT}")

    def frame(saved: dict[str, Any]) -> pd.DataFrame:
        return pd.DataFrame(saved["records"], columns=saved["columns"])

    a = content["allocation"]
    allocation = SavedAllocation(
        status=AllocationStatus(a["status"]),
        rule=a["rule"],
        metrics=dict(a["metrics"]),
        lines=frame(a["lines"]),
    )
    r = content.get("routes")
    if r is None:
        return allocation, None
    return allocation, SavedRounds(totals=dict(r["totals"]), stops=frame(r["stops"]))


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole (through a temporary file), or not at all."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=".week-", delete=False
        ) as handle:
            tmp = Path(handle.name)
            handle.write(text)
        os.replace(tmp, path)
    except OSError:  # a cache that cannot be written is skipped
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _canonical(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value, key=repr)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "items"):
        return dict(value.items())
    return repr(value)
