"""The coordinator's pages: upload and check a week, run it, publish it, follow the answers.

Upload: one ``.xlsx`` workbook or the week's CSV files (and ``scenario.toml``), checked at once by
:func:`aide_alim.scenario.check_scenario` (what ``aide-alim validate`` does): every problem is
shown in a table with its file, row and column, and nothing else happens. A valid week can be
run (the documents of ``aide-alim run``) and published (``aide-alim publish``) by the background
worker; the job's page follows its progress. Exports neutralise spreadsheet formulas.
"""

from __future__ import annotations

import base64
import io
import json
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from aide_alim.documents.html import present
from aide_alim.documents.safety import neutralise_frame
from aide_alim.errors import AideAlimError, Problem
from aide_alim.history import schema as h
from aide_alim.history.publish import iso_week
from aide_alim.portal import auth, plans
from aide_alim.portal import tables as t
from aide_alim.portal.declarations import (
    FIELDS_FR,
    export_associations,
    latest_declarations,
    next_week,
)
from aide_alim.portal.security import REPORT_CSP
from aide_alim.portal.web import Ctx, not_found, page, redirect, render
from aide_alim.portal.work import writing
from aide_alim.portal.worker import JobRefused, job, recent_jobs, upload_path

CSV_NAMES = {
    "scenario.toml", "associations.csv", "sites.csv", "lots.csv", "vehicles.csv",
    "categories.csv",
}  # fmt: skip
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _uploads(ctx: Ctx) -> Path:
    return ctx.settings.data_dir / "uploads"


@page("coordinator")
def dashboard(ctx: Ctx) -> Response:
    weeks = plans.published_weeks(ctx.db)
    follow = [_follow_counts(ctx, w.week, w.publication_id) for w in weeks[:8]]
    return render(ctx, "coordinator/home.html", weeks=weeks[:8], follow=follow,
                  jobs=recent_jobs(ctx.db))  # fmt: skip


def _follow_counts(ctx: Ctx, week: str, pub: int) -> dict[str, int]:
    with ctx.db.read() as conn:
        listed = conn.execute(
            sa.select(sa.func.count()).select_from(h.association_week)
            .where(h.association_week.c.publication_id == pub)
        ).scalar_one()  # fmt: skip
        confirmed = conn.execute(
            sa.select(sa.func.count(sa.distinct(h.receipt.c.association))).where(
                h.receipt.c.week == week
            )
        ).scalar_one()
        declared = conn.execute(
            sa.select(sa.func.count(sa.distinct(t.portal_declaration.c.association))).where(
                t.portal_declaration.c.week == next_week(week)
            )
        ).scalar_one()
    return {"listed": int(listed), "confirmed": int(confirmed), "declared": int(declared)}


# -- upload and check ---------------------------------------------------------------------------


