"""``publish PLANS`` records exactly the plan that ``run`` saved in PLANS, without re-computing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from aide_alim.cli import main
from aide_alim.db import open_database
from aide_alim.history import schema as t
from aide_alim.history.plan_file import PLAN_FILE, PlanFileError, load_plan
from aide_alim.weekly import run_week

TINY = Path(__file__).parents[1] / "scenarios" / "tiny"


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "plans"
    run_week(TINY, out, compare_rules=None)
    return out


def test_publish_records_exactly_the_saved_plan(plans: Path, tmp_path: Path, monkeypatch) -> None:
    # Any re-computation would fail: publishing a run's folder must not allocate nor route.
    import aide_alim.history.memory as memory

    monkeypatch.setattr(memory, "allocate_and_publish", None)
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    result = CliRunner().invoke(main, ["publish", str(plans), "--db", url])
    assert result.exit_code == 0, result.output
    assert "Published 2020-W41 version 1" in result.output
    saved = json.loads((plans / PLAN_FILE).read_text(encoding="utf-8"))
    with open_database(url) as db, db.read() as conn:
        lines = conn.execute(
            sa.select(t.allocation_line.c.lot, t.allocation_line.c.association,
                      t.allocation_line.c.day, t.allocation_line.c.kg)
        ).all()  # fmt: skip
        routes = conn.execute(
            sa.select(t.route_row.c.table_name, t.route_row.c.data_json).order_by(
                t.route_row.c.table_name, t.route_row.c.position
            )
        ).all()
        snapshot = conn.execute(sa.select(t.publication.c.scenario_json)).scalar_one()
    expected = saved["allocation"]["lines"]["records"]
    assert sorted((r.lot, r.association, r.day.isoformat(), r.kg) for r in lines) == sorted(
        (r["lot"], r["association"], r["day"][:10], r["kg"]) for r in expected
    )
    for name in ("rounds", "stops", "unserved"):
        recorded = [json.loads(d) for n, d in routes if n == name]
        assert recorded == saved["routes"][name]["records"]
    assert json.loads(snapshot) == saved["scenario"]


def test_the_saved_plan_reads_back_as_the_run_wrote_it(plans: Path) -> None:
    plan = load_plan(plans)
    assert plan.scenario.name == "tiny" and plan.scenario.week == "2020-W41"
    assert plan.allocation.status.is_ok and plan.allocation.rule == "leximin"
    assert plan.allocation.lines["kg"].sum() == pytest.approx(300.0)
    assert plan.routes is not None and len(plan.routes.stops) > 0


def test_a_folder_without_a_plan_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="aide-alim run SCENARIO --out FOLDER"):
        load_plan(tmp_path)


def test_publishing_a_scenario_says_it_computes_the_week_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    result = CliRunner().invoke(main, ["publish", str(TINY), "--db", url, "--no-routes"])
    assert result.exit_code == 0, result.output
    assert "is a scenario, not the folder of a run" in result.output
