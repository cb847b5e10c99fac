"""The convention's indicators for action 3.2 (per association) and 3.1 (prospection).

Each indicator is a small pure function from a :class:`~aide_alim.history.History` (the tidy
tables of a period) to a tidy DataFrame; :data:`INDICATORS` gathers them under documented keys.
Quantities use what was received where a receipt is known, else what was planned.

Keys of :data:`INDICATORS` (one row per …):

- ``volume``: week × association × category × temperature class: ``kg`` [kg], ``meals``
  [meals] (kg ÷ that week's ``kg_per_meal``), ``value_eur`` [€ of market value].
- ``weekly``: week × listed association (zeros where nothing was received): ``kg``, ``meals``,
  ``value_eur``, ``paid_eur`` [€], ``need_kg``, ``other_supply_kg`` [kg], ``fill_ratio``
  ((kg + other supply) ÷ need).
- ``regularity``: association: ``weeks`` (weeks listed), ``weeks_served`` (weeks with kg > 0),
  ``share_served`` [0–1], ``mean_kg`` [kg/week], ``cv_kg`` (population standard deviation ÷ mean
  of weekly kg; NaN if nothing received), ``longest_gap_weeks`` (longest run of consecutive listed
  weeks with nothing received) [weeks], ``trend_kg_per_week`` (least-squares slope of weekly kg
  against the calendar week) [kg/week per week].
- ``financial``: association: ``kg``, ``value_eur`` (market value received), ``paid_eur``
  (amount paid for lots that were sold), ``net_value_eur`` (value − paid: what it would have
  had to pay on top to buy the same food), ``logistics_eur`` (its share of the rounds' cost,
  each week's cost split pro rata to kg delivered; weeks published without routes count 0),
  ``value_eur_per_kg`` and ``cost_eur_per_kg`` ((paid + logistics) ÷ kg) [€/kg].
- ``fairness``: week × association: ``cum_kg``, ``cum_other_kg``, ``cum_need_kg`` [kg] summed
  over the listed weeks so far, ``cum_fill_ratio`` ((cum_kg + cum_other_kg) ÷ cum_need_kg).
- ``fairness_gini``: week: ``gini`` of the cumulative fill ratios across associations [0–1],
  ``min``, ``max``, ``spread`` (max − min), ``std`` (population).
- ``action_31``: week: ``offers`` (lots prospected), ``suppliers`` (distinct sites),
  ``kg_offered``, ``value_offered_eur``, ``kg_donated``, ``kg_bought``, ``share_donated``
  (of kg offered) [0–1], ``kg_distributed``, ``value_distributed_eur``; and cumulated to date:
  ``cum_offers``, ``cum_kg_offered``, ``cum_value_offered_eur``, ``cum_kg_distributed``,
  ``cum_value_distributed_eur``, ``cum_suppliers`` (distinct so far), ``cum_share_donated``.
- ``summary``: association: name, ``weeks``, ``kg``, ``meals``, ``value_eur``, ``paid_eur``,
  ``net_value_eur``, ``logistics_eur``, ``share_served``, ``cv_kg``, ``longest_gap_weeks``,
  ``trend_kg_per_week``, ``cum_fill_ratio`` (at the end of the period).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from aide_alim.history.tables import History
from aide_alim.scenario.model import parse_iso_week

Indicator = Callable[[History], pd.DataFrame]
_EPS = 1e-9


def gini(values: pd.Series | np.ndarray | list[float]) -> float:
    """Gini coefficient: Σᵢ Σⱼ |xᵢ − xⱼ| ÷ (2 n² mean); 0 = all equal, 0 if empty or all zero."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0 or x.mean() <= 0:
        return 0.0
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


def _meals_per_kg(h: History) -> pd.Series:
    return 1.0 / h.weeks.set_index("week")["kg_per_meal"].astype(float)


def volume(h: History) -> pd.DataFrame:
    """kg, meals and € received per week, association, category and temperature class."""
    keys = ["week", "association", "category", "temperature"]
    d = h.deliveries[h.deliveries["kg"] > _EPS]
    out = d.groupby(keys, as_index=False)[["kg", "value_eur"]].sum()
    out["meals"] = out["kg"] * out["week"].map(_meals_per_kg(h)).astype(float)
    return out[[*keys, "kg", "meals", "value_eur"]].reset_index(drop=True)


