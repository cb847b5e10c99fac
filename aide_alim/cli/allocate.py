"""``aide-alim allocate`` and ``aide-alim compare``: share the week's lots out, or compare rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors
from aide_alim.output import check_target, output_file, output_folder
from aide_alim.scenario.model import BASES, RULES

if TYPE_CHECKING:  # the solvers and pandas are imported when a command runs (fast start)
    import pandas as pd

    from aide_alim.allocation import Allocation

_COMPARE_COLUMNS = (
    "rule",
    "status",
    "min_fill_ratio",
    "gini",
    "jain",
    "max_deviation",
    "envy_max",
    "kg_distributed",
    "kg_left",
    "value_distributed_eur",
    "meals_distributed",
    "price_of_fairness_kg",
    "seconds",
)


@main.command("allocate")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--rule", type=click.Choice(RULES), help="Fairness rule (default: the scenario's).")
@click.option("--basis", type=click.Choice(BASES), help="Count need in kg, € value or meals.")
@click.option("--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Write CSV tables and JSON here.")
@click.option("--force", is_flag=True, help="Replace an --out folder written by an earlier run.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (for scripts).")
@handle_errors
def allocate_command(
    scenario_path: Path,
    rule: str | None,
    basis: str | None,
    solver: str,
    out: Path | None,
    force: bool,
    as_json: bool,
) -> None:
    """Share the lots of SCENARIO out between the associations, fairly, within every limit.

    Prints the fairness and volume metrics, what each association receives and what stays,
    with the reason. --out DIR writes allocation_lines.csv, unallocated.csv,
    by_association.csv and allocation.json (a new folder, or one an earlier allocate wrote with
    --force).

    Example: aide-alim allocate scenarios/dijon --rule leximin --basis meals --out plans/

    For scripts: aide-alim allocate scenarios/dijon --json
    """
    from aide_alim.allocation import allocate, lines_to_csv
    from aide_alim.scenario.validate import load_scenario

    if out is not None:  # refused before the work, as `run` does
        check_target(out, replace=force, protect=(scenario_path,))
    scenario = load_scenario(scenario_path)
    changes = {k: v for k, v in (("rule", rule), ("basis", basis)) if v is not None}
    policy = scenario.policy.replace(**changes)
    result = allocate(scenario, policy, solver=solver)
    if out is not None:
        with output_folder(out, replace=force, protect=(scenario_path,)) as staging:
            lines_to_csv(result, staging)
    if as_json:
        echo_json(result.to_dict())
    else:
        click.echo(render_allocation(result))
        if out is not None:
            click.echo(f"\nWritten to {out}/")
    if not result.is_ok:
        raise SystemExit(1)


def render_allocation(result: Allocation) -> str:
    """The allocation as text: status, metrics, per-association table, what stays and why."""
    from aide_alim.allocation import METRICS

    lines = [f"Rule {result.rule}, basis {result.basis}: {result.status}"]
    if result.message:
        lines.append(result.message)
    if not result.is_ok:
        return "\n".join(lines)
    lines.append("")
    for key, value in result.metrics.items():
        unit = METRICS[key][0]
        shown = f"{value:>14,.0f}" if unit == "count" else f"{value:>14,.3f}"
        lines.append(f"  {key:<24} {shown}  {unit}")
    table = result.by_association[
        ["association", "need", "received", "other_supply", "fill_ratio", "deviation", "n_lots"]
    ]
    lines += ["", table.to_string(index=False, float_format=lambda v: f"{v:,.2f}")]
    if len(result.unallocated):
        summary = result.unallocated.groupby("reason", as_index=False)["kg"].agg(["sum", "count"])
        summary.columns = ["reason", "kg", "lots"]
        lines += ["", "Not allocated:", summary.to_string(index=False)]
    lines.append(
        f"\n{result.n_solves} LP solve(s); build {result.build_seconds:.2f} s, "
        f"solve {result.solve_seconds:.2f} s, cartons {result.repair_seconds:.2f} s"
    )
    return "\n".join(lines)


@main.command("compare")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--rules", help="Comma-separated rules (default: every rule).")
@click.option("--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the table to this file: CSV, or an Excel workbook if it ends in .xlsx.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON records.")
@handle_errors
def compare_command(
    scenario_path: Path, rules: str | None, solver: str, out: Path | None, as_json: bool
) -> None:
    """Run every fairness rule on SCENARIO and print their metrics side by side.

    Example: aide-alim compare scenarios/dijon --out results/compare.csv
    """
    from aide_alim.allocation import compare
    from aide_alim.scenario.validate import load_scenario

    if out is not None and out.is_dir():
        raise click.BadParameter(
            f"expected a file such as {out / 'compare.csv'}, got the folder {out}",
            param_hint="--out",
        )
    scenario = load_scenario(scenario_path)
    chosen = RULES if rules is None else tuple(r.strip() for r in rules.split(",") if r.strip())
    unknown = [r for r in chosen if r not in RULES]
    if unknown:
        raise click.BadParameter(
            f"expected rules among {', '.join(RULES)}, got {', '.join(unknown)}",
            param_hint="--rules",
        )
    table = compare(scenario, chosen, solver=solver)
    if out is not None:
        with output_file(out) as temporary:  # a kill leaves the earlier file, never half a file
            if out.suffix.lower() == ".xlsx":
                table.to_excel(temporary, index=False, sheet_name="compare")
            else:
                table.to_csv(temporary, index=False)
    if as_json:
        echo_json(table.to_dict(orient="records"))
        return
    shown = table[[c for c in _COMPARE_COLUMNS if c in table.columns]]
    click.echo(render_compare(shown))
    if out is not None:
        click.echo(f"\nWritten to {out}")


def render_compare(table: pd.DataFrame) -> str:
    """Rules as rows, metrics as columns, 3 decimals for ratios and whole kg/€."""
    from aide_alim.allocation import METRICS

    def fmt(col: str) -> Callable[[object], str]:
        if col in ("rule", "status"):
            return str
        unit = METRICS.get(col, ("s", ""))[0]
        if unit in ("kg", "€", "meals"):
            return lambda v: f"{v:,.0f}"
        return lambda v: f"{v:.3f}"

    return table.to_string(index=False, formatters={c: fmt(c) for c in table.columns})
