"""The result of an allocation: tidy tables, metrics, a status, and how long it took."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

#: Columns of :attr:`Allocation.lines`.
LINE_COLUMNS: tuple[str, ...] = (
    "lot",
    "association",
    "day",
    "kg",
    "units",
    "site",
    "category",
    "temperature",
    "value_eur",
    "price_eur",
    "collects",
)
#: Columns of :attr:`Allocation.unallocated`.
UNALLOCATED_COLUMNS: tuple[str, ...] = ("lot", "kg", "reason", "reason_fr")


class AllocationStatus(StrEnum):
    """Outcome of an allocation (never a solver code).

    ``optimal``: the rule's optimum was found (then rounded to whole cartons); ``feasible``: a
    valid plan that is not proven optimal (heuristic baselines, or a fallback); ``infeasible``:
    the limits contradict each other; ``failed``: the solver did not finish.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    FAILED = "failed"

    @property
    def is_ok(self) -> bool:
        return self in (AllocationStatus.OPTIMAL, AllocationStatus.FEASIBLE)


@dataclass(frozen=True)
class Allocation:
    """Who gets what of the week's lots, under one rule.

    - ``lines``: one row per (lot, association, day) with columns :data:`LINE_COLUMNS`: ``day``
      the delivery (or collection at the hub) date, ``kg`` [kg], ``units`` whole cartons,
      ``value_eur`` market value [€], ``price_eur`` price paid [€], ``collects`` whether the
      association fetches it at the hub.
    - ``unallocated``: kg of each lot not given out [kg] and a stable ``reason`` code
      (French label in ``reason_fr``; see :data:`aide_alim.allocation.REASONS_FR`).
    - ``by_association``: need, received (in the basis), received_kg [kg], other_supply,
      fill_ratio, fair_share (τ·need − other supply, in the basis), deviation (fill/τ − 1),
      value_eur [€], paid_eur [€], meals, n_lots, delivery_days.
    - ``metrics``: see :data:`aide_alim.allocation.metrics.METRICS` for keys and units.
    - ``levels``: the leximin levels (fill ratios) found, lowest first; ``n_solves`` LP solves;
      ``build_seconds`` (admissibility, lot classes, model), ``solve_seconds`` (in the solver,
      including PuLP's transfer), ``repair_seconds`` (whole cartons), ``total_seconds``.
    """

    status: AllocationStatus
    rule: str
    basis: str
    lines: pd.DataFrame
    unallocated: pd.DataFrame
    by_association: pd.DataFrame
    metrics: dict[str, float]
    message: str = ""
    solver: str = ""
    levels: tuple[float, ...] = ()
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    repair_seconds: float = 0.0
    total_seconds: float = 0.0
    n_solves: int = 0
    model_size: dict[str, int] = field(default_factory=dict)

    @property
    def is_ok(self) -> bool:
        return self.status.is_ok

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: status, message, metrics, lines and unallocated."""
        lines = self.lines.assign(day=self.lines["day"].astype(str))
        return {
            "status": str(self.status),
            "message": self.message,
            "rule": self.rule,
            "basis": self.basis,
            "solver": self.solver,
            "metrics": {k: _num(v) for k, v in self.metrics.items()},
            "timing": {
                "build_seconds": self.build_seconds,
                "solve_seconds": self.solve_seconds,
                "repair_seconds": self.repair_seconds,
                "total_seconds": self.total_seconds,
                "n_solves": self.n_solves,
            },
            "lines": lines.to_dict(orient="records"),
            "unallocated": self.unallocated.to_dict(orient="records"),
        }


def _num(value: float) -> float | None:
    return None if value != value else float(value)  # NaN → null


def lines_to_csv(allocation: Allocation, directory: str | Path) -> list[Path]:
    """Write ``allocation_lines.csv``, ``unallocated.csv``, ``by_association.csv`` and
    ``allocation.json`` in ``directory`` (created if needed); returns the paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        out / "allocation_lines.csv",
        out / "unallocated.csv",
        out / "by_association.csv",
        out / "allocation.json",
    ]
    allocation.lines.to_csv(paths[0], index=False)
    allocation.unallocated.to_csv(paths[1], index=False)
    allocation.by_association.to_csv(paths[2], index=False)
    paths[3].write_text(
        json.dumps(allocation.to_dict(), ensure_ascii=False, indent=2, default=str),
        encoding="utf-8",
    )
    return paths
