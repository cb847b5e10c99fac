"""A simulated year: plausible weekly variants of a scenario, allocated and published.

Study authors and the demo need a history to look at before a real one exists. Each simulated
week starts from the base scenario and varies what changes from week to week in practice:

- supply follows the season (a yearly cycle of ±``SEASON_AMPLITUDE`` peaking in early summer,
  stronger for fresh produce) and chance (each lot's kg × a log-normal factor, σ =
  ``LOT_SIGMA``, rounded to whole cartons);
- some offers do not come back (each lot dropped with probability ``DROP_PROBABILITY``) and new
  ones appear (copies of random lots, on average ``ADD_SHARE`` of the lots, with new ids);
- every date is moved to the simulated week;
- each association's food from elsewhere (``other_supply_kg``) varies (log-normal, σ =
  ``OTHER_SUPPLY_SIGMA``).

Then each week is allocated with the scenario's policy (with ``memory`` on or off), optionally
routed, and published. The same scenario, weeks and seed give the same history.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pandas as pd

from aide_alim.db import Database
from aide_alim.errors import AideAlimError
from aide_alim.history.memory import MEMORY_WEEKS, past_shortfall
from aide_alim.history.publish import publish_week
from aide_alim.scenario.model import Lot, Scenario

SEASON_AMPLITUDE = 0.2
FRESH_SEASON_AMPLITUDE = 0.4
FRESH_CATEGORIES = frozenset({"fruits_legumes"})
LOT_SIGMA = 0.3
DROP_PROBABILITY = 0.15
ADD_SHARE = 0.15
OTHER_SUPPLY_SIGMA = 0.3

SIMULATION_COLUMNS = (
    "week",
    "publication_id",
    "status",
    "lots",
    "kg_offered",
    "kg_allocated",
    "min_fill_ratio",
    "seconds",
)


def _iso_week(date: dt.date) -> str:
    year, week, _ = date.isocalendar()
    return f"{year}-W{week:02d}"


def _shift(date: dt.date | None, days: int) -> dt.date | None:
    return None if date is None else date + dt.timedelta(days=days)


def season_factor(week_of_year: int, *, fresh: bool = False) -> float:
    """Supply multiplier of a week of the year (1 on average; highest around week 26)."""
    amplitude = FRESH_SEASON_AMPLITUDE if fresh else SEASON_AMPLITUDE
    return 1.0 + amplitude * math.cos(2 * math.pi * (week_of_year - 26) / 52)


def week_variant(base: Scenario, index: int, rng: np.random.Generator) -> Scenario:
    """The base scenario moved ``index`` weeks later, with its supply and other supply varied."""
    days = 7 * index
    monday = base.week_start + dt.timedelta(days=days)
    week_of_year = monday.isocalendar()[1]
    lots: list[Lot] = []
    for lot in base.lots:
        if rng.random() < DROP_PROBABILITY:
            continue
        lots.append(_varied(lot, lot.id, days, week_of_year, rng))
    extra = rng.poisson(ADD_SHARE * len(base.lots)) if base.lots else 0
    for number in range(int(extra)):
        model = base.lots[int(rng.integers(len(base.lots)))]
        lots.append(_varied(model, f"{model.id}-s{index}n{number}", days, week_of_year, rng))
    associations = tuple(
        dataclasses.replace(
            a, other_supply_kg=round(a.other_supply_kg * rng.lognormal(0.0, OTHER_SUPPLY_SIGMA), 1)
        )
        for a in base.associations
    )
    return base.replace(
        week=_iso_week(monday),
        lots=tuple(lots),
        associations=associations,
        name=f"{base.name} (simulé {_iso_week(monday)})",
    )


def _varied(lot: Lot, lot_id: str, days: int, week_of_year: int, rng: np.random.Generator) -> Lot:
    factor = season_factor(week_of_year, fresh=lot.category in FRESH_CATEGORIES)
    factor *= rng.lognormal(-(LOT_SIGMA**2) / 2, LOT_SIGMA)  # mean 1
    cartons = max(1, round(lot.kg * factor / lot.unit_kg))
    return dataclasses.replace(
        lot,
        id=lot_id,
        kg=round(cartons * lot.unit_kg, 3),
        available=lot.available + dt.timedelta(days=days),
        use_by=_shift(lot.use_by, days),
        best_before=_shift(lot.best_before, days),
    )


def simulate_year(
    scenario: Scenario,
    weeks: int,
    seed: int,
    db: Database,
    *,
    memory: bool = False,
    route: bool = False,
    memory_weeks: int | None = MEMORY_WEEKS,
    replace: bool = False,
) -> pd.DataFrame:
    """Publish ``weeks`` simulated weeks starting at ``scenario.week``; one row per week.

    ``memory``: allocate with fairness with memory (past shortfalls read from ``db``);
    ``route``: plan the rounds too (slower); ``replace``: replace weeks already published.
    Returns columns :data:`SIMULATION_COLUMNS` (kg [kg], seconds [s] for allocate + publish).
    """
    import time

    from aide_alim.allocation import allocate

    if weeks < 1:
        raise AideAlimError(f"Expected weeks >= 1, got {weeks}.")
    rng = np.random.default_rng(seed)
    base = scenario.replace(policy=scenario.policy.replace(memory=memory))
    rows = []
    for index in range(weeks):
        start = time.perf_counter()
        week = week_variant(base, index, rng)
        history = past_shortfall(db, week, weeks=memory_weeks) if memory else None
        allocation = allocate(week, history=history)
        if not allocation.status.is_ok:
            raise AideAlimError(
                f"Simulated week {week.week}: the allocation failed ({allocation.status}: "
                f"{allocation.message}); nothing more was published."
            )
        routes = None
        if route:
            from aide_alim.routing import plan_routes

            routes = plan_routes(week, allocation.lines)
        note = f"simulation seed={seed} memory={'on' if memory else 'off'}"
        pub = publish_week(db, week, allocation, routes, replace=replace, note=note)
        rows.append(
            {
                "week": week.week,
                "publication_id": int(pub),
                "status": str(allocation.status),
                "lots": len(week.lots),
                "kg_offered": float(sum(lot.kg for lot in week.lots)),
                "kg_allocated": float(allocation.lines["kg"].sum())
                if len(allocation.lines)
                else 0.0,
                "min_fill_ratio": float(allocation.metrics.get("min_fill_ratio", math.nan)),
                "seconds": time.perf_counter() - start,
            }
        )
    return pd.DataFrame(rows, columns=list(SIMULATION_COLUMNS))
