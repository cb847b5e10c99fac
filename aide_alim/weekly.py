"""The coordinator's weekly run: validate → allocate → compare → route → documents.

The ``route`` stage decides the allocation and the rounds together
(:func:`aide_alim.planning.allocate_and_route`): the fair allocation is made on the visits the
fleet can make, and what no round carries in the end is left unallocated with its true reason,
so the plans promise only what the rounds deliver. The allocation of the result and of the
documents is that final one; in the comparison table its rule's row is scored on it (column
``measured`` = ``rounds``), the other rules on their allocation alone (``allocation``).

:func:`run_week` chains the stages, reports each through an optional ``progress`` callback (the
library never prints) and writes the documents **atomically**: everything is built in a hidden
sibling folder, which is renamed to ``out_dir`` only once complete (:mod:`aide_alim.output`). An
existing ``out_dir`` is left alone unless ``force=True`` and it was written by this tool; then
it is swapped out only after the new folder is complete. On any error nothing half-written is
left behind.

A stage that fails raises :class:`~aide_alim.errors.StageError` naming the stage.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from aide_alim.background import in_background
from aide_alim.errors import AideAlimError, ScenarioError, StageError
from aide_alim.i18n import fmt
from aide_alim.output import OutputExistsError, check_target, output_folder
from aide_alim.scenario.model import RULES, Scenario

if TYPE_CHECKING:
    from aide_alim.allocation import Allocation
    from aide_alim.routing import RoutePlan

T = TypeVar("T")

ADVICE_NICENESS = 10
"""Priority drop of the fleet advice's process (``nice``): about a tenth of a core while the
rounds use both."""


class Stage(StrEnum):
    """The stages of the weekly run, in order."""

    VALIDATE = "validate"
    ALLOCATE = "allocate"
    COMPARE = "compare"
    ROUTE = "route"
    DOCUMENTS = "documents"

    @property
    def label_fr(self) -> str:
        return {
            "validate": "vérification du scénario",
            "allocate": "répartition des lots",
            "compare": "comparaison avec les règles de référence",
            "route": "tournées",
            "documents": "documents",
        }[self.value]


STAGES: tuple[Stage, ...] = tuple(Stage)


@dataclass(frozen=True)
class StageEvent:
    """One progress report: ``state`` is ``start``, ``step`` (a step inside the stage, in
    ``message``), ``tick`` (a piece of a step done, such as one day of the rounds, in
    ``message``), ``done`` or ``failed``; ``seconds`` wall [s]."""

    stage: Stage
    state: str
    seconds: float = 0.0
    message: str = ""


Progress = Callable[[StageEvent], None]


@dataclass(frozen=True)
class WeekResult:
    """What one weekly run produced.

    ``allocation`` and ``plan`` are the stage results (:class:`aide_alim.allocation.Allocation`,
    :class:`aide_alim.routing.RoutePlan`); ``comparison`` one row per rule; ``files`` the
    documents written, relative to ``out_dir``; ``seconds`` the wall time of each stage [s].
    """

    scenario: Scenario
    allocation: Allocation
    plan: RoutePlan
    comparison: pd.DataFrame
    out_dir: Path
    files: tuple[str, ...]
    seconds: dict[str, float] = field(default_factory=dict)
    #: the allocation-and-rounds loop (:class:`aide_alim.planning.RoutedAllocation`)
    planning: Any = None
    #: what one more resource would bring (:class:`aide_alim.planning.advice.FleetAdvice`)
    advice: Any = None


def run_week(
    scenario: Scenario | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    force: bool = False,
    progress: Progress | None = None,
    rule: str | None = None,
    time_limit_s: float | None = None,
    compare_rules: tuple[str, ...] | None = RULES,
    advice: bool = True,
) -> WeekResult:
    """Run the week: allocation, rounds and every document, written atomically to ``out_dir``.

    ``scenario`` is a loaded :class:`Scenario` or the path of a scenario folder / workbook (then
    loaded and validated in the ``validate`` stage). ``rule`` overrides the policy's fairness
    rule and ``time_limit_s`` the routing time limit per round problem [s]. ``compare_rules``
    are the rules scored side by side in the summary (``None`` skips the comparison);
    ``advice=False`` skips the fleet advice (:mod:`aide_alim.planning.advice`, a few seconds).

    Raises :class:`OutputExistsError` before doing anything if ``out_dir`` exists and ``force``
    is false (or it is not a folder this tool wrote, or it is or holds the scenario or the
    current folder), :class:`ScenarioError` when the scenario has errors, and
    :class:`StageError` when a later stage fails. ``progress`` receives a :class:`StageEvent` as
    each stage starts, finishes or fails.
    """
    target = Path(out_dir).absolute()
    # The output replaces a folder as a whole: never the scenario or a folder holding it.
    protect = () if isinstance(scenario, Scenario) else (Path(scenario),)
    check_target(target, replace=force, protect=protect)
    seconds: dict[str, float] = {}

    def stage(which: Stage, work: Callable[[], T]) -> T:
        if progress is not None:
            progress(StageEvent(which, "start"))
        start = time.perf_counter()
        try:
            result = work()
        except (ScenarioError, StageError, OutputExistsError) as exc:
            _report_failure(progress, which, start, str(exc))
            raise
        except AideAlimError as exc:
            _report_failure(progress, which, start, str(exc))
            raise StageError(which.value, str(exc)) from exc
        except Exception as exc:  # a bug or a solver crash: still name the stage, keep the cause
            message = f"{type(exc).__name__}: {exc}"
            _report_failure(progress, which, start, message)
            raise StageError(which.value, message) from exc
        seconds[which.value] = time.perf_counter() - start
        if progress is not None:
            progress(StageEvent(which, "done", seconds[which.value]))
        return result

    loaded = stage(Stage.VALIDATE, lambda: _validate(scenario, rule, time_limit_s))
    allocation = stage(Stage.ALLOCATE, lambda: _allocate(loaded))
    comparison = stage(Stage.COMPARE, lambda: _compare(loaded, compare_rules, allocation))

    def step(message: str) -> None:
        if progress is not None:
            progress(StageEvent(Stage.ROUTE, "step", message=message))

    def day_solved(date: dt.date) -> None:
        if progress is not None:
            progress(StageEvent(Stage.ROUTE, "tick", message=fmt.day_name(date)))

    def route() -> tuple[Any, Any]:
        # The advice needs only the scenario: it is solved on another core while the
        # planning model's skeleton is, at a low priority so that it yields to the rounds'
        # day problems if it is not done when they start (it is read after them). It starts
        # from the week's bound, which the planning then takes from it rather than solve it
        # again.
        advice_of: Callable[[], Any] = lambda: None  # noqa: E731
        bound_of: Callable[[], Any] | None = None
        if advice:
            step("borne et conseils : ce que la flotte transporte au mieux, et avec un peu plus")
            advice_of = in_background(lambda: _advice(loaded), niceness=ADVICE_NICENESS)
            bound_of = lambda: _bound_of(advice_of())  # noqa: E731
        routed = _route(loaded, allocation, step, day_solved, bound_of)
        return routed, advice_of()

    planning, fleet_advice = stage(Stage.ROUTE, route)
    allocation, plan = planning.allocation, planning.plan
    from aide_alim.documents.logistics import planning_notes

    notes = planning_notes(loaded, planning)
    if len(comparison) and allocation.rule in set(comparison["rule"]):
        comparison = _with_chosen(comparison, allocation)

    def documents() -> tuple[str, ...]:
        from aide_alim.documents import write_documents

        with output_folder(target, replace=force, protect=protect) as staging:
            written = write_documents(
                loaded,
                allocation,
                plan,
                staging,
                comparison=comparison,
                notes=notes,
                advice=fleet_advice,
            )
        return written.all

    files = stage(Stage.DOCUMENTS, documents)
    return WeekResult(
        loaded,
        allocation,
        plan,
        comparison,
        target,
        files,
        seconds,
        planning=planning,
        advice=fleet_advice,
    )


def _report_failure(progress: Progress | None, which: Stage, start: float, message: str) -> None:
    if progress is not None:
        progress(StageEvent(which, "failed", time.perf_counter() - start, message))


def _validate(
    scenario: Scenario | str | os.PathLike[str], rule: str | None, time_limit_s: float | None
) -> Scenario:
    if isinstance(scenario, Scenario):
        loaded = scenario
    else:
        from aide_alim.scenario import load_scenario

        loaded = load_scenario(Path(scenario))
    try:
        if rule is not None:
            loaded = loaded.replace(policy=loaded.policy.replace(rule=rule))
        if time_limit_s is not None:
            loaded = loaded.replace(routing=loaded.routing.replace(time_limit_s=time_limit_s))
    except ValueError as exc:
        raise StageError(Stage.VALIDATE.value, str(exc)) from None
    return loaded


def _allocate(scenario: Scenario) -> Any:
    from aide_alim.allocation import allocate

    allocation = allocate(scenario)
    if not allocation.status.is_ok:
        raise StageError(
            Stage.ALLOCATE.value, f"the allocation is {allocation.status}: {allocation.message}"
        )
    return allocation


def _compare(scenario: Scenario, rules: tuple[str, ...] | None, allocation: Any) -> pd.DataFrame:
    """Every rule of ``rules`` scored on the week; the rule already allocated is not re-solved."""
    if not rules:
        return pd.DataFrame()
    from aide_alim.allocation import compare

    others = tuple(r for r in rules if r != allocation.rule)
    table: pd.DataFrame = compare(scenario, rules=others) if others else pd.DataFrame()
    if allocation.rule in rules:
        table = pd.concat([table, pd.DataFrame([_row(allocation)])], ignore_index=True)
        table["_order"] = [rules.index(r) for r in table["rule"]]
        table = table.sort_values("_order", kind="stable").drop(columns="_order")
    return table.reset_index(drop=True)


def _row(allocation: Any, measured: str = "allocation") -> dict[str, Any]:
    return {
        "rule": allocation.rule,
        "status": str(allocation.status),
        "measured": measured,
        **allocation.metrics,
        "seconds": allocation.total_seconds,
        "n_solves": allocation.n_solves,
    }


def _with_chosen(table: pd.DataFrame, allocation: Any) -> pd.DataFrame:
    """``table`` with the row of ``allocation``'s rule scored on ``allocation`` (what the
    rounds carry)."""
    row = _row(allocation, measured="rounds")
    out = table.copy()
    at = out.index[out["rule"] == allocation.rule]
    for key, value in row.items():
        if key in out.columns:
            out.loc[at, key] = value
    return out


def _route(
    scenario: Scenario,
    allocation: Any,
    step: Callable[[str], None],
    day_solved: Callable[[dt.date], None],
    bound_of: Callable[[], Any] | None,
) -> Any:
    """The plan the fleet carries: allocation and rounds decided together (see module
    docstring)."""
    from aide_alim.planning import allocate_and_route

    return allocate_and_route(
        scenario,
        time_limit_s=scenario.routing.time_limit_s,
        seed=scenario.routing.seed,
        first=allocation,
        progress=step,
        on_day_solved=day_solved,
        bound_source=bound_of,
    )


def _advice(scenario: Scenario) -> Any:
    """What one more resource would bring this week (the bound re-solved, see
    :mod:`aide_alim.planning.advice`); ``None`` for a week too large for the planning model,
    whose linear programmes would take minutes each."""
    from aide_alim.allocation.admissible import admissibility
    from aide_alim.planning.advice import fleet_advice
    from aide_alim.planning.core import MAX_PLANNING_SIZE
    from aide_alim.planning.model import planning_size

    adm = admissibility(scenario)
    if planning_size(adm) > MAX_PLANNING_SIZE:
        return None
    return fleet_advice(scenario, adm)


def _bound_of(advice: Any) -> Any:
    """The week's bound that the fleet advice solved first (``None`` without advice)."""
    from aide_alim.planning.core import PlanBound

    if advice is None:
        return None
    return PlanBound(advice.bound_min_fill_ratio, advice.bound_kg, advice.seconds)
