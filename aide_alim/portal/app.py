"""The portal's ASGI application: :func:`create_app` and the pages every visitor shares.

``aide-alim serve`` runs it with uvicorn. The association, coordinator and steering pages live
in their own modules; this one holds login, logout, invitations and the error pages.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from aide_alim.db import Database
from aide_alim.errors import AideAlimError
from aide_alim.portal import association, auth, coordinator, offers, plans, steering
from aide_alim.portal.security import SecurityMiddleware, csrf_ok, error_reference, log, new_token
from aide_alim.portal.web import (
    LOGIN_CSRF_COOKIE,
    MAX_BODY,
    SESSION_COOKIE,
    Ctx,
    Settings,
    home_of,
    not_found,
    page,
    redirect,
    render,
    set_cookie,
)
from aide_alim.portal.work import writing
from aide_alim.portal.worker import Worker


@page(public=True)
def index(ctx: Ctx) -> Response:
    return redirect(home_of(ctx.session.user) if ctx.session else "/connexion")


def _login_form(ctx: Ctx, message: str = "", status: int = 200, login: str = "") -> Response:
    token = new_token()
    done = ctx.request.query_params.get("ok") == "1" and not message
    response = render(
        None, "login.html", status=status, login_csrf=token, message=message, login=login,
        notice="Votre mot de passe est enregistré : connectez-vous." if done else None,
    )  # fmt: skip
    set_cookie(response, ctx.settings, LOGIN_CSRF_COOKIE, token, 3600)
    return response


@page(public=True)
def login(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return _login_form(ctx)
    given = ctx.value("csrf")
    if not csrf_ok(ctx.request.cookies.get(LOGIN_CSRF_COOKIE, ""), given):
        return _login_form(ctx, "Le formulaire a expiré : recommencez.", 403)
    name = ctx.value("login")[:200]
    try:
        user = auth.authenticate(ctx.db, name, ctx.value("password")[:1000], ctx.ip)
        if user is not None:
            with writing(ctx.db) as conn:
                token = auth.open_session(conn, user)
    except auth.Throttled as exc:
        return _login_form(ctx, str(exc), 429, name)
    if user is None:
        return _login_form(ctx, "Identifiant ou mot de passe incorrect.", 401, name)
    response = redirect(home_of(user))
    set_cookie(response, ctx.settings, SESSION_COOKIE, token, auth.SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@page("association", "coordinator", "steering")
def logout(ctx: Ctx) -> Response:
    assert ctx.session is not None
    with writing(ctx.db) as conn:
        auth.close_session(conn, ctx.session.token_hash)
        auth.audit(conn, "logout", user=ctx.user, ip=ctx.ip)
    response = redirect("/connexion")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@page(public=True)
def invitation(ctx: Ctx) -> Response:
    token = ctx.params["token"]
    with ctx.db.read() as conn:
        pending = auth.invite_pending(conn, token)
    if not pending:
        return not_found(ctx, "Ce lien d'invitation n'est pas valable (déjà utilisé ou expiré).")
    if ctx.request.method == "GET":
        return _invite_form(ctx, token)
    if not csrf_ok(ctx.request.cookies.get(LOGIN_CSRF_COOKIE, ""), ctx.value("csrf")):
        return _invite_form(ctx, token, "Le formulaire a expiré : recommencez.", 403)
    password = ctx.value("password")[:1000]
    if password != ctx.value("password2")[:1000]:
        return _invite_form(ctx, token, "Les deux mots de passe diffèrent.", 400)
    try:
        with writing(ctx.db) as conn:
            auth.accept_invite(conn, token, password)
    except auth.AccountError as exc:
        return _invite_form(ctx, token, str(exc), 400)
    return redirect("/connexion?ok=1")


def _invite_form(ctx: Ctx, token: str, message: str = "", status: int = 200) -> Response:
    csrf = new_token()
    response = render(
        None, "invite.html", status=status, token=token, login_csrf=csrf, message=message,
        min_length=auth.MIN_PASSWORD,
    )  # fmt: skip
    set_cookie(response, ctx.settings, LOGIN_CSRF_COOKIE, csrf, 3600)
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return not_found(None)
    if exc.status_code == 405:
        return render(None, "error.html", 405, title="Action impossible",
                      message="Cette adresse ne s'utilise pas ainsi.")  # fmt: skip
    return render(None, "error.html", exc.status_code, title="Requête refusée",
                  message="La requête n'a pas pu être traitée.")  # fmt: skip


async def _server_error(request: Request, exc: Exception) -> Response:
    reference = error_reference()
    if isinstance(exc, AideAlimError):
        log.warning("error %s on %s: %s", reference, request.url.path, exc)
    else:
        log.exception("error %s on %s", reference, request.url.path, exc_info=exc)
    return render(
        None, "error.html", 500, title="Erreur",
        message=f"Une erreur est survenue ; rien n'a été enregistré. Référence : {reference}.",
    )  # fmt: skip


def _warm(db: Database) -> None:
    try:
        plans.warm(db)
    except Exception:  # only a head start: the first reader loads the week otherwise
        log.exception("warming the plans")


def routes() -> list[BaseRoute]:
    static = Path(__file__).parent / "static"
    return [
        Route("/", index),
        Route("/connexion", login, methods=["GET", "POST"]),
        Route("/deconnexion", logout, methods=["POST"]),
        Route("/invitation/{token:str}", invitation, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
        *association.routes(),
        *coordinator.routes(),
        *offers.routes(),
        *steering.routes(),
    ]


def create_app(
    db: Database,
    data_dir: str | Path,
    *,
    secure_cookies: bool = True,
    max_body: int = MAX_BODY,
    run_inline: bool = False,
    worker: bool = True,
) -> Any:
    """The portal over the history database ``db``; uploads and runs are kept in ``data_dir``.

    ``worker``: start the background worker with the application (runs and publications);
    ``run_inline`` runs them in the request instead (tests). Jobs a stopped server left running
    are marked failed by ``aide-alim serve`` before it starts (:meth:`Worker.recover`).
    """
    settings = Settings(db, Path(data_dir), secure_cookies, max_body, run_inline)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    jobs = Worker(db, settings.data_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if worker and not run_inline:
            jobs.start()
            threading.Thread(target=_warm, args=(db,), name="aide-alim-warm", daemon=True).start()
        try:
            yield
        finally:
            jobs.stop()

    app = Starlette(
        routes=routes(),
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.worker = jobs
    settings.extra["worker"] = jobs
    return SecurityMiddleware(app, max_body=max_body, hsts=secure_cookies)


#: Environment of :func:`app_from_environment` (set by ``aide-alim serve`` for its processes).
ENV_DB, ENV_DATA, ENV_INSECURE = (
    "AIDE_ALIM_PORTAL_DB", "AIDE_ALIM_PORTAL_DATA", "AIDE_ALIM_PORTAL_INSECURE_COOKIES",
)  # fmt: skip


def app_from_environment() -> Any:
    """The application of one server process (uvicorn's factory for ``serve --workers N``)."""
    import os

    from aide_alim.db import open_database

    db = open_database(os.environ[ENV_DB], upgrade=False)
    return create_app(db, os.environ[ENV_DATA], secure_cookies=not os.environ.get(ENV_INSECURE))
