"""The register of opportunities (action 3.1) in the history database.

Every offer the prospector scores is recorded with its date, its scores, its verdict and its
rank (:func:`record_verdicts`); its outcome follows (:func:`decide_offer`): *taken* — it becomes
a lot of the week, with the kg and price agreed — or *refused*, with the reason. An offer is
recorded once: the same offer id twice in a week, or the same offer (supplier, product, kg,
price, availability) under another id, is refused with the earlier record named.

:func:`quarterly_31a` turns the register into indicator 3.1.a of the convention, per quarter:
offers received and taken, kg and market value made accessible, € saved against market prices,
distinct suppliers (and new ones), CO₂ per kg collected, and the trend of the kg made accessible.
Every write is one transaction (SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.errors import AideAlimError
from aide_alim.i18n import N_, _, ngettext
from aide_alim.offers.model import Offer, Supplier
from aide_alim.offers.scoring import Verdict
from aide_alim.scenario.categories import slug
from aide_alim.scenario.model import Temperature

STATUSES: tuple[str, ...] = ("pending", "taken", "refused")
STATUS_FR: dict[str, str] = {"pending": "en attente", "taken": "prise", "refused": "refusée"}

metadata = sa.MetaData()

opportunity = sa.Table(
    "offers_opportunity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("week", sa.String(8), nullable=False),
    sa.Column("offer_id", sa.String(100), nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("supplier", sa.String(100), nullable=False),
    sa.Column("supplier_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("new_supplier", sa.Boolean, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("product", sa.String(200), nullable=False, server_default=""),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("temperature", sa.String(16), nullable=False),
    sa.Column("kg", sa.Float, nullable=False),
    sa.Column("unit_kg", sa.Float, nullable=False),
    sa.Column("price_eur_kg", sa.Float, nullable=False),
    sa.Column("value_eur_kg", sa.Float, nullable=False),
    sa.Column("available", sa.Date, nullable=False),
    sa.Column("use_by", sa.Date, nullable=True),
    sa.Column("best_before", sa.Date, nullable=True),
    sa.Column("collect_by", sa.Date, nullable=True),
    sa.Column("min_kg", sa.Float, nullable=False, server_default="0"),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False, server_default=""),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("negotiate_price_eur_kg", sa.Float, nullable=True),
    sa.Column("scored_kg", sa.Float, nullable=False),
    sa.Column("saved_eur", sa.Float, nullable=False),
    sa.Column("extra_km", sa.Float, nullable=False),
    sa.Column("extra_co2_kg", sa.Float, nullable=False),
    sa.Column("min_fill_gain", sa.Float, nullable=False),
    sa.Column("scores_json", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("outcome_reason", sa.Text, nullable=False, server_default=""),
    sa.Column("kg_taken", sa.Float, nullable=True),
    sa.Column("price_paid_eur_kg", sa.Float, nullable=True),
    sa.Column("lot_id", sa.String(100), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("week", "offer_id", name="uq_offers_opportunity_week_offer"),
    sa.Index("ix_offers_opportunity_week", "week"),
)
"""The table of migration ``0003_offers`` (``tests/test_offers_register.py`` checks they agree)."""


class RegisterError(AideAlimError):
    """The register refused a write: an offer already recorded, unknown, or already decided."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- recording -----------------------------------------------------------------------------------


def record_verdicts(
    db: Database, week: str, verdicts: Sequence[Verdict], *, today: dt.date | None = None
) -> list[int]:
    """Record scored offers of ``week`` in one transaction (all or none); returns their ids.

    ``today`` is the date of offers without a ``received`` date (default: today). Raises
    :class:`RegisterError` naming every offer already recorded.
    """
    with db.transaction() as conn:
        return record_in(conn, week, verdicts, today=today)


