"""``aide-alim offers``: the prospector's desk (action 3.1) — score, record and decide offers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors
from aide_alim.cli.tables import decimals, table_text
from aide_alim.i18n import _, language, ngettext, number, pgettext

DB_HELP = (
    "History database: a SQLAlchemy URL (sqlite:///file, postgresql://user@host/db) or a file "
    "path. Default: $AIDE_ALIM_DB, else ~/.local/share/aide_alim/history.sqlite."
)


def _db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db_url", default=None, metavar="URL", help=DB_HELP)(func)


def _week_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--no-cache",
        "no_cache",
        is_flag=True,
        help="Prepare the week again instead of reading it from the week cache "
        "($AIDE_ALIM_CACHE, else ~/.cache/aide_alim).",
    )(func)
    return click.option(
        "--plan",
        "run_folder",
        type=click.Path(file_okay=False, path_type=Path),
        help="A folder written by `aide-alim run` for this week: score against its allocation "
        "and rounds.",
    )(func)


def _scored(
    scenario: Any, offers_read: Any, run_folder: Path | None, no_cache: bool
) -> tuple[Any, list[Any], float, float]:
    """The week (from --plan, the cache or computed), the verdicts, and the scoring's wall and
    CPU seconds."""
    from aide_alim.offers import load_week, score_offers
    from aide_alim.offers.week import cache_dir

    week = load_week(scenario, run_folder=run_folder, cache=not no_cache)
    matrices = None if no_cache else cache_dir() / "matrices"
    started, cpu = time.perf_counter(), time.process_time()
    verdicts = score_offers(week, offers_read, cache_dir=matrices)
    return week, verdicts, time.perf_counter() - started, time.process_time() - cpu


def _week_origin(week: Any) -> str:
    if week.source == "computed":
        return _("prepared in {seconds} s (allocation and rounds)").format(
            seconds=number(week.seconds, 1)
        )
    if week.source == "cache":
        return _("read from the week cache in {seconds} s").format(seconds=number(week.seconds, 2))
    return _("read from {folder} in {seconds} s").format(
        folder=week.source, seconds=number(week.seconds, 2)
    )


def _verdict(code: str) -> str:
    """A verdict (``prendre``, ``négocier``, ``refuser``) in the user's language."""
    return {
        "prendre": pgettext("verdict", "take"),
        "négocier": pgettext("verdict", "negotiate"),
        "refuser": pgettext("verdict", "refuse"),
    }.get(code, code)


def _status(code: str) -> str:
    """A register outcome (``pending``, ``taken``, ``refused``) in the user's language."""
    if language() == "en":
        return code
    from aide_alim.offers.register import STATUS_FR

    return STATUS_FR.get(code, code)


@main.group("offers")
def offers() -> None:
    """The prospector's desk: is this offer worth taking, at this price, this week?

    Score offers against the week being prepared, record every offer in the register of
    opportunities with its verdict, and record the outcome (taken: the offer becomes a lot of
    the week; refused: with the reason).

      aide-alim offers score scenarios/dijon offres.csv

      aide-alim offers add scenarios/dijon offres.csv --db history.sqlite

      aide-alim offers accept 2020-W41 P04 --scenario scenarios/dijon --db history.sqlite
    """


