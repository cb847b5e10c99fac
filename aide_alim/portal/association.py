"""The association's pages: its plans, receipt confirmation, next week's declaration.

Every route names the association in its path and :func:`_owner` checks it is the logged-in
account's own: an association changing an id in a URL or a form gets 403 and nothing is read
or written. Receipts go through :func:`aide_alim.history.record_receipts`, the function behind
``aide-alim receive``, in the same transaction as their audit line.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aide_alim.documents.tables import CLASS_PLURAL_FR
from aide_alim.errors import AideAlimError
from aide_alim.history import ReceiptError, record_receipts
from aide_alim.history.publish import iso_week
from aide_alim.history.receipts import TOLERANCE_KG
from aide_alim.i18n import fmt
from aide_alim.portal import auth, plans
from aide_alim.portal.declarations import (
    DeclarationError,
    latest_declarations,
    next_week,
    parse_declaration,
    record_declaration,
)
from aide_alim.portal.web import Ctx, not_found, page, redirect, refused, render
from aide_alim.portal.work import unit_of_work, writing
from aide_alim.scenario.model import Day, Temperature

STATUSES = {"recu": "reçu", "abime": "abîmé", "refuse": "refusé"}
MAX_REASON = 300
MESSAGES = {
    "reception": "Merci : votre réception est enregistrée.",
    "declaration": "Merci : votre déclaration est enregistrée.",
}


def _notice(ctx: Ctx) -> str | None:
    """The confirmation message named by ``?ok=`` (a fixed text: nothing of the URL is shown)."""
    return MESSAGES.get(ctx.request.query_params.get("ok", ""))


def _owner(ctx: Ctx) -> str | None:
    """The association of the URL if it is the user's own, else ``None``."""
    aid = ctx.params["aid"]
    return aid if ctx.user.association == aid else None


def _week(ctx: Ctx) -> str | None:
    try:
        return iso_week(ctx.params["week"])
    except AideAlimError:
        return None


@page("association")
def home(ctx: Ctx) -> Response:
    aid = _owner(ctx)
    if aid is None:
        return refused(ctx)
    weeks = plans.published_weeks(ctx.db, aid)
    confirmed = {w.week: bool(plans.latest_receipts(ctx.db, w.week, aid)) for w in weeks[:12]}
    upcoming = next_week(weeks[0].week) if weeks else None
    declared = bool(upcoming and latest_declarations(ctx.db, upcoming, aid))
    return render(
        ctx, "association/home.html", aid=aid, weeks=weeks[:12], confirmed=confirmed,
        upcoming=upcoming, declared=declared, notice=_notice(ctx),
    )  # fmt: skip


