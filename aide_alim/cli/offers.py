"""``aide-alim offers``: the prospector's desk (action 3.1) — score, record and decide offers."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors

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
        return f"prepared in {week.seconds:.1f} s (allocation and rounds)"
    if week.source == "cache":
        return f"read from the week cache in {week.seconds:.2f} s"
    return f"read from {week.source} in {week.seconds:.2f} s"


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
    click.echo(
        f"Week {scenario.week} {_week_origin(week)}; "
        f"{len(verdicts)} offers scored in {seconds:.2f} s ({cpu:.2f} s of CPU).",
        err=True,
    )


def render_verdicts(verdicts: list[Any]) -> str:
    """Verdicts as text, best first: rank, offer, verdict, key figures and reasons."""
    lines = []
    for v in verdicts:
        s, o = v.scores, v.offer
        price = "don" if o.is_donation else f"{o.price_eur_kg:.2f} €/kg"
        head = f"{v.rank:>2}. {o.id} — {o.product} ({o.kg:g} kg, {price}, {o.supplier.name})"
        verdict = v.verdict.upper()
        if v.price_eur_kg is not None:
            verdict += f" à {v.price_eur_kg:.2f} €/kg"
        co2 = f"{s.co2_g_per_kg:.0f} g CO₂/kg" if s.co2_g_per_kg is not None else "– g CO₂/kg"
        figures = (
            f"    {verdict}: {s.kg_taken:.0f} kg pris, {s.saved_eur:.0f} € économisés, "
            f"+{s.collection.km:.1f} km, {co2}, plus bas taux "
            f"{100 * s.min_fill_before:.1f} → {100 * s.min_fill_after:.1f} %"
        )
        lines += [head, figures] + [f"      - {r}" for r in v.reasons]
    return "\n".join(lines)


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
    click.echo(f"{count} offers for {scenario.week} written to {out}")


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
        raise AideAlimError("Expected an offers file or --field KEY=VALUE options (one of them).")
    if offers_path is not None:
        offers_read = read_offers(offers_path, scenario)
    else:
        pairs = {}
        for item in fields:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise AideAlimError(f"--field: expected KEY=VALUE, got {item!r}")
            pairs[key.strip()] = value
        offers_read = (offer_from_fields(pairs, scenario),)
    _, verdicts, _, _ = _scored(scenario, offers_read, run_folder, no_cache)
    with open_database(db_url) as db:
        ids = record_verdicts(db, scenario.week, verdicts)
        where = db.url
    click.echo(render_verdicts(verdicts))
    click.echo(f"{len(ids)} offers of {scenario.week} recorded in the register ({where}).")


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
        click.echo("The register has no offer for this selection.")
    for r in shown.to_dict("records"):
        outcome = r["status_fr"]
        if r["status"] == "taken":
            outcome += f" ({r['kg_taken']:g} kg à {r['price_paid_eur_kg']:.2f} €/kg)"
        elif r["status"] == "refused":
            outcome += f" ({r['outcome_reason'].splitlines()[0] if r['outcome_reason'] else ''})"
        click.echo(
            f"{r['week']} {r['offer_id']}: {r['product']} — {r['kg']:g} kg, "
            f"{r['supplier_name']} — verdict {r['verdict']} (rang {r['rank']}) — {outcome}"
        )
    if out is not None:
        click.echo(f"Written to {out}")


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
        raise AideAlimError(f"The scenario is the week {scenario.week}, not {week}.")
    with open_database(db_url, create=False) as db:
        row = find_offer(db, week, offer_id)
        if row["status"] != "pending":
            raise AideAlimError(f"Offer {offer_id} of {week} was already {row['status']}.")
        offer = offer_of(row)
        today = dt.date.today()
        with restored_on_error(scenario_path):  # the register refuses: the files go back
            week_now = add_offer_lot(
                scenario_path, scenario, offer, kg=kg, price_eur_kg=price, decided=today
            )
            done = decide_offer(db, week, offer_id, "taken", kg=kg, price_eur_kg=price)
    lot = week_now.lot_by_id[offer.id]
    click.echo(
        f"Offer {offer_id} taken: {done['kg_taken']:g} kg at {done['price_paid_eur_kg']:.2f} "
        f"€/kg; lot {lot.id} added to the week {week} ({scenario_path})."
    )


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
    click.echo(f"Offer {offer_id} of {week} refused: {first}")


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
    click.echo(table.to_string(index=False))
    click.echo(
        f"{int(table['offers'].sum())} offers recorded, {int(table['taken'].sum())} taken "
        f"({table['kg_taken'].sum():,.0f} kg)."
    )