def weekly(h: History) -> pd.DataFrame:
    """kg, meals, €, paid and fill ratio per week and listed association (zeros filled)."""
    got = h.deliveries.groupby(["week", "association"], as_index=False)[
        ["kg", "value_eur", "paid_eur"]
    ].sum()
    base = h.associations[["week", "association", "name", "need_kg", "other_supply_kg"]]
    out = base.merge(got, on=["week", "association"], how="left")
    out[["kg", "value_eur", "paid_eur"]] = out[["kg", "value_eur", "paid_eur"]].fillna(0.0)
    out["meals"] = out["kg"] * out["week"].map(_meals_per_kg(h)).astype(float)
    need = out["need_kg"].where(out["need_kg"] > 0)
    out["fill_ratio"] = (out["kg"] + out["other_supply_kg"]) / need
    columns = ["week", "association", "name", "kg", "meals", "value_eur", "paid_eur"]
    out = out[[*columns, "need_kg", "other_supply_kg", "fill_ratio"]]
    return out.sort_values(["week", "association"]).reset_index(drop=True)


def _week_number(week: str) -> int:
    """Weeks since 1970-01-05 (a Monday): consecutive ISO weeks differ by 1, across years."""
    return (parse_iso_week(week).toordinal() - 719_167) // 7


def _longest_gap(kgs: list[float]) -> int:
    longest = run = 0
    for kg in kgs:
        run = run + 1 if kg <= _EPS else 0
        longest = max(longest, run)
    return longest


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y against x (NaN with fewer than two distinct x)."""
    dx = x - x.mean()
    denominator = float((dx * dx).sum())
    return float((dx * (y - y.mean())).sum() / denominator) if denominator > 0 else float("nan")


def regularity(h: History) -> pd.DataFrame:
    """Share of weeks served, CV of weekly kg, longest gap and trend, per association."""
    rows = []
    for association, group in weekly(h).groupby("association", sort=True):
        group = group.sort_values("week")
        kg = group["kg"].to_numpy(dtype=float)
        mean = float(kg.mean()) if kg.size else 0.0
        x = np.array([_week_number(w) for w in group["week"]], dtype=float)
        trend = _slope(x, kg)
        served = int((kg > _EPS).sum())
        rows.append(
            {
                "association": association,
                "name": group["name"].iloc[-1],
                "weeks": int(kg.size),
                "weeks_served": served,
                "share_served": served / kg.size if kg.size else float("nan"),
                "mean_kg": mean,
                "cv_kg": float(kg.std(ddof=0) / mean) if mean > _EPS else float("nan"),
                "longest_gap_weeks": _longest_gap(kg.tolist()),
                "trend_kg_per_week": trend,
            }
        )
    return pd.DataFrame(rows, columns=_REGULARITY_COLUMNS)


_REGULARITY_COLUMNS = [
    "association",
    "name",
    "weeks",
    "weeks_served",
    "share_served",
    "mean_kg",
    "cv_kg",
    "longest_gap_weeks",
    "trend_kg_per_week",
]


def logistics_share(h: History) -> pd.DataFrame:
    """Each week's round cost split between associations pro rata to kg delivered [€]."""
    w = weekly(h)
    total = w.groupby("week")["kg"].transform("sum")
    cost = w["week"].map(h.weeks.set_index("week")["route_cost_eur"]).astype(float).fillna(0.0)
    w["logistics_eur"] = np.where(total > _EPS, cost * w["kg"] / total.where(total > _EPS), 0.0)
    return w[["week", "association", "kg", "logistics_eur"]]


def financial(h: History) -> pd.DataFrame:
    """Market value received, paid, net value, share of logistics cost, € per kg."""
    w = weekly(h)
    w["logistics_eur"] = logistics_share(h)["logistics_eur"].to_numpy()
    out = w.groupby("association", as_index=False).agg(
        name=("name", "last"),
        kg=("kg", "sum"),
        value_eur=("value_eur", "sum"),
        paid_eur=("paid_eur", "sum"),
        logistics_eur=("logistics_eur", "sum"),
    )
    out["net_value_eur"] = out["value_eur"] - out["paid_eur"]
    kg = out["kg"].where(out["kg"] > _EPS)
    out["value_eur_per_kg"] = out["value_eur"] / kg
    out["cost_eur_per_kg"] = (out["paid_eur"] + out["logistics_eur"]) / kg
    columns = ["association", "name", "kg", "value_eur", "paid_eur", "net_value_eur"]
    return out[[*columns, "logistics_eur", "value_eur_per_kg", "cost_eur_per_kg"]]


def fairness(h: History) -> pd.DataFrame:
    """Cumulative fill ratio per association after each week."""
    w = weekly(h).sort_values(["association", "week"])
    g = w.groupby("association")
    w["cum_kg"] = g["kg"].cumsum()
    w["cum_other_kg"] = g["other_supply_kg"].cumsum()
    w["cum_need_kg"] = g["need_kg"].cumsum()
    need = w["cum_need_kg"].where(w["cum_need_kg"] > _EPS)
    w["cum_fill_ratio"] = (w["cum_kg"] + w["cum_other_kg"]) / need
    columns = ["week", "association", "cum_kg", "cum_other_kg", "cum_need_kg", "cum_fill_ratio"]
    return w[columns].sort_values(["week", "association"]).reset_index(drop=True)


