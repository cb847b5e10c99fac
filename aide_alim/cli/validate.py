"""``aide-alim validate``: check a scenario and print its summary, or every problem found."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors
from aide_alim.scenario.model import Temperature

if TYPE_CHECKING:
    from aide_alim.scenario.validate import ValidationReport


@main.command("validate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for scripts).")
@handle_errors
def validate(path: Path, as_json: bool) -> None:
    """Check the scenario at PATH (a folder or an .xlsx workbook) and summarise it.

    Prints the week's counts, kg and € by temperature class and category, and total need
    against total supply; or every error (file, row, column, what was expected, what was found)
    and exits with status 1. Warnings flag suspicious data but do not fail.

    Example: aide-alim validate scenarios/dijon

    For scripts: aide-alim validate scenarios/dijon --json
    """
    from aide_alim.scenario.validate import check_scenario

    report = check_scenario(path)
    if as_json:
        echo_json(report.to_dict())
    else:  # a failed check is a diagnostic: stderr, so scripts keep stdout clean
        click.echo(render_report(report, path), err=not report.ok)
    if not report.ok:
        raise SystemExit(1)


def render_report(report: ValidationReport, path: Path) -> str:
    """The report as text: the summary (if the scenario loaded), then errors and warnings."""
    lines: list[str] = []
    if report.ok:
        lines += _summary_lines(report.summary)
    if report.errors:
        lines += [f"{len(report.errors)} error(s) in {path}:"]
        lines += [f"Error: {problem}" for problem in report.errors]
    if report.warnings:
        if lines:
            lines.append("")
        lines += [f"{len(report.warnings)} warning(s):"]
        lines += [f"Warning: {problem}" for problem in report.warnings]
    if report.ok:
        lines += ["", f"OK: {path} is a valid scenario."]
    else:
        lines += ["", "The scenario was not loaded: correct the errors above and run again."]
    return "\n".join(lines)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Left-aligned text columns, right-aligned numbers."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], int | float) for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def _eur(value: float) -> str:
    return f"{value:,.2f} €".replace(",", " ")


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    counts = summary["counts"]
    need = summary["need"]
    lines = [
        f"Scenario {summary['name']}: week {summary['week']} (Monday {summary['week_start']}), "
        f"hub {summary['hub']}",
        f"  {counts['associations']} associations serving "
        f"{_cell(counts['beneficiaries'])} persons, "
        f"{counts['lots']} lots at {counts['suppliers']} suppliers, "
        f"{counts['vehicles']} vehicles ({counts['refrigerated_vehicles']} refrigerated)",
        "",
        "By temperature class:",
    ]
    headers = ["class", "lots", "kg", "value [€]", "cost [€]", "free storage [kg]"]
    rows = [
        [
            Temperature(key).label_fr,
            row["lots"],
            row["kg"],
            row["value_eur"],
            row["cost_eur"],
            row["storage_free_kg"],
        ]
        for key, row in summary["by_temperature"].items()
    ]
    lines += _table(headers, rows)
    lines += ["", "By category:"]
    headers = ["category", "class", "lots", "kg", "value [€]", "cost [€]"]
    rows = [
        [
            row["label"],
            row["temperature"],
            row["lots"],
            row["kg"],
            row["value_eur"],
            row["cost_eur"],
        ]
        for row in summary["by_category"].values()
    ]
    lines += _table(headers, rows)
    lines += ["", "Donated and bought:"]
    headers = ["origin", "lots", "kg", "value [€]", "cost [€]"]
    rows = [
        [origin, summary[key]["lots"], summary[key]["kg"], summary[key]["value_eur"],
         summary[key]["cost_eur"]]
        for origin, key in (("donated", "donated"), ("bought", "bought"))
    ]  # fmt: skip
    lines += _table(headers, rows)
    ratio = need["supply_over_need"]
    lines += [
        "",
        "Need and supply:",
        *_table(
            ["", "kg"],
            [
                [
                    f"need ({_cell(need['beneficiaries'])} persons × {need['ration_kg']:g} kg)",
                    need["need_kg"],
                ],
                ["supply (this week's lots)", need["supply_kg"]],
                ["other supply (declared by associations)", need["other_supply_kg"]],
            ],
        ),
        f"  (supply + other supply) / need = {ratio:.0%}"
        if ratio is not None
        else "  no need (no beneficiaries)",
        f"  budgets of associations: {_eur(summary['budget']['associations_eur'])} for "
        f"{_eur(summary['budget']['bought_cost_eur'])} of lots on sale",
    ]
    return lines
