"""``aide-alim serve | users | declarations``: the web portal and its accounts from the shell."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from aide_alim.cli import main
from aide_alim.cli.common import handle_errors
from aide_alim.cli.history import _db_option
from aide_alim.i18n import _, ngettext


def _portal_missing() -> click.ClickException:
    return click.ClickException(
        _(
            'The portal needs the web extra: pip install -e ".[web]" (starlette, uvicorn, '
            "argon2-cffi, python-multipart)."
        )
    )


@main.command("serve")
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (one per core serves more associations at once).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for uploaded weeks and runs (default: portal-data beside a SQLite database, "
    "else ~/.local/share/aide_alim/portal).",
)
@click.option(
    "--demo",
    type=click.Path(path_type=Path),
    default=None,
    metavar="SCENARIO",
    help="Publish SCENARIO's week if it is not yet and create demonstration accounts "
    "(coordination, pilotage, one per association id) with a password printed once.",
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="Send the session cookie over plain HTTP too (only for a test on a private network; "
    "by default it is Secure: serve over HTTPS, or on localhost).",
)
@handle_errors
def serve(
    db_url: str | None,
    host: str,
    port: int,
    workers: int,
    data_dir: Path | None,
    demo: Path | None,
    insecure_cookies: bool,
) -> None:
    """Serve the web portal (associations, coordinator, steering) over the history database.

    Create the accounts first with `aide-alim users add`, or try it with --demo. Example:
    aide-alim serve --db dijon.sqlite --demo scenarios/dijon
    """
    try:
        import uvicorn

        from aide_alim.portal import app as portal
        from aide_alim.portal.worker import Worker
    except ImportError:
        raise _portal_missing() from None
    from aide_alim.db import open_database

    with open_database(db_url) as db:  # creates or upgrades the schema once, before the workers
        folder = (data_dir or _default_data_dir(db.engine.url.database, db.dialect)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        Worker(db, folder).recover()
        if demo is not None:
            _demo(db, demo)
        url, shown = db.engine.url.render_as_string(hide_password=False), db.url
    os.environ[portal.ENV_DB] = url
    os.environ[portal.ENV_DATA] = str(folder)
    if insecure_cookies:
        os.environ[portal.ENV_INSECURE] = "1"
    click.echo(
        _("Portal on {url} over {db} (uploads and runs in {folder}).").format(
            url=f"http://{host}:{port}/", db=shown, folder=folder
        )
    )
    uvicorn.run(
        "aide_alim.portal.app:app_from_environment", factory=True, host=host, port=port,
        workers=workers, log_level="warning", proxy_headers=False,
    )  # fmt: skip


def _demo(db: Any, scenario: Path) -> None:
    from aide_alim.portal.demo import prepare

    click.echo(
        _("Demo: {scenario} (publishing its week the first time takes a minute or two)…").format(
            scenario=scenario
        )
    )
    done = prepare(db, scenario)
    if done.published:
        click.echo(_("Published week {week}.").format(week=done.week))
    if done.created:
        click.echo(
            _(
                "Created {n} accounts with the password {password} (shown once): coordination, "
                "pilotage, and one per association id (e.g. {example})."
            ).format(n=len(done.created), password=done.password, example=done.created[-1])
        )
    else:
        click.echo(_("The demonstration accounts exist already (aide-alim users list)."))


def _default_data_dir(database: str | None, dialect: str) -> Path:
    if dialect == "sqlite" and database not in (None, "", ":memory:"):
        return Path(str(database)).resolve().parent / "portal-data"
    return Path.home() / ".local" / "share" / "aide_alim" / "portal"


@main.group("users")
def users() -> None:
    """Portal accounts: add, invite, disable, list.

    \b
    Examples:
      aide-alim users add coord@exemple.fr --role coordinator --password-stdin --db history.sqlite
      aide-alim users add epicerie@exemple.fr --role association --association crf_epicerie_dijon
      aide-alim users invite epicerie@exemple.fr --url https://portail.exemple.fr
    """


@users.command("add")
@click.argument("login")
@click.option("--role", type=click.Choice(["association", "coordinator", "steering"]),
              required=True)  # fmt: skip
@click.option("--association", default=None, help="The association's id (association accounts).")
@click.option("--name", default="", help="Name shown on the pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@_db_option
@handle_errors
def users_add(
    login: str,
    role: str,
    association: str | None,
    name: str,
    password_stdin: bool,
    db_url: str | None,
) -> None:
    """Create the account LOGIN (then invite it, or give its password on standard input)."""
    from aide_alim.db import open_database
    from aide_alim.portal import auth

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with open_database(db_url) as db, db.transaction() as conn:
        user = auth.add_user(conn, login, role, name=name, association=association,
                             password=password)  # fmt: skip
    what = _role(user.role) + (f", {association}" if association else "")
    click.echo(_("Added {login} ({what}).").format(login=user.login, what=what))


@users.command("invite")
@click.argument("login")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True,
              help="The portal's address, for the link.")  # fmt: skip
@_db_option
@handle_errors
def users_invite(login: str, url: str, db_url: str | None) -> None:
    """Print an invitation link for LOGIN (valid 7 days, used once) that sets its password."""
    from aide_alim.db import open_database
    from aide_alim.portal import auth

    with open_database(db_url) as db, db.transaction() as conn:
        token = auth.invite(conn, login)
    click.echo(f"{url.rstrip('/')}/invitation/{token}")


@users.command("disable")
@click.argument("login")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@_db_option
@handle_errors
def users_disable(login: str, enable: bool, db_url: str | None) -> None:
    """Disable the account LOGIN (its sessions end at once)."""
    from aide_alim.db import open_database
    from aide_alim.portal import auth

    with open_database(db_url) as db, db.transaction() as conn:
        user = auth.set_active(conn, login, enable)
    text = _("{login} is enabled.") if user.active else _("{login} is disabled.")
    click.echo(text.format(login=user.login))


@users.command("list")
@_db_option
@handle_errors
def users_list(db_url: str | None) -> None:
    """List the accounts."""
    from aide_alim.db import open_database
    from aide_alim.portal import auth

    with open_database(db_url, create=False) as db:
        accounts = auth.list_users(db)
    for u in accounts:
        state = _("active") if u.active else _("disabled")
        click.echo(f"{u.login}\t{_role(u.role)}\t{u.association or ''}\t{state}\t{u.name}")
    click.echo(ngettext("{n} account.", "{n} accounts.", len(accounts)).format(n=len(accounts)))


def _role(code: str) -> str:
    """An account's role in the user's language (the option's value in English)."""
    return {
        "association": _("association"), "coordinator": _("coordinator"),
        "steering": _("steering"),
    }.get(code, code)  # fmt: skip


@main.group("declarations")
def declarations() -> None:
    """What associations declared in the portal for a coming week."""


@declarations.command("export")
@click.argument("week")
@_db_option
@click.option(
    "--base",
    type=click.Path(path_type=Path),
    default=None,
    help="Scenario whose associations to update (default: the last published week).",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The associations.csv to write.")  # fmt: skip
@handle_errors
def declarations_export(week: str, db_url: str | None, base: Path | None, out: Path) -> None:
    """Write the associations file of WEEK with what associations declared for it.

    Example: aide-alim declarations export 2020-W42 --out semaine-42/associations.csv
    """
    from aide_alim.db import open_database
    from aide_alim.portal.declarations import export_associations
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(base) if base is not None else None
    with open_database(db_url, create=False) as db:
        text, changes = export_associations(db, week, scenario)
    from aide_alim.output import output_file

    with output_file(out) as temporary:  # never half a file
        temporary.write_text(text, encoding="utf-8")
    declared = int(changes["declared"].sum()) if len(changes) else 0
    click.echo(
        ngettext(
            "Wrote {out}: {n} association, {declared} with a declaration.",
            "Wrote {out}: {n} associations, {declared} with a declaration.",
            len(changes),
        ).format(out=out, n=len(changes), declared=declared)
    )
    for row in changes.to_dict("records"):
        if row["changes"]:
            click.echo(f"  {row['association']}: {row['changes']}")
