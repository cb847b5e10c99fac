"""Accounts, passwords, sessions, login throttling and the audit log of the portal.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile). An
invitation is a random token whose SHA-256 only is stored; following the link sets a password.
A session is a random token in an ``HttpOnly; Secure; SameSite=Strict`` cookie; the database
keeps its SHA-256, its expiry and its CSRF token, so that logging out or disabling an account
ends it at once. Every function that writes takes an open connection, so that a page writes its
change and its audit entry in one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from aide_alim.db import Database
from aide_alim.errors import AideAlimError
from aide_alim.i18n import _
from aide_alim.portal import tables as t

SESSION_HOURS = 12
INVITE_DAYS = 7
#: Throttling: at most this many failed logins per login (and per address) in the window.
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_IP = 30
FAILURE_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# A hash of a random password: verified against when the login is unknown, so that an unknown
# login takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(AideAlimError):
    """An account operation was refused (unknown login, bad role, weak password…)."""


@dataclass(frozen=True)
class User:
    """A logged-in (or listed) account."""

    id: int
    login: str
    name: str
    role: str
    association: str | None
    active: bool

    @property
    def label(self) -> str:
        return self.name or self.login


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back: they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_hasher(hasher: PasswordHasher) -> None:
    """Use other Argon2 parameters (the tests use cheap ones)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.")
    return _hasher.hash(password)


def _user(row: Any) -> User:
    return User(int(row.id), row.login, row.name, row.role, row.association, bool(row.active))


def audit(
    conn: sa.Connection,
    action: str,
    *,
    user: User | None = None,
    login: str = "",
    target: str = "",
    detail: str = "",
    ip: str = "",
) -> None:
    """Add one line to the audit log (in the caller's transaction)."""
    conn.execute(
        t.portal_audit.insert().values(
            at=now(),
            user_id=user.id if user else None,
            login=user.login if user else login,
            action=action,
            target=target[:200],
            detail=detail,
            ip=ip[:64],
        )
    )


# -- accounts -----------------------------------------------------------------------------------


def add_user(
    conn: sa.Connection,
    login: str,
    role: str,
    *,
    name: str = "",
    association: str | None = None,
    password: str | None = None,
) -> User:
    """Create an account (with a password, or none yet: then invite it)."""
    login = login.strip().lower()
    if not login or len(login) > 200:
        raise AccountError(_("Expected a login of 1 to 200 characters."))
    if role not in t.ROLES:
        raise AccountError(
            _("Expected a role in {roles}, got {role!r}.").format(
                roles=", ".join(t.ROLES), role=role
            )
        )
    if (role == "association") != bool(association):
        raise AccountError(_("An association account needs --association; other roles take none."))
    if conn.execute(sa.select(t.portal_user.c.id).where(t.portal_user.c.login == login)).first():
        raise AccountError(_("The login {login!r} already exists.").format(login=login))
    name = name.strip()
    values = {
        "login": login,
        "name": name,
        "role": role,
        "association": association,
        "password_hash": hash_password(password) if password else "",
        "active": True,
        "created_at": now(),
    }
    new_id = conn.execute(
        t.portal_user.insert().values(**values).returning(t.portal_user.c.id)
    ).scalar_one()
    audit(conn, "user_add", login="(shell)", target=login, detail=role)
    return User(int(new_id), login, name, role, association, True)


def find_user(conn: sa.Connection, login: str) -> User | None:
    row = conn.execute(
        sa.select(t.portal_user).where(t.portal_user.c.login == login.strip().lower())
    ).first()
    return _user(row) if row else None


def invite(conn: sa.Connection, login: str) -> str:
    """A new invitation token for ``login`` (valid :data:`INVITE_DAYS` days)."""
    user = find_user(conn, login)
    if user is None:
        raise AccountError(_("No account with the login {login!r}.").format(login=login))
    token = secrets.token_urlsafe(32)
    conn.execute(
        t.portal_user.update()
        .where(t.portal_user.c.id == user.id)
        .values(invite_hash=sha256(token), invite_expires=now() + dt.timedelta(days=INVITE_DAYS))
    )
    audit(conn, "user_invite", login="(shell)", target=user.login)
    return token


def accept_invite(conn: sa.Connection, token: str, password: str) -> User:
    """Set the password of the account invited with ``token`` (used once)."""
    row = conn.execute(
        sa.select(t.portal_user).where(t.portal_user.c.invite_hash == sha256(token))
    ).first()
    if row is None or not row.active or _aware(row.invite_expires) < now():
        raise AccountError("Ce lien d'invitation n'est pas valable (déjà utilisé ou expiré).")
    conn.execute(
        t.portal_user.update()
        .where(t.portal_user.c.id == row.id)
        .values(password_hash=hash_password(password), invite_hash=None, invite_expires=None)
    )
    user = _user(row)
    audit(conn, "invite_accepted", user=user, target=user.login)
    return user


