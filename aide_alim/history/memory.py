"""Fairness with memory: each association's shortfall carried forward from past weeks.

With ``policy.memory`` on, the allocation of a new week is told how far behind each association
is (the "least served so far" idea, kept inside the leximin model by the allocation stage):
:func:`past_shortfall` reads it from the history. :func:`allocate_with_history` wires it to
:func:`aide_alim.allocation.allocate`, and :func:`allocate_and_publish` is what
``aide-alim publish`` does: allocate (with memory if the policy asks), route, publish.
"""

from __future__ import annotations

from typing import Any

from aide_alim.db import Database
from aide_alim.history.publish import (
    AlreadyPublishedError,
    HistoryError,
    PublicationId,
    active_publication,
    iso_week,
    publish_week,
)
from aide_alim.history.tables import read_history
from aide_alim.scenario.model import Policy, Scenario

#: How many past published weeks count by default.
MEMORY_WEEKS = 12


def past_shortfall(
    db: Database, scenario: Scenario, *, weeks: int | None = MEMORY_WEEKS
) -> dict[str, float]:
    """Association id → cumulative shortfall over the last ``weeks`` published weeks.

    Shortfall of a week = need − other supply − received (received kg where a receipt is known),
    summed over the weeks before ``scenario.week`` in which the association was listed, then
    floored at 0 (an association ahead of its need owes nothing). Counted in the basis of
    ``scenario.policy``: [kg], [meals] (÷ ``kg_per_meal``) or [€] of market value (need and
    other supply at each week's mean lot value, received at each lot's value). ``weeks=None``
    counts the whole history. Every association of the scenario is a key (0.0 if no history).
    """
    week = iso_week(scenario.week)
    history = read_history(db)
    past = [w for w in history.week_list if w < week]
    if weeks is not None:
        past = past[-weeks:] if weeks > 0 else []
    result = {a.id: 0.0 for a in scenario.associations}
    if not past:
        return result
    assoc = history.associations[history.associations["week"].isin(past)]
    got = history.deliveries[history.deliveries["week"].isin(past)]
    got = got.groupby(["week", "association"], as_index=False)[["kg", "value_eur"]].sum()
    table = assoc.merge(got, on=["week", "association"], how="left").fillna(
        {"kg": 0.0, "value_eur": 0.0}
    )
    policy = scenario.policy
    if policy.basis == "value":
        mean_value = history.weeks.set_index("week")["mean_value_eur_kg"]
        mv = table["week"].map(mean_value).astype(float)
        short = (table["need_kg"] - table["other_supply_kg"]) * mv - table["value_eur"]
    else:
        short = table["need_kg"] - table["other_supply_kg"] - table["kg"]
        if policy.basis == "meals":
            short = short / policy.kg_per_meal
    totals = short.groupby(table["association"]).sum()
    for association, value in totals.items():
        if association in result:
            result[str(association)] = max(0.0, float(value))
    return result


def allocate_with_history(
    db: Database,
    scenario: Scenario,
    policy: Policy | None = None,
    *,
    weeks: int | None = MEMORY_WEEKS,
    **options: Any,
) -> Any:
    """Allocate ``scenario``, carrying forward past shortfalls when ``policy.memory`` is on."""
    from aide_alim.allocation import allocate  # type: ignore[import-not-found,unused-ignore]

    policy = policy or scenario.policy
    history = past_shortfall(db, scenario, weeks=weeks) if policy.memory else None
    return allocate(scenario, policy, history=history, **options)


def allocate_and_publish(
    db: Database,
    scenario: Scenario,
    *,
    route: bool = True,
    replace: bool = False,
    note: str = "",
) -> tuple[PublicationId, Any, Any]:
    """Allocate the week (with memory if the policy asks), plan its rounds, publish it.

    With ``route``, the allocation published is the one the rounds carry
    (:func:`aide_alim.planning.allocate_and_route`).

    Returns the publication id, the allocation and the route plan (``None`` without ``route``).
    Nothing is published if the allocation fails (:class:`HistoryError`).
    """
    # Refuse before the (slow) allocation; publish_week checks again, atomically, that the
    # version seen now is still the active one (another process may publish meanwhile).
    with db.read() as conn:
        current = active_publication(conn, iso_week(scenario.week))
    if current is not None and not replace:
        raise AlreadyPublishedError(current.week, current.version, current.published_at)
    seen = None if current is None else int(current.version)
    allocation = allocate_with_history(db, scenario)
    if not allocation.status.is_ok:
        raise HistoryError(
            f"The allocation of week {scenario.week} did not succeed ({allocation.status}: "
            f"{allocation.message}); nothing was published."
        )
    routes = None
    if route:
        # Publish a plan the rounds carry: re-allocate with lower day limits when they cannot,
        # and leave unallocated what no round carries (aide_alim.planning).
        from aide_alim.planning import allocate_and_route

        history = past_shortfall(db, scenario) if scenario.policy.memory else None
        allocation, routes = allocate_and_route(scenario, history=history, first=allocation)
    pub = publish_week(db, scenario, allocation, routes, replace=replace, note=note, seen=seen)
    return pub, allocation, routes
