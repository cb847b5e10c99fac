"""Synthetic associations: the four kinds and how associations of each kind are drawn.

Associations are épiceries sociales, distributions de colis, CCAS and restaurants solidaires
(:data:`ASSOCIATION_KINDS`), with lognormal beneficiaries, dry storage for all, chilled storage
for most and frozen storage for a minority (depending on the kind), open days and receiving
windows of their kind, some that collect at the hub themselves, budgets for bought lots and a
little food from elsewhere (``other_supply_kg``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from aide_alim.scenario.model import Association, Day, TimeWindow
from aide_alim.scenario.synth_regions import KM_PER_DEG_LAT, dijon_communes


@dataclass(frozen=True, slots=True)
class AssociationKind:
    """What associations of one kind look like.

    ``share`` of all associations; ``beneficiaries``: median persons served a week;
    ``chilled``, ``frozen``: chance of having a cold room, a freezer; ``days``, ``windows``:
    the open days and receiving windows found in that kind; ``collects``: chance of fetching
    its share at the hub; ``budget``: range of € per beneficiary per week for bought lots;
    ``refuses``: categories it does not take.
    """

    share: float
    beneficiaries: float
    chilled: float
    frozen: float
    days: tuple[str, ...]
    windows: tuple[str, ...]
    collects: float
    budget: tuple[float, float]
    refuses: tuple[str, ...] = ()


ASSOCIATION_KINDS: Mapping[str, AssociationKind] = {
    "épicerie sociale": AssociationKind(
        0.35,
        120,
        0.9,
        0.5,
        ("tue thu", "mon wed fri", "tue wed thu fri"),
        ("09:00-12:00", "14:00-17:00"),
        0.4,
        (0.3, 0.9),
    ),
    "distribution de colis": AssociationKind(
        0.3,
        250,
        0.55,
        0.25,
        ("tue", "wed", "thu", "mon thu"),
        ("08:30-12:00", "13:30-16:30"),
        0.35,
        (0.0, 0.3),
        ("plats_prepares",),
    ),
    "CCAS": AssociationKind(
        0.2,
        80,
        0.4,
        0.15,
        ("mon tue wed thu fri",),
        ("09:00-12:00", "13:30-17:00"),
        0.2,
        (0.4, 1.2),
    ),
    "restauration solidaire": AssociationKind(
        0.15,
        150,
        0.95,
        0.6,
        ("mon tue wed thu fri", "mon tue wed thu fri sat"),
        ("08:00-10:30", "14:00-16:00"),
        0.3,
        (0.3, 1.0),
        ("bebe", "hygiene", "entretien"),
    ),
}


def draw_beneficiaries(rng: np.random.Generator, n: int) -> tuple[np.ndarray, list[str]]:
    """Beneficiaries of ``n`` associations (before scaling to the supply) and their kinds."""
    names = list(ASSOCIATION_KINDS)
    shares = np.array([ASSOCIATION_KINDS[k].share for k in names])
    kind_index = rng.choice(len(names), size=n, p=shares / shares.sum())
    medians = np.array([ASSOCIATION_KINDS[k].beneficiaries for k in names])
    raw = medians[kind_index] * np.clip(rng.lognormal(0.0, 0.6, n), 0.25, 4.0)
    return raw, [names[i] for i in kind_index]


def draw_associations(
    rng: np.random.Generator,
    beneficiaries: np.ndarray,
    kinds: Sequence[str],
    regions: np.ndarray,
    centres: Sequence[tuple[str, str, float, float]],
    ration: float,
) -> list[Association]:
    """The associations, with their (scaled) beneficiaries, placed in their regions."""
    n = len(beneficiaries)
    width = len(str(n))
    need = beneficiaries * ration
    # Places: in Dijon, the real communes weighted by population; elsewhere the city itself.
    communes = dijon_communes()
    populations = np.array([c[4] for c in communes], dtype=float)
    commune_pick = rng.choice(len(communes), size=n, p=populations / populations.sum())
    unit = rng.uniform(size=(n, 10))
    jitter = rng.normal(0.0, 1.0, size=(n, 2))
    counters: dict[tuple[str, str], int] = {}
    out: list[Association] = []
    for i in range(n):
        spec = ASSOCIATION_KINDS[kinds[i]]
        region = int(regions[i])
        if centres[region][0] == "Dijon":
            code, place, lat0, lon0, _ = communes[commune_pick[i]]
            sd_km = 1.0
        else:
            place, code, lat0, lon0 = centres[region]
            sd_km = 4.0
        lat = round(lat0 + float(jitter[i, 0]) * sd_km / KM_PER_DEG_LAT, 5)
        lon = round(
            lon0 + float(jitter[i, 1]) * sd_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat0))),
            5,
        )
        counters[(kinds[i], place)] = counters.get((kinds[i], place), 0) + 1
        number = counters[(kinds[i], place)]
        label = _kind_label(kinds[i], place) + (f" {number}" if number > 1 else "")
        has_chilled = unit[i, 0] < spec.chilled
        has_frozen = unit[i, 1] < spec.frozen
        budget_lo, budget_hi = spec.budget
        out.append(
            Association(
                id=f"A{i + 1:0{width}d}",
                name=label,
                kind=kinds[i],
                commune=code,
                lat=lat,
                lon=lon,
                beneficiaries=int(beneficiaries[i]),
                dry_kg=_round10(need[i] * (1.0 + 1.5 * unit[i, 2])),
                chilled_kg=_round10(need[i] * (0.25 + 0.5 * unit[i, 3])) if has_chilled else 0.0,
                frozen_kg=_round10(need[i] * (0.1 + 0.3 * unit[i, 4])) if has_frozen else 0.0,
                open_days=days_of(spec.days[int(unit[i, 5] * len(spec.days))]),
                receive_window=TimeWindow.parse(spec.windows[int(unit[i, 6] * len(spec.windows))]),
                collects=bool(unit[i, 7] < spec.collects),
                budget_eur=round(
                    float(beneficiaries[i] * (budget_lo + (budget_hi - budget_lo) * unit[i, 8])),
                    0,
                ),
                refuses=frozenset(spec.refuses),
                other_supply_kg=_round10(need[i] * 0.25 * unit[i, 9]),
            )
        )
    return out


def _kind_label(kind: str, place: str) -> str:
    return {
        "épicerie sociale": f"Épicerie sociale de {place}",
        "distribution de colis": f"Distribution de colis de {place}",
        "CCAS": f"CCAS de {place}",
        "restauration solidaire": f"Restaurant solidaire de {place}",
    }[kind]


def _round10(kg: float) -> float:
    """Storage rounded to 10 kg, as people state it."""
    return float(max(10, round(float(kg) / 10) * 10))


def days_of(text: str) -> frozenset[Day]:
    """The days of codes like ``"mon wed fri"``."""
    return frozenset(Day[code.upper()] for code in text.split())