def invite_pending(conn: sa.Connection, token: str) -> bool:
    row = conn.execute(
        sa.select(t.portal_user.c.invite_expires, t.portal_user.c.active).where(
            t.portal_user.c.invite_hash == sha256(token)
        )
    ).first()
    return bool(row and row.active and _aware(row.invite_expires) >= now())


def set_active(conn: sa.Connection, login: str, active: bool) -> User:
    """Disable (or enable again) an account; disabling ends its sessions."""
    user = find_user(conn, login)
    if user is None:
        raise AccountError(_("No account with the login {login!r}.").format(login=login))
    conn.execute(t.portal_user.update().where(t.portal_user.c.id == user.id).values(active=active))
    if not active:
        conn.execute(t.portal_session.delete().where(t.portal_session.c.user_id == user.id))
    audit(conn, "user_enable" if active else "user_disable", login="(shell)", target=user.login)
    return User(user.id, user.login, user.name, user.role, user.association, active)


def list_users(db: Database) -> list[User]:
    with db.read() as conn:
        rows = conn.execute(sa.select(t.portal_user).order_by(t.portal_user.c.login)).all()
    return [_user(r) for r in rows]


# -- login, throttling, sessions ----------------------------------------------------------------


class Throttled(AideAlimError):
    """Too many failed logins recently."""


def _failures(conn: sa.Connection, login: str, ip: str) -> tuple[int, int]:
    f = t.portal_login_failure
    since = now() - FAILURE_WINDOW
    by_login = conn.execute(
        sa.select(sa.func.count()).where(f.c.login == login, f.c.at >= since)
    ).scalar_one()
    by_ip = conn.execute(
        sa.select(sa.func.count()).where(f.c.ip == ip, f.c.at >= since)
    ).scalar_one()
    return int(by_login), int(by_ip)


def authenticate(db: Database, login: str, password: str, ip: str) -> User | None:
    """The account if ``password`` is right; ``None`` (and a failure recorded) otherwise.

    Raises :class:`Throttled` without checking the password once the login or the address has
    too many recent failures. The hash is checked outside any write transaction (Argon2 takes
    tens of milliseconds on purpose); only the outcome is written.
    """
    from aide_alim.portal.work import writing

    login = login.strip().lower()[:200]
    with db.read() as conn:
        by_login, by_ip = _failures(conn, login, ip)
        row = conn.execute(sa.select(t.portal_user).where(t.portal_user.c.login == login)).first()
    if by_login >= MAX_FAILURES_PER_LOGIN or by_ip >= MAX_FAILURES_PER_IP:
        with writing(db) as conn:
            audit(conn, "login_throttled", login=login, ip=ip)
        raise Throttled("Trop de tentatives de connexion : réessayez dans 15 minutes.")
    stored = row.password_hash if row is not None and row.active and row.password_hash else ""
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        ok = bool(stored)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        with writing(db) as conn:
            conn.execute(t.portal_login_failure.insert().values(login=login, ip=ip, at=now()))
            audit(conn, "login_failed", login=login, ip=ip)
        return None
    rehashed = _hasher.hash(password) if _hasher.check_needs_rehash(stored) else None
    user = _user(row)
    with writing(db) as conn:
        if rehashed:
            conn.execute(
                t.portal_user.update().where(t.portal_user.c.id == row.id)
                .values(password_hash=rehashed)
            )  # fmt: skip
        audit(conn, "login", user=user, ip=ip)
    return user


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


def open_session(conn: sa.Connection, user: User) -> str:
    """Start a session for ``user``; returns the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        t.portal_session.insert().values(
            token_hash=sha256(token),
            user_id=user.id,
            csrf=secrets.token_urlsafe(32),
            created_at=now(),
            expires_at=now() + dt.timedelta(hours=SESSION_HOURS),
        )
    )
    return token


def session_of(conn: sa.Connection, token: str) -> Session | None:
    """The live session of a cookie token (of an active account), else ``None``."""
    s, u = t.portal_session, t.portal_user
    row = conn.execute(
        sa.select(u, s.c.csrf, s.c.expires_at, s.c.token_hash)
        .join(s, s.c.user_id == u.c.id)
        .where(s.c.token_hash == sha256(token))
    ).first()
    if row is None or not row.active or _aware(row.expires_at) < now():
        return None
    return Session(_user(row), row.csrf, row.token_hash)


def close_session(conn: sa.Connection, token_hash: str) -> None:
    conn.execute(t.portal_session.delete().where(t.portal_session.c.token_hash == token_hash))
