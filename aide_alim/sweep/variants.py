"""Variants of the week: one per grid point and replicate, and the scenario each one describes.

Reproducibility: variant ``i`` gets its seeds from ``numpy.random.SeedSequence([seed, i])``.
Supply draws use *common random numbers*: replicate ``r`` is the same drawn week for every grid
point (its seed comes from ``[seed, r]`` only), so differences between grid points are not noise.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from aide_alim.scenario.model import Association, Lot, Scenario, Vehicle
from aide_alim.sweep.spec import LOGISTICS_PARAMS, POLICY_PARAMS, SweepSpec


@dataclass(frozen=True, slots=True)
class Variant:
    """One variant of the week: grid values, and the seeds of its supply draw and its rounds.

    ``supply_seed`` is ``None`` when the base week's supply is used as it is.
    """

    index: int
    params: tuple[tuple[str, Any], ...]
    replicate: int = 0
    supply_seed: int | None = None
    supply_sd: float = 0.0
    drop: float = 0.0
    seed: int = 0

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.params)

    def apply(self, scenario: Scenario) -> Scenario:
        """The scenario of this variant (the base scenario is not changed)."""
        values = self.values
        policy = {k: v for k, v in values.items() if k in POLICY_PARAMS}
        logistics = {k: v for k, v in values.items() if k in LOGISTICS_PARAMS}
        changes: dict[str, Any] = {}
        if policy:
            changes["policy"] = scenario.policy.replace(**policy)
        if logistics:
            changes["logistics"] = scenario.logistics.replace(**logistics)
        if "budget_scale" in values:
            base = changes.get("policy", scenario.policy)
            fund = base.collective_fund_eur * values["budget_scale"]
            changes["policy"] = base.replace(collective_fund_eur=fund)
        associations = _vary_associations(scenario.associations, values)
        if associations is not scenario.associations:
            changes["associations"] = associations
        hub = values.get("hub", scenario.hub)
        if hub != scenario.hub:
            if hub not in scenario.site_by_id:
                raise ValueError(f"hub {hub!r} is not a site of the scenario")
            changes["hub"] = hub
        vehicles = _vary_fleet(scenario.vehicles, values, old_hub=scenario.hub, hub=hub)
        if vehicles is not scenario.vehicles:
            changes["vehicles"] = vehicles
        lots = _vary_supply(scenario.lots, values.get("supply_scale", 1.0), self)
        if lots is not scenario.lots:
            changes["lots"] = lots
        return scenario.replace(**changes) if changes else scenario


def make_variants(spec: SweepSpec, *, seed: int = 0) -> list[Variant]:
    """Every variant of a spec, grid points in file order, replicates innermost."""
    keys = list(spec.grid)
    points = list(itertools.product(*(spec.grid[k] for k in keys)))
    replicates = max(spec.replicates, 1)
    variants = []
    for point_index, point in enumerate(points):
        for replicate in range(replicates):
            index = point_index * replicates + replicate
            supply_seed = None
            if spec.replicates > 0:
                supply_seed = _derive(seed, replicate, "supply")
            variants.append(
                Variant(
                    index=index,
                    params=tuple(zip(keys, point, strict=True)),
                    replicate=replicate,
                    supply_seed=supply_seed,
                    supply_sd=spec.supply_sd,
                    drop=spec.drop,
                    seed=_derive(seed, index, "variant"),
                )
            )
    return variants


def _derive(seed: int, index: int, purpose: str) -> int:
    """A 31-bit seed from the base seed, an index and a purpose (independent streams)."""
    tag = {"variant": 0, "supply": 1}[purpose]
    state = np.random.SeedSequence([seed, index, tag]).generate_state(1)
    return int(state[0] >> 1)


def _vary_associations(
    associations: tuple[Association, ...], values: Mapping[str, Any]
) -> tuple[Association, ...]:
    storage = values.get("storage_scale", 1.0)
    budget = values.get("budget_scale", 1.0)
    collects = values.get("collects", "scenario")
    if storage == 1.0 and budget == 1.0 and collects == "scenario":
        return associations
    varied = []
    for a in associations:
        changes: dict[str, Any] = {}
        if storage != 1.0:
            changes.update(
                dry_kg=a.dry_kg * storage,
                chilled_kg=a.chilled_kg * storage,
                frozen_kg=a.frozen_kg * storage,
            )
        if budget != 1.0:
            changes["budget_eur"] = a.budget_eur * budget
        if collects != "scenario":
            changes["collects"] = collects == "all"
        varied.append(dataclasses.replace(a, **changes))
    return tuple(varied)


def _vary_fleet(
    vehicles: tuple[Vehicle, ...], values: Mapping[str, Any], *, old_hub: str, hub: str
) -> tuple[Vehicle, ...]:
    count = values.get("vehicles")
    refrigerated = values.get("refrigerated")
    capacity = values.get("capacity_kg")
    if count is None and refrigerated is None and capacity is None and hub == old_hub:
        return vehicles
    fleet = list(vehicles)
    if count is not None:
        if count > 0 and not fleet:
            raise ValueError("cannot size a fleet: the scenario has no vehicle to clone")
        fleet = (
            [_clone(fleet[i % len(fleet)], i // len(fleet)) for i in range(count)] if fleet else []
        )
    if refrigerated is not None:
        if refrigerated > len(fleet):
            raise ValueError(
                f"refrigerated = {refrigerated} but the fleet has {len(fleet)} vehicles"
            )
        # The fleet's own refrigerated vans keep their cold unit first, then others get one.
        order = sorted(range(len(fleet)), key=lambda i: not fleet[i].refrigerated)
        cold = set(order[:refrigerated])
        fleet = [dataclasses.replace(v, refrigerated=i in cold) for i, v in enumerate(fleet)]
    if capacity is not None:
        fleet = [dataclasses.replace(v, capacity_kg=capacity) for v in fleet]
    if hub != old_hub:
        fleet = [dataclasses.replace(v, depot=hub) if v.depot == old_hub else v for v in fleet]
    return tuple(fleet)


def _clone(vehicle: Vehicle, copy: int) -> Vehicle:
    if copy == 0:
        return vehicle
    name = f"{vehicle.name} ({copy + 1})" if vehicle.name else ""
    return dataclasses.replace(vehicle, id=f"{vehicle.id}-{copy + 1}", name=name)


def _vary_supply(lots: tuple[Lot, ...], scale: float, variant: Variant) -> tuple[Lot, ...]:
    if variant.supply_seed is None and scale == 1.0:
        return lots
    rng = np.random.default_rng(variant.supply_seed)
    sd = variant.supply_sd
    # One draw per lot in file order, whatever is dropped, so replicate r is the same week
    # for every grid point.
    multipliers = np.exp(rng.normal(-sd * sd / 2, sd, size=len(lots))) if sd > 0 else None
    kept = rng.random(len(lots)) >= variant.drop if variant.drop > 0 else None
    varied = []
    for i, lot in enumerate(lots):
        if kept is not None and not kept[i]:
            continue
        factor = scale * (float(multipliers[i]) if multipliers is not None else 1.0)
        if factor == 1.0:
            varied.append(lot)
            continue
        # Whole cartons, at least one: a drawn lot is still a lot someone offered.
        units = max(1, round(lot.kg * factor / lot.unit_kg))
        varied.append(dataclasses.replace(lot, kg=units * lot.unit_kg))
    return tuple(varied)