def _lines(plan: Any, receipts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per lot of the plan (days summed), with its latest receipt if any."""
    if not len(plan.lines):
        return []
    grouped = plan.lines.groupby("lot", sort=False).agg(
        product=("product", "first"), category=("category_label", "first"),
        temperature=("temperature", "first"), kg=("kg", "sum"), units=("units", "sum"),
        use_by=("use_by", "first"),
    )  # fmt: skip
    rows = []
    for lot, row in grouped.iterrows():
        got = receipts.get(str(lot))
        use_by = row["use_by"]
        rows.append(
            {
                "lot": str(lot), "product": row["product"], "category": row["category"],
                "temperature": Temperature(row["temperature"]).label_fr,
                "kg": float(row["kg"]), "units": int(row["units"]),
                "use_by": None if use_by is None or pd.isna(use_by) else use_by,
                "received": got,
            }
        )  # fmt: skip
    return rows


@page("association")
def week_plan(ctx: Ctx) -> Response:
    aid, week = _owner(ctx), _week(ctx)
    if aid is None:
        return refused(ctx)
    plan = plans.association_plan(ctx.db, week, aid) if week else None
    if plan is None or week is None:
        return not_found(ctx, "Aucun plan publié pour cette semaine.")
    return _plan_page(ctx, aid, week, plan)


def _plan_page(
    ctx: Ctx, aid: str, week: str, plan: Any, problems: list[str] | None = None, status: int = 200
) -> Response:
    """The plan and its receipt form; after refused input, the form keeps what was typed."""
    receipts = plans.latest_receipts(ctx.db, week, aid)
    lines = _lines(plan, receipts)
    typed = {ctx.value(f"lot_{i}"): i for i in range(len(lines))} if problems else {}
    for line in lines:
        i = typed.get(line["lot"])
        line["typed"] = (
            {k: ctx.value(f"{k}_{i}") for k in ("kg", "status", "reason")}
            if i is not None
            else None
        )
    return render(
        ctx, "association/plan.html", status=status, aid=aid, week=week, plan=plan,
        lines=lines, statuses=STATUSES, problems=problems or [],
        confirmed=bool(receipts), notice=_notice(ctx),
    )  # fmt: skip


@page("association")
def plan_pdf(ctx: Ctx) -> Response:
    from aide_alim.documents.pdf import plan_pdf as render_pdf
    from aide_alim.documents.safety import slugify

    aid, week = _owner(ctx), _week(ctx)
    if aid is None:
        return refused(ctx)
    plan = plans.association_plan(ctx.db, week, aid) if week else None
    if plan is None or week is None:
        return not_found(ctx, "Aucun plan publié pour cette semaine.")
    data = render_pdf(plan, plan.lines["day"].min() if len(plan.lines) else _monday(week))
    name = f"plan-{slugify(aid) or 'association'}-{week}.pdf"
    return Response(data, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _monday(week: str) -> Any:
    import datetime as dt

    return dt.date.fromisocalendar(int(week[:4]), int(week[-2:]), 1)


def _number(text: str) -> float | None:
    raw = text.strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


@page("association")
def confirm(ctx: Ctx) -> Response:
    """Record the receipt form: one line per lot (received kg, or refused/damaged + reason)."""
    aid, week = _owner(ctx), _week(ctx)
    if aid is None:
        return refused(ctx)
    plan = plans.association_plan(ctx.db, week, aid) if week else None
    if plan is None or week is None:
        return not_found(ctx, "Aucun plan publié pour cette semaine.")
    planned = set(plan.lines["lot"].astype(str)) if len(plan.lines) else set()
    lots = plans.week_lots(ctx.db, week)
    count = int(_number(ctx.value("count", "0")) or 0)
    rows, problems = [], []
    for i in range(min(count, len(planned))):
        lot = ctx.value(f"lot_{i}")
        if lot not in planned:
            return refused(ctx, "Ce lot ne figure pas dans votre plan ; rien n'a été enregistré.")
        status = ctx.value(f"status_{i}", "recu")
        reason = ctx.value(f"reason_{i}").strip()
        kg = _number(ctx.value(f"kg_{i}"))
        if status not in STATUSES:
            problems.append(f"Lot {lot} : état inconnu.")
            continue
        if status == "refuse":
            kg = 0.0
        if kg is None:
            problems.append(f"Lot {lot} : indiquez les kg reçus (un nombre positif).")
            continue
        if status != "recu" and not reason:
            problems.append(f"Lot {lot} : indiquez la raison ({STATUSES[status]}).")
            continue
        whole = lots[lot].kg
        if kg > whole + TOLERANCE_KG:
            problems.append(
                f"Lot {lot} : {fmt.kg(kg)}, c'est plus que le lot entier ({fmt.kg(whole)})."
            )
            continue
        if len(reason) > MAX_REASON:
            problems.append(f"Lot {lot} : la raison dépasse {MAX_REASON} caractères.")
            continue
        comment = f"{STATUSES[status]} : {reason}" if status != "recu" else reason
        rows.append({"lot": lot, "association": aid, "kg_received": kg, "comment": comment,
                     "row": i + 1})  # fmt: skip
    if not rows and not problems:
        problems.append("Aucune ligne à enregistrer.")
    if problems:
        return _plan_page(ctx, aid, week, plan, problems, 400)
    try:
        with unit_of_work(ctx.db) as (conn, bound):
            record_receipts(bound, week, pd.DataFrame(rows), source="association", file="portail")
            auth.audit(conn, "receipt", user=ctx.user, target=f"{aid} {week}",
                       detail=f"{len(rows)} ligne(s)", ip=ctx.ip)  # fmt: skip
    except ReceiptError as exc:
        by_row = {r["row"]: r["lot"] for r in rows}
        messages = [f"Lot {by_row.get(p.row, '?')} : {p.message}" for p in exc.problems]
        return _plan_page(ctx, aid, week, plan, messages, 400)
    return redirect(f"/asso/{aid}/semaine/{week}?ok=reception")


def _defaults(ctx: Ctx, aid: str, week: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The form's starting values: the latest declaration, else the last published week."""
    weeks = plans.published_weeks(ctx.db, aid)
    scenario = plans.week_scenario(ctx.db, weeks[0].publication_id)
    a = scenario.association_by_id[aid]
    categories = [(c.id, c.label) for c in scenario.categories.values()]
    found = latest_declarations(ctx.db, week, aid).get(aid)
    if found:
        values = {
            "beneficiaries": found.beneficiaries, "dry_kg": found.dry_kg,
            "chilled_kg": found.chilled_kg, "frozen_kg": found.frozen_kg,
            "budget_eur": found.budget_eur, "closed_days": {d.code for d in found.closed_days},
            "refuses": set(found.refuses), "comment": found.comment,
            "recorded_at": found.recorded_at,
        }  # fmt: skip
    else:
        values = {
            "beneficiaries": a.beneficiaries, "dry_kg": a.dry_kg, "chilled_kg": a.chilled_kg,
            "frozen_kg": a.frozen_kg, "budget_eur": a.budget_eur,
            "closed_days": {d.code for d in Day if d not in a.open_days},
            "refuses": set(a.refuses), "comment": "", "recorded_at": None,
        }  # fmt: skip
    return values, categories


@page("association")
def declaration(ctx: Ctx) -> Response:
    aid = _owner(ctx)
    if aid is None:
        return refused(ctx)
    weeks = plans.published_weeks(ctx.db, aid)
    if not weeks:
        return not_found(ctx, "Aucune semaine publiée : rien à déclarer encore.")
    week = next_week(weeks[0].week)
    values, categories = _defaults(ctx, aid, week)
    problems: dict[str, str] = {}
    if ctx.request.method == "POST":
        form = {
            **{k: ctx.value(k) for k in ("beneficiaries", "dry_kg", "chilled_kg", "frozen_kg",
                                          "budget_eur", "comment")},
            "closed_days": ctx.form.get("closed_days", []),
            "refuses": ctx.form.get("refuses", []),
        }  # fmt: skip
        try:
            found = parse_declaration(week, aid, form, {c for c, _ in categories})
        except DeclarationError as exc:
            problems = exc.problems
            values = {**values, **form, "closed_days": set(form["closed_days"]),
                      "refuses": set(form["refuses"])}  # fmt: skip
        else:
            with writing(ctx.db) as conn:
                record_declaration(conn, found, ctx.user.id)
                auth.audit(conn, "declaration", user=ctx.user, target=f"{aid} {week}",
                           ip=ctx.ip)  # fmt: skip
            return redirect(f"/asso/{aid}/?ok=declaration")
    return render(
        ctx, "association/declaration.html", status=400 if problems else 200, aid=aid,
        week=week, values=values, categories=categories, problems=problems,
        days=[(d.code, d.label_fr) for d in Day], storage=CLASS_PLURAL_FR,
    )  # fmt: skip


def routes() -> list[BaseRoute]:
    return [
        Route("/asso/{aid:str}/", home),
        Route("/asso/{aid:str}/semaine/{week:str}", week_plan),
        Route("/asso/{aid:str}/semaine/{week:str}/plan.pdf", plan_pdf),
        Route("/asso/{aid:str}/semaine/{week:str}/reception", confirm, methods=["POST"]),
        Route("/asso/{aid:str}/declaration", declaration, methods=["GET", "POST"]),
    ]
