"""The request plumbing shared by every page: settings, the per-request context, templates.

A page is a plain (synchronous) function ``handler(ctx) -> Response`` declared with
:func:`page`: the wrapper reads the session cookie, refuses visitors without the right role
(redirect to the login page, or 403), reads a POST form with size limits, checks its CSRF token,
then runs the handler in a worker thread (database calls block). Nothing a user typed reaches a
template unescaped (Jinja2 autoescape).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from aide_alim.db import Database
from aide_alim.i18n import fmt
from aide_alim.portal import auth
from aide_alim.portal.security import csrf_ok

SESSION_COOKIE = "aide_alim_session"
LOGIN_CSRF_COOKIE = "aide_alim_login"
#: The largest request body accepted (an upload of a week's workbook or CSV files) [bytes].
MAX_BODY = 5_000_000
MAX_FILES = 12


@dataclass
class Settings:
    """How the portal runs: its database, where uploads and runs go, cookie security."""

    db: Database
    data_dir: Path
    secure_cookies: bool = True
    max_body: int = MAX_BODY
    run_inline: bool = False  # tests: run background jobs at once, in the request's thread
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ctx:
    """What a page handler gets: the request, the settings, the session and the form."""

    request: Request
    settings: Settings
    session: auth.Session | None
    form: dict[str, list[Any]]
    params: dict[str, str]

    @property
    def db(self) -> Database:
        return self.settings.db

    @property
    def user(self) -> auth.User:
        assert self.session is not None
        return self.session.user

    @property
    def ip(self) -> str:
        return self.request.client.host if self.request.client else ""

    def value(self, name: str, default: str = "") -> str:
        values = self.form.get(name)
        if not values or not isinstance(values[0], str):
            return default
        return values[0]

    def files(self, name: str) -> list[UploadFile]:
        return [v for v in self.form.get(name, []) if isinstance(v, UploadFile)]


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aide_alim.portal", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        kg=fmt.kg, eur=fmt.eur, pct=fmt.pct, number=fmt.number, date=fmt.date,
        short_date=fmt.short_date, clock=fmt.clock, field=field_value,
    )  # fmt: skip
    return env


def field_value(value: Any) -> str:
    """A number as a form field shows it: ``240`` for 240.0, ``90,5`` for 90.5; text as is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def render(ctx: Ctx | None, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``template`` (with the user and the CSRF token when logged in)."""
    session = ctx.session if ctx else None
    context.setdefault("notice", None)
    html = (
        environment()
        .get_template(template)
        .render(
            user=session.user if session else None,
            csrf=session.csrf if session else "",
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


def refused(ctx: Ctx | None, message: str = "Vous n'avez pas accès à cette page.") -> Response:
    return render(ctx, "error.html", status=403, title="Accès refusé", message=message)


def not_found(ctx: Ctx | None, message: str = "Cette page n'existe pas.") -> Response:
    return render(ctx, "error.html", status=404, title="Page introuvable", message=message)


def home_of(user: auth.User) -> str:
    if user.role == "association":
        return f"/asso/{user.association}/"
    if user.role == "coordinator":
        return "/coord/"
    return "/pilotage/"


async def _form(request: Request) -> dict[str, list[Any]]:
    data: FormData = await request.form(max_files=MAX_FILES, max_fields=2000)
    out: dict[str, list[Any]] = {}
    for key, value in data.multi_items():
        out.setdefault(key, []).append(value)
    return out


def page(
    *roles: str, public: bool = False
) -> Callable[[Callable[[Ctx], Response]], Callable[[Request], Any]]:
    """Declare a page: who may see it (``roles``; none given and ``public``: anyone)."""

    def wrap(handler: Callable[[Ctx], Response]) -> Callable[[Request], Any]:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            token = request.cookies.get(SESSION_COOKIE, "")
            session = None
            if token:
                session = await run_in_threadpool(_session, settings.db, token)
            ctx = Ctx(request, settings, session, {}, dict(request.path_params))
            if not public:
                if session is None:
                    return RedirectResponse("/connexion", status_code=303)
                if session.user.role not in roles:
                    return refused(ctx)
            if request.method == "POST":
                ctx.form = await _form(request)
                if not public and not csrf_ok(ctx.session.csrf if ctx.session else "",
                                              ctx.value("csrf")):  # fmt: skip
                    return render(
                        ctx, "error.html", status=403, title="Formulaire expiré",
                        message="Le formulaire a expiré ou ne vient pas de ce site ; rien n'a été "
                        "enregistré. Rechargez la page et recommencez.",
                    )  # fmt: skip
            try:
                return await run_in_threadpool(handler, ctx)
            finally:
                for values in ctx.form.values():
                    for value in values:
                        if isinstance(value, UploadFile):
                            await value.close()

        return endpoint

    return wrap


def _session(db: Database, token: str) -> auth.Session | None:
    with db.read() as conn:
        return auth.session_of(conn, token)


def set_cookie(response: Response, settings: Settings, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name, value, max_age=age, path="/", secure=settings.secure_cookies, httponly=True,
        samesite="strict",
    )  # fmt: skip


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
