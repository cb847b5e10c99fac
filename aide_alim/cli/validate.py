"""``aide-alim validate``: check a scenario and print its summary, or every problem found."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors
from aide_alim.i18n import _, language, ngettext, number, percent
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
        count = len(report.errors)
        lines += [ngettext("{n} error in {path}:", "{n} errors in {path}:", count).format(
            n=count, path=path)]  # fmt: skip
        lines += [_("Error: {message}").format(message=problem) for problem in report.errors]
    if report.warnings:
        if lines:
            lines.append("")
        count = len(report.warnings)
        lines += [ngettext("{n} warning:", "{n} warnings:", count).format(n=count)]
        lines += [_("Warning: {message}").format(message=problem) for problem in report.warnings]
    if report.ok:
        lines += ["", _("OK: {path} is a valid scenario.").format(path=path)]
    else:
        lines += ["", _("The scenario was not loaded: correct the errors above and run again.")]
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
        return number(value, 1)
    if isinstance(value, int):
        return number(value)
    return str(value)


def _day(iso: str) -> str:
    """The week's Monday: ``5 octobre 2020`` in French, ``2020-10-05`` in English."""
    if language() == "en":
        return iso
    import datetime as dt

    from aide_alim.i18n.fmt import long_date

    return long_date(dt.date.fromisoformat(iso))


def _temperature(code: str) -> str:
    """A temperature class: its French label in French (as the table above), else its code."""
    return code if language() == "en" else Temperature(code).label_fr


def _eur(value: float) -> str:
    return f"{number(value, 2)} €"


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    counts = summary["counts"]
    need = summary["need"]
    lines = [
        _("Scenario {name}: week {week} (Monday {start}), hub {hub}").format(
            name=summary["name"], week=summary["week"], start=_day(summary["week_start"]),
            hub=summary["hub"],
        ),
        "  " + _(
            "{associations} associations serving {persons} persons, {lots} lots at "
            "{suppliers} suppliers, {vehicles} vehicles ({refrigerated} refrigerated)"
        ).format(
            associations=counts["associations"], persons=_cell(counts["beneficiaries"]),
            lots=counts["lots"], suppliers=counts["suppliers"], vehicles=counts["vehicles"],
            refrigerated=counts["refrigerated_vehicles"],
        ),
        "",
        _("By temperature class:"),
    ]  # fmt: skip
    headers = [_("class"), _("lots"), "kg", _("value [€]"), _("cost [€]"),
               _("free storage [kg]")]  # fmt: skip
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
    lines += ["", _("By category:")]
    headers = [_("category"), _("class"), _("lots"), "kg", _("value [€]"), _("cost [€]")]
    rows = [
        [
            row["label"],
            _temperature(row["temperature"]),
            row["lots"],
            row["kg"],
            row["value_eur"],
            row["cost_eur"],
        ]
        for row in summary["by_category"].values()
    ]
    lines += _table(headers, rows)
    lines += ["", _("Donated and bought:")]
    headers = [_("origin"), _("lots"), "kg", _("value [€]"), _("cost [€]")]
    rows = [
        [origin, summary[key]["lots"], summary[key]["kg"], summary[key]["value_eur"],
         summary[key]["cost_eur"]]
        for origin, key in ((_("donated"), "donated"), (_("bought"), "bought"))
    ]  # fmt: skip
    lines += _table(headers, rows)
    ratio = need["supply_over_need"]
    lines += [
        "",
        _("Need and supply:"),
        *_table(
            ["", "kg"],
            [
                [
                    _("need ({persons} persons × {ration} kg)").format(
                        persons=_cell(need["beneficiaries"]), ration=number(need["ration_kg"], 2)
                    ),
                    need["need_kg"],
                ],
                [_("supply (this week's lots)"), need["supply_kg"]],
                [_("other supply (declared by associations)"), need["other_supply_kg"]],
            ],
        ),
        "  " + _("(supply + other supply) / need = {ratio}").format(ratio=percent(ratio))
        if ratio is not None
        else "  " + _("no need (no beneficiaries)"),
        "  "
        + _("budgets of associations: {budgets} for {cost} of lots on sale").format(
            budgets=_eur(summary["budget"]["associations_eur"]),
            cost=_eur(summary["budget"]["bought_cost_eur"]),
        ),
    ]
    return lines
