"""Synthetic scenarios of any size, realistic in their mix and deterministic for a seed.

:func:`synthesize` draws associations, supplier sites, lots and a fleet with a
:class:`numpy.random.Generator` seeded by ``seed``: the same arguments always give the same
scenario. The mix follows what the prospection of a French metropolis finds in a week; each
part has its module:

- :mod:`~aide_alim.scenario.synth_regions`: the geography, Dijon Métropole's communes or, for
  large scenarios, several French cities;
- :mod:`~aide_alim.scenario.synth_associations`: associations of four kinds;
- :mod:`~aide_alim.scenario.synth_supply`: supplier sites of five kinds and their lots, of the
  products in :data:`~aide_alim.scenario.products.PRODUCTS`;
- :mod:`~aide_alim.scenario.synth_fleet`: light vans at the hub sized to the week's supply, at
  least one refrigerated.

:func:`synthesize` makes every draw from one generator, in a fixed order (regions, association
kinds, suppliers, lots, associations, fleet): changing that order changes every scenario of a
seed.

Need is scaled to the supply so that the lots cover ``supply_ratio`` of the total need (0.7 by
default): short enough that fairness matters.
"""

from __future__ import annotations

import math

import numpy as np

from aide_alim.scenario.categories import DEFAULT_CATEGORIES
from aide_alim.scenario.model import (
    Day,
    Logistics,
    Policy,
    Scenario,
    Site,
    SiteKind,
    TimeWindow,
    parse_iso_week,
)
from aide_alim.scenario.products import PRODUCTS
from aide_alim.scenario.synth_associations import draw_associations, draw_beneficiaries
from aide_alim.scenario.synth_fleet import draw_fleet
from aide_alim.scenario.synth_regions import (
    REGION_CENTRES,
    default_regions,
    draw_region_weights,
    reach_km,
    spread_over_regions,
)
from aide_alim.scenario.synth_supply import draw_lots, draw_suppliers

MAX_SUPPLY_RATIO = 10.0
"""Largest supply ÷ need a synthetic week can have (as plausible as a week gets)."""


def synthesize(
    associations: int,
    lots: int,
    *,
    seed: int = 0,
    regions: int | None = None,
    week: str = "2020-W41",
    supply_ratio: float = 0.7,
    name: str | None = None,
) -> Scenario:
    """A synthetic scenario with ``associations`` associations and ``lots`` lots.

    ``supply_ratio`` is total lot kg ÷ total need [kg] (need = beneficiaries × ration).
    ``regions``: how many French cities the scenario spreads over (default
    :func:`default_regions`). Deterministic: the same arguments give an equal scenario.
    """
    if associations < 1:
        raise ValueError(f"Expected associations >= 1, got {associations}.")
    if lots < 1:
        raise ValueError(f"Expected lots >= 1, got {lots}.")
    if not 0 < supply_ratio <= MAX_SUPPLY_RATIO:
        # Beyond, every association is down to one person and the ratio is not reached.
        raise ValueError(f"Expected 0 < supply_ratio <= {MAX_SUPPLY_RATIO:g}, got {supply_ratio}.")
    region_count = default_regions(associations) if regions is None else regions
    if not 1 <= region_count <= len(REGION_CENTRES):
        raise ValueError(
            f"Expected regions between 1 and {len(REGION_CENTRES)}, got {region_count}."
        )
    monday = parse_iso_week(week)
    week = monday.strftime("%G-W%V")  # canonical: "2020-w41" → "2020-W41"
    rng = np.random.default_rng(seed)
    centres = REGION_CENTRES[:region_count]
    categories = dict(DEFAULT_CATEGORIES)

    region_weights = draw_region_weights(rng, region_count)
    assoc_region = spread_over_regions(rng, associations, region_weights)
    raw_beneficiaries, kinds = draw_beneficiaries(rng, associations)

    sites, site_region, site_kind = draw_suppliers(rng, lots, region_weights, centres)
    hub = Site(
        id="HUB",
        name=f"Entrepôt de la banque alimentaire ({centres[0][0]})",
        kind=SiteKind.HUB,
        lat=round(centres[0][2] - 0.03, 5),
        lon=round(centres[0][3] - 0.01, 5),
        open_days=frozenset(Day(d) for d in range(5)),
        window=TimeWindow(7 * 60, 17 * 60),
    )
    # Lots and need meet half-way (geometric mean): a typical lot is a few tens of kg and a
    # typical association serves a few hundred persons, whatever the counts asked for.
    ration = Policy().ration_kg
    typical_supply = sum(p.median_kg for p in PRODUCTS) / len(PRODUCTS)
    wanted = supply_ratio * ration * float(raw_beneficiaries.sum())
    size_factor = float(np.clip(math.sqrt(wanted / (typical_supply * lots)), 0.3, 3.0))
    lot_list = draw_lots(
        rng, lots, monday, sites, site_region, site_kind, region_weights, categories, size_factor
    )
    supply_kg = sum(lot.kg for lot in lot_list)

    # Scale beneficiaries so that supply / need = supply_ratio (keeps the lognormal shape).
    scale = supply_kg / (supply_ratio * ration * float(raw_beneficiaries.sum()))
    beneficiaries = np.maximum(1, np.rint(raw_beneficiaries * scale)).astype(int)
    association_list = draw_associations(rng, beneficiaries, kinds, assoc_region, centres, ration)
    fleet = draw_fleet(rng, lot_list)

    logistics = Logistics()
    if region_count > 1:
        logistics = logistics.replace(reach_km=reach_km(centres))
    return Scenario(
        name=name or f"synth-{associations}x{lots}-s{seed}",
        week=week,
        hub=hub.id,
        associations=tuple(association_list),
        sites=(hub, *sites),
        lots=tuple(lot_list),
        vehicles=tuple(fleet),
        categories=categories,
        logistics=logistics,
    )
