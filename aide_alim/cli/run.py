"""``aide-alim run``: the weekly run, from the scenario to plans, route sheets and summary."""

from __future__ import annotations

import math
from pathlib import Path

import click

from aide_alim.cli import main
from aide_alim.cli.common import handle_errors
from aide_alim.errors import StageError
from aide_alim.scenario.model import RULES
from aide_alim.weekly import STAGES, StageEvent, WeekResult, run_week


@main.command("run")
@click.argument("scenario", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path),
    help="Folder to write the documents into (created; must not exist unless --force).",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing output folder (once complete).")
@click.option("--rule", type=click.Choice(RULES), help="Fairness rule (default: the scenario's).")
@click.option(
    "--time-limit", "time_limit", type=click.FloatRange(min=0, min_open=True),
    help="Routing search time per round problem [s] (default: the scenario's).",
)  # fmt: skip
@handle_errors
def run(scenario: Path, out: Path, force: bool, rule: str | None, time_limit: float | None) -> None:
    """Run the week: validate, allocate, route, and write every document into --out.

    Writes a distribution plan per association (HTML, PDF, CSV), a route sheet per vehicle and
    day (HTML, PDF, map), the coordinator's summary (synthese.html) and a workbook with every
    table (tableaux.xlsx). The folder appears only when complete; on a failure nothing is left
    and the failed stage is named.

    Example: aide-alim run scenarios/dijon --out plans/2020-W41
    """
    try:
        result = run_week(
            scenario, out, force=force, progress=_show, rule=rule, time_limit_s=time_limit
        )
    except StageError as exc:
        raise click.ClickException(
            f"the {exc.stage} stage failed: {str(exc).removeprefix(exc.stage + ': ')}\n"
            f"Nothing was written to {out}."
        ) from None
    click.echo(summary_text(result))


def _show(event: StageEvent) -> None:
    number = STAGES.index(event.stage) + 1
    if event.state == "start":
        click.echo(
            f"[{number}/{len(STAGES)}] {event.stage.value} ({event.stage.label_fr})… ",
            nl=False,
            err=True,
        )
    elif event.state == "step":
        click.echo(f"\n      {event.message}… ", nl=False, err=True)
    elif event.state == "done":
        click.secho(f"ok ({event.seconds:.1f} s)", fg="green", err=True)
    else:
        click.secho("FAILED", fg="red", err=True)


def _num(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


def summary_text(result: WeekResult) -> str:
    """A short summary of the run: fill ratios, kg and € distributed, left-overs, rounds."""
    allocation = result.allocation
    lines = allocation.lines
    by_assoc = allocation.by_association
    fills = by_assoc["fill_ratio"] if len(by_assoc) else None
    out = [f"Week {result.scenario.week} – {result.scenario.name} – rule {allocation.rule}"]
    if fills is not None:
        out.append(
            f"  fill ratio: min {fills.min():.0%}, mean {fills.mean():.0%}, max {fills.max():.0%}"
        )
    served = lines["association"].nunique() if len(lines) else 0
    n_assoc = len(result.scenario.associations)
    out.append(
        f"  distributed: {_num(lines['kg'].sum())} kg to {served}/{n_assoc} associations, "
        f"market value {_num(lines['value_eur'].sum())} €, paid {_num(lines['price_eur'].sum())} €"
    )
    left = allocation.unallocated
    if len(left):
        from aide_alim.documents.tables import reason_labels

        labels = reason_labels(allocation)
        out.append(f"  left over: {_num(left['kg'].sum())} kg")
        by_reason = left.groupby("reason")["kg"].sum().sort_values(ascending=False)
        for reason, kg in by_reason.items():
            out.append(f"    {_num(kg)} kg – {labels.get(str(reason), reason)}")
    else:
        out.append("  left over: nothing")
    totals = getattr(result.plan, "totals", {}) or {}
    parts = []
    for key, unit, decimals in (
        ("km", "km", 1),
        ("hours", "h", 1),
        ("cost_eur", "€", 0),
        ("co2_kg", "kg CO2", 1),
    ):
        value = totals.get(key)
        if isinstance(value, int | float) and not math.isnan(value):
            parts.append(f"{_num(value, decimals)} {unit}")
    if parts:
        out.append(f"  rounds: {', '.join(parts)}")
    unserved = getattr(result.plan, "unserved", None)
    if unserved is not None and len(unserved):
        out.append(
            f"  allocated but not carried by the rounds: {_num(unserved['kg'].sum())} kg "
            f"({len(unserved)} lines; reasons in the summary)"
        )
    planning = getattr(result, "planning", None)
    bound = getattr(planning, "bound", None)
    if bound is not None:
        out.append(
            f"  at best with this fleet: min fill {bound.min_fill_ratio:.0%}, "
            f"{_num(bound.kg_distributed)} kg (bound)"
        )
    if planning is not None and len(planning.iterations) > 1:
        out.append(
            f"  plans tried: {len(planning.iterations)} (kept: #{planning.chosen + 1}; see "
            "the summary)"
        )
    if planning is not None and planning.kg_held_back > 0:
        out.append(
            f"  held back at the suppliers, no round could carry it: "
            f"{_num(planning.kg_held_back)} kg (left over, reason above)"
        )
    out.append(f"Documents: {result.out_dir} (open {result.out_dir / 'synthese.html'})")
    return "\n".join(out)
