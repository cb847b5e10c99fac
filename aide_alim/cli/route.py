"""``aide-alim route``: plan the week's collection and delivery rounds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from aide_alim.cli import main
from aide_alim.cli.common import echo_json, handle_errors
from aide_alim.cli.tables import day_cell, decimals, hours, table_text
from aide_alim.errors import StageError
from aide_alim.i18n import _, language, ngettext, number
from aide_alim.scenario.model import Scenario

if TYPE_CHECKING:  # routing and pandas are imported when the command runs (fast start)
    import pandas as pd

    from aide_alim.routing import RoutePlan


@main.command("route")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option(
    "--allocation",
    "allocation_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Allocation lines: allocation_lines.csv or allocation.json of `aide-alim allocate --out`. "
    "Default: allocate now with the scenario's policy.",
)
@click.option(
    "--model",
    type=click.Choice(["hub", "direct"]),
    help="Organisation model (default: the scenario's logistics.model).",
)
@click.option("--time-limit", type=float, help="Search time per round problem [s].")
@click.option("--seed", type=int, help="Solver seed (default: the scenario's).")
@click.option("--out", type=click.Path(path_type=Path), help="Write CSV tables, JSON and map.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON (for scripts).")
@handle_errors
def route_command(
    scenario_path: Path,
    allocation_file: Path | None,
    model: str | None,
    time_limit: float | None,
    seed: int | None,
    out: Path | None,
    as_json: bool,
) -> None:
    """Plan the collection and delivery rounds of SCENARIO's week.

    Prints the totals (km, hours, €, kg CO₂), one line per vehicle round and the lines no
    round can carry, with the reason. --out DIR writes route_stops.csv, route_rounds.csv,
    route_unserved.csv, route_lines.csv, route_plan.json and route_map.png.

    Example: aide-alim route scenarios/dijon --allocation plans/allocation_lines.csv --out plans/

    Compare the organisation models: aide-alim route scenarios/dijon --model direct --json
    """
    from aide_alim.routing import plan_routes
    from aide_alim.scenario.validate import load_scenario

    scenario = load_scenario(scenario_path)
    if model is not None:
        scenario = scenario.replace(logistics=scenario.logistics.replace(model=model))
    if time_limit is not None and time_limit <= 0:
        raise click.BadParameter(
            _("expected a time limit > 0 s, got {value}").format(value=time_limit)
        )
    lines = _read_lines(allocation_file) if allocation_file else _allocate(scenario)
    plan = plan_routes(scenario, lines, time_limit_s=time_limit, seed=seed)
    if out is not None:
        write_plan(plan, out)
    if as_json:
        echo_json(plan.to_json())
        return
    click.echo(render_plan(plan))
    if out is not None:
        click.echo("\n" + _("Written to {out}").format(out=f"{out}/"))


def _read_lines(path: Path) -> pd.DataFrame:
    """The allocation lines of ``allocate --out``: allocation_lines.csv or allocation.json."""
    import pandas as pd

    expected = _(
        "expected the allocation_lines.csv or allocation.json that `aide-alim allocate --out` "
        "writes"
    )
    try:
        head = path.read_bytes()[:4096].lstrip()
    except OSError as exc:
        raise StageError(
            "routing", _("{path}: cannot read it ({why})").format(path=path, why=exc.strerror)
        ) from None
    if path.suffix.lower() == ".json" or head.startswith(b"{"):
        table = _json_lines(path, expected)
    else:
        try:
            table = pd.read_csv(path, sep=None, engine="python", dtype={"lot": str, "site": str})
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise StageError("routing", f"{path}: {expected} ({exc})") from None
    needed = ("lot", "association", "day", "kg", "site", "temperature")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise StageError(
            "routing",
            _("{path}: {expected}; no column(s) {missing} (found {found})").format(
                path=path,
                expected=expected,
                missing=", ".join(missing),
                found=", ".join(map(str, table.columns)) or _("none"),
            ),
        )
    table["lot"] = table["lot"].astype(str)
    table["association"] = table["association"].astype(str)
    return table


def _json_lines(path: Path, expected: str) -> pd.DataFrame:
    import json

    import pandas as pd

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise StageError(
            "routing",
            _("{path}: {expected}; not valid JSON ({why})").format(
                path=path, expected=expected, why=exc
            ),
        ) from None
    records = data.get("lines") if isinstance(data, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise StageError(
            "routing",
            _('{path}: {expected}; this JSON has no list of "lines"').format(
                path=path, expected=expected
            ),
        )
    return pd.DataFrame.from_records(records)


def _allocate(scenario: Scenario) -> pd.DataFrame:
    from aide_alim.allocation import allocate

    lines: pd.DataFrame = allocate(scenario).lines
    return lines


def write_plan(plan: RoutePlan, out: Path) -> list[Path]:
    """Write the plan's tables (CSV), its JSON summary and its map into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ("stops", "rounds", "unserved", "lines"):
        path = out / f"route_{name}.csv"
        getattr(plan, name).to_csv(path, index=False)
        paths.append(path)
    import json

    summary = out / "route_plan.json"
    summary.write_text(json.dumps(plan.to_json(), ensure_ascii=False, indent=2, default=str))
    paths.append(summary)
    paths.append(plan.save_map(out / "route_map.png"))
    return paths


