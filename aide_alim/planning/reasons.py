"""The true reason of every kg left over, in plain French.

For each lot with kg left at its supplier, every way it could have gone out is examined — each
association that may take it (reach, category, DLC against open days: the admissible pairs) on
each of its possible days — and what stops that way is named:

- the association's storage of that temperature class is full, or its budget is spent;
- no vehicle of the right class could take one more stop: every refrigerated (for cold food)
  or every vehicle working that day is busy for the whole of the window (the association's
  receiving window, or the supplier's window for a collection), or does not work that day;
- no visit was planned there that day although a vehicle had time (the planning model kept
  that vehicle time for food worth more to the worst-served associations).

The reason kept for the lot is the one that blocks the most of its ways out, with the day and
window of a vehicle limit ("véhicule frigorifique complet jeudi 9 h–12 h"); a reason found by
the allocation itself before any vehicle is involved (no association in reach, DLC before any
open day, …) stays. "Capacité des véhicules" is said only when every vehicle able to move the
food on every possible day is full in time in that window. A lot left whole is never "below the
minimum useful quantity".
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import pandas as pd

from aide_alim.allocation.admissible import REASONS_FR, Admissibility, days_of
from aide_alim.planning.fleet import Fleet
from aide_alim.scenario.model import Day, Scenario

if TYPE_CHECKING:
    from aide_alim.allocation import Allocation
    from aide_alim.planning.skeleton import Skeleton
    from aide_alim.routing import RoutePlan

#: Reasons found before any vehicle is involved: the allocation's word stands.
STATIC_REASONS = frozenset(
    {
        "out_of_reach",
        "refused_everywhere",
        "no_cold_storage",
        "storage_full",
        "dlc_before_open_day",
        "no_open_day",
        "no_vehicle",
        "budget_exhausted",
    }
)
DLC_CLOSE_DAYS = 2
"""A lot left over whose DLC is at most this many days after the week's last delivery day
is flagged: it will be lost if nobody takes it now."""


def clock(minutes: int) -> str:
    """``9 h``, ``8 h 30``."""
    h, m = divmod(int(minutes), 60)
    return f"{h} h" if m == 0 else f"{h} h {m:02d}"


def window_fr(start: int, end: int) -> str:
    return f"{clock(start)}–{clock(end)}"


def _busy(plan: RoutePlan, scenario: Scenario) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """Per (vehicle, weekday): the spans of its rounds [min after midnight]."""
    out: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    if plan.rounds.empty:
        return out
    records: list[dict[Any, Any]] = plan.rounds.to_dict("records")
    for row in records:
        day = (pd.Timestamp(row["day"]).date() - scenario.week_start).days
        start = pd.Timestamp(row["start"])
        end = pd.Timestamp(row["end"])
        out[(str(row["vehicle"]), day)].append(
            (start.hour * 60 + start.minute, end.hour * 60 + end.minute)
        )
    return out


def _free_minutes(spans: list[tuple[int, int]], start: int, end: int) -> int:
    """Longest stretch of ``[start, end]`` outside ``spans``."""
    edges = sorted((max(s, start), min(e, end)) for s, e in spans if e > start and s < end)
    best, at = 0, start
    for s, e in edges:
        best = max(best, s - at)
        at = max(at, e)
    return max(best, end - at)


def leftover_reasons(
    scenario: Scenario,
    allocation: Allocation,
    plan: RoutePlan,
    fleet: Fleet,
    skeleton: Skeleton | None,
    adm: Admissibility,
) -> pd.DataFrame:
    """The allocation's leftovers with their true reasons: columns ``lot, kg, reason,
    reason_fr, temperature, use_by, dlc_close`` (see module docstring)."""
    left = allocation.unallocated
    columns = ["lot", "kg", "reason", "reason_fr", "temperature", "use_by", "dlc_close"]
    if left.empty:
        return pd.DataFrame(columns=columns)
    lots = scenario.lots
    lot_index = {lot.id: i for i, lot in enumerate(lots)}
    starts = adm.lot_slices()
    lines = allocation.lines
    got: dict[tuple[str, str], float] = {}
    paid: dict[str, float] = {}
    if len(lines):
        by_class = lines.groupby(["association", "temperature"])["kg"].sum()
        for key, kg in by_class.items():
            pair: tuple[Any, Any] = key  # type: ignore[assignment]
            got[(str(pair[0]), str(pair[1]))] = float(kg)
        for assoc, eur in lines.groupby("association")["price_eur"].sum().items():
            paid[str(assoc)] = float(eur)
    busy = _busy(plan, scenario)
    planned = skeleton.delivery_days if skeleton is not None else None
    last_day = max(fleet.days, default=4)
    rows = []
    left_rows: list[dict[Any, Any]] = left.to_dict("records")
    for row in left_rows:
        i = lot_index[str(row["lot"])]
        lot = lots[i]
        code, text = str(row["reason"]), str(row["reason_fr"])
        whole = float(row["kg"]) >= lot.kg - 1e-6
        # A reason found before any vehicle stands only if the lot could go nowhere even
        # without the week's planned visits.
        if code not in STATIC_REASONS or starts[i + 1] > starts[i]:
            code, text = _explain(
                scenario,
                fleet,
                adm,
                i,
                int(starts[i]),
                int(starts[i + 1]),
                got,
                paid,
                busy,
                planned,
            )
            if code == "" and not whole and str(row["reason"]) == "below_min_delivery":
                code, text = "below_min_delivery", REASONS_FR["below_min_delivery"]
            elif code == "":
                code, text = str(row["reason"]), str(row["reason_fr"])
                if whole and code == "below_min_delivery":
                    code, text = "rule", REASONS_FR["rule"]
        close = (
            lot.use_by is not None
            and (lot.use_by - scenario.week_start).days <= last_day + DLC_CLOSE_DAYS
        )
        rows.append(
            {
                "lot": lot.id,
                "kg": float(row["kg"]),
                "reason": code,
                "reason_fr": text,
                "temperature": lot.temperature.value,
                "use_by": lot.use_by,
                "dlc_close": bool(close),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _explain(
    scenario: Scenario,
    fleet: Fleet,
    adm: Admissibility,
    lot_i: int,
    s: int,
    e: int,
    got: dict[tuple[str, str], float],
    paid: dict[str, float],
    busy: dict[tuple[str, int], list[tuple[int, int]]],
    planned: dict[tuple[str, bool], int] | None,
) -> tuple[str, str]:
    """(code, French text) of what blocks every way out of lot ``lot_i``, or ("", "")."""
    lot = scenario.lots[lot_i]
    cold = lot.temperature.needs_cold
    unit = float(adm.lot_unit_kg[lot_i])
    stop_min = fleet.fixed_min + min(fleet.travel_lb.values(), default=0.0)
    blocks: Counter[tuple[str, str]] = Counter()
    vehicle_days: dict[str, set[int]] = defaultdict(set)
    ways = 0
    for k in range(s, e):
        a = int(adm.pair_assoc[k])
        assoc = scenario.associations[a]
        room = float(adm.assoc_storage[a, int(adm.lot_temp[lot_i])])
        for day in days_of(int(adm.pair_days[k])):
            ways += 1
            if got.get((assoc.id, lot.temperature.value), 0.0) > room - unit + 1e-6:
                blocks[
                    (
                        "storage_full",
                        f"stockage {lot.temperature.label_fr} plein chez les "
                        "associations qui peuvent le prendre",
                    )
                ] += 1
                continue
            if (
                lot.price_eur_kg > 0
                and scenario.policy.budget == "association"
                and (assoc.budget_eur - paid.get(assoc.id, 0.0) < lot.price_eur_kg * unit - 1e-6)
            ):
                blocks[("budget_exhausted", REASONS_FR["budget_exhausted"])] += 1
                continue
            # An association that collects needs the food collected (site window), the others
            # a delivery (their receiving window).
            window = (
                scenario.site_by_id[lot.site].window if assoc.collects else assoc.receive_window
            )
            fd = fleet.days.get(day)
            vehicles = fd.of_class(cold) if fd is not None else ()
            free = [
                v
                for v in vehicles
                if _free_minutes(
                    busy.get((v.id, day), []),
                    max(window.start_min, v.shift.start_min),
                    min(window.end_min, v.shift.end_min),
                )
                >= stop_min
            ]
            if not free:
                span = window_fr(window.start_min, window.end_min)
                kind = "véhicules frigorifiques" if cold else "véhicules"
                label = f"{kind} complets {{jours}} {span}"
                blocks[("vehicle_full", label)] += 1
                vehicle_days[label].add(day)
                continue
            if (
                planned is not None
                and not assoc.collects
                and not (planned.get((assoc.id, cold), 0) >> day & 1)
            ):
                blocks[("no_visit_planned", REASONS_FR["no_visit_planned"])] += 1
                continue
            return "", ""
    if not blocks or sum(blocks.values()) < ways:
        return "", ""
    (code, text), _ = max(blocks.items(), key=lambda kv: (kv[1], kv[0]))
    if code == "vehicle_full":
        days = ", ".join(Day(d).label_fr for d in sorted(vehicle_days[text]))
        text = text.replace("{jours}", days)
    return code, text


def with_reasons(allocation: Allocation, leftovers: pd.DataFrame) -> Allocation:
    """``allocation`` with its leftovers' reasons replaced by the true ones."""
    if leftovers.empty:
        return allocation
    table = leftovers[["lot", "kg", "reason", "reason_fr"]].reset_index(drop=True)
    return dataclasses.replace(allocation, unallocated=table)


def close_dlc(leftovers: pd.DataFrame) -> pd.DataFrame:
    """Leftovers whose DLC is close (see :data:`DLC_CLOSE_DAYS`)."""
    if leftovers.empty:
        return leftovers
    return leftovers[leftovers["dlc_close"].astype(bool)]


__all__ = ["close_dlc", "leftover_reasons", "window_fr", "with_reasons"]
