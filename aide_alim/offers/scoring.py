"""Scoring offers against the week being prepared, and the verdict: prendre, négocier, refuser.

:func:`~aide_alim.offers.week.load_week` takes the week's allocation and rounds from a run
folder or the week cache, or computes them once (the rounds take seconds);
:func:`score_offers` then scores each offer in a few hundredths of a second:

- **economic**: market value, price, € saved (value − price) and € saved per € spent; the
  budget the associations that could take it have left after the week's purchases, and the kg
  that budget pays for; value per kg;
- **environmental**: the extra km, hours, € and kg CO₂ of collecting it, by cheapest insertion
  into the week's rounds or a dedicated trip (:mod:`aide_alim.offers.collection`); CO₂ per kg
  delivered; kg saved from waste when the DLC is short (:data:`SHORT_DLC_DAYS`);
- **need**: the kg of unmet need, in associations that accept the category, are within reach and
  have free storage of the right class left after the week's lots, that it could cover; the kg
  of it the allocation gives out and the worst-off fill ratio before and after, from the
  allocation's linear relaxation with the offer added as a lot, only the offer's own lot
  rounded to cartons (:mod:`aide_alim.offers.need`);
- **feasibility**: the first limit that rules it out (dates, category, storage of its class,
  DLC against the associations' open days, a vehicle — refrigerated for the cold chain — with
  time to collect it, the supplier's minimum quantity).

The **verdict** (:func:`decide`): *refuser* when a limit rules it out or nobody can use it;
*négocier* when it is sold above the price at which it is worth it (it must save at least
:data:`MIN_SAVING_SHARE` of its market value once the collection is paid, within the budgets
left), when the associations can take less than the supplier's minimum, or when collecting it
emits more than :data:`MAX_CO2_G_PER_KG` per kg delivered without raising the worst-off; else
*prendre*. Two or three reasons in plain French say what decides it.

The **ranking** puts *prendre* first, then *négocier*, then *refuser*; within a verdict, offers
that raise the worst-off fill ratio most come first, then the highest *interest*: € saved −
collection cost − CO₂ × :data:`CARBON_EUR_PER_KG`. Offers are then taken in that order against
the budgets and the vehicles' time left: an offer that no longer fits once the offers ranked
before it are taken is turned to *négocier* and says which offers it competes with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aide_alim.allocation import REASONS_FR
from aide_alim.geo import haversine_km
from aide_alim.offers.collection import Collection, Rounds
from aide_alim.offers.model import Offer
from aide_alim.offers.need import NeedModel
from aide_alim.offers.week import Week, prepare_week
from aide_alim.scenario.model import Scenario

__all__ = [
    "MAX_CO2_G_PER_KG",
    "MIN_SAVING_SHARE",
    "VERDICTS",
    "Scores",
    "Verdict",
    "Week",
    "decide",
    "prepare_week",
    "rank",
    "score_offers",
    "worth_price",
]

VERDICTS: tuple[str, ...] = ("prendre", "négocier", "refuser")
SHORT_DLC_DAYS = 7
"""An offer whose DLC is at most this many days after it becomes available would likely be
thrown away: the kg taken count as food saved from waste."""
MIN_SAVING_SHARE = 0.3
"""A sold offer is worth it when, once the collection is paid, it saves at least this share of
its market value (bought at 70 % of the shelf price or less)."""
MAX_CO2_G_PER_KG = 250.0
"""Collections emitting more than this per kg delivered are negotiated (delivery by the
supplier, a larger quantity) unless they raise the worst-off association [g CO₂/kg]."""
CARBON_EUR_PER_KG = 0.087
"""Value of a kg of CO₂ in the interest score: 87 €/t, the French *valeur de l'action pour le
climat* for 2020 (France Stratégie, rapport Quinet, 2019) [€/kg CO₂]."""
RAISE_MIN = 5e-4
"""A rise of the worst-off fill ratio below this (0.05 point) counts as none (the relaxation's
levels carry a 1e-7 relative slack; a full re-solve, ``exact``, moves by cartons)."""
_EPS = 1e-6


@dataclass(frozen=True)
class Scores:
    """The figures of one offer (units in the names: kg, €, km, h, g or kg CO₂).

    Economic: ``value_eur``, ``cost_eur``, ``saved_eur`` (of the kg taken), ``saved_per_eur``
    (``None`` for a donation), ``budget_left_eur``, ``affordable_kg``, ``value_eur_kg``.
    Environmental: ``collection``, ``co2_g_per_kg`` (``None`` if nothing is delivered),
    ``kg_saved_from_waste``. Need: ``need_kg`` (unmet need with storage it could cover),
    ``kg_taken`` (what the re-solved allocation gives out), ``associations`` (who gets it),
    ``min_fill_before``, ``min_fill_after``. Feasibility: ``blocker`` (French reason, "" if
    none). ``interest_eur``: € saved − collection € − CO₂ valued at :data:`CARBON_EUR_PER_KG`.
    """

    value_eur: float
    cost_eur: float
    saved_eur: float
    saved_per_eur: float | None
    budget_left_eur: float
    affordable_kg: float
    value_eur_kg: float
    collection: Collection
    co2_g_per_kg: float | None
    kg_saved_from_waste: float
    need_kg: float
    kg_taken: float
    associations: tuple[str, ...]
    min_fill_before: float
    min_fill_after: float
    blocker: str
    interest_eur: float

    @property
    def min_fill_gain(self) -> float:
        return self.min_fill_after - self.min_fill_before

    @property
    def raises_worst_off(self) -> bool:
        return self.min_fill_gain > RAISE_MIN

    def to_dict(self) -> dict[str, Any]:
        """The scores grouped as the issue names them: economic, environmental, need,
        feasibility."""
        c = self.collection
        return {
            "economic": {
                "value_eur": _r(self.value_eur),
                "cost_eur": _r(self.cost_eur),
                "saved_eur": _r(self.saved_eur),
                "saved_per_eur_spent": _r(self.saved_per_eur),
                "budget_left_eur": _r(self.budget_left_eur),
                "affordable_kg": _r(self.affordable_kg),
                "value_eur_kg": _r(self.value_eur_kg),
                "interest_eur": _r(self.interest_eur),
            },
            "environmental": {
                "collection": c.mode or None,
                "collection_day": c.day.isoformat() if c.day else None,
                "vehicle": c.vehicle or None,
                "extra_km": _r(c.km),
                "extra_hours": _r(c.hours, 3),
                "extra_cost_eur": _r(c.cost_eur),
                "extra_co2_kg": _r(c.co2_kg, 3),
                "co2_g_per_kg": _r(self.co2_g_per_kg),
                "kg_saved_from_waste": _r(self.kg_saved_from_waste),
            },
            "need": {
                "need_kg": _r(self.need_kg),
                "kg_taken": _r(self.kg_taken),
                "associations": list(self.associations),
                "min_fill_before": _r(self.min_fill_before, 4),
                "min_fill_after": _r(self.min_fill_after, 4),
                "min_fill_gain": _r(self.min_fill_gain, 4),
            },
            "feasibility": {"feasible": not self.blocker, "blocker": self.blocker or None},
        }


@dataclass(frozen=True)
class Verdict:
    """An offer's verdict, its deciding reasons, its rank among the offers scored together,
    the price at which it becomes worth it (``négocier`` on price), and its scores."""

    offer: Offer
    verdict: str
    reasons: tuple[str, ...]
    scores: Scores
    rank: int = 0
    price_eur_kg: float | None = None
    competes_with: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``id``, ``verdict``, ``reasons``, ``rank``, ``negotiate_price_eur_kg``,
        ``competes_with``, the offer and the scores."""
        offer = {k: v for k, v in asdict(self.offer).items() if k != "supplier"}
        offer["supplier"] = self.offer.supplier.id
        offer["supplier_name"] = self.offer.supplier.name
        offer["new_supplier"] = self.offer.supplier.is_new
        offer["temperature"] = str(self.offer.temperature)
        for key in ("available", "use_by", "best_before", "collect_by", "received"):
            offer[key] = offer[key].isoformat() if offer[key] else None
        return {
            "id": self.offer.id,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "rank": self.rank,
            "negotiate_price_eur_kg": _r(self.price_eur_kg),
            "competes_with": list(self.competes_with),
            "offer": offer,
            **self.scores.to_dict(),
        }


