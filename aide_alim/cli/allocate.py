"""``aide-alim allocate`` and ``aide-alim compare``: share the week's lots out, or compare rules."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors
from aide_alim.cli.tables import Format, allocation_status, decimals, ratio, table_text
from aide_alim.i18n import _, language, number, percent, pgettext
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
            click.echo("\n" + _("Written to {out}").format(out=f"{out}/"))
    if not result.is_ok:
        raise SystemExit(1)


def render_allocation(result: Allocation) -> str:
    """The allocation as text: status, metrics, per-association table, what stays and why."""
    lines = [
        _("Rule {rule}, basis {basis}: {status}").format(
            rule=result.rule, basis=result.basis, status=allocation_status(str(result.status))
        )
    ]
    if result.message:
        lines.append(result.message)
    if not result.is_ok:
        return "\n".join(lines)
    lines.append("")
    lines += _metric_lines(result.metrics)
    table = result.by_association[
        ["association", "need", "received", "other_supply", "fill_ratio", "deviation", "n_lots"]
    ]
    two = decimals(2)
    formats = {"need": two, "received": two, "other_supply": two, "fill_ratio": ratio(2),
               "deviation": ratio(2)}  # fmt: skip
    lines += ["", table_text(table, formats)]
    if len(result.unallocated):
        summary = result.unallocated.groupby("reason", as_index=False)["kg"].agg(["sum", "count"])
        summary.columns = ["reason", "kg", "lots"]
        if language() != "en":
            from aide_alim.documents.tables import reason_labels

            labels = reason_labels(result)
            summary["reason"] = [labels.get(str(r), str(r)) for r in summary["reason"]]
        formats = {"kg": decimals(1)}
        lines += ["", _("Not allocated:"), table_text(summary, formats, left=("reason",))]
    lines.append(
        "\n"
        + _(
            "{n} LP solve(s); build {build} s, solve {solve} s, cartons {cartons} s"
        ).format(
            n=result.n_solves, build=number(result.build_seconds, 2),
            solve=number(result.solve_seconds, 2), cartons=number(result.repair_seconds, 2),
        )
    )  # fmt: skip
    return "\n".join(lines)


def _metric_lines(metrics: dict[str, float]) -> list[str]:
    """One line per metric: its name, value and unit (French: named in words, ratios in %)."""
    from aide_alim.allocation import METRICS

    english = language() == "en"
    names = _metric_names()
    units = {"count": "", "meals": _("meals"), "ratio": "" if not english else "ratio"}
    rows = []
    for key, value in metrics.items():
        unit = METRICS[key][0]
        if english:
            shown = f"{value:,.0f}" if unit == "count" else f"{value:,.3f}"
            rows.append((key, shown, unit))
            continue
        if unit == "ratio":
            shown = percent(value, 1)
        else:
            shown = number(value, 0 if unit in ("count", "kg", "€", "meals") else 3)
        rows.append((names.get(key, key), shown, units.get(unit, unit)))
    width = max((len(name) for name, _v, _u in rows), default=24)
    width = max(width, 24)
    return [f"  {name:<{width}} {shown:>14}  {unit}".rstrip() for name, shown, unit in rows]


def _metric_names() -> dict[str, str]:
    """The metrics in the user's words (English: their keys)."""
    return {
        "min_fill_ratio": pgettext("metric", "min_fill_ratio"),
        "mean_fill_ratio": pgettext("metric", "mean_fill_ratio"),
        "gini": pgettext("metric", "gini"),
        "jain": pgettext("metric", "jain"),
        "max_deviation": pgettext("metric", "max_deviation"),
        "envy_max": pgettext("metric", "envy_max"),
        "envy_pairs": pgettext("metric", "envy_pairs"),
        "kg_distributed": pgettext("metric", "kg_distributed"),
        "value_distributed_eur": pgettext("metric", "value_distributed_eur"),
        "meals_distributed": pgettext("metric", "meals_distributed"),
        "paid_eur": pgettext("metric", "paid_eur"),
        "kg_left": pgettext("metric", "kg_left"),
        "value_left_eur": pgettext("metric", "value_left_eur"),
        "share_distributed": pgettext("metric", "share_distributed"),
        "price_of_fairness_kg": pgettext("metric", "price_of_fairness_kg"),
        "kg_past_ddm": pgettext("metric", "kg_past_ddm"),
        "n_lines": pgettext("metric", "n_lines"),
        "n_deliveries": pgettext("metric", "n_deliveries"),
        "bound_min_fill_ratio": pgettext("metric", "bound_min_fill_ratio"),
        "bound_kg_distributed": pgettext("metric", "bound_kg_distributed"),
    }


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
            _("expected a file such as {file}, got the folder {out}").format(
                file=out / "compare.csv", out=out
            ),
            param_hint="--out",
        )
    scenario = load_scenario(scenario_path)
    chosen = RULES if rules is None else tuple(r.strip() for r in rules.split(",") if r.strip())
    unknown = [r for r in chosen if r not in RULES]
    if unknown:
        raise click.BadParameter(
            _("expected rules among {rules}, got {unknown}").format(
                rules=", ".join(RULES), unknown=", ".join(unknown)
            ),
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
        click.echo("\n" + _("Written to {out}").format(out=out))


def render_compare(table: pd.DataFrame) -> str:
    """Rules as rows, metrics as columns: 3 decimals for indices, whole kg/€ (French: ratios in
    %, statuses in words)."""
    from aide_alim.allocation import METRICS

    formats: dict[str, Format] = {}
    for col in table.columns:
        unit = METRICS.get(col, ("s", ""))[0]
        if col in ("rule", "status"):
            continue
        if unit in ("kg", "€", "meals"):
            formats[col] = decimals(0)
        elif unit == "ratio":
            formats[col] = ratio()
        else:
            formats[col] = decimals(3)
    if "status" in table.columns and language() != "en":
        table = table.assign(status=[allocation_status(str(s)) for s in table["status"]])
    return table_text(table, formats)
