"""``aide-alim publish | receive | indicators | simulate``: the history of published weeks."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from aide_alim.cli import main
from aide_alim.cli.common import handle_errors
from aide_alim.cli.tables import allocation_status, decimals, ratio, table_text
from aide_alim.i18n import _, number, percent
from aide_alim.output import output_file

DB_HELP = (
    "History database: a SQLAlchemy URL (sqlite:///file, postgresql://user@host/db) or a file "
    "path. Default: $AIDE_ALIM_DB, else ~/.local/share/aide_alim/history.sqlite."
)


def _db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db_url", default=None, metavar="URL", help=DB_HELP)(func)


@main.command("publish")
@click.argument("scenario_path", metavar="PLANS", type=click.Path(exists=True, path_type=Path))
@_db_option
@click.option("--replace", is_flag=True, help="Publish a new version of a published week.")
@click.option("--note", default="", help="A note kept with the publication (why, who).")
@click.option("--no-routes", is_flag=True, help="Do not plan the rounds (faster).")
@handle_errors
def publish(
    scenario_path: Path, db_url: str | None, replace: bool, note: str, no_routes: bool
) -> None:
    """Record in the history the plan that `run` wrote into the folder PLANS.

    The plan recorded is exactly the one in PLANS (the one you reviewed), not a new
    computation. Given a scenario instead, the week is allocated and routed again first (with
    memory of past shortfalls if ``memory = true``). A week is published once: publishing it
    again is refused unless --replace, which keeps the earlier version for audit. All of the
    week is recorded, or nothing.

    Example: aide-alim publish plans-2020-W41 --db history.sqlite --note "plan validé"
    """
    from aide_alim.db import open_database
    from aide_alim.history import allocate_and_publish, publish_week
    from aide_alim.history.plan_file import is_plan_folder, load_plan
    from aide_alim.history.publish import active_version

    with open_database(db_url) as db:
        if is_plan_folder(scenario_path):
            saved = load_plan(scenario_path)
            scenario, allocation, routes = saved.scenario, saved.allocation, saved.routes
            routes = None if no_routes else routes
            # a concurrent publish of the week between now and the write is refused, not replaced
            seen = active_version(db, scenario.week)
            pub = publish_week(
                db, scenario, allocation, routes, replace=replace, note=note, seen=seen
            )
        else:
            from aide_alim.scenario import load_scenario

            scenario = load_scenario(scenario_path)
            click.echo(
                _(
                    "{path} is a scenario, not the folder of a run: its week is allocated and "
                    "routed again now. To publish the plan you reviewed, run `aide-alim run "
                    "{path} --out FOLDER` and publish FOLDER."
                ).format(path=scenario_path),
                err=True,
            )
            pub, allocation, routes = allocate_and_publish(
                db, scenario, route=not no_routes, replace=replace, note=note
            )
        from aide_alim.history import publications

        row = publications(db, week=scenario.week).set_index("id").loc[int(pub)]
        where = db.url
    kg = float(allocation.lines["kg"].sum()) if len(allocation.lines) else 0.0
    served = allocation.lines["association"].nunique() if len(allocation.lines) else 0
    text = _(
        "Published {week} version {version} (publication {pub}) in {where}: {kg} kg to "
        "{served} associations, min fill ratio {fill}"
    ).format(
        week=row["week"], version=row["version"], pub=pub, where=where, kg=number(kg),
        served=served, fill=percent(allocation.metrics.get("min_fill_ratio", float("nan"))),
    )  # fmt: skip
    if routes is not None:
        text += _(", {km} km of rounds").format(km=number(routes.totals.get("km", 0)))
    click.echo(text + ".")


@main.command("receive")
@click.argument("week")
@click.argument("file", type=click.Path(path_type=Path))
@_db_option
@click.option(
    "--coordinator",
    is_flag=True,
    help="Record as a correction entered by the coordinator (default: the association's return).",
)
@click.option(
    "--complete",
    is_flag=True,
    help="FILE covers every association of the week: the planned lots of associations absent "
    "from it are listed as missing (default: only the associations in FILE are compared).",
)
@handle_errors
def receive(week: str, file: Path, db_url: str | None, coordinator: bool, complete: bool) -> None:
    """Record what associations received in WEEK (CSV FILE) and show the differences with the plan.

    FILE has columns lot, association, kg_received and optionally comment (comma, semicolon or
    tab separated). From then on the indicators use the kg received instead of the kg planned.

    Example: aide-alim receive 2020-W41 retours/epicerie-chenove.csv --db history.sqlite
    """
    from aide_alim.db import open_database
    from aide_alim.history import read_receipts, record_receipts

    table = read_receipts(file, validate=False)  # values are checked with the week's lots
    with open_database(db_url, create=False) as db:  # a typo in --db must not make a history
        diff = record_receipts(
            db,
            week,
            table,
            source="coordinator" if coordinator else "association",
            file=file.name,
            complete=complete,
        )
    click.echo(_("Recorded {n} receipt line(s) for {week}.").format(n=len(table), week=week))
    if diff.empty:
        click.echo(_("No difference with the plan."))
    else:
        click.echo(_("{n} difference(s) with the plan:").format(n=len(diff)))
        flags = {
            "less": _("less"), "more": _("more"), "missing": _("missing"),
            "unplanned": _("unplanned"),
        }  # fmt: skip
        diff = diff.assign(flag=[flags.get(str(f), str(f)) for f in diff["flag"]])
        one = decimals(1)
        click.echo(table_text(diff, {"planned_kg": one, "kg_received": one, "difference_kg": one}))


@main.command("indicators")
@_db_option
@click.option("--from", "start", default=None, metavar="WEEK", help="First ISO week (2020-W41).")
@click.option("--to", "end", default=None, metavar="WEEK", help="Last ISO week (included).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "xlsx", "html"]),
    default="table",
    show_default=True,
)
@click.option(
    "--table",
    "key",
    default="summary",
    show_default=True,
    help="For table and csv: which indicator (summary, volume, weekly, regularity, financial, "
    "fairness, fairness_gini, action_31).",
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output file.")
@handle_errors
def indicators_command(
    db_url: str | None, start: str | None, end: str | None, fmt: str, key: str, out: Path | None
) -> None:
    """Per-association indicators of the published weeks: volume, regularity, money, fairness.

    Also the prospection's (action 3.1) offers, kg and value made accessible, donated vs bought.
    Quantities are those received where associations reported them, else those planned.
    xlsx (one sheet per indicator) and html (French page with charts) need --out.

    Example: aide-alim indicators --from 2020-W41 --to 2020-W52 --format html --out bilan.html
    """
    from aide_alim.db import open_database
    from aide_alim.errors import AideAlimError
    from aide_alim.indicators import INDICATORS, check_period, indicators
    from aide_alim.indicators import report as render

    if key not in INDICATORS:
        raise AideAlimError(
            _("Expected --table in {choices}, got {value!r}.").format(
                choices=", ".join(INDICATORS), value=key
            )
        )
    if fmt in ("xlsx", "html") and out is None:
        raise AideAlimError(
            _("--format {format} writes a file: give it with --out FILE.").format(format=fmt)
        )
    check_period(start, end)
    with open_database(db_url, create=False) as db:
        tables = indicators(db, start, end)
    period = f"{start} → {end}" if start and end else ""
    if fmt == "table":
        text = render.render_text(tables, (key,) if key != "summary" else ())
    elif fmt == "csv":
        buffer = io.StringIO()
        render.write_csv(tables[key], buffer)
        text = buffer.getvalue()
    elif fmt == "xlsx":
        assert out is not None
        with output_file(out) as temporary:
            render.write_xlsx(tables, temporary)
        click.echo(_("Wrote {out} ({n} sheets).").format(out=out, n=len(tables)))
        return
    else:
        text = render.render_html(tables, period=period)
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        with output_file(out) as temporary:
            temporary.write_text(text, encoding="utf-8")
        click.echo(_("Wrote {out}.").format(out=out))


@main.command("simulate")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--weeks", type=click.IntRange(min=1), required=True, help="Weeks to simulate.")
@click.option("--seed", type=int, required=True, help="Random seed (same seed, same history).")
@_db_option
@click.option("--memory", is_flag=True, help="Allocate with fairness with memory.")
@click.option("--routes", "route", is_flag=True, help="Also plan the rounds (slower).")
@click.option("--replace", is_flag=True, help="Replace weeks already published.")
@handle_errors
def simulate(
    scenario_path: Path,
    weeks: int,
    seed: int,
    db_url: str | None,
    memory: bool,
    route: bool,
    replace: bool,
) -> None:
    """Publish WEEKS plausible weekly variants of SCENARIO (a simulated history).

    Supply varies with the season and by chance (lots scaled, dropped, added), as does each
    association's food from elsewhere; each week is allocated and published from the
    scenario's week on.

    Example: aide-alim simulate scenarios/dijon --weeks 52 --seed 1 --db demo.sqlite --memory
    """
    from aide_alim.db import open_database
    from aide_alim.history import simulate_year
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    with open_database(db_url) as db:
        table = simulate_year(
            scenario, weeks, seed, db, memory=memory, route=route, replace=replace
        )
        where = db.url
    two = decimals(2)
    formats = {"kg_offered": two, "kg_allocated": two, "min_fill_ratio": ratio(2), "seconds": two}
    table = table.assign(status=[allocation_status(str(s)) for s in table["status"]])
    click.echo(table_text(table, formats))
    click.echo(_("Published {n} simulated week(s) in {where}.").format(n=len(table), where=where))