def score_offers(
    week: Week,
    offers: Sequence[Offer],
    *,
    exact: bool = False,
    cache_dir: str | Path | None = None,
) -> list[Verdict]:
    """Score every offer against ``week``, decide, and rank them (best first).

    ``exact``: re-solve the whole allocation, cartons included, for each offer instead of its
    relaxation (:class:`~aide_alim.offers.need.NeedModel`; 4–5× slower). ``cache_dir`` keeps
    the distance matrices with the offers' new suppliers on disk.
    """
    rounds = Rounds(week.scenario, week.plan, (o.supplier for o in offers), cache_dir=cache_dir)
    need = NeedModel(week.scenario, exact=exact)
    base = _Baseline(week, need.min_fill)
    verdicts = [decide(offer, score_offer(week, offer, rounds, base, need), week.scenario)
                for offer in offers]  # fmt: skip
    return rank(verdicts, rounds)


class _Baseline:
    """What the week's allocation leaves per association: unmet need, free storage, budget."""

    def __init__(self, week: Week, min_fill: float) -> None:
        sc = week.scenario
        lines = week.allocation.lines
        self.ids = [a.id for a in sc.associations]
        index = {a: i for i, a in enumerate(self.ids)}
        n = len(self.ids)
        received = np.zeros(n)
        paid = np.zeros(n)
        used = np.zeros((n, 3))
        temps = {"ambient": 0, "chilled": 1, "frozen": 2}
        for row in lines.to_dict("records"):
            i = index[str(row["association"])]
            received[i] += float(row["kg"])
            paid[i] += float(row["price_eur"])
            used[i, temps[str(row["temperature"])]] += float(row["kg"])
        need = np.array([a.beneficiaries * sc.policy.ration_kg for a in sc.associations])
        other = np.array([a.other_supply_kg for a in sc.associations])
        self.unmet = np.maximum(need - received - other, 0.0)
        storage = np.array([[a.dry_kg, a.chilled_kg, a.frozen_kg] for a in sc.associations])
        self.free = np.maximum(storage.reshape(n, 3) - used, 0.0)
        if sc.policy.budget == "collective":
            left = max(sc.policy.collective_fund_eur - float(paid.sum()), 0.0)
            self.budget = np.full(n, left)
            self.shared_budget = True
        else:
            budgets = np.array([a.budget_eur for a in sc.associations])
            self.budget = np.maximum(budgets - paid, 0.0)
            self.shared_budget = False
        self.lat = np.array([a.lat for a in sc.associations])
        self.lon = np.array([a.lon for a in sc.associations])
        self.refuses = [a.refuses for a in sc.associations]
        self.min_fill = min_fill

    def eligible(self, offer: Offer, reach_km: float) -> np.ndarray:
        km = haversine_km(offer.supplier.lat, offer.supplier.lon, self.lat, self.lon)
        accepts = np.array([offer.category not in r for r in self.refuses], dtype=bool)
        return np.asarray(km <= reach_km) & accepts

    def budget_left(self, mask: np.ndarray) -> float:
        if not mask.any():
            return 0.0
        return float(self.budget[mask].max() if self.shared_budget else self.budget[mask].sum())