@page("coordinator")
def upload(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return render(ctx, "coordinator/upload.html", problems=[], status=200)
    files = [f for f in ctx.files("files") if f.filename]
    names = [Path(f.filename or "").name for f in files]
    problems: list[Problem] = []
    books = [n for n in names if n.lower().endswith(".xlsx")]
    if not files:
        problems.append(Problem("envoi", None, None, "aucun fichier reçu"))
    elif books and len(files) > 1:
        problems.append(Problem("envoi", None, None, "envoyez un seul classeur .xlsx, seul"))
    elif not books:
        problems += [
            Problem(n, None, None, f"fichier inattendu ; attendus : {', '.join(sorted(CSV_NAMES))}")
            for n in names
            if n not in CSV_NAMES
        ]
    if problems:
        return _upload_refused(ctx, problems)
    token = secrets.token_urlsafe(18)
    folder = _uploads(ctx) / token
    target = folder / "semaine.xlsx" if books else folder / "semaine"
    (folder if books else target).mkdir(parents=True)
    for f, name in zip(files, names, strict=True):
        path = target if books else target / name
        with path.open("wb") as out:
            shutil.copyfileobj(f.file, out)
    from aide_alim.scenario import check_scenario

    report = check_scenario(target)
    with writing(ctx.db) as conn:
        auth.audit(conn, "upload", user=ctx.user, target=token, ip=ctx.ip,
                   detail=f"{', '.join(names)[:300]}: {len(report.errors)} erreur(s)")  # fmt: skip
    if not report.ok:
        shutil.rmtree(folder, ignore_errors=True)
        return _upload_refused(ctx, list(report.errors))
    return redirect(f"/coord/import/{token}")


def _upload_refused(ctx: Ctx, problems: list[Problem]) -> Response:
    return render(ctx, "coordinator/upload.html", status=400, problems=problems)


def _token(ctx: Ctx) -> Path | None:
    token = ctx.params["token"]
    if not _TOKEN.match(token):
        return None
    return upload_path(ctx.settings.data_dir, token)


@page("coordinator")
def checked(ctx: Ctx) -> Response:
    path = _token(ctx)
    if path is None:
        return not_found(ctx, "Cet import n'existe pas (ou plus).")
    from aide_alim.scenario import check_scenario

    report = check_scenario(path)
    if report.scenario is None:
        return not_found(ctx, "Cet import n'est plus valable : importez la semaine à nouveau.")
    s = report.scenario
    with ctx.db.read() as conn:
        published = conn.execute(
            sa.select(h.publication.c.version).where(h.publication.c.active_week == s.week)
        ).scalar()
    return render(
        ctx, "coordinator/checked.html", token=ctx.params["token"], scenario=s,
        summary=report.summary, warnings=report.warnings, published=published,
        kg=sum(x.kg for x in s.lots),
    )  # fmt: skip


def _start(ctx: Ctx, kind: str) -> Response:
    path = _token(ctx)
    if path is None:
        return not_found(ctx, "Cet import n'existe pas (ou plus).")
    from aide_alim.scenario import check_scenario

    report = check_scenario(path)
    if report.scenario is None:
        return not_found(ctx, "Cet import n'est plus valable : importez la semaine à nouveau.")
    worker = ctx.settings.extra["worker"]
    try:
        job_id = worker.submit(kind, iso_week(report.scenario.week), ctx.params["token"],
                               ctx.user, ctx.ip)  # fmt: skip
    except JobRefused as exc:
        return render(ctx, "error.html", status=409, title="Déjà en cours", message=str(exc))
    if ctx.settings.run_inline:
        worker.run_pending()
    return redirect(f"/coord/travail/{job_id}")


@page("coordinator")
def start_run(ctx: Ctx) -> Response:
    return _start(ctx, "run")


@page("coordinator")
def start_publish(ctx: Ctx) -> Response:
    return _start(ctx, "publish")


# -- jobs ---------------------------------------------------------------------------------------


def _job(ctx: Ctx) -> Any:
    try:
        return job(ctx.db, int(ctx.params["job"]))
    except ValueError:
        return None


@page("coordinator")
def job_page(ctx: Ctx) -> Response:
    row = _job(ctx)
    if row is None:
        return not_found(ctx, "Ce travail n'existe pas.")
    stages: dict[str, dict[str, Any]] = {}  # one line per stage: its latest state
    for event in json.loads(row.progress) if row.progress else []:
        stages[event["stage"]] = event
    summary, comparison = None, None
    out = ctx.settings.data_dir / "runs" / str(row.id)
    if row.kind == "run" and row.state == "done" and (out / "portal_summary.json").exists():
        summary = json.loads((out / "portal_summary.json").read_text(encoding="utf-8"))
        comparison = _comparison(summary.get("comparison", []))
    return render(
        ctx, "coordinator/job.html", job=row, stages=list(stages.values()), summary=summary,
        comparison=comparison, refresh=row.state in ("queued", "running"),
    )  # fmt: skip


def _comparison(records: list[dict[str, Any]]) -> Any:
    if not records:
        return None
    from aide_alim.documents.summary import MEASURED_FR
    from aide_alim.documents.tables import RULE_FR

    frame = pd.DataFrame(records)
    frame["rule"] = [RULE_FR.get(r, r).split(" :")[0] for r in frame["rule"]]
    # The kept rule is scored on what the rounds carry, the others on their allocation alone.
    measured = frame["measured"] if "measured" in frame else ["allocation"] * len(frame)
    frame["measured_fr"] = [MEASURED_FR.get(str(m), str(m)) for m in measured]
    return present(frame, [
        ("rule", "Règle", "text"), ("measured_fr", "Mesuré", "text"),
        ("min_fill_ratio", "Couverture la plus basse", "pct"),
        ("mean_fill_ratio", "Couverture moyenne", "pct"), ("gini", "Gini", "num"),
        ("kg_distributed", "kg répartis", "kg"), ("kg_left", "kg restants", "kg"),
    ])  # fmt: skip


@page("coordinator")
def publish_run(ctx: Ctx) -> Response:
    """Publish exactly the plan a finished run wrote (the one reviewed on its page)."""
    row = _job(ctx)
    if row is None or row.kind != "run" or row.state != "done":
        return not_found(ctx, "Ce calcul n'existe pas ou n'est pas terminé.")
    worker = ctx.settings.extra["worker"]
    try:
        job_id = worker.submit("publish", row.week, f"run:{row.id}", ctx.user, ctx.ip)
    except JobRefused as exc:
        return render(ctx, "error.html", status=409, title="Déjà en cours", message=str(exc))
    if ctx.settings.run_inline:
        worker.run_pending()
    return redirect(f"/coord/travail/{job_id}")


@page("coordinator")
def job_summary(ctx: Ctx) -> Response:
    row = _job(ctx)
    path = ctx.settings.data_dir / "runs" / str(row.id) / "synthese.html" if row else None
    if path is None or not path.exists():
        return not_found(ctx, "Pas de synthèse pour ce travail.")
    return FileResponse(path, media_type="text/html; charset=utf-8",
                        headers={"content-security-policy": REPORT_CSP})  # fmt: skip


# -- published weeks: follow-up, map, exports ---------------------------------------------------


def _week(ctx: Ctx) -> str | None:
    try:
        return iso_week(ctx.params["week"])
    except AideAlimError:
        return None


@page("coordinator")
def week_page(ctx: Ctx) -> Response:
    week = _week(ctx)
    pub = None
    if week:
        with ctx.db.read() as conn:
            pub = plans.active_id(conn, week)
    if pub is None or week is None:
        return not_found(ctx, "Cette semaine n'est pas publiée.")
    follow = _follow(ctx, week, pub)
    return render(ctx, "coordinator/week.html", week=week, follow=follow,
                  map_png=_map(ctx, pub), upcoming=next_week(week))  # fmt: skip


def _follow(ctx: Ctx, week: str, pub: int) -> list[dict[str, Any]]:
    """Per association: planned kg, received kg (latest receipts), declared next week."""
    aw, line, r = h.association_week, h.allocation_line, h.receipt
    with ctx.db.read() as conn:
        people = conn.execute(
            sa.select(aw.c.association, aw.c.name).where(aw.c.publication_id == pub)
            .order_by(aw.c.name)
        ).all()  # fmt: skip
        planned = dict(conn.execute(
            sa.select(line.c.association, sa.func.sum(line.c.kg))
            .where(line.c.publication_id == pub).group_by(line.c.association)
        ).all())  # fmt: skip
        latest: dict[tuple[str, str], tuple[float, str]] = {}
        for a, lot, kg, comment in conn.execute(
            sa.select(r.c.association, r.c.lot, r.c.kg_received, r.c.comment)
            .where(r.c.week == week).order_by(r.c.id)
        ).all():  # fmt: skip
            latest[(a, lot)] = (float(kg), comment)
    declared = latest_declarations(ctx.db, next_week(week))
    rows = []
    for aid, name in people:
        mine = [v for (a, _), v in latest.items() if a == aid]
        rows.append({
            "association": aid, "name": name, "planned": float(planned.get(aid, 0.0)),
            "received": sum(kg for kg, _ in mine) if mine else None,
            "issues": sum(1 for _, c in mine if c), "declared": aid in declared,
        })  # fmt: skip
    return rows


def _map(ctx: Ctx, pub: int) -> str | None:
    from aide_alim.documents import charts

    stops = plans.week_stops(ctx.db, pub)
    if stops.empty:
        return None
    scenario = plans.week_scenario(ctx.db, pub)
    return base64.b64encode(charts.routes_map(scenario, stops)).decode("ascii")


def _csv(frame: pd.DataFrame, name: str) -> Response:
    buffer = io.StringIO()
    neutralise_frame(frame).to_csv(buffer, sep=";", decimal=",", index=False)
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )  # fmt: skip


