"""The history of a period as tidy tables: what the indicators are computed from.

:func:`read_history` reads the published version of every week in a period; what was received
replaces what was planned wherever a receipt says so (the latest receipt of a week, lot and
association counts, whichever publication of the week it was recorded against).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.history import schema as t
from aide_alim.history.publish import iso_week

WEEK_COLUMNS = (
    "week",
    "publication_id",
    "version",
    "published_at",
    "rule",
    "basis",
    "kg_per_meal",
    "mean_value_eur_kg",
    "route_km",
    "route_cost_eur",
    "route_co2_kg",
)
ASSOCIATION_COLUMNS = (
    "week",
    "association",
    "name",
    "kind",
    "commune",
    "beneficiaries",
    "need_kg",
    "other_supply_kg",
    "planned_fill_ratio",
)
DELIVERY_COLUMNS = (
    "week",
    "lot",
    "association",
    "site",
    "category",
    "temperature",
    "planned_kg",
    "kg",
    "received_known",
    "value_eur",
    "paid_eur",
)
OFFER_COLUMNS = (
    "week",
    "lot",
    "site",
    "site_name",
    "product",
    "category",
    "temperature",
    "kg",
    "price_eur_kg",
    "value_eur_kg",
)


@dataclass(frozen=True)
class History:
    """Published weeks of a period as tidy tables (one row per week × thing).

    - ``weeks``: :data:`WEEK_COLUMNS`; route totals [km], [€], [kg CO₂] are NaN without routes.
    - ``associations``: one row per week and listed association (:data:`ASSOCIATION_COLUMNS`);
      need and other supply [kg/week].
    - ``deliveries``: one row per week, lot and association (:data:`DELIVERY_COLUMNS`): ``kg``
      is what was received where a receipt is known (``received_known``), else what was planned;
      ``value_eur`` = kg × market value, ``paid_eur`` = kg × price [€].
    - ``offers``: the lots prospected each week (:data:`OFFER_COLUMNS`) [kg], [€/kg].
    """

    weeks: pd.DataFrame
    associations: pd.DataFrame
    deliveries: pd.DataFrame
    offers: pd.DataFrame

    @property
    def week_list(self) -> list[str]:
        return sorted(self.weeks["week"].tolist())


_FLOATS = {
    "kg_per_meal", "mean_value_eur_kg", "route_km", "route_cost_eur", "route_co2_kg", "need_kg",
    "other_supply_kg", "planned_fill_ratio", "planned_kg", "kg", "value_eur", "paid_eur",
    "price_eur_kg", "value_eur_kg", "unit_kg",
}  # fmt: skip
_INTS = {"publication_id", "version", "beneficiaries"}


def _frame(rows: Sequence[Mapping[Any, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """A table with its columns typed even when empty (so that sums and cumsums work)."""
    frame = pd.DataFrame(rows, columns=list(columns))
    types: dict[str, Any] = {c: float for c in columns if c in _FLOATS}
    types.update({c: "int64" for c in columns if c in _INTS})
    if "received_known" in columns:
        types["received_known"] = bool
    return frame.astype(types)


def read_history(db: Database, start: str | None = None, end: str | None = None) -> History:
    """The published weeks from ``start`` to ``end`` (ISO weeks, both included; open if None)."""
    p = t.publication
    query = sa.select(p).where(p.c.active_week.is_not(None)).order_by(p.c.week)
    if start:
        query = query.where(p.c.week >= iso_week(start))
    if end:
        query = query.where(p.c.week <= iso_week(end))
    with db.read() as conn:
        pubs = conn.execute(query).mappings().all()
        ids = [int(r["id"]) for r in pubs]
        week_of = {int(r["id"]): str(r["week"]) for r in pubs}
        aw, line, offer, receipt = t.association_week, t.allocation_line, t.offer, t.receipt
        assoc_rows = conn.execute(sa.select(aw).where(aw.c.publication_id.in_(ids))).mappings()
        associations = [
            {
                "week": week_of[r["publication_id"]],
                "association": r["association"],
                "name": r["name"],
                "kind": r["kind"],
                "commune": r["commune"],
                "beneficiaries": int(r["beneficiaries"]),
                "need_kg": float(r["need_kg"]),
                "other_supply_kg": float(r["other_supply_kg"]),
                "planned_fill_ratio": float(r["fill_ratio"]),
            }
            for r in assoc_rows
        ]
        offers = [
            {"week": week_of[r["publication_id"]], **{c: r[c] for c in OFFER_COLUMNS[1:]}}
            for r in conn.execute(
                sa.select(offer).where(offer.c.publication_id.in_(ids))
            ).mappings()
        ]
        lines = conn.execute(
            sa.select(
                line.c.publication_id,
                line.c.lot,
                line.c.association,
                sa.func.sum(line.c.kg).label("kg"),
            )
            .where(line.c.publication_id.in_(ids))
            .group_by(line.c.publication_id, line.c.lot, line.c.association)
        ).all()
        weeks = list(week_of.values())
        receipts = conn.execute(
            sa.select(receipt.c.id, receipt.c.week, receipt.c.lot, receipt.c.association)
            .add_columns(receipt.c.kg_received)
            .where(receipt.c.week.in_(weeks))
            .order_by(receipt.c.id)
        ).all()

    week_rows = []
    for r in pubs:
        policy = json.loads(r["policy_json"])
        totals = json.loads(r["route_totals_json"]) if r["route_totals_json"] else {}
        week_rows.append(
            {
                "week": r["week"],
                "publication_id": int(r["id"]),
                "version": int(r["version"]),
                "published_at": r["published_at"],
                "rule": r["rule"],
                "basis": r["basis"],
                "kg_per_meal": float(policy.get("kg_per_meal", 0.5)),
                "mean_value_eur_kg": float(r["mean_value_eur_kg"]),
                "route_km": _total(totals, "km"),
                "route_cost_eur": _total(totals, "cost_eur"),
                "route_co2_kg": _total(totals, "co2_kg"),
            }
        )
    offers_df = _frame(offers, OFFER_COLUMNS)
    return History(
        weeks=_frame(week_rows, WEEK_COLUMNS),
        associations=_frame(associations, ASSOCIATION_COLUMNS),
        deliveries=_deliveries(lines, week_of, receipts, offers_df),
        offers=offers_df,
    )


def _total(totals: dict[str, object], key: str) -> float:
    value = totals.get(key)
    return float(value) if isinstance(value, int | float) else float("nan")


def _deliveries(
    lines: Sequence[Any],
    week_of: dict[int, str],
    receipts: Sequence[Any],
    offers: pd.DataFrame,
) -> pd.DataFrame:
    planned = pd.DataFrame(
        [(week_of[r[0]], r[1], r[2], float(r[3])) for r in lines],
        columns=["week", "lot", "association", "planned_kg"],
    )
    latest: dict[tuple[str, str, str], float] = {}
    for r in receipts:  # ordered by id: the latest receipt wins
        latest[(r[1], r[2], r[3])] = float(r[4])
    got = pd.DataFrame(
        [(*key, kg) for key, kg in latest.items()],
        columns=["week", "lot", "association", "received_kg"],
    )
    both = planned.merge(got, on=["week", "lot", "association"], how="outer")
    both["planned_kg"] = both["planned_kg"].fillna(0.0).astype(float)
    both["received_known"] = both["received_kg"].notna()
    both["kg"] = both["received_kg"].where(both["received_known"], both["planned_kg"]).astype(float)
    lots = offers[["week", "lot", "site", "category", "temperature", "price_eur_kg"]].assign(
        value_eur_kg=offers["value_eur_kg"]
    )
    both = both.merge(lots, on=["week", "lot"], how="left")
    both["value_eur"] = both["kg"] * both["value_eur_kg"].astype(float)
    both["paid_eur"] = both["kg"] * both["price_eur_kg"].astype(float)
    both = both.sort_values(["week", "association", "lot"]).reset_index(drop=True)
    return _frame(both[list(DELIVERY_COLUMNS)].to_dict("records"), DELIVERY_COLUMNS)