def score_offer(
    week: Week, offer: Offer, rounds: Rounds, base: _Baseline, need: NeedModel
) -> Scores:
    """The scores of one offer (see the module docstring)."""
    sc = week.scenario
    temp = ("ambient", "chilled", "frozen").index(str(offer.temperature))
    mask = base.eligible(offer, sc.logistics.reach_km)
    free = np.where(mask, base.free[:, temp], 0.0)
    need_kg = min(offer.kg, float(np.minimum(base.unmet, free).sum()))
    budget_left = base.budget_left(mask)
    affordable = offer.kg if offer.is_donation else min(offer.kg, budget_left / offer.price_eur_kg)

    blocker = _early_blocker(offer, sc, mask, free)
    kg_taken, min_after = 0.0, base.min_fill
    takers: tuple[str, ...] = ()
    collection = rounds.cheapest(offer, min(offer.kg, max(need_kg, offer.unit_kg)))
    if not blocker and not collection.feasible:
        blocker = collection.reason_fr
    if not blocker:  # the re-solve (the costly part) only for offers nothing rules out
        met = need.with_offer(offer)
        kg_taken, takers, min_after = met.kg, met.associations, met.min_fill
        if kg_taken <= _EPS:
            blocker = _allocation_reason(met.reason, offer)
        else:
            collection = rounds.cheapest(offer, kg_taken)
            if not collection.feasible:
                blocker = collection.reason_fr
    value = kg_taken * offer.value_eur_kg
    cost = kg_taken * offer.price_eur_kg
    saved = value - cost
    short = offer.use_by is not None and (offer.use_by - offer.available).days <= SHORT_DLC_DAYS
    co2_per_kg = collection.co2_kg * 1000 / kg_taken if kg_taken > _EPS else None
    interest = saved - collection.cost_eur - collection.co2_kg * CARBON_EUR_PER_KG
    return Scores(
        value_eur=value,
        cost_eur=cost,
        saved_eur=saved,
        saved_per_eur=saved / cost if cost > 0 else None,
        budget_left_eur=budget_left,
        affordable_kg=affordable,
        value_eur_kg=offer.value_eur_kg,
        collection=collection,
        co2_g_per_kg=co2_per_kg,
        kg_saved_from_waste=kg_taken if short else 0.0,
        need_kg=need_kg,
        kg_taken=kg_taken,
        associations=takers,
        min_fill_before=base.min_fill,
        min_fill_after=min_after,
        blocker=blocker,
        interest_eur=interest if not blocker else 0.0,
    )


