"""The steering's pages (State, Métropole; the coordinator sees them too), read-only.

Indicators of the published weeks with their charts (:mod:`aide_alim.indicators`), the ledger
of the convention checked as ``aide-alim ledger check`` does, and the year's execution report
as ``aide-alim ledger report`` writes it (PDF). Nothing here writes to the database: Axe 3's
values are read as last recorded (``refresh_axis3=False``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from aide_alim.documents.html import present
from aide_alim.errors import AideAlimError
from aide_alim.portal.web import Ctx, not_found, page, render

ROLES = ("steering", "coordinator")


@page(*ROLES)
def indicators_page(ctx: Ctx) -> Response:
    from aide_alim.indicators import indicators
    from aide_alim.indicators import report as charts

    tables = indicators(ctx.db)
    summary = present(tables["summary"], [
        ("name", "Structure", "text"), ("weeks", "Semaines", "int"), ("kg", "kg reçus", "kg"),
        ("meals", "Repas", "int"), ("value_eur", "Valeur (€)", "eur"),
        ("paid_eur", "Payé (€)", "eur"), ("share_served", "Semaines servies", "pct"),
        ("cum_fill_ratio", "Couverture cumulée", "pct"),
    ])  # fmt: skip
    weekly = tables["weekly"]
    pictures = [
        ("kg reçus par structure sur la période", charts.chart_weekly_volume(weekly)),
        ("Régularité", charts.chart_regularity(weekly)),
        ("Taux de couverture cumulé", charts.chart_fairness(tables["fairness"], weekly)),
    ]
    weeks = sorted(set(weekly["week"])) if len(weekly) else []
    return render(ctx, "steering/indicators.html", summary=summary, weeks=weeks,
                  charts=[(title, png) for title, png in pictures if png])  # fmt: skip


def _year(ctx: Ctx) -> int | None:
    text = ctx.request.query_params.get("annee", "")
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) == 4 else -1


def _report(ctx: Ctx, year: int | None, charts: bool) -> Any:
    from aide_alim.ledger.convention_files import find_convention
    from aide_alim.ledger.report_content import build_report, collect_report

    convention = find_convention(year=year)
    data = build_report(ctx.db, convention, today=dt.date.today(), refresh_axis3=False)
    if not charts:
        return data
    return collect_report(
        data.convention, data.expenses, data.values, data.findings, data.axis3,
        generated_on=data.generated_on,
    )  # fmt: skip


@page(*ROLES)
def ledger_page(ctx: Ctx) -> Response:
    from aide_alim.ledger.report_content import financial_statement, indicator_results, synthesis

    year = _year(ctx)
    if year == -1:
        return not_found(ctx, "Année inconnue.")
    try:
        data = _report(ctx, year, charts=False)
    except AideAlimError as exc:
        return not_found(ctx, str(exc))
    statement = financial_statement(data)
    results = indicator_results(data)
    return render(
        ctx, "steering/ledger.html", year=data.convention.year, sentences=synthesis(data),
        statement=present(statement, _statement_spec(data, list(statement.columns))),
        results=results.to_dict("records"), findings=data.findings,
    )  # fmt: skip


def _statement_spec(data: Any, columns: list[str]) -> list[tuple[str, str, str]]:
    """French headers of the financial statement (funders by their name in the convention)."""
    names = {f: data.convention.party(f).name for f in data.convention.funders}
    fixed = {
        "action": ("Action", "text"), "title": ("Intitulé", "text"),
        "budget_eur": ("Budget (€)", "eur"), "spent_eur": ("Dépensé (€)", "eur"),
        "execution_rate": ("Exécution", "pct"), "parity_ok": ("Parité", "text"),
    }  # fmt: skip
    spec = []
    for column in columns:
        kind, _, funder = column.partition("_")
        if column in fixed:
            spec.append((column, *fixed[column]))
        elif kind in ("committed", "spent") and funder in names:
            verb = "engagé" if kind == "committed" else "dépensé"
            spec.append((column, f"{names[funder]} {verb} (€)", "eur"))
    return spec


@page(*ROLES)
def report_pdf(ctx: Ctx) -> Response:
    from aide_alim.ledger.report import render_pdf

    year = _year(ctx)
    if year == -1:
        return not_found(ctx, "Année inconnue.")
    try:
        data = _report(ctx, year, charts=True)
    except AideAlimError as exc:
        return not_found(ctx, str(exc))
    name = f"rapport_execution_{data.convention.year}.pdf"
    return Response(render_pdf(data), media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"'})  # fmt: skip


def routes() -> list[BaseRoute]:
    return [
        Route("/pilotage/", indicators_page),
        Route("/pilotage/registre", ledger_page),
        Route("/pilotage/rapport.pdf", report_pdf),
    ]
