"""A portal to try at once: a scenario's week published and demonstration accounts.

``aide-alim serve --demo scenarios/dijon`` publishes the week if it is not yet (allocation and
rounds, as ``aide-alim publish``) and creates the accounts that are missing: ``coordination``,
``pilotage`` and one per association, named by its id, all with one random password printed
once. Nothing that exists is changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from aide_alim.db import Database
from aide_alim.history.publish import active_publication, iso_week
from aide_alim.portal import auth
from aide_alim.portal.work import writing


@dataclass(frozen=True)
class Demo:
    """What :func:`prepare` did: the week, whether it published it, the accounts it created."""

    week: str
    published: bool
    created: tuple[str, ...]
    password: str


def prepare(db: Database, scenario_path: str | Path) -> Demo:
    """Publish the scenario's week if needed and create the missing demonstration accounts."""
    from aide_alim.history import allocate_and_publish
    from aide_alim.scenario import load_scenario

    scenario = load_scenario(scenario_path)
    week = iso_week(scenario.week)
    with db.read() as conn:
        published = active_publication(conn, week) is not None
    if not published:
        allocate_and_publish(db, scenario, note="démonstration du portail")
    password = secrets.token_urlsafe(9)
    accounts: list[tuple[str, str, str | None, str]] = [
        ("coordination", "coordinator", None, "Coordination"),
        ("pilotage", "steering", None, "Pilotage (État, Métropole)"),
    ]
    accounts += [(a.id, "association", a.id, a.name) for a in scenario.associations]
    created = []
    with writing(db) as conn:
        for login, role, association, name in accounts:
            if auth.find_user(conn, login) is None:
                auth.add_user(conn, login, role, name=name, association=association,
                              password=password)  # fmt: skip
                created.append(login)
    return Demo(week, not published, tuple(created), password)