def _early_blocker(offer: Offer, sc: Scenario, mask: np.ndarray, free: np.ndarray) -> str:
    """What rules the offer out before any allocation ("" if nothing)."""
    sunday = sc.week_start + dt.timedelta(days=6)
    last = offer.last_collection
    if offer.available > sunday:
        return f"disponible le {offer.available:%d/%m} seulement, après la semaine du {sc.week}"
    if last is not None and last < max(offer.available, sc.week_start):
        return f"à collecter au plus tard le {last:%d/%m}, avant le début de la semaine"
    if not mask.any():
        return "catégorie refusée par toutes les associations à portée du fournisseur"
    if float(free.max(initial=0.0)) + _EPS < offer.unit_kg:
        return (
            f"aucune association n'a de place en {offer.temperature.label_fr} cette semaine "
            f"(il faudrait {offer.unit_kg:g} kg pour un carton)"
        )
    return ""


def _allocation_reason(code: str, offer: Offer) -> str:
    if code == "dlc_before_open_day" and offer.use_by is not None:
        return (
            f"DLC le {offer.use_by:%d/%m}, avant le prochain jour d'ouverture de toutes les "
            "associations qui pourraient le prendre"
        )
    if code == "displaced":
        return (
            f"les lots de la semaine remplissent déjà le stockage en {offer.temperature.label_fr} "
            "ou le budget des associations qui pourraient le prendre : il ne ferait qu'en "
            "remplacer un"
        )
    if code == "below_carton":
        return f"moins d'un carton ({offer.unit_kg:g} kg) trouve sa place chez les associations"
    return REASONS_FR.get(code, "aucune association ne peut le prendre cette semaine")


# -- the verdict ---------------------------------------------------------------------------------


def worth_price(offer: Offer, scores: Scores) -> float:
    """The highest price [€/kg] at which the offer is worth taking: it saves at least
    :data:`MIN_SAVING_SHARE` of its value once the collection is paid, and the budgets left can
    pay for the kg taken."""
    kg = scores.kg_taken
    if kg <= _EPS:
        return 0.0
    price = offer.value_eur_kg * (1 - MIN_SAVING_SHARE) - scores.collection.cost_eur / kg
    price = min(price, scores.budget_left_eur / kg)
    return max(round(price - 0.005, 2), 0.0)


def decide(offer: Offer, scores: Scores, scenario: Scenario) -> Verdict:
    """The verdict and its reasons for one scored offer (see the module docstring)."""
    s = scores
    if s.blocker:
        reasons = [s.blocker]
        if s.need_kg > _EPS and "place" not in s.blocker:
            reasons.append(f"{_kg(s.need_kg)} de besoin non couvert dans sa catégorie")
        return Verdict(offer, "refuser", tuple(reasons), s)
    positives = _positives(offer, s)
    against: list[str] = []
    price: float | None = None
    if offer.min_kg > s.kg_taken + _EPS:
        against.append(
            f"les associations ne peuvent prendre que {_kg(s.kg_taken)}, sous le minimum de "
            f"{_kg(offer.min_kg)} demandé : négocier la quantité"
        )
    if not offer.is_donation:
        best = worth_price(offer, s)
        if offer.price_eur_kg > best + _EPS:
            price = best
            against.append(
                f"à {_eur(offer.price_eur_kg)}/kg l'offre ne vaut pas son coût : intéressante "
                f"à {_eur(best)}/kg au plus (valeur marchande {_eur(offer.value_eur_kg)}/kg, "
                f"collecte {_eur(s.collection.cost_eur)}, budgets restants "
                f"{_eur(s.budget_left_eur)})"
            )
    if (s.co2_g_per_kg or 0.0) > MAX_CO2_G_PER_KG and not s.raises_worst_off:
        against.append(
            f"collecte émettrice : {s.co2_g_per_kg:.0f} g CO₂ par kg livré (seuil "
            f"{MAX_CO2_G_PER_KG:.0f}) — demander la livraison au hub ou une plus grande quantité"
        )
    if against:
        return Verdict(offer, "négocier", tuple((against + positives)[:3]), s, price_eur_kg=price)
    return Verdict(offer, "prendre", tuple(positives[:3]), s)


