"""The background worker: week runs and publications started from the portal.

A job is a row of ``portal_job`` (queued → running → done or failed), so the page that shows it
only reads the database, whichever process or thread does the work. The worker is one thread
of the server process, taking queued jobs one at a time (the solvers already use the cores):

- ``run``: :func:`aide_alim.weekly.run_week` on the uploaded week, documents written to
  ``<data_dir>/runs/<job>/``; each stage's start and end is written to the job as it happens.
- ``publish``: :func:`aide_alim.history.allocate_and_publish`, exactly what ``aide-alim publish``
  does. A publication job holds ``lock_key = "publish:<week>"`` (a unique column) while pending,
  so a second one for the same week is refused at once; the history's own unique constraint
  refuses a second publication of a week in any case.

Jobs left running by a stopped server are marked failed at the next start (:meth:`recover`).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from aide_alim.db import Database
from aide_alim.errors import AideAlimError, ScenarioError
from aide_alim.i18n import fmt
from aide_alim.portal import auth
from aide_alim.portal import tables as t
from aide_alim.portal.security import error_reference, log
from aide_alim.portal.work import writing

KINDS = ("run", "publish")


class JobRefused(AideAlimError):
    """A job cannot be started (the same week is already being published)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Worker:
    """Runs queued jobs in one background thread (or inline, for tests)."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        self.db = db
        self.data_dir = data_dir
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- submitting ---------------------------------------------------------------------------

    def submit(self, kind: str, week: str, upload: str, user: auth.User, ip: str = "") -> int:
        """Queue a job; raises :class:`JobRefused` if that week is already being published."""
        assert kind in KINDS
        lock = f"publish:{week}" if kind == "publish" else None
        try:
            with writing(self.db) as conn:
                job = conn.execute(
                    t.portal_job.insert()
                    .values(kind=kind, week=week, state="queued", upload=upload, lock_key=lock,
                            user_id=user.id, created_at=_now())
                    .returning(t.portal_job.c.id)
                ).scalar_one()  # fmt: skip
                auth.audit(conn, f"{kind}_queued", user=user, target=week,
                           detail=f"job {job}, upload {upload}", ip=ip)  # fmt: skip
        except IntegrityError:
            raise JobRefused(
                f"La semaine {week} est déjà en cours de publication : attendez la fin."
            ) from None
        self._wake.set()
        return int(job)

    # -- the thread ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="aide-alim-worker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_pending()
            except Exception:  # never let the thread die: log and go on
                log.exception("worker loop")
                busy = 0
            if not busy:
                self._wake.wait(timeout=2.0)
                self._wake.clear()

    def recover(self) -> None:
        """Mark the jobs a stopped server left running as failed (and free their locks)."""
        j = t.portal_job
        with writing(self.db) as conn:
            conn.execute(
                j.update()
                .where(j.c.state == "running")
                .values(state="failed", lock_key=None, finished_at=_now(),
                        message="Interrompu par un arrêt du serveur : relancez-le.")
            )  # fmt: skip

    def run_pending(self) -> int:
        """Run every queued job, oldest first; returns how many ran."""
        count = 0
        while not self._stop.is_set():
            job = self._claim()
            if job is None:
                return count
            self._run(job)
            count += 1
        return count

    def _claim(self) -> Any:
        j = t.portal_job
        with writing(self.db) as conn:
            row = conn.execute(
                sa.select(j).where(j.c.state == "queued").order_by(j.c.id).limit(1)
            ).first()
            if row is None:
                return None
            taken = conn.execute(
                j.update().where(j.c.id == row.id, j.c.state == "queued").values(state="running")
            ).rowcount
        return row if taken == 1 else self._claim()

    def _update(self, job_id: int, **values: Any) -> None:
        with writing(self.db) as conn:
            conn.execute(t.portal_job.update().where(t.portal_job.c.id == job_id).values(**values))

    def _run(self, job: Any) -> None:
        upload = upload_path(self.data_dir, job.upload)
        user = None
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(t.portal_user).where(t.portal_user.c.id == job.user_id)
            ).first()
            if row is not None:
                user = auth.User(row.id, row.login, row.name, row.role, row.association, True)
        try:
            if upload is None:
                raise AideAlimError("Les fichiers de cet import n'existent plus.")
            message = self._publish(job, upload, user) if job.kind == "publish" else (
                self._week_run(job, upload)
            )  # fmt: skip
            state = "done"
        except (ScenarioError, AideAlimError) as exc:
            state, message = "failed", str(exc)
        except Exception as exc:  # a bug: keep the trace in the log, not on the page
            reference = error_reference()
            log.exception("job %s failed (%s)", job.id, reference, exc_info=exc)
            state, message = "failed", f"Erreur interne (référence {reference})."
        with writing(self.db) as conn:
            conn.execute(
                t.portal_job.update()
                .where(t.portal_job.c.id == job.id)
                .values(state=state, message=message, lock_key=None, finished_at=_now())
            )
            auth.audit(conn, f"{job.kind}_{state}", user=user, target=job.week,
                       detail=f"job {job.id}: {message[:500]}")  # fmt: skip

    def _week_run(self, job: Any, upload: Path) -> str:
        from aide_alim.weekly import StageEvent, run_week

        done: list[dict[str, Any]] = []

        def progress(event: StageEvent) -> None:
            done.append({"stage": event.stage.label_fr, "state": event.state,
                         "seconds": round(event.seconds, 1), "message": event.message})  # fmt: skip
            self._update(job.id, stage=event.stage.value, progress=json.dumps(done))

        out = self.data_dir / "runs" / str(job.id)
        result = run_week(upload, out, force=True, progress=progress)
        metrics = result.allocation.metrics
        summary = {
            "kg": float(result.allocation.lines["kg"].sum()) if len(result.allocation.lines) else 0,
            "min_fill_ratio": float(metrics.get("min_fill_ratio", 0.0)),
            "km": float(result.plan.totals.get("km", 0.0)),
            "comparison": _records(result.comparison),
        }
        (out / "portal_summary.json").write_text(json.dumps(summary), encoding="utf-8")
        return "Calcul terminé."

    def _publish(self, job: Any, upload: Path, user: auth.User | None) -> str:
        """Publish the plan a run wrote (what the coordinator reviewed), as ``aide-alim publish
        PLANS`` does; given only the uploaded week, allocate and route it first."""
        from aide_alim.history import allocate_and_publish, publish_week
        from aide_alim.history.plan_file import is_plan_folder, load_plan
        from aide_alim.scenario import load_scenario

        self._update(job.id, stage="publish")
        note = f"portail ({user.login if user else '?'})"
        if is_plan_folder(upload):
            saved = load_plan(upload)
            scenario, allocation = saved.scenario, saved.allocation
            pub = publish_week(self.db, scenario, allocation, saved.routes, note=note)
        else:
            scenario = load_scenario(upload)
            pub, allocation, _ = allocate_and_publish(self.db, scenario, note=note)
        kg = float(allocation.lines["kg"].sum()) if len(allocation.lines) else 0.0
        return f"Semaine {scenario.week} publiée (publication {pub}) : {fmt.kg(kg)} répartis."


def _records(frame: Any) -> list[dict[str, Any]]:
    from aide_alim.history.publish import to_jsonable

    if frame is None or len(frame) == 0:
        return []
    return [to_jsonable(r) for r in frame.to_dict("records")]


def upload_path(data_dir: Path, token: str) -> Path | None:
    """Where an upload's week is (its workbook or its folder), or the folder a run wrote
    (``run:<job>``); ``None`` if absent."""
    if token.startswith("run:"):
        folder = data_dir / "runs" / token[4:]
        return folder if token[4:].isdigit() and folder.is_dir() else None
    folder = data_dir / "uploads" / token
    for candidate in (folder / "semaine.xlsx", folder / "semaine"):
        if candidate.exists():
            return candidate
    return None


def job(db: Database, job_id: int) -> Any:
    """One job row, or ``None``."""
    with db.read() as conn:
        return conn.execute(sa.select(t.portal_job).where(t.portal_job.c.id == job_id)).first()


def recent_jobs(db: Database, limit: int = 10) -> list[Any]:
    with db.read() as conn:
        return list(
            conn.execute(
                sa.select(t.portal_job).order_by(t.portal_job.c.id.desc()).limit(limit)
            ).all()
        )