@page("coordinator")
def receipts_csv(ctx: Ctx) -> Response:
    week = _week(ctx)
    if week is None:
        return not_found(ctx)
    r = h.receipt
    with ctx.db.read() as conn:
        rows = conn.execute(
            sa.select(r.c.week, r.c.association, r.c.lot, r.c.planned_kg, r.c.kg_received,
                      r.c.comment, r.c.source, r.c.recorded_at)
            .where(r.c.week == week).order_by(r.c.id)
        ).mappings().all()  # fmt: skip
    frame = pd.DataFrame([dict(x) for x in rows], columns=[
        "week", "association", "lot", "planned_kg", "kg_received", "comment", "source",
        "recorded_at"])  # fmt: skip
    return _csv(frame, f"receptions-{week}.csv")


@page("coordinator")
def declarations_page(ctx: Ctx) -> Response:
    week = _week(ctx)
    if week is None:
        return not_found(ctx)
    try:
        _, changes = export_associations(ctx.db, week)
    except AideAlimError as exc:
        return not_found(ctx, str(exc))
    return render(ctx, "coordinator/declarations.html", week=week,
                  rows=changes.to_dict("records"), fields=FIELDS_FR)  # fmt: skip


@page("coordinator")
def declarations_csv(ctx: Ctx) -> Response:
    week = _week(ctx)
    if week is None:
        return not_found(ctx)
    try:
        text, _ = export_associations(ctx.db, week)
    except AideAlimError as exc:
        return not_found(ctx, str(exc))
    return Response(
        text.encode("utf-8"), media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="associations.csv"'},
    )  # fmt: skip


@page("coordinator")
def journal(ctx: Ctx) -> Response:
    a = t.portal_audit
    with ctx.db.read() as conn:
        rows = conn.execute(sa.select(a).order_by(a.c.id.desc()).limit(200)).all()
    return render(ctx, "coordinator/journal.html", rows=rows)


def routes() -> list[BaseRoute]:
    return [
        Route("/coord/", dashboard),
        Route("/coord/import", upload, methods=["GET", "POST"]),
        Route("/coord/import/{token:str}", checked),
        Route("/coord/import/{token:str}/calcul", start_run, methods=["POST"]),
        Route("/coord/import/{token:str}/publier", start_publish, methods=["POST"]),
        Route("/coord/travail/{job:str}", job_page),
        Route("/coord/travail/{job:str}/synthese", job_summary),
        Route("/coord/travail/{job:str}/publier", publish_run, methods=["POST"]),
        Route("/coord/semaine/{week:str}", week_page),
        Route("/coord/semaine/{week:str}/receptions.csv", receipts_csv),
        Route("/coord/declarations/{week:str}", declarations_page),
        Route("/coord/declarations/{week:str}/associations.csv", declarations_csv),
        Route("/coord/journal", journal),
    ]