def _positives(offer: Offer, s: Scores) -> list[str]:
    reasons = []
    if s.raises_worst_off:
        reasons.append(
            f"relève la structure la moins servie : taux de couverture minimal de "
            f"{_pct(s.min_fill_before)} à {_pct(s.min_fill_after)}"
        )
    if offer.is_donation:
        reasons.append(f"don de {_kg(s.kg_taken)} d'une valeur marchande de {_eur(s.value_eur)}")
    else:
        per = s.saved_per_eur
        ratio = f" ({_fr(per, 1)} € économisé par € dépensé)" if per else ""
        reasons.append(f"économie de {_eur(s.saved_eur)} sur {_kg(s.kg_taken)}{ratio}")
    c = s.collection
    where = "dans la tournée" if c.mode == "round" else "par un aller-retour dédié"
    g = f", {s.co2_g_per_kg:.0f} g CO₂/kg" if s.co2_g_per_kg is not None else ""
    reasons.append(
        f"collecte {where} de {c.vehicle} le {_day(c.day)} (+{_fr(c.km, 1)} km, "
        f"{_fr(c.co2_kg, 1)} kg CO₂{g})"
    )
    if s.kg_saved_from_waste > _EPS and offer.use_by is not None:
        reasons.insert(
            1, f"sauve {_kg(s.kg_saved_from_waste)} du gaspillage (DLC le {offer.use_by:%d/%m})"
        )
    return reasons


# -- ranking and competition ---------------------------------------------------------------------


def rank(verdicts: Iterable[Verdict], rounds: Rounds | None = None) -> list[Verdict]:
    """Verdicts best first (see the module docstring), ``rank`` set from 1; offers that no longer
    fit in the budgets or the vehicles' time once better ones are taken turn to *négocier*."""

    def key(v: Verdict) -> tuple[int, float, float, str]:
        raises = v.verdict != "refuser" and v.scores.raises_worst_off
        gain = round(v.scores.min_fill_gain, 4) if raises else 0.0
        return (VERDICTS.index(v.verdict), -gain, -v.scores.interest_eur, v.offer.id)

    ordered = sorted(verdicts, key=key)
    taken = _compete(ordered)
    ordered = sorted(taken, key=key)
    return [_with(v, rank=i) for i, v in enumerate(ordered, start=1)]


def _compete(ordered: list[Verdict]) -> list[Verdict]:
    budget_used = 0.0
    budget_takers: list[str] = []
    time_used: dict[tuple[str, dt.date | None], tuple[int, list[str]]] = {}
    out = []
    for v in ordered:
        if v.verdict != "prendre":
            out.append(v)
            continue
        s, c = v.scores, v.scores.collection
        slot = (c.vehicle, c.day)
        seconds, users = time_used.get(slot, (0, []))
        clash: list[str] = []
        why = []
        if s.cost_eur > _EPS and budget_used + s.cost_eur > s.budget_left_eur + _EPS:
            clash += budget_takers
            why.append("le budget des associations")
        if seconds and seconds + c.seconds > c.slack_s:
            clash += users
            why.append(f"le temps de {c.vehicle} le {_day(c.day)}")
        if clash:
            rivals = tuple(dict.fromkeys(clash))
            reason = f"en concurrence avec {', '.join(rivals)} pour {' et '.join(why)}"
            changes = {"verdict": "négocier", "reasons": (reason, *v.reasons[:2])}
            out.append(_with(v, competes_with=rivals, **changes))
            continue
        if s.cost_eur > _EPS:
            budget_used += s.cost_eur
            budget_takers.append(v.offer.id)
        time_used[slot] = (seconds + c.seconds, [*users, v.offer.id])
        out.append(v)
    return out


def _with(v: Verdict, **changes: Any) -> Verdict:
    from dataclasses import replace

    return replace(v, **changes)


# -- French formatting ---------------------------------------------------------------------------

_DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _day(day: dt.date | None) -> str:
    return f"{_DAYS_FR[day.weekday()]} {day:%d/%m}" if day else "?"


def _fr(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text


def _kg(value: float) -> str:
    return f"{_fr(value, 0 if value >= 10 else 1)} kg"


def _eur(value: float) -> str:
    return f"{_fr(value, 2)} €"


def _pct(value: float) -> str:
    return f"{_fr(100 * value, 1)} %"


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)
