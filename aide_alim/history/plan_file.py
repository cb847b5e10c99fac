"""The plan a run wrote, saved beside its documents so that ``publish`` records that very plan.

``aide-alim run`` writes ``donnees/plan.json``: the scenario's files (the same snapshot the
history keeps), the allocation (status, rule, metrics, lines, left-overs, per-association results)
and the route plan (stops, rounds, unserved lines, totals), every table as JSON records.
:func:`load_plan` reads it back into objects that :func:`~aide_alim.history.publish_week`
accepts, so that publishing takes a second instead of re-computing the week (and never records a
different plan from the one the coordinator reviewed).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from aide_alim.errors import AideAlimError
from aide_alim.history.publish import scenario_snapshot, to_jsonable
from aide_alim.scenario.model import Scenario

PLAN_FILE = "donnees/plan.json"
FORMAT = 1
_ALLOCATION_TABLES = ("lines", "unallocated", "by_association")
_ROUTE_TABLES = ("stops", "rounds", "unserved")


class PlanFileError(AideAlimError):
    """A folder holds no readable saved plan."""


@dataclass(frozen=True)
class SavedAllocation:
    """The allocation as saved: what :func:`publish_week` reads."""

    status: Any
    message: str
    rule: str
    basis: str
    metrics: Mapping[str, Any]
    lines: pd.DataFrame = field(repr=False)
    unallocated: pd.DataFrame = field(repr=False)
    by_association: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class SavedRoutes:
    """The route plan as saved: what :func:`publish_week` reads."""

    totals: Mapping[str, Any]
    stops: pd.DataFrame = field(repr=False)
    rounds: pd.DataFrame = field(repr=False)
    unserved: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class SavedPlan:
    """A run's plan read back: the scenario it was made from, its allocation and rounds."""

    scenario: Scenario
    allocation: SavedAllocation
    routes: SavedRoutes | None


def _records(table: Any) -> dict[str, Any]:
    """A table as its columns (kept even when empty) and JSON-friendly records."""
    if table is None:
        return {"columns": [], "records": []}
    return {
        "columns": [str(c) for c in table.columns],
        "records": to_jsonable(table.to_dict("records")),
    }


def _frame(saved: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(saved["records"], columns=saved["columns"])


def plan_json(scenario: Scenario, allocation: Any, routes: Any | None) -> str:
    """The saved plan's text (stable: the same week gives the same bytes)."""
    content = {
        "format": FORMAT,
        "week": scenario.week,
        "scenario": scenario_snapshot(scenario),
        "allocation": {
            "status": str(allocation.status),
            "message": str(allocation.message or ""),
            "rule": str(allocation.rule),
            "basis": str(getattr(allocation, "basis", scenario.policy.basis)),
            "metrics": to_jsonable(dict(allocation.metrics)),
            **{name: _records(getattr(allocation, name)) for name in _ALLOCATION_TABLES},
        },
        "routes": None
        if routes is None
        else {
            "totals": to_jsonable(dict(routes.totals)),
            **{name: _records(getattr(routes, name, None)) for name in _ROUTE_TABLES},
        },
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def is_plan_folder(path: Path) -> bool:
    """Whether ``path`` is a folder that ``run`` wrote (it holds a saved plan)."""
    return path.is_dir() and (path / PLAN_FILE).is_file()


def read_plan_file(folder: str | Path) -> tuple[Path, dict[str, Any]]:
    """The path and JSON content of the plan saved in ``folder`` (raises
    :class:`PlanFileError` if there is none or it cannot be read)."""
    path = Path(folder) / PLAN_FILE
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanFileError(
            f"{folder} holds no saved plan ({PLAN_FILE}): give the folder that "
            "`aide-alim run SCENARIO --out FOLDER` wrote."
        ) from None
    except (OSError, ValueError) as exc:
        raise PlanFileError(f"{path} cannot be read: {exc}") from None
    return path, content


def load_plan(folder: str | Path) -> SavedPlan:
    """Read the plan that ``run`` saved in ``folder`` (raises :class:`PlanFileError`)."""
    from aide_alim.allocation.result import AllocationStatus
    from aide_alim.scenario import load_scenario

    path, content = read_plan_file(folder)
    if content.get("format") != FORMAT:
        raise PlanFileError(f"{path} has format {content.get('format')!r}, expected {FORMAT}.")
    with tempfile.TemporaryDirectory(prefix="aide_alim_plan_") as tmp:
        for name, text in content["scenario"].items():
            Path(tmp, Path(name).name).write_text(text, encoding="utf-8", newline="")
        scenario = load_scenario(tmp)
    saved = content["allocation"]
    allocation = SavedAllocation(
        status=AllocationStatus(saved["status"]),
        message=saved["message"],
        rule=saved["rule"],
        basis=saved["basis"],
        metrics=saved["metrics"],
        **{name: _frame(saved[name]) for name in _ALLOCATION_TABLES},
    )
    routes = content.get("routes")
    return SavedPlan(
        scenario=scenario,
        allocation=allocation,
        routes=None
        if routes is None
        else SavedRoutes(
            totals=routes["totals"], **{name: _frame(routes[name]) for name in _ROUTE_TABLES}
        ),
    )