def record_in(
    conn: sa.Connection, week: str, verdicts: Sequence[Verdict], *, today: dt.date | None = None
) -> list[int]:
    """:func:`record_verdicts` inside the caller's transaction ``conn``."""
    today = today or dt.date.today()
    now = _now()
    rows = [_row(week, v, today, now) for v in verdicts]
    existing = conn.execute(
        sa.select(
            opportunity.c.id, opportunity.c.offer_id, opportunity.c.supplier,
            opportunity.c.product, opportunity.c.kg, opportunity.c.price_eur_kg,
            opportunity.c.available, opportunity.c.received_on,
        ).where(opportunity.c.week == week)
    ).all()  # fmt: skip
    by_id = {r.offer_id: r for r in existing}
    by_content = {_content(r._mapping): r for r in existing}
    problems: list[str] = []
    seen: dict[Any, str] = {}
    for row in rows:
        key = _content(row)
        earlier = by_id.get(row["offer_id"]) or by_content.get(key)
        if earlier is not None:
            same = _("id") if earlier.offer_id == row["offer_id"] else _(_SAME_CONTENT)
            problems.append(
                _(
                    "offer {offer}: already recorded for {week} as #{number} (offer {earlier} "
                    "of {date}, same {same})"
                ).format(
                    offer=row["offer_id"], week=week, number=earlier.id,
                    earlier=earlier.offer_id, date=f"{earlier.received_on:%d/%m/%Y}", same=same,
                )
            )  # fmt: skip
        elif row["offer_id"] in seen.values() or key in seen:
            twin = seen.get(key, row["offer_id"])
            problems.append(
                _("offer {offer}: given twice (same as offer {twin})").format(
                    offer=row["offer_id"], twin=twin
                )
            )
        seen[key] = row["offer_id"]
    if problems:
        head = ngettext(
            "{n} offer already in the register; nothing was recorded:",
            "{n} offers already in the register; nothing was recorded:",
            len(problems),
        ).format(n=len(problems))
        raise RegisterError(head + "\n  " + "\n  ".join(problems))
    ids = []
    for row in rows:
        result = conn.execute(opportunity.insert().values(**row))
        assert result.inserted_primary_key is not None
        ids.append(int(result.inserted_primary_key[0]))
    return ids


_SAME_CONTENT = N_("supplier, product, kg, price and availability")


def _content(row: Any) -> tuple[Any, ...]:
    return (
        str(row["supplier"]),
        slug(str(row["product"])),
        round(float(row["kg"]), 3),
        round(float(row["price_eur_kg"]), 4),
        row["available"],
    )


def _row(week: str, v: Verdict, today: dt.date, now: dt.datetime) -> dict[str, Any]:
    o, s = v.offer, v.scores
    return {
        "week": week,
        "offer_id": o.id,
        "received_on": o.received or today,
        "recorded_at": now,
        "supplier": o.supplier.id,
        "supplier_name": o.supplier.name,
        "new_supplier": o.supplier.is_new,
        "lat": o.supplier.lat,
        "lon": o.supplier.lon,
        "product": o.product,
        "category": o.category,
        "temperature": str(o.temperature),
        "kg": o.kg,
        "unit_kg": o.unit_kg,
        "price_eur_kg": o.price_eur_kg,
        "value_eur_kg": o.value_eur_kg,
        "available": o.available,
        "use_by": o.use_by,
        "best_before": o.best_before,
        "collect_by": o.collect_by,
        "min_kg": o.min_kg,
        "verdict": v.verdict,
        "reasons": "\n".join(v.reasons),
        "rank": v.rank,
        "negotiate_price_eur_kg": v.price_eur_kg,
        "scored_kg": s.kg_taken,
        "saved_eur": s.saved_eur,
        "extra_km": s.collection.km,
        "extra_co2_kg": s.collection.co2_kg,
        "min_fill_gain": s.min_fill_gain,
        "scores_json": json.dumps(v.to_dict(), ensure_ascii=False, default=str),
        "status": "pending",
    }


# -- reading -------------------------------------------------------------------------------------


