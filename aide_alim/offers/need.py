"""The need an offer meets: how much of it the allocation would give out, and the worst-off
fill ratio with it.

For the optimising rules (``leximin``, ``maxmin``, ``proportional``) the offer is scored on the
allocation's **linear relaxation** (:func:`~aide_alim.allocation.lp_rules.solve_rule`), with the
offer added as one more lot; the carton stage of :func:`~aide_alim.allocation.allocate` (about 80 %
of each re-solve on the Dijon week) is left out. Only the offer's own lot is rounded: the kg the
relaxation gives it, down to whole cartons. The worst-off fill ratio before and after are both the
relaxation's, so their difference is the offer's effect without the cartons' noise (the rounded
plan's worst-off moves ±0.5 point from one re-solve to the next, whatever the offer).

Tolerance (see ``tests/test_offers_need.py``): on the hand-made weeks of the tests, the
relaxation's kg of the offer and its worst-off fill ratio agree with a full re-solve
(cartons included) within one carton of the offer and :data:`FILL_TOLERANCE`. Where the
associations' storage of the offer's class is full, the relaxation fills it with the week's own
lots (ties go to the nearer lot) and gives the offer nothing: taking it would only displace
another lot. The full re-solve may instead swap it in through the carton gaps.

The baseline rules (first come first served and the like) have no relaxation: they are
re-solved in full (``exact``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from aide_alim.allocation import allocate
from aide_alim.allocation.admissible import admissibility
from aide_alim.allocation.core import OPTIMISING
from aide_alim.allocation.lp_rules import solve_rule
from aide_alim.allocation.metrics import fill_ratios
from aide_alim.offers.model import Offer, with_offers
from aide_alim.scenario.model import Scenario

FILL_TOLERANCE = 0.01
"""How far the relaxation's worst-off fill ratio may be from a full re-solve's (1 point): the
cartons of the week's lots, rounded again at each re-solve."""
_EPS = 1e-6


@dataclass(frozen=True)
class Need:
    """What the allocation does with one offer.

    ``kg``: what it gives out of the offer [kg], in whole cartons; ``associations``: to whom;
    ``min_fill``: the worst-off fill ratio with the offer; ``reason``: when nothing of it is
    given out, the unallocated reason code (:data:`~aide_alim.allocation.REASONS_FR`), or
    ``displaced`` (the relaxation gives it nothing: the week's lots already fill what the
    associations can take of it) or ``below_carton`` (less than one carton); ``""`` otherwise.
    """

    kg: float
    associations: tuple[str, ...]
    min_fill: float
    reason: str = ""


class NeedModel:
    """The week's allocation, ready to score offers one at a time (see the module docstring).

    ``exact``: re-solve the whole allocation, cartons included, for each offer (the default
    for the rules without a relaxation).
    """

    def __init__(self, scenario: Scenario, *, exact: bool = False) -> None:
        self.scenario = scenario
        self.exact = exact or scenario.policy.rule not in OPTIMISING
        if self.exact:
            base = allocate(scenario, price_of_fairness=False)
            self.min_fill = float(base.metrics.get("min_fill_ratio", 0.0))
        else:
            self.min_fill = self._relaxed(scenario, None).min_fill

    def with_offer(self, offer: Offer) -> Need:
        """The allocation of the week with ``offer`` added as a lot."""
        variant = with_offers(self.scenario, [offer])
        if self.exact:
            return self._resolved(variant, offer)
        return self._relaxed(variant, offer)

    def _relaxed(self, scenario: Scenario, offer: Offer | None) -> Need:
        adm = admissibility(scenario)
        out = solve_rule(scenario, adm, scenario.policy.rule)
        if out.status != "optimal":
            return Need(0.0, (), self.min_fill if offer is not None else 0.0, "rule")
        lots = adm.pair_lot[out.pair_index]
        assocs = adm.pair_assoc[out.pair_index]
        received = np.bincount(
            assocs, weights=out.kg * adm.lot_basis[lots], minlength=adm.assoc_need.size
        )
        fill = fill_ratios(received, adm.assoc_other, adm.assoc_need)
        min_fill = float(np.nanmin(fill)) if np.isfinite(fill).any() else 0.0
        if offer is None:
            return Need(0.0, (), min_fill)
        mine = lots == len(scenario.lots) - 1  # the offer is the last lot
        relaxed_kg = float(out.kg[mine].sum())
        cartons = math.floor(relaxed_kg / offer.unit_kg + _EPS)
        kg = min(offer.kg, cartons * offer.unit_kg)
        if kg <= _EPS:
            left = "displaced" if relaxed_kg <= _EPS else "below_carton"
            code = str(adm.lot_reason[-1]) or left
            return Need(0.0, (), min_fill, code)
        ids = [scenario.associations[int(a)].id for a in assocs[mine & (out.kg > _EPS)]]
        return Need(kg, tuple(sorted(set(ids))), min_fill)

    def _resolved(self, scenario: Scenario, offer: Offer) -> Need:
        result = allocate(scenario, price_of_fairness=False)
        if not result.is_ok:
            return Need(0.0, (), self.min_fill, "rule")
        mine = result.lines[result.lines["lot"] == offer.id]
        left = result.unallocated[result.unallocated["lot"] == offer.id]
        kg = float(mine["kg"].sum())
        reason = str(left["reason"].iloc[0]) if len(left) and kg <= _EPS else ""
        takers = tuple(sorted({str(a) for a in mine["association"]}))
        return Need(kg, takers, float(result.metrics["min_fill_ratio"]), reason)