def fairness_gini(h: History) -> pd.DataFrame:
    """Gini, min, max, spread and std of cumulative fill ratios across associations, per week."""
    rows = []
    for week, group in fairness(h).groupby("week", sort=True):
        x = group["cum_fill_ratio"].dropna().to_numpy(dtype=float)
        rows.append(
            {
                "week": week,
                "associations": int(x.size),
                "gini": gini(x),
                "min": float(x.min()) if x.size else float("nan"),
                "max": float(x.max()) if x.size else float("nan"),
                "spread": float(x.max() - x.min()) if x.size else float("nan"),
                "std": float(x.std(ddof=0)) if x.size else float("nan"),
            }
        )
    return pd.DataFrame(
        rows, columns=["week", "associations", "gini", "min", "max", "spread", "std"]
    )


def action_31(h: History) -> pd.DataFrame:
    """Offers prospected, kg and € made accessible, donated vs bought, suppliers; cumulated."""
    o = h.offers.assign(value_eur=h.offers["kg"] * h.offers["value_eur_kg"])
    o["donated"] = o["price_eur_kg"] <= 0
    dist = h.deliveries.groupby("week")[["kg", "value_eur"]].sum()
    rows = []
    seen: set[str] = set()
    for week in h.week_list:
        week_offers = o[o["week"] == week]
        seen |= set(week_offers["site"])
        kg = float(week_offers["kg"].sum())
        donated = float(week_offers.loc[week_offers["donated"], "kg"].sum())
        rows.append(
            {
                "week": week,
                "offers": len(week_offers),
                "suppliers": week_offers["site"].nunique(),
                "kg_offered": kg,
                "value_offered_eur": float(week_offers["value_eur"].sum()),
                "kg_donated": donated,
                "kg_bought": kg - donated,
                "share_donated": donated / kg if kg > _EPS else float("nan"),
                "kg_distributed": float(dist["kg"].get(week, 0.0)),
                "value_distributed_eur": float(dist["value_eur"].get(week, 0.0)),
                "cum_suppliers": len(seen),
            }
        )
    out = pd.DataFrame(rows, columns=_ACTION_31_COLUMNS[:11])
    for column in ("offers", "kg_offered", "value_offered_eur", "kg_distributed"):
        out[f"cum_{column}"] = out[column].cumsum()
    out["cum_value_distributed_eur"] = out["value_distributed_eur"].cumsum()
    cum_donated = out["kg_donated"].cumsum()
    out["cum_share_donated"] = cum_donated / out["cum_kg_offered"].where(
        out["cum_kg_offered"] > _EPS
    )
    return out[_ACTION_31_COLUMNS]


_ACTION_31_COLUMNS = [
    "week",
    "offers",
    "suppliers",
    "kg_offered",
    "value_offered_eur",
    "kg_donated",
    "kg_bought",
    "share_donated",
    "kg_distributed",
    "value_distributed_eur",
    "cum_suppliers",
    "cum_offers",
    "cum_kg_offered",
    "cum_value_offered_eur",
    "cum_kg_distributed",
    "cum_value_distributed_eur",
    "cum_share_donated",
]


def summary(h: History) -> pd.DataFrame:
    """One row per association over the period: volume, money, regularity, cumulative fill."""
    w = weekly(h)
    meals = w.groupby("association")["meals"].sum()
    fin = financial(h)
    reg = regularity(h).drop(columns=["name"])
    last = fairness(h).groupby("association")["cum_fill_ratio"].last()
    out = fin.merge(reg, on="association", how="left")
    out["meals"] = out["association"].map(meals)
    out["cum_fill_ratio"] = out["association"].map(last)
    columns = ["association", "name", "weeks", "kg", "meals", "value_eur", "paid_eur"]
    columns += ["net_value_eur", "logistics_eur", "share_served", "cv_kg", "longest_gap_weeks"]
    columns += ["trend_kg_per_week", "cum_fill_ratio"]
    return out[columns].sort_values("association").reset_index(drop=True)


#: Every indicator under its documented key (see the module docstring for columns and units).
INDICATORS: Mapping[str, Indicator] = {
    "summary": summary,
    "volume": volume,
    "weekly": weekly,
    "regularity": regularity,
    "financial": financial,
    "fairness": fairness,
    "fairness_gini": fairness_gini,
    "action_31": action_31,
}


def compute_indicators(h: History) -> dict[str, pd.DataFrame]:
    """Every indicator of :data:`INDICATORS` on the period ``h``, in that order."""
    return {key: function(h) for key, function in INDICATORS.items()}