def read_register(
    db: Database,
    *,
    week: str | None = None,
    status: str | None = None,
    weeks: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """The register as a table (one row per offer, oldest first), optionally of one ``week``,
    one ``status`` or a range of ``weeks`` (first, last; ISO weeks compare as text)."""
    if status is not None and status not in STATUSES:
        raise RegisterError(
            _("Expected a status among {choices}, got {status!r}.").format(
                choices=", ".join(STATUSES), status=status
            )
        )
    query = sa.select(opportunity).order_by(opportunity.c.week, opportunity.c.rank)
    if week is not None:
        query = query.where(opportunity.c.week == week)
    if status is not None:
        query = query.where(opportunity.c.status == status)
    if weeks is not None:
        query = query.where(opportunity.c.week >= weeks[0], opportunity.c.week <= weeks[1])
    with db.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    frame = pd.DataFrame(rows, columns=[c.name for c in opportunity.columns])
    frame["status_fr"] = frame["status"].map(STATUS_FR)
    return frame


def find_offer(db: Database, week: str, offer_id: str) -> dict[str, Any]:
    """The register row of one offer; :class:`RegisterError` if it was never recorded."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(opportunity).where(
                opportunity.c.week == week, opportunity.c.offer_id == offer_id
            )
        ).first()
    if row is None:
        raise RegisterError(
            _("No offer {offer!r} in the register for {week}.").format(offer=offer_id, week=week)
        )
    return dict(row._mapping)


def offer_of(row: dict[str, Any]) -> Offer:
    """The :class:`Offer` a register row holds."""
    supplier = Supplier(
        str(row["supplier"]), str(row["supplier_name"]), float(row["lat"]), float(row["lon"]),
        bool(row["new_supplier"]),
    )  # fmt: skip
    return Offer(
        id=str(row["offer_id"]),
        supplier=supplier,
        product=str(row["product"]),
        category=str(row["category"]),
        temperature=Temperature(str(row["temperature"])),
        kg=float(row["kg"]),
        unit_kg=float(row["unit_kg"]),
        price_eur_kg=float(row["price_eur_kg"]),
        value_eur_kg=float(row["value_eur_kg"]),
        available=row["available"],
        use_by=row["use_by"],
        best_before=row["best_before"],
        collect_by=row["collect_by"],
        min_kg=float(row["min_kg"]),
        received=row["received_on"],
    )


# -- outcomes ------------------------------------------------------------------------------------


def decide_offer(
    db: Database,
    week: str,
    offer_id: str,
    status: str,
    *,
    reason: str = "",
    kg: float | None = None,
    price_eur_kg: float | None = None,
    lot_id: str | None = None,
) -> dict[str, Any]:
    """Record the outcome of a pending offer: ``taken`` (``kg`` and ``price_eur_kg`` agreed,
    default the offer's; ``lot_id`` the lot of the week it became) or ``refused`` (``reason``,
    default the verdict's reasons). An offer is decided once; returns the updated row."""
    with db.transaction() as conn:
        return decide_in(
            conn, week, offer_id, status, reason=reason, kg=kg, price_eur_kg=price_eur_kg,
            lot_id=lot_id,
        )  # fmt: skip


def decide_in(
    conn: sa.Connection,
    week: str,
    offer_id: str,
    status: str,
    *,
    reason: str = "",
    kg: float | None = None,
    price_eur_kg: float | None = None,
    lot_id: str | None = None,
) -> dict[str, Any]:
    """:func:`decide_offer` inside the caller's transaction ``conn``."""
    if status not in ("taken", "refused"):
        raise RegisterError(
            _("Expected an outcome taken or refused, got {status!r}.").format(status=status)
        )
    row = conn.execute(
        sa.select(opportunity)
        .where(opportunity.c.week == week, opportunity.c.offer_id == offer_id)
        .with_for_update()
    ).first()
    if row is None:
        raise RegisterError(
            _("No offer {offer!r} in the register for {week}.").format(offer=offer_id, week=week)
        )
    if row.status != "pending":
        already = (
            _("Offer {offer} of {week} was already taken on {date}; nothing was changed.")
            if row.status == "taken"
            else _("Offer {offer} of {week} was already refused on {date}; nothing was changed.")
        )
        raise RegisterError(
            already.format(offer=offer_id, week=week, date=f"{row.decided_at:%d/%m/%Y}")
        )
    if kg is not None and not 0 < kg <= row.kg:
        raise RegisterError(
            _("Expected kg taken in ]0, {most}], got {kg}.").format(
                most=f"{row.kg:g}", kg=f"{kg:g}"
            )
        )
    if price_eur_kg is not None and price_eur_kg < 0:
        raise RegisterError(
            _("Expected a price >= 0, got {price}.").format(price=f"{price_eur_kg:g}")
        )
    values: dict[str, Any] = {"status": status, "decided_at": _now()}
    if status == "taken":
        values.update(
            kg_taken=row.kg if kg is None else kg,
            price_paid_eur_kg=row.price_eur_kg if price_eur_kg is None else price_eur_kg,
            lot_id=lot_id or row.offer_id,
            outcome_reason=reason,
        )
    else:
        values["outcome_reason"] = reason or row.reasons
    conn.execute(opportunity.update().where(opportunity.c.id == row.id).values(**values))
    updated = conn.execute(sa.select(opportunity).where(opportunity.c.id == row.id)).one()
    return dict(updated._mapping)


# -- indicator 3.1.a -----------------------------------------------------------------------------

QUARTERLY_COLUMNS: tuple[str, ...] = (
    "period", "received", "taken", "refused", "pending", "kg_taken", "value_eur", "paid_eur",
    "saved_eur", "suppliers", "new_suppliers", "co2_g_per_kg", "kg_change",
)  # fmt: skip


def quarterly_31a(register: pd.DataFrame, year: int) -> pd.DataFrame:
    """Indicator 3.1.a per quarter of ``year`` (``2020-T4``) and for the year (``2020``).

    - ``received``, ``taken``, ``refused``, ``pending``: offers recorded / by outcome;
    - ``kg_taken``, ``value_eur`` (market value), ``paid_eur``, ``saved_eur`` (value − paid) of
      the offers taken: what was made accessible to the associations;
    - ``suppliers``: distinct suppliers that made offers; ``new_suppliers``: of those, the ones
      never seen in the register before that period;
    - ``co2_g_per_kg``: extra CO₂ of collecting the offers taken (as scored) per kg taken [g/kg];
    - ``kg_change``: kg taken against the previous quarter (ratio − 1; NaN for the first).
    """
    from aide_alim.ledger.axis3 import week_quarter

    columns = list(QUARTERLY_COLUMNS)
    if register.empty:
        return pd.DataFrame(columns=columns)
    reg = register.assign(period=register["week"].map(week_quarter))
    first_period = reg.groupby("supplier")["period"].min()
    reg = reg[reg["period"].str.startswith(f"{year}-")]
    rows = []
    groups = [(str(p), g) for p, g in reg.groupby("period", sort=True)]
    if groups:
        groups.append((str(year), reg))
    previous_kg: float | None = None
    for period, g in groups:
        taken = g[g["status"] == "taken"]
        kg = float(taken["kg_taken"].sum())
        value = float((taken["kg_taken"] * taken["value_eur_kg"]).sum())
        paid = float((taken["kg_taken"] * taken["price_paid_eur_kg"]).sum())
        suppliers = set(g["supplier"])
        firsts = first_period[list(suppliers)]
        new = int((firsts >= g["period"].min()).sum())
        is_year = period == str(year)
        change = float("nan")
        if not is_year:
            if previous_kg:
                change = kg / previous_kg - 1
            previous_kg = kg
        rows.append(
            {
                "period": period,
                "received": len(g),
                "taken": len(taken),
                "refused": int((g["status"] == "refused").sum()),
                "pending": int((g["status"] == "pending").sum()),
                "kg_taken": kg,
                "value_eur": value,
                "paid_eur": paid,
                "saved_eur": value - paid,
                "suppliers": len(suppliers),
                "new_suppliers": new,
                "co2_g_per_kg": float(taken["extra_co2_kg"].sum()) * 1000 / kg if kg else None,
                "kg_change": change,
            }
        )
    return pd.DataFrame(rows, columns=columns)
