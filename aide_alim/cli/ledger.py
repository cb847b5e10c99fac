"""``aide-alim ledger``: the convention's ledger (commitments, expenditures, indicators, report)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors
from aide_alim.errors import AideAlimError, Problem
from aide_alim.i18n import _, language, ngettext, number, percent, pgettext

if TYPE_CHECKING:  # the database and pandas are imported when a command runs (fast start)
    import pandas as pd

    from aide_alim.db import Database
    from aide_alim.ledger.convention import Convention

F = TypeVar("F", bound=Callable[..., Any])


def _ledger_options(func: F) -> F:
    """``--db``, ``--year`` and ``--convention``, shared by every ledger command."""
    func = click.option(
        "--convention",
        "convention_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Convention file (TOML) for another year or territory (default: the shipped one).",
    )(func)
    func = click.option(
        "--year", type=int, help="Year of the convention (default: 2020, the shipped one)."
    )(func)
    func = click.option(
        "--db",
        "db_url",
        metavar="URL",
        help="History database: SQLAlchemy URL or SQLite file (default: $AIDE_ALIM_DB, else "
        "the per-user file).",
    )(func)
    return func


def _open(
    db_url: str | None, year: int | None, convention_file: Path | None, *, create: bool = True
) -> tuple[Database, Convention]:
    """The history database and the convention; ``create=False`` for read-only commands."""
    from aide_alim.db import open_database
    from aide_alim.ledger.convention_files import find_convention

    convention = find_convention(year=year, path=convention_file)
    return open_database(db_url, create=create), convention


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    from aide_alim.parsing import Bad, parse_date

    date = parse_date(text)
    if isinstance(date, Bad):
        raise AideAlimError(
            _("{option}: expected {expected}, found {value!r}").format(
                option=option, expected=date.expected, value=text
            )
        )
    return date


def _amount(text: str, what: str) -> Decimal:
    """The ``--amount`` option as a number of euros (a located error if it is not one)."""
    from aide_alim.ledger.convention import LedgerError
    from aide_alim.ledger.entries import parse_amount
    from aide_alim.parsing import Bad

    value = parse_amount(text)
    if isinstance(value, Bad):
        message = _("expected {expected}, found {value!r}").format(
            expected=value.expected, value=text
        )
        raise LedgerError([Problem("--amount", None, None, message)], what=what)
    return Decimal(value)


def _counts(errors: int, warnings: int) -> str:
    """``2 errors, 1 warning`` in the user's language."""
    return ", ".join(
        (
            ngettext("{n} error", "{n} errors", errors).format(n=errors),
            ngettext("{n} warning", "{n} warnings", warnings).format(n=warnings),
        )
    )


@main.group("ledger")
def ledger() -> None:
    """The convention's ledger: what each funder committed and spent, the indicators, the checks
    and the yearly execution report (art. 2.4).

    The year's report in three commands:

      aide-alim ledger import depenses_2020.csv --db history.sqlite

      aide-alim ledger import indicateurs_2020.csv --db history.sqlite

      aide-alim ledger report --year 2020 --out rapport_2020/ --db history.sqlite
    """


