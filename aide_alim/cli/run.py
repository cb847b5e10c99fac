"""``aide-alim run``: the weekly run, from the scenario to plans, route sheets and summary."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aide_alim.cli import main
from aide_alim.cli.common import handle_errors
from aide_alim.errors import StageError
from aide_alim.i18n import N_, _, number, percent
from aide_alim.scenario.model import RULES

if TYPE_CHECKING:  # the week's stages are imported when the command runs (fast start)
    from aide_alim.weekly import StageEvent, WeekResult


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
    from aide_alim.weekly import run_week

    try:
        result = run_week(
            scenario, out, force=force, progress=_show, rule=rule, time_limit_s=time_limit
        )
    except StageError as exc:
        raise click.ClickException(
            _("the {stage} stage failed: {message}\nNothing was written to {out}.").format(
                stage=exc.stage, message=str(exc).removeprefix(exc.stage + ": "), out=out
            )
        ) from None
    click.echo(summary_text(result))


def _show(event: StageEvent) -> None:
    from aide_alim.weekly import STAGES

    number = STAGES.index(event.stage) + 1
    if event.state == "start":
        text = _(STAGE_TEXT.get(event.stage.value, event.stage.value))
        click.echo(f"[{number}/{len(STAGES)}] {text}… ", nl=False, err=True)
    elif event.state == "step":
        click.echo(f"\n      {event.message}… ", nl=False, err=True)
    elif event.state == "tick":
        click.echo(f"{event.message} ", nl=False, err=True)
    elif event.state == "done":
        click.secho(f"ok ({_num(event.seconds, 1)} s)", fg="green", err=True)
    else:
        click.secho(_("FAILED"), fg="red", err=True)


#: What each stage does, for the progress lines (translated).
STAGE_TEXT = {
    "validate": N_("checking the scenario"),
    "allocate": N_("sharing out the lots"),
    "compare": N_("comparing with the reference rules"),
    "route": N_("planning the rounds"),
    "documents": N_("writing the documents"),
}


def _num(x: float, decimals: int = 0) -> str:
    return number(x, decimals)


def _pct(x: float) -> str:
    return percent(x)


def summary_text(result: WeekResult) -> str:
    """A short summary of the run: fill ratios, kg and € distributed, left-overs, rounds."""
    allocation = result.allocation
    lines = allocation.lines
    by_assoc = allocation.by_association
    fills = by_assoc["fill_ratio"] if len(by_assoc) else None
    out = [
        _("Week {week} – {name} – rule {rule}").format(
            week=result.scenario.week, name=result.scenario.name, rule=allocation.rule
        )
    ]
    if fills is not None:
        out.append(
            "  "
            + _("fill ratio: min {min}, mean {mean}, max {max}").format(
                min=_pct(fills.min()), mean=_pct(fills.mean()), max=_pct(fills.max())
            )
        )
    served = lines["association"].nunique() if len(lines) else 0
    n_assoc = len(result.scenario.associations)
    out.append(
        "  "
        + _(
            "distributed: {kg} kg to {served}/{total} associations, market value {value} €, "
            "paid {paid} €"
        ).format(
            kg=_num(lines["kg"].sum()), served=served, total=n_assoc,
            value=_num(lines["value_eur"].sum()), paid=_num(lines["price_eur"].sum()),
        )
    )  # fmt: skip
    left = allocation.unallocated
    if len(left):
        from aide_alim.documents.tables import reason_labels

        labels = reason_labels(allocation)
        out.append("  " + _("left over: {kg} kg").format(kg=_num(left["kg"].sum())))
        by_reason = left.groupby("reason")["kg"].sum().sort_values(ascending=False)
        for reason, kg in by_reason.items():
            out.append(f"    {_num(kg)} kg – {labels.get(str(reason), reason)}")
    else:
        out.append("  " + _("left over: nothing"))
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
        out.append("  " + _("rounds: {parts}").format(parts=", ".join(parts)))
    unserved = getattr(result.plan, "unserved", None)
    if unserved is not None and len(unserved):
        out.append(
            "  "
            + _(
                "allocated but not carried by the rounds: {kg} kg ({lines} lines; reasons in the "
                "summary)"
            ).format(kg=_num(unserved["kg"].sum()), lines=len(unserved))
        )
    planning = getattr(result, "planning", None)
    bound = getattr(planning, "bound", None)
    if bound is not None:
        out.append(
            "  "
            + _("at best with this fleet: min fill {fill}, {kg} kg (bound)").format(
                fill=_pct(bound.min_fill_ratio), kg=_num(bound.kg_distributed)
            )
        )
    if planning is not None and len(planning.iterations) > 1:
        out.append(
            "  "
            + _("plans tried: {n} (kept: #{kept}; see the summary)").format(
                n=len(planning.iterations), kept=planning.chosen + 1
            )
        )
    if planning is not None and planning.kg_held_back > 0:
        out.append(
            "  "
            + _(
                "held back at the suppliers, no round could carry it: {kg} kg (left over, "
                "reason above)"
            ).format(kg=_num(planning.kg_held_back))
        )
    out.append(
        _("Documents: {folder} (open {summary})").format(
            folder=result.out_dir, summary=result.out_dir / "synthese.html"
        )
    )
    return "\n".join(out)
