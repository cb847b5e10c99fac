"""What associations declare for a coming week, and the associations file made from it.

An association declares, before the week: the people it expects, its free storage per
temperature class, the days it is closed, the categories it refuses and its purchase budget.
Each declaration is kept; the latest one of a week counts. :func:`export_associations` applies
them to the associations of the last published week (or of a given scenario) and gives the
``associations.csv`` of the next scenario (``aide-alim declarations export WEEK``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from aide_alim.db import Database
from aide_alim.errors import AideAlimError
from aide_alim.history import schema as h
from aide_alim.history.publish import iso_week
from aide_alim.portal import tables as t
from aide_alim.scenario.model import Association, Day, Scenario

MAX_BENEFICIARIES = 100_000
MAX_KG = 1_000_000.0
MAX_EUR = 10_000_000.0
MAX_COMMENT = 1_000
#: The French name of each declared field (the coordinator's page).
FIELDS_FR = {
    "beneficiaries": "personnes", "dry_kg": "stockage sec (kg)", "chilled_kg": "frais (kg)",
    "frozen_kg": "congélateur (kg)", "open_days": "jours d'ouverture",
    "refuses": "catégories refusées", "budget_eur": "budget (€)",
}  # fmt: skip


class DeclarationError(AideAlimError):
    """A declaration has wrong values (``problems``: field → French message)."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))


@dataclass(frozen=True)
class Declaration:
    """What an association declares for ``week`` (storage in kg, budget in €)."""

    week: str
    association: str
    beneficiaries: int
    dry_kg: float
    chilled_kg: float
    frozen_kg: float
    closed_days: frozenset[Day]
    refuses: frozenset[str]
    budget_eur: float
    comment: str = ""
    recorded_at: dt.datetime | None = None


def next_week(week: str) -> str:
    """The ISO week after ``week``."""
    year, number = int(week[:4]), int(week[-2:])
    monday = dt.date.fromisocalendar(year, number, 1) + dt.timedelta(days=7)
    y, w, _ = monday.isocalendar()
    return f"{y}-W{w:02d}"


