"""``aide-alim synth``: write a synthetic scenario of any size (for tests and benchmarks)."""

from __future__ import annotations

from pathlib import Path

import click

from aide_alim.cli import main
from aide_alim.cli.common import handle_errors
from aide_alim.errors import AideAlimError
from aide_alim.i18n import _, number
from aide_alim.scenario.synth import MAX_SUPPLY_RATIO

# Measured peak memory of synth (10 M lots: 13 GB), with room for the writer's copy [bytes].
BYTES_PER_LOT = 1_500
BYTES_PER_ASSOCIATION = 3_000
BASE_BYTES = 200 * 2**20


@main.command("synth")
@click.option(
    "--associations",
    type=click.IntRange(min=1),
    required=True,
    help="Number of associations.",
)
@click.option("--lots", type=click.IntRange(min=1), required=True, help="Number of lots.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--regions",
    type=click.IntRange(min=1),
    default=None,
    help="French cities to spread over (default: one per 100 associations; 1 = Dijon only).",
)
@click.option("--week", default="2020-W41", show_default=True, help="ISO week of the scenario.")
@click.option(
    "--supply-ratio",
    type=click.FloatRange(min=0, min_open=True, max=MAX_SUPPLY_RATIO),
    default=0.7,
    show_default=True,
    help="Total lot kg ÷ total need kg.",
)
@click.option("--xlsx", is_flag=True, help="Write one .xlsx workbook instead of a folder.")
@click.option("--overwrite", is_flag=True, help="Replace an existing scenario at OUT.")
@click.argument("out", type=click.Path(path_type=Path))
@handle_errors
def synth_command(
    associations: int,
    lots: int,
    seed: int,
    regions: int | None,
    week: str,
    supply_ratio: float,
    xlsx: bool,
    overwrite: bool,
    out: Path,
) -> None:
    """Write a synthetic scenario with N associations and M lots to OUT.

    OUT is a folder (or, with --xlsx, a workbook). The same seed always gives the same files;
    large scenarios spread over several French cities. Example:

    \b
        aide-alim synth --associations 300 --lots 3000 --seed 1 synth-300
        aide-alim validate synth-300
    """
    from aide_alim.scenario.synth import synthesize
    from aide_alim.scenario.write import write_scenario, write_workbook

    _check_memory(associations, lots)

    try:
        scenario = synthesize(
            associations, lots, seed=seed, regions=regions, week=week, supply_ratio=supply_ratio
        )
    except ValueError as exc:
        raise AideAlimError(str(exc)) from None
    if xlsx:
        path = write_workbook(scenario, out, overwrite=overwrite)
    else:
        path = write_scenario(scenario, out, overwrite=overwrite)
    supply = sum(lot.kg for lot in scenario.lots)
    click.echo(
        _(
            "{path}: {associations} associations, {suppliers} suppliers, {lots} lots ({kg} kg), "
            "{vehicles} vehicles, week {week}"
        ).format(
            path=path, associations=len(scenario.associations),
            suppliers=len(scenario.sites) - 1, lots=len(scenario.lots), kg=number(supply),
            vehicles=len(scenario.vehicles), week=scenario.week,
        )
    )  # fmt: skip


def _check_memory(associations: int, lots: int) -> None:
    """Refuse, with the estimate, a size that cannot fit in this machine's free memory."""
    need = BASE_BYTES + BYTES_PER_LOT * lots + BYTES_PER_ASSOCIATION * associations
    free = _available_memory()
    if free is not None and need > free:
        raise AideAlimError(
            _(
                "{associations} associations and {lots} lots need about {need} GB of memory; "
                "this machine has {free} GB free. Ask for fewer lots."
            ).format(
                associations=number(associations), lots=number(lots),
                need=number(need / 2**30, 1), free=number(free / 2**30, 1),
            )
        )  # fmt: skip


def _available_memory() -> int | None:
    """Free memory (MemAvailable) in bytes, ``None`` when the system does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
