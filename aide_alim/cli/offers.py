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
@handle_errors
def score(scenario_path: Path, offers_path: Path, as_json: bool) -> None:
    """Score the OFFERS (CSV or XLSX) against the week of SCENARIO and rank them.

    For each offer: the verdict (prendre, négocier with the price at which it is worth it,
    refuser), the two or three reasons that decide it, and its economic, environmental, need
    and feasibility scores. The week is allocated and its rounds planned once; each offer is
    then inserted into those rounds and the allocation re-solved with it.

    Example: aide-alim offers score scenarios/dijon offres.csv --json
    """
    from aide_alim.offers import prepare_week, read_offers, score_offers
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    offers_read = read_offers(offers_path, scenario)
    week = prepare_week(scenario)
    started = time.perf_counter()
    verdicts = score_offers(week, offers_read)
    seconds = time.perf_counter() - started
    if as_json:
        echo_json([v.to_dict() for v in verdicts])
    else:
        click.echo(render_verdicts(verdicts))
    click.echo(
        f"Week {scenario.week} prepared in {week.seconds:.1f} s (allocation and rounds); "
        f"{len(verdicts)} offers scored in {seconds:.2f} s.",
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
