"""``aide-alim sweep``: many variants of a week on Dask, one table of metrics."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from aide_alim.cli import main
from aide_alim.cli.common import handle_errors
from aide_alim.errors import AideAlimError
from aide_alim.i18n import _, ngettext, number
from aide_alim.output import output_file


@main.command("sweep")
@click.argument("scenario", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--spec",
    "spec_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file: [grid] values per parameter, [random] replicates, route.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Address of an existing Dask scheduler (tcp://host:8786); default: a local cluster.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes of the local cluster (default: one per core).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Base seed of the variants.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Output table: Parquet if it ends in .parquet, else CSV.",
)
@handle_errors
def sweep_command(
    scenario: Path,
    spec_path: Path,
    scheduler: str | None,
    workers: int | None,
    seed: int,
    out: Path,
) -> None:
    """Evaluate a grid and/or random replicates of variants of a week.

    One row per variant: its parameters, the allocation metrics, the routing totals when the
    spec asks for them, its status and error text, and the seconds it took. A variant that fails
    is recorded and the others go on.

    Example (every fairness rule on 10 drawn weeks, 2 worker processes):

    \b
        aide-alim sweep scenarios/dijon --workers 2 --out fairness.parquet \\
            --spec scenarios/dijon/sweeps/fairness.toml

    On a Dask cluster: --scheduler tcp://HOST:8786 (its workers need aide_alim).
    """
    from aide_alim.scenario import load_scenario
    from aide_alim.sweep import load_spec, require_dask, sweep

    require_dask()
    spec = load_spec(spec_path)
    base = load_scenario(scenario)
    if out.suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise AideAlimError(
                _(
                    "Writing Parquet needs pyarrow: pip install 'aide_alim[sweep]', or use --out "
                    "*.csv."
                )
            ) from None
    start = time.perf_counter()
    # No bar when stderr is not a terminal (logs, CI): it would only print its label.
    hidden = not sys.stderr.isatty()
    with click.progressbar(
        length=spec.size, label=_("Variants"), file=sys.stderr, hidden=hidden
    ) as bar:
        last = 0

        def advance(done: int, total: int) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        table = sweep(base, spec, scheduler=scheduler, workers=workers, seed=seed, progress=advance)
    elapsed = time.perf_counter() - start
    with output_file(out) as temporary:
        if out.suffix.lower() == ".parquet":
            table.to_parquet(temporary, index=False)
        else:
            table.to_csv(temporary, index=False)
    failed = int((table["status"] == "error").sum()) if len(table) else 0
    click.echo(
        ngettext(
            "{n} variant in {seconds} s ({failed} failed); table written to {out}.",
            "{n} variants in {seconds} s ({failed} failed); table written to {out}.",
            len(table),
        ).format(n=len(table), seconds=number(elapsed, 1), failed=failed, out=out)
    )
    if failed:
        first = table.loc[table["status"] == "error", "error"].iloc[0]
        click.echo(_("First failure: {error}").format(error=first), err=True)
