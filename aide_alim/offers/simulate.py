"""A simulated run of the prospector's desk: weeks of offers scored, recorded and decided.

Before a real register exists, the convention's report (indicator 3.1.a) and the demo need one.
Each simulated week gets its own generated offers (:func:`~aide_alim.offers.generate.
generate_offers`, seed + week number), scored against the base week (allocation and rounds are
prepared once: the week's associations, storage and fleet do not change from one simulated week
to the next), moved to the simulated week's dates and recorded. Then the prospector decides as
the verdicts say: *prendre* is taken (the kg the allocation would give out), *refuser* is
refused with the verdict's reason, and *négocier* succeeds with probability
:data:`NEGOTIATION_SUCCESS` (taken at the negotiated price) or is refused. Same scenario, weeks
and seed, same register.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from aide_alim.db import Database
from aide_alim.offers.generate import generate_offers
from aide_alim.offers.register import decide_in, record_in
from aide_alim.offers.scoring import Verdict, Week, prepare_week, score_offers
from aide_alim.scenario.model import Scenario, parse_iso_week

NEGOTIATION_SUCCESS = 0.5
SIMULATION_COLUMNS = ("week", "offers", "taken", "refused", "kg_taken")


def simulate_prospection(
    db: Database,
    scenario: Scenario,
    *,
    start: str,
    weeks: int,
    offers_per_week: int = 8,
    seed: int = 1,
    week: Week | None = None,
) -> pd.DataFrame:
    """Fill the register with ``weeks`` simulated weeks from ISO week ``start``, in one
    transaction; one row per week: offers, taken, refused, kg taken."""
    base = week or prepare_week(scenario)
    rng = np.random.default_rng(seed)
    monday = parse_iso_week(start)
    scored = []
    for k in range(weeks):
        day = monday + dt.timedelta(weeks=k)
        iso = day.isocalendar()
        offers = generate_offers(scenario, offers_per_week, seed=seed * 1000 + k)
        shift = (day - scenario.week_start).days
        label = f"{iso.year}-W{iso.week:02d}"
        moved = [_moved(v, shift, f"sim-{label}-") for v in score_offers(base, offers)]
        scored.append((label, day, moved))
    rows = []
    with db.transaction() as conn:  # the whole simulation, or nothing
        for label, day, moved in scored:
            record_in(conn, label, moved, today=day)
            taken = refused = 0
            kg = 0.0
            for v in moved:
                succeed = v.verdict == "prendre" or (
                    v.verdict == "négocier" and rng.random() < NEGOTIATION_SUCCESS
                )
                if succeed and v.scores.kg_taken > 0:
                    kg_taken = min(v.scores.kg_taken, v.offer.kg)
                    agreed = v.offer.price_eur_kg if v.price_eur_kg is None else v.price_eur_kg
                    decide_in(conn, label, v.offer.id, "taken", kg=kg_taken, price_eur_kg=agreed)
                    taken += 1
                    kg += kg_taken
                else:
                    reason = "" if v.verdict == "refuser" else "négociation sans suite"
                    decide_in(conn, label, v.offer.id, "refused", reason=reason)
                    refused += 1
            rows.append({"week": label, "offers": len(moved), "taken": taken,
                         "refused": refused, "kg_taken": kg})  # fmt: skip
    return pd.DataFrame(rows, columns=list(SIMULATION_COLUMNS))


def _moved(verdict: Verdict, days: int, prefix: str) -> Verdict:
    """The verdict's offer moved ``days`` later, its id prefixed (simulated offers never take
    the id of a real one)."""
    o = verdict.offer

    def shift(d: dt.date | None) -> dt.date | None:
        return None if d is None else d + dt.timedelta(days=days)

    offer = dataclasses.replace(
        o,
        id=prefix + o.id,
        available=o.available + dt.timedelta(days=days),
        use_by=shift(o.use_by),
        best_before=shift(o.best_before),
        collect_by=shift(o.collect_by),
        received=shift(o.received),
    )
    return dataclasses.replace(verdict, offer=offer)