@offers.command("score")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.argument("offers_path", metavar="OFFERS", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a list of JSON objects (scripts).")
@_week_options
@handle_errors
def score(
    scenario_path: Path, offers_path: Path, as_json: bool, run_folder: Path | None, no_cache: bool
) -> None:
    """Score the OFFERS (CSV or XLSX) against the week of SCENARIO and rank them.

    For each offer: the verdict (prendre, négocier with the price at which it is worth it,
    refuser), the two or three reasons that decide it, and its economic, environmental, need
    and feasibility scores. Each offer is inserted into the week's rounds and the allocation's
    relaxation re-solved with it. The week's allocation and rounds come from --plan (a run
    folder of this week), else the week cache, else they are prepared once (5-30 s) and cached.

    Example: aide-alim offers score scenarios/dijon offres.csv --json

    Against the plan the coordinator reviewed:
    aide-alim offers score scenarios/dijon offres.csv --plan semaine_41/
    """
    from aide_alim.offers import read_offers
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    offers_read = read_offers(offers_path, scenario)
    week, verdicts, seconds, cpu = _scored(scenario, offers_read, run_folder, no_cache)
    if as_json:
        echo_json([v.to_dict() for v in verdicts])
    else:
        click.echo(render_verdicts(verdicts))
    scored = ngettext(
        "{n} offer scored in {seconds} s ({cpu} s of CPU)",
        "{n} offers scored in {seconds} s ({cpu} s of CPU)",
        len(verdicts),
    ).format(n=len(verdicts), seconds=number(seconds, 2), cpu=number(cpu, 2))
    click.echo(
        _("Week {week} {origin}; {scored}.").format(
            week=scenario.week, origin=_week_origin(week), scored=scored
        ),
        err=True,
    )


def render_verdicts(verdicts: list[Any]) -> str:
    """Verdicts as text, best first: rank, offer, verdict, key figures and reasons."""
    lines = []
    for v in verdicts:
        s, o = v.scores, v.offer
        price = _("donation") if o.is_donation else f"{number(o.price_eur_kg, 2)} €/kg"
        head = f"{v.rank:>2}. {o.id} — {o.product} ({_kg(o.kg)} kg, {price}, {o.supplier.name})"
        verdict = _verdict(v.verdict).upper()
        if v.price_eur_kg is not None:
            verdict = _("{verdict} at {price} €/kg").format(
                verdict=verdict, price=number(v.price_eur_kg, 2)
            )
        co2 = "–" if s.co2_g_per_kg is None else number(s.co2_g_per_kg)
        figures = _(
            "{verdict}: {kg} kg taken, {saved} € saved, +{km} km, {co2} g CO₂/kg, lowest fill "
            "ratio {before} → {after} %"
        ).format(
            verdict=verdict, kg=number(s.kg_taken), saved=number(s.saved_eur),
            km=number(s.collection.km, 1), co2=co2, before=number(100 * s.min_fill_before, 1),
            after=number(100 * s.min_fill_after, 1),
        )  # fmt: skip
        lines += [head, "    " + figures] + [f"      - {r}" for r in v.reasons]
    return "\n".join(lines)


def _kg(value: float) -> str:
    """A quantity as the offer gives it: ``12.5`` → ``12,5`` in French (``:g`` in English)."""
    if language() == "en":
        return f"{value:g}"
    return number(value, 0 if float(value).is_integer() else 1)


@offers.command("generate")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--count", default=20, show_default=True, help="How many offers.")
@click.option("--seed", default=1, show_default=True, help="Random seed.")
@handle_errors
def generate(scenario_path: Path, out: Path, count: int, seed: int) -> None:
    """Write COUNT plausible offers for the week of SCENARIO to OUT (CSV), for a demo or a test.

    Example: aide-alim offers generate scenarios/dijon offres.csv --count 20 --seed 1
    """
    from aide_alim.offers.generate import generate_offers, write_offers
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    write_offers(generate_offers(scenario, count, seed), out)
    click.echo(
        ngettext(
            "{n} offer for {week} written to {out}", "{n} offers for {week} written to {out}", count
        ).format(n=count, week=scenario.week, out=out)
    )


@offers.command("add")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.argument("offers_path", metavar="[OFFERS]", required=False, type=click.Path(path_type=Path))
@click.option(
    "--field",
    "-f",
    "fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="One offer typed field by field instead of a file (id=…, supplier=…, kg=…, …).",
)
@_db_option
@_week_options
@handle_errors
def add(
    scenario_path: Path,
    offers_path: Path | None,
    fields: tuple[str, ...],
    db_url: str | None,
    run_folder: Path | None,
    no_cache: bool,
) -> None:
    """Score the offers and record them in the register of opportunities, with their verdicts.

    OFFERS is a CSV or XLSX file; or give one offer with --field. Every offer is recorded once:
    an offer already in the register (same id, or same supplier, product, kg, price and
    availability in the week) is refused and nothing is recorded.

    Example: aide-alim offers add scenarios/dijon offres.csv --db history.sqlite

    One offer: aide-alim offers add scenarios/dijon -f id=O7 -f supplier=hyper_quetigny
    -f product=Yaourts -f category="produits laitiers" -f kg=120 -f unit_kg=6 -f prix=don
    """
    from aide_alim.db import open_database
    from aide_alim.errors import AideAlimError
    from aide_alim.offers import offer_from_fields, read_offers
    from aide_alim.offers.register import record_verdicts
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    if (offers_path is None) == (not fields):
        raise AideAlimError(
            _("Expected an offers file or --field KEY=VALUE options (one of them).")
        )
    if offers_path is not None:
        offers_read = read_offers(offers_path, scenario)
    else:
        pairs = {}
        for item in fields:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise AideAlimError(
                    _("--field: expected KEY=VALUE, got {value!r}").format(value=item)
                )
            pairs[key.strip()] = value
        offers_read = (offer_from_fields(pairs, scenario),)
    verdicts = _scored(scenario, offers_read, run_folder, no_cache)[1]
    with open_database(db_url) as db:
        ids = record_verdicts(db, scenario.week, verdicts)
        where = db.url
    click.echo(render_verdicts(verdicts))
    click.echo(
        ngettext(
            "{n} offer of {week} recorded in the register ({where}).",
            "{n} offers of {week} recorded in the register ({where}).",
            len(ids),
        ).format(n=len(ids), week=scenario.week, where=where)
    )


@offers.command("list")
@click.option("--week", help="Only this ISO week, e.g. 2020-W41.")
@click.option(
    "--status", type=click.Choice(["pending", "taken", "refused"]), help="Only this outcome."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON records.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the register (.csv/.xlsx).",
)
@_db_option
@handle_errors
def list_command(
    week: str | None, status: str | None, as_json: bool, out: Path | None, db_url: str | None
) -> None:
    """List the register of opportunities: every offer, its verdict and its outcome.

    Example: aide-alim offers list --week 2020-W41 --status pending --db history.sqlite
    """
    from aide_alim.db import open_database
    from aide_alim.documents.safety import neutralise_frame
    from aide_alim.offers.register import read_register

    with open_database(db_url, create=False) as db:
        table = read_register(db, week=week, status=status)
    shown = table.drop(columns=["scores_json"])
    if out is not None:
        safe = neutralise_frame(shown)
        if out.suffix.lower() == ".xlsx":
            safe.to_excel(out, index=False)
        else:
            safe.to_csv(out, index=False, encoding="utf-8")
    if as_json:
        echo_json(shown.to_dict("records"))
        return
    if shown.empty:
        click.echo(_("The register has no offer for this selection."))
    for r in shown.to_dict("records"):
        outcome = _status(r["status"])
        if r["status"] == "taken":
            outcome += " " + _("({kg} kg at {price} €/kg)").format(
                kg=_kg(r["kg_taken"]), price=number(r["price_paid_eur_kg"], 2)
            )
        elif r["status"] == "refused":
            outcome += f" ({r['outcome_reason'].splitlines()[0] if r['outcome_reason'] else ''})"
        click.echo(
            _(
                "{week} {offer}: {product} — {kg} kg, {supplier} — verdict {verdict} (rank "
                "{rank}) — {outcome}"
            ).format(
                week=r["week"], offer=r["offer_id"], product=r["product"], kg=_kg(r["kg"]),
                supplier=r["supplier_name"], verdict=_verdict(r["verdict"]), rank=r["rank"],
                outcome=outcome,
            )
        )  # fmt: skip
    if out is not None:
        click.echo(_("Written to {out}").format(out=out))


@offers.command("accept")
@click.argument("week")
@click.argument("offer_id", metavar="OFFER")
@click.option(
    "--scenario",
    "scenario_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The week's scenario (folder or workbook): the offer is appended to its lots.",
)
@click.option("--kg", type=float, help="Quantity taken [kg] (default: all of the offer).")
@click.option("--price", type=float, help="Price agreed [€/kg] (default: the offer's).")
@_db_option
@handle_errors
def accept(
    week: str,
    offer_id: str,
    scenario_path: Path,
    kg: float | None,
    price: float | None,
    db_url: str | None,
) -> None:
    """Record that OFFER of WEEK is taken: it becomes a lot of the week, with its provenance.

    Example: aide-alim offers accept 2020-W41 P04 --scenario scenarios/dijon --price 0.45
    """
    import datetime as dt

    from aide_alim.db import open_database
    from aide_alim.errors import AideAlimError
    from aide_alim.offers.lots import add_offer_lot, restored_on_error
    from aide_alim.offers.register import decide_offer, find_offer, offer_of
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    if scenario.week != week:
        raise AideAlimError(
            _("The scenario is the week {week}, not {asked}.").format(
                week=scenario.week, asked=week
            )
        )
    with open_database(db_url, create=False) as db:
        row = find_offer(db, week, offer_id)
        if row["status"] != "pending":
            raise AideAlimError(
                _("Offer {offer} of {week} was already {status}.").format(
                    offer=offer_id, week=week, status=_status(row["status"])
                )
            )
        offer = offer_of(row)
        today = dt.date.today()
        with restored_on_error(scenario_path):  # the register refuses: the files go back
            week_now = add_offer_lot(
                scenario_path, scenario, offer, kg=kg, price_eur_kg=price, decided=today
            )
            done = decide_offer(db, week, offer_id, "taken", kg=kg, price_eur_kg=price)
    lot = week_now.lot_by_id[offer.id]
    click.echo(
        _(
            "Offer {offer} taken: {kg} kg at {price} €/kg; lot {lot} added to the week {week} "
            "({path})."
        ).format(
            offer=offer_id, kg=_kg(done["kg_taken"]), price=number(done["price_paid_eur_kg"], 2),
            lot=lot.id, week=week, path=scenario_path,
        )
    )  # fmt: skip


@offers.command("refuse")
@click.argument("week")
@click.argument("offer_id", metavar="OFFER")
@click.option("--reason", default="", help="Why (default: the verdict's reasons).")
@_db_option
@handle_errors
def refuse(week: str, offer_id: str, reason: str, db_url: str | None) -> None:
    """Record that OFFER of WEEK is refused, with the reason.

    Example: aide-alim offers refuse 2020-W41 P13 --reason "pas de place en surgelé"
    """
    from aide_alim.db import open_database
    from aide_alim.offers.register import decide_offer

    with open_database(db_url, create=False) as db:
        done = decide_offer(db, week, offer_id, "refused", reason=reason)
    first = str(done["outcome_reason"]).splitlines()[0] if done["outcome_reason"] else ""
    click.echo(
        _("Offer {offer} of {week} refused: {reason}").format(
            offer=offer_id, week=week, reason=first
        )
    )


@offers.command("simulate")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--from", "start", required=True, help="First ISO week, e.g. 2020-W40.")
@click.option("--weeks", default=13, show_default=True, help="How many weeks (13 = a quarter).")
@click.option("--per-week", default=8, show_default=True, help="Offers received each week.")
@click.option("--seed", default=1, show_default=True, help="Random seed.")
@_db_option
@handle_errors
def simulate(
    scenario_path: Path, start: str, weeks: int, per_week: int, seed: int, db_url: str | None
) -> None:
    """Fill the register with simulated weeks of prospection (offers scored, recorded, decided
    as their verdicts say), for a demo or the report's indicator 3.1.a.

    Example: aide-alim offers simulate scenarios/dijon --from 2020-W40 --weeks 13 --db demo.sqlite
    """
    from aide_alim.db import open_database
    from aide_alim.offers.simulate import simulate_prospection
    from aide_alim.scenario import load_scenario
    from aide_alim.scenario.model import parse_iso_week

    scenario = load_scenario(scenario_path)
    try:
        parse_iso_week(start)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--from") from None
    with open_database(db_url) as db:
        table = simulate_prospection(
            db, scenario, start=start, weeks=weeks, offers_per_week=per_week, seed=seed
        )
    click.echo(table_text(table, {"kg_taken": decimals(1)}))
    recorded = int(table["offers"].sum())
    click.echo(
        ngettext(
            "{n} offer recorded, {taken} taken ({kg} kg).",
            "{n} offers recorded, {taken} taken ({kg} kg).",
            recorded,
        ).format(n=recorded, taken=int(table["taken"].sum()), kg=number(table["kg_taken"].sum()))
    )
