"""HTTP hardening shared by every page: headers, body size limit, CSRF, errors without traces.

- :class:`SecurityMiddleware` (pure ASGI) adds a strict Content Security Policy (no inline script
  or style, no framing), ``nosniff``, ``Referrer-Policy`` and ``no-store`` to every response, and
  refuses a request body larger than the limit with 413 (by ``Content-Length`` or while reading
  a chunked body).
- :func:`csrf_ok` compares a form's token with the session's in constant time.
- :func:`error_page` is the only thing a user sees of an unexpected error: a French page with a
  reference; the trace goes to the server log.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("aide_alim.portal")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
#: For the generated summaries (self-contained HTML with inline styles): no script at all.
REPORT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
)
HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}


class BodyTooLarge(Exception):
    """The request body is over the limit."""


class SecurityMiddleware:
    """Security headers on every response; 413 for bodies over ``max_body`` bytes."""

    def __init__(self, app: ASGIApp, *, max_body: int, hsts: bool = True) -> None:
        self.app = app
        self.max_body = max_body
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _too_large(send, self.max_body)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in HEADERS
                ]
                names = {k.lower() for k, _ in headers}
                headers += list(HEADERS.items())
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, counted, with_headers)
        except BodyTooLarge:
            if not started:
                await _too_large(with_headers, self.max_body)


async def _too_large(send: Send, limit: int) -> None:
    body = (
        "<!doctype html><html lang=fr><meta charset=utf-8><title>Fichier trop gros</title>"
        f"<p>Envoi refusé : plus de {limit // 1_000_000} Mo. Rien n'a été enregistré."
        "<p><a href=/>Retour</a></html>"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", CSP.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def csrf_ok(expected: str, given: object) -> bool:
    """The form's token equals the session's (constant-time comparison)."""
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(expected, given)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def error_reference() -> str:
    """A short reference to quote to the administrator (also written in the log)."""
    return secrets.token_hex(4)