@ledger.command("show")
@_ledger_options
@click.option(
    "--what",
    type=click.Choice(["statement", "commitments", "expenses", "indicators"]),
    default="statement",
    show_default=True,
    help="statement: committed vs spent per action and funder; commitments: the convention's "
    "table; expenses: every expenditure; indicators: every indicator value.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
@handle_errors
def show(
    db_url: str | None, year: int | None, convention_file: Path | None, what: str, as_json: bool
) -> None:
    """Show the ledger of the year.

    Example: aide-alim ledger show --what statement --db history.sqlite
    """
    from aide_alim.ledger.checks import spent_by_action
    from aide_alim.ledger.store import read_expenses, read_indicator_values

    db, convention = _open(db_url, year, convention_file, create=False)
    with db:
        if what == "commitments":
            table = convention.commitment_table()
        elif what == "expenses":
            table = read_expenses(db, convention)
        elif what == "indicators":
            table = read_indicator_values(db, convention)
        else:
            table = spent_by_action(convention, read_expenses(db, convention))
    views = {  # English: the --what value
        "statement": pgettext("ledger view", "statement"),
        "commitments": pgettext("ledger view", "commitments"),
        "expenses": pgettext("ledger view", "expenses"),
        "indicators": pgettext("ledger view", "indicators"),
    }
    _render(table, as_json, title=f"{convention.name} — {convention.year} ({views[what]})")


def _render(table: pd.DataFrame, as_json: bool, *, title: str) -> None:
    import pandas as pd

    if as_json:
        echo_json(table.to_dict("records"))
        return
    click.echo(title)
    if table.empty:
        click.echo("  " + _("(nothing recorded)"))
        return
    from aide_alim.cli.tables import day_cell, table_text

    formats: dict[str, Callable[[float], str]] = {
        c: _float for c in table.columns if pd.api.types.is_float_dtype(table[c])
    }
    if language() != "en":
        if "execution_rate" in formats:
            formats["execution_rate"] = percent
        if "date" in table.columns:
            formats["date"] = day_cell
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        click.echo(table_text(table, formats, max_colwidth=50))


def _float(value: float) -> str:
    """A ledger number as exact as it is kept: ``7500``, ``0.25`` (French: ``7 500``, ``0,25``)."""
    if language() == "en":
        return f"{value:.10g}"
    whole = float(value).is_integer()
    return number(value, 0 if whole else 2)


@ledger.command("add-expense")
@_ledger_options
@click.option("--action", required=True, help="Action of the convention, e.g. 1.1.")
@click.option("--funder", required=True, help="Party charged: etat or metropole.")
@click.option("--date", "date_text", required=True, help="Date, e.g. 2020-10-15 or 15/10/2020.")
@click.option("--label", required=True, help="What was paid for.")
@click.option("--amount", required=True, help="Amount in euros, e.g. 7500 or 7 500,00.")
@click.option("--document", default="", help="Reference of the supporting document (mandate…).")
@handle_errors
def add_expense(
    db_url: str | None,
    year: int | None,
    convention_file: Path | None,
    action: str,
    funder: str,
    date_text: str,
    label: str,
    amount: str,
    document: str,
) -> None:
    """Record one expenditure charged to an action and a funder.

    Example: aide-alim ledger add-expense --action 1.2 --funder etat --date 2020-11-15
    --label "Formation aidants numériques" --amount 7500 --document F-2020-118
    """
    from aide_alim.ledger.checks import euros
    from aide_alim.ledger.entries import Expense
    from aide_alim.ledger.store import add_expenses

    value = _amount(amount, _("the expenditure"))
    date = _date(date_text, "--date")
    assert date is not None
    db, convention = _open(db_url, year, convention_file)
    expense = Expense(action, funder.lower(), date, label, value, document)
    with db:
        (expense_id,) = add_expenses(db, convention, [expense], file="add-expense")
    click.echo(
        _("Recorded expenditure #{id}: action {action}, {funder}, {amount}, {date}.").format(
            id=expense_id,
            action=action,
            funder=funder,
            amount=euros(value),
            date=date.isoformat(),
        )
    )


@ledger.command("delete-expense")
@_ledger_options
@click.argument("expense_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why the expenditure is cancelled.")
@handle_errors
def delete_expense(
    db_url: str | None,
    year: int | None,
    convention_file: Path | None,
    expense_id: int,
    reason: str,
) -> None:
    """Cancel expenditure ID by a counter-entry (kept in the ledger for audit).

    Example: aide-alim ledger delete-expense 12 --reason "saisie en double"
    """  # fmt: skip
    from aide_alim.ledger.corrections import cancel_expense

    db, convention = _open(db_url, year, convention_file, create=False)  # never a new history
    with db:
        counter = cancel_expense(db, convention, expense_id, reason)
    click.echo(
        _("Expenditure #{id} cancelled by expenditure #{counter}.").format(
            id=expense_id, counter=counter
        )
    )


@ledger.command("correct-expense")
@_ledger_options
@click.argument("expense_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why the expenditure is corrected.")
@click.option("--action", help="The right action.")
@click.option("--funder", help="The right funder.")
@click.option("--date", "date_text", help="The right date.")
@click.option("--label", help="The right label.")
@click.option("--amount", help="The right amount in euros.")
@click.option("--document", help="The right document reference.")
@handle_errors
def correct_expense(
    db_url: str | None,
    year: int | None,
    convention_file: Path | None,
    expense_id: int,
    reason: str,
    action: str | None,
    funder: str | None,
    date_text: str | None,
    label: str | None,
    amount: str | None,
    document: str | None,
) -> None:
    """Correct expenditure ID: a counter-entry cancels it and the corrected entry is recorded
    (both kept in the ledger for audit).

    Example: aide-alim ledger correct-expense 12 --amount 7 250 --reason "montant de la facture"
    """  # fmt: skip
    from aide_alim.ledger.corrections import correct_expense as correct

    changes: dict[str, Any] = {
        k: v
        for k, v in (("action", action), ("funder", funder and funder.lower()), ("label", label),
                     ("document", document), ("date", _date(date_text, "--date")))
        if v is not None
    }  # fmt: skip
    if amount is not None:
        changes["amount_eur"] = _amount(amount, _("the correction"))
    if not changes:
        raise AideAlimError(_("nothing to correct: give at least one of --action, --funder, "
                              "--date, --label, --amount, --document"))  # fmt: skip
    db, convention = _open(db_url, year, convention_file, create=False)  # never a new history
    with db:
        counter, new = correct(db, convention, expense_id, reason, **changes)
    click.echo(
        _("Expenditure #{id} cancelled by #{counter} and recorded again as #{new}.").format(
            id=expense_id, counter=counter, new=new
        )
    )


@ledger.command("set-indicator")
@_ledger_options
@click.option("--indicator", required=True, help="Indicator id of the convention, e.g. 1.1.a.")
@click.option("--period", required=True, help="2020, 2020-T4, 2020-S2, 2020-10 or 2020-W41.")
@click.option("--value", type=float, help="The number (for a 'nombre' indicator).")
@click.option("--text", default="", help="The assessment (for a 'qualitatif' indicator).")
@click.option("--measure", default="", help="Which measure of the indicator (optional).")
@click.option("--subject", default="", help="Which structure it concerns (optional).")
@click.option("--source", default="saisie", show_default=True, help="Where the value comes from.")
@handle_errors
def set_indicator(
    db_url: str | None,
    year: int | None,
    convention_file: Path | None,
    indicator: str,
    period: str,
    value: float | None,
    text: str,
    measure: str,
    subject: str,
    source: str,
) -> None:
    """Set the value of an indicator for a period (replaces an earlier value of the same key).

    Example: aide-alim ledger set-indicator --indicator 1.1.a --period 2020 --value 1250
    """
    from aide_alim.ledger.convention import LedgerError
    from aide_alim.ledger.entries import IndicatorValue
    from aide_alim.ledger.store import set_indicator_values

    db, convention = _open(db_url, year, convention_file)
    try:
        action = convention.indicator(indicator).action
    except KeyError:
        ids = ", ".join(i.id for i in convention.indicators)
        raise LedgerError(
            [
                Problem(
                    "--indicator",
                    None,
                    None,
                    _("expected one of {choices}, found {value!r}").format(
                        choices=ids, value=indicator
                    ),
                )
            ],
            what=_("the indicator value"),
        ) from None
    entry = IndicatorValue(action, indicator, period, value, text, measure, subject, "", source)
    with db:
        set_indicator_values(db, convention, [entry], file="set-indicator")
    shown = text if value is None else f"{value:g}"
    click.echo(
        _("Set indicator {indicator} ({period}) = {value}.").format(
            indicator=indicator, period=period, value=shown
        )
    )


@ledger.command("import")
@_ledger_options
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handle_errors
def import_(
    db_url: str | None, year: int | None, convention_file: Path | None, csv_file: Path
) -> None:
    """Import expenditures or indicator values from a CSV (recognised by its header).

    Expenditures: action, funder (financeur), date, label (libellé), amount_eur (montant),
    document (pièce). Indicator values: action, indicator (indicateur), period (période), value
    (valeur), text (commentaire), measure, subject (structure). ',' or ';' separated, UTF-8 or
    Excel's encoding. Any error (file, row, column) aborts with nothing written.

    Example: aide-alim ledger import depenses_2020.csv --db history.sqlite
    """
    from aide_alim.ledger.csv_import import import_csv

    db, convention = _open(db_url, year, convention_file)
    with db:
        result = import_csv(db, convention, csv_file)
    if result.kind == "expenses":
        text = ngettext(
            "Imported {n} expenditure from {file}.", "Imported {n} expenditures from {file}.",
            result.rows,
        )  # fmt: skip
    else:
        text = ngettext(
            "Imported {n} indicator value from {file}.",
            "Imported {n} indicator values from {file}.",
            result.rows,
        )
    click.echo(text.format(n=result.rows, file=csv_file))
    if result.corrections:
        click.echo(
            ngettext(
                "Of which {n} correction: a negative amount, which lowers what was spent "
                "(check it with: aide-alim ledger show).",
                "Of which {n} corrections: negative amounts, which lower what was spent "
                "(check them with: aide-alim ledger show).",
                result.corrections,
            ).format(n=result.corrections)
        )


@ledger.command("check")
@_ledger_options
@click.option("--today", "today_text", help="Date to check the deadline against (default: today).")
@click.option("--submitted", "submitted_text", help="Date the report was sent to the Préfet.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of text.")
@handle_errors
def check(
    db_url: str | None,
    year: int | None,
    convention_file: Path | None,
    today_text: str | None,
    submitted_text: str | None,
    as_json: bool,
) -> None:
    """Check the ledger against the convention: commitment table, totals per funder, parity
    (art. 2.3.2), spent vs committed, indicators without value, report deadline (art. 2.4).

    Exit status 1 when an error is found (warnings alone exit 0).

    Example: aide-alim ledger check --db history.sqlite
    """
    from aide_alim.ledger.checks import findings_table, run_checks
    from aide_alim.ledger.store import read_expenses, read_indicator_values

    today = _date(today_text, "--today") or dt.date.today()
    submitted = _date(submitted_text, "--submitted")
    db, convention = _open(db_url, year, convention_file, create=False)
    with db:
        expenses = read_expenses(db, convention)
        values = read_indicator_values(db, convention)
    findings = run_checks(convention, expenses, values, today=today, submitted_on=submitted)
    if as_json:
        echo_json(findings_table(findings).to_dict("records"))
    else:
        for finding in findings:
            click.echo(str(finding))
        errors = sum(f.severity == "error" for f in findings)
        warnings = sum(f.severity == "warning" for f in findings)
        click.echo(_counts(errors, warnings) + ".")
    if any(f.severity == "error" for f in findings):
        raise SystemExit(1)


@ledger.command("report")
@_ledger_options
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write the report into (created, or replaced whole if aide-alim wrote it).",
)
@click.option("--today", "today_text", help="Date the report is established (default: today).")
@click.option("--submitted", "submitted_text", help="Date the report was sent to the Préfet.")
@click.option(
    "--no-refresh",
    "no_refresh",
    is_flag=True,
    help="Do not recompute Axe 3's indicator values from the history first.",
)
@handle_errors
def report(
    db_url: str | None,
    year: int | None,
    convention_file: Path | None,
    out: Path,
    today_text: str | None,
    submitted_text: str | None,
    no_refresh: bool,
) -> None:
    """Write the year's execution report (French): rapport_execution_<year>.html and .pdf, and
    the ledger as registre_<year>.xlsx.

    Axe 3's indicators (actions 3.1 and 3.2) are first recomputed from the published weeks.

    Example: aide-alim ledger report --year 2020 --out rapport_2020/ --db history.sqlite
    """
    from aide_alim.ledger.report import ReportFiles, write_report
    from aide_alim.ledger.report_content import build_report
    from aide_alim.output import output_folder

    today = _date(today_text, "--today") or dt.date.today()
    submitted = _date(submitted_text, "--submitted")
    db, convention = _open(db_url, year, convention_file, create=False)
    with db:
        data = build_report(
            db, convention, today=today, submitted_on=submitted, refresh_axis3=not no_refresh
        )
    with output_folder(out, replace=True) as staging:  # the year's report is refreshed whole
        written = write_report(data, staging)
    files = ReportFiles(*(out / p.name for p in (written.html, written.pdf, written.xlsx)))
    errors = sum(f.severity == "error" for f in data.findings)
    warnings = sum(f.severity == "warning" for f in data.findings)
    click.echo(
        _("Execution report {year}: {weeks}, {expenses}, {counts}.").format(
            year=convention.year,
            weeks=ngettext(
                "{n} published week", "{n} published weeks", len(data.axis3.weeks)
            ).format(n=len(data.axis3.weeks)),
            expenses=ngettext("{n} expenditure", "{n} expenditures", len(data.expenses)).format(
                n=len(data.expenses)
            ),
            counts=_counts(errors, warnings),
        )
    )
    for path in (files.html, files.pdf, files.xlsx):
        click.echo(f"  {path}")