def _number(text: str, field: str, maximum: float, problems: dict[str, str]) -> float:
    raw = (text or "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        problems[field] = f"un nombre est attendu (reçu « {text[:40]} »)"
        return 0.0
    if math.isnan(value) or value < 0 or value > maximum:
        problems[field] = f"un nombre entre 0 et {maximum:,.0f} est attendu".replace(",", " ")
        return 0.0
    return value


def parse_declaration(
    week: str, association: str, form: dict[str, Any], categories: set[str]
) -> Declaration:
    """A declaration from form fields; raises :class:`DeclarationError` with every problem."""
    problems: dict[str, str] = {}
    people = _number(str(form.get("beneficiaries", "")), "beneficiaries", MAX_BENEFICIARIES,
                     problems)  # fmt: skip
    if people != int(people):
        problems["beneficiaries"] = "un nombre entier de personnes est attendu"
    storage = {
        key: _number(str(form.get(key, "")), key, MAX_KG, problems)
        for key in ("dry_kg", "chilled_kg", "frozen_kg")
    }
    budget = _number(str(form.get("budget_eur", "0") or "0"), "budget_eur", MAX_EUR, problems)
    codes = {d.code: d for d in Day}
    closed = [str(x) for x in form.get("closed_days", [])]
    if any(c not in codes for c in closed):
        problems["closed_days"] = "jour inconnu"
    refuses = [str(x) for x in form.get("refuses", [])]
    if any(c not in categories for c in refuses):
        problems["refuses"] = "catégorie inconnue"
    comment = str(form.get("comment", "")).strip()
    if len(comment) > MAX_COMMENT:
        problems["comment"] = f"{MAX_COMMENT} caractères au plus"
    if problems:
        raise DeclarationError(problems)
    return Declaration(
        iso_week(week), association, int(people), storage["dry_kg"], storage["chilled_kg"],
        storage["frozen_kg"], frozenset(codes[c] for c in closed if c in codes),
        frozenset(refuses), budget, comment,
    )  # fmt: skip


def record_declaration(conn: sa.Connection, declaration: Declaration, user_id: int) -> None:
    """Keep ``declaration`` (in the caller's transaction)."""
    d = declaration
    conn.execute(
        t.portal_declaration.insert().values(
            week=d.week, association=d.association, beneficiaries=d.beneficiaries,
            dry_kg=d.dry_kg, chilled_kg=d.chilled_kg, frozen_kg=d.frozen_kg,
            closed_days=" ".join(day.code for day in sorted(d.closed_days)),
            refuses=" ".join(sorted(d.refuses)), budget_eur=d.budget_eur, comment=d.comment,
            user_id=user_id, recorded_at=dt.datetime.now(dt.UTC),
        )
    )  # fmt: skip


def _from_row(row: Any) -> Declaration:
    codes = {d.code: d for d in Day}
    return Declaration(
        row.week, row.association, int(row.beneficiaries), float(row.dry_kg),
        float(row.chilled_kg), float(row.frozen_kg),
        frozenset(codes[c] for c in str(row.closed_days).split() if c in codes),
        frozenset(str(row.refuses).split()), float(row.budget_eur), row.comment,
        row.recorded_at,
    )  # fmt: skip


def latest_declarations(
    db: Database, week: str, association: str | None = None
) -> dict[str, Declaration]:
    """Association → its latest declaration for ``week``."""
    d = t.portal_declaration
    query = sa.select(d).where(d.c.week == iso_week(week)).order_by(d.c.id)
    if association is not None:
        query = query.where(d.c.association == association)
    with db.read() as conn:
        rows = conn.execute(query).all()
    return {row.association: _from_row(row) for row in rows}


def base_scenario(db: Database, week: str) -> Scenario:
    """The scenario of the last week published before ``week`` (the associations to update)."""
    from aide_alim.portal.plans import week_scenario

    p = h.publication
    with db.read() as conn:
        pub = conn.execute(
            sa.select(p.c.id)
            .where(p.c.active_week.is_not(None), p.c.week < iso_week(week))
            .order_by(p.c.week.desc())
            .limit(1)
        ).scalar()
    if pub is None:
        raise AideAlimError(
            f"No week published before {iso_week(week)}: give the associations with --base."
        )
    return week_scenario(db, int(pub))


def apply(association: Association, declaration: Declaration) -> Association:
    """``association`` as declared: people, storage, open days less closed ones, refusals."""
    return dataclasses.replace(
        association,
        beneficiaries=declaration.beneficiaries,
        dry_kg=declaration.dry_kg,
        chilled_kg=declaration.chilled_kg,
        frozen_kg=declaration.frozen_kg,
        open_days=association.open_days - declaration.closed_days,
        refuses=declaration.refuses,
        budget_eur=declaration.budget_eur,
    )


def export_associations(
    db: Database, week: str, base: Scenario | None = None
) -> tuple[str, pd.DataFrame]:
    """The ``associations.csv`` text for ``week``, and a table of what changed.

    The table (one row per association: id, name, declared, then before → after per field) is
    what the coordinator checks before using the file.
    """
    from aide_alim.scenario.write import COLUMNS, csv_text, scenario_rows

    base = base or base_scenario(db, week)
    declared = latest_declarations(db, week)
    updated = tuple(apply(a, declared[a.id]) if a.id in declared else a for a in base.associations)
    rows = scenario_rows(base.replace(associations=updated))["associations"]
    changes = []
    for a, before, after in zip(
        base.associations, scenario_rows(base)["associations"], rows, strict=True
    ):
        d = declared.get(a.id)
        changed = [k for k in before if before[k] != after[k]]
        changes.append(
            {
                "association": a.id,
                "name": a.name,
                "declared": d is not None,
                "recorded_at": d.recorded_at if d else None,
                "changes": "; ".join(f"{k}: {before[k]} → {after[k]}" for k in changed),
                "changed": [(k, before[k], after[k]) for k in changed],
                "comment": d.comment if d else "",
            }
        )
    return csv_text(rows, COLUMNS["associations"]), pd.DataFrame(changes)
