"""Evaluation of one variant: its allocation (and rounds), one row of the sweep table."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from aide_alim.scenario.model import Scenario
from aide_alim.sweep.variants import Variant


def evaluate_variant(
    scenario: Scenario,
    variant: Variant,
    *,
    route: bool = False,
    time_limit_s: float = 0.5,
    solver: str = "highs",
) -> dict[str, Any]:
    """Evaluate one variant: one row of the sweep table (never raises).

    The row holds ``variant``, ``replicate``, ``seed``, the grid values, ``supply_kg`` (the
    variant's supply [kg]), ``status`` (the allocation status, or ``error``), ``error`` (the
    error text, empty if none), every scalar allocation metric (keys of
    :data:`aide_alim.allocation.METRICS`), with ``route=True`` every routing total prefixed
    ``route_`` (``route_km``, ``route_hours``, ``route_cost_eur``, ``route_co2_kg``,
    ``route_kg_unserved``, …; see :mod:`aide_alim.routing.plan`), and ``seconds`` (wall time).
    """
    row: dict[str, Any] = {
        "variant": variant.index,
        "replicate": variant.replicate,
        "seed": variant.seed,
        **variant.values,
    }
    start = time.perf_counter()
    try:
        row.update(
            _evaluate(scenario, variant, route=route, time_limit_s=time_limit_s, solver=solver)
        )
        row.setdefault("error", "")
    except Exception as exc:  # one failing variant must not stop the sweep
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}"
    row["seconds"] = time.perf_counter() - start
    return row


def _evaluate(
    scenario: Scenario, variant: Variant, *, route: bool, time_limit_s: float, solver: str
) -> dict[str, Any]:
    # Imported here: workers import the stages on first use, and tests can patch them.
    from aide_alim import allocation

    varied = variant.apply(scenario)
    result: dict[str, Any] = {"supply_kg": float(sum(lot.kg for lot in varied.lots))}
    alloc = allocation.allocate(varied, solver=solver)
    status = getattr(alloc.status, "value", alloc.status)
    result["status"] = str(status)
    result["error"] = "" if _is_ok(alloc) else str(getattr(alloc, "message", "") or "")
    result.update(_scalars(alloc.metrics))
    if route and _is_ok(alloc):
        from aide_alim import routing

        plan = routing.plan_routes(
            varied, alloc.lines, time_limit_s=time_limit_s, seed=variant.seed
        )
        result.update({f"route_{k}": v for k, v in _scalars(plan.totals).items()})
    return result


def _is_ok(alloc: Any) -> bool:
    is_ok = getattr(alloc, "is_ok", None)
    if is_ok is not None:
        return bool(is_ok() if callable(is_ok) else is_ok)
    return str(getattr(alloc.status, "value", alloc.status)) in ("optimal", "ok")


def _scalars(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar metrics (numbers, strings, booleans) of a metrics mapping."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, bool | int | float | str | np.integer | np.floating):
            out[key] = value.item() if isinstance(value, np.generic) else value
    return out