def render_plan(plan: RoutePlan) -> str:
    """The plan as text: totals, rounds, unserved lines grouped by reason."""
    t = plan.totals
    lines = [
        ngettext(
            "Rounds of {week}, model {model} ({source} distances): {rounds} round, {km} km, "
            "{hours} h, {cost} €, {co2} kg CO2",
            "Rounds of {week}, model {model} ({source} distances): {rounds} rounds, {km} km, "
            "{hours} h, {cost} €, {co2} kg CO2",
            int(t["rounds"]),
        ).format(
            week=plan.week, model=plan.model, source=_source(plan.matrix_source),
            rounds=t["rounds"], km=number(t["km"], 1), hours=number(t["hours"], 1),
            cost=number(t["cost_eur"], 2), co2=number(t["co2_kg"], 1),
        ),
        ngettext(
            "Delivered by vehicle {delivered} kg, fetched by associations {fetched} kg, not "
            "carried {unserved} kg ({lines} line); planned in {seconds} s",
            "Delivered by vehicle {delivered} kg, fetched by associations {fetched} kg, not "
            "carried {unserved} kg ({lines} lines); planned in {seconds} s",
            int(t["lines_unserved"]),
        ).format(
            delivered=number(t["kg_delivered"], 1), fetched=number(t["kg_self_collected"], 1),
            unserved=number(t["kg_unserved"], 1), lines=t["lines_unserved"],
            seconds=number(t["wall_s"], 1),
        ),
    ]  # fmt: skip
    if not plan.rounds.empty:
        table = plan.rounds.assign(
            start=plan.rounds["start"].dt.strftime("%H:%M"),
            end=plan.rounds["end"].dt.strftime("%H:%M"),
        )[["day", "vehicle", "trips", "stops", "start", "end", "km", "hours", "kg_picked",
           "kg_dropped"]]  # fmt: skip
        three, one = decimals(3), decimals(1)
        formats = {"day": day_cell, "km": three, "hours": hours(3), "kg_picked": one,
                   "kg_dropped": one}  # fmt: skip
        lines += ["", table_text(table, formats)]
    if not plan.unserved.empty:
        unserved = plan.unserved
        if language() != "en" and "reason_fr" in unserved.columns:  # the routing's French words
            unserved = unserved.assign(reason=unserved["reason_fr"])
        grouped = (
            unserved.groupby(["stage", "reason"], sort=False)["kg"]
            .agg(["count", "sum"])
            .reset_index()
        )
        lines += ["", _("Not carried:")]
        lines += [
            "  "
            + ngettext(
                "{stage}: {reason} ({n} line, {kg} kg)", "{stage}: {reason} ({n} lines, {kg} kg)",
                int(r["count"]),
            ).format(stage=_stage(r.stage), reason=r.reason, n=r["count"], kg=number(r["sum"], 1))
            for _i, r in grouped.iterrows()
        ]  # fmt: skip
    return "\n".join(lines)


def _source(code: str) -> str:
    """Where the distances come from, in the user's words."""
    return {"geodesic": _("geodesic"), "osm": _("road network")}.get(code, code)


def _stage(code: str) -> str:
    """The leg a line misses (collection, delivery…), in the user's words."""
    return {
        "collection": _("collection"), "delivery": _("delivery"), "direct": _("direct round"),
        "same_day": _("collection and delivery the same day"),
        "hub_pickup": _("pickup at the hub"), "site_pickup": _("pickup at the supplier"),
    }.get(code, code)  # fmt: skip
