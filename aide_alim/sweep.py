"""Scenario sweeps: many variants of one week, evaluated in parallel on Dask.

A study compares variants of the week: fairness rule and its parameters, fleet size and
composition, organisation model, hub, storage and budgets, and supply drawn around the base
week. A :class:`SweepSpec` (a TOML file, see :func:`load_spec`) describes a grid of parameter
values and/or random replicates of the supply; :func:`sweep` evaluates every :class:`Variant`
(allocation, and rounds when the spec asks) on a Dask cluster and returns one tidy row per
variant.

Reproducibility: variant ``i`` gets its seeds from ``numpy.random.SeedSequence([seed, i])``.
Supply draws use *common random numbers*: replicate ``r`` is the same drawn week for every grid
point (its seed comes from ``[seed, r]`` only), so differences between grid points are not noise.

A spec file::

    route = true            # plan the rounds too (default false)
    time_limit_s = 0.5      # routing search time per round problem [s]

    [grid]                  # every combination is a variant
    rule = ["leximin", "maxmin", "fcfs"]
    vehicles = [2, 3, 4]
    model = ["hub", "direct"]

    [random]                # each grid point on drawn weeks
    replicates = 20
    supply_sd = 0.2         # sd of each lot's log-normal multiplier (mean 1)
    drop = 0.1              # probability that a lot is withdrawn

Grid parameters (:data:`PARAMETERS`): every :class:`~aide_alim.scenario.model.Policy` field but
``memory`` (``rule``, ``basis``, ``deviation_cap``, ``max_split``, …), the
:class:`~aide_alim.scenario.model.Logistics` fields but ``road_graph`` (``model``,
``speed_kmh``, …), and the study's levers: ``vehicles`` (fleet size), ``refrigerated`` (how
many of them are refrigerated), ``capacity_kg`` (every vehicle's capacity), ``hub`` (a site
id), ``collects`` (``scenario``, ``all`` or ``none`` of the associations fetch their share at
the hub), ``storage_scale`` (× every association's free storage), ``budget_scale`` (× every
budget and the collective fund) and ``supply_scale`` (× every lot).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import math
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aide_alim.errors import AideAlimError, Problem
from aide_alim.i18n import _, ngettext
from aide_alim.scenario.model import Association, Logistics, Lot, Policy, Scenario, Vehicle

__all__ = [
    "PARAMETERS",
    "Parameter",
    "SpecError",
    "SweepSpec",
    "Variant",
    "evaluate_variant",
    "load_spec",
    "make_variants",
    "require_dask",
    "sweep",
]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` each time a variant finishes."""


class SpecError(AideAlimError):
    """A sweep spec is invalid: carries every located problem (file, line, key)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [
            ngettext("{n} error in the sweep spec:", "{n} errors in the sweep spec:", count).format(
                n=count
            )
        ]
        lines += ["  " + _("{where}: {message}").format(where=_where(p), message=p.message)
                  for p in self.problems]  # fmt: skip
        super().__init__("\n".join(lines))


def _where(problem: Problem) -> str:
    parts = [problem.file]
    if problem.row is not None:
        parts.append(_("line {n}").format(n=problem.row))
    if problem.column:
        parts.append(_("key {key}").format(key=problem.column))
    return ", ".join(parts)


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Parameter:
    """A grid parameter: the Python type of its values and what it changes."""

    kind: type
    doc: str


def _field_kinds(cls: type, skip: set[str]) -> dict[str, Parameter]:
    params: dict[str, Parameter] = {}
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        default = f.default
        params[f.name] = Parameter(type(default), f"{cls.__name__}.{f.name}")
    return params


_POLICY_PARAMS = _field_kinds(Policy, skip={"memory"})
_LOGISTICS_PARAMS = _field_kinds(Logistics, skip={"road_graph"})
_STUDY_PARAMS: dict[str, Parameter] = {
    "vehicles": Parameter(int, "fleet size: the first N vehicles, cloned in turn beyond the fleet"),
    "refrigerated": Parameter(
        int, "how many vehicles are refrigerated (the fleet's refrigerated ones first)"
    ),
    "capacity_kg": Parameter(float, "capacity of every vehicle [kg]"),
    "hub": Parameter(str, "site id of the hub (vehicles based at the old hub move to it)"),
    "collects": Parameter(str, "who fetches at the hub: scenario, all or none"),
    "storage_scale": Parameter(float, "factor on every association's free storage"),
    "budget_scale": Parameter(float, "factor on every budget and on the collective fund"),
    "supply_scale": Parameter(float, "factor on every lot's kg"),
}
PARAMETERS: Mapping[str, Parameter] = {**_POLICY_PARAMS, **_LOGISTICS_PARAMS, **_STUDY_PARAMS}
"""Grid parameter name → value type and description."""

_COLLECTS = ("scenario", "all", "none")
_TOP_KEYS = ("route", "time_limit_s", "solver", "grid", "random")
_RANDOM_KEYS = ("replicates", "supply_sd", "drop")
_SOLVERS = ("highs", "cbc")
_DEFAULT_TIME_LIMIT_S = 0.5


# --- the spec ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """What to sweep.

    - ``grid``: parameter name → the values to try (every combination is one grid point), in
      the file's order; empty means the base week's parameters only.
    - ``replicates``: drawn weeks per grid point; 0 means the base week's supply as it is.
    - ``supply_sd``: standard deviation of each lot's log-normal kg multiplier (mean 1).
    - ``drop``: probability that a lot is withdrawn from a drawn week.
    - ``route``: also plan the rounds (km, hours, €, CO₂); ``time_limit_s`` per round problem [s].
    - ``solver``: the LP solver of the allocation (``highs`` or ``cbc``).
    """

    grid: Mapping[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    replicates: int = 0
    supply_sd: float = 0.0
    drop: float = 0.0
    route: bool = False
    time_limit_s: float = _DEFAULT_TIME_LIMIT_S
    solver: str = "highs"

    @property
    def size(self) -> int:
        """Number of variants the spec describes."""
        points = math.prod(len(values) for values in self.grid.values())
        return points * max(self.replicates, 1)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, file: str = "<spec>", text: str = ""
    ) -> SweepSpec:
        """Validate a parsed spec; problems are located by ``file``, line (in ``text``), key."""
        problems: list[Problem] = []

        def problem(table: str | None, key: str, message: str) -> None:
            path = f"{table}.{key}" if table else key
            problems.append(Problem(file, _key_line(text, table, key), path, message))

        for key in data:
            if key not in _TOP_KEYS:
                problem(None, key, _unknown_key(_TOP_KEYS))

        route = data.get("route", False)
        if not isinstance(route, bool):
            problem(None, "route", _got(_("expected true or false, got {value}"), route))
        time_limit = data.get("time_limit_s", _DEFAULT_TIME_LIMIT_S)
        if (
            isinstance(time_limit, bool)
            or not isinstance(time_limit, int | float)
            or time_limit <= 0
        ):
            problem(
                None,
                "time_limit_s",
                _got(_("expected a number of seconds > 0, got {value}"), time_limit),
            )
        solver = data.get("solver", "highs")
        if solver not in _SOLVERS:
            problem(None, "solver", _one_of(_SOLVERS, solver))

        grid: dict[str, tuple[Any, ...]] = {}
        raw_grid = data.get("grid", {})
        if not isinstance(raw_grid, Mapping):
            problem(None, "grid", _got(_("expected a table [grid], got {value}"), raw_grid))
            raw_grid = {}
        for key, raw in raw_grid.items():
            values = list(raw) if isinstance(raw, list) else [raw]
            message = _check_values(key, values)
            if message:
                problem("grid", key, message)
            else:
                grid[key] = tuple(float(v) if PARAMETERS[key].kind is float else v for v in values)

        raw_random = data.get("random", {})
        if not isinstance(raw_random, Mapping):
            problem(None, "random", _got(_("expected a table [random], got {value}"), raw_random))
            raw_random = {}
        for key in raw_random:
            if key not in _RANDOM_KEYS:
                problem("random", key, _unknown_key(_RANDOM_KEYS))
        replicates = raw_random.get("replicates", 1 if raw_random else 0)
        bad_count = isinstance(replicates, bool) or not isinstance(replicates, int)
        if raw_random and (bad_count or replicates < 1):
            problem(
                "random", "replicates", _got(_("expected an integer >= 1, got {value}"), replicates)
            )
        supply_sd = raw_random.get("supply_sd", 0.0)
        if not _is_number(supply_sd) or supply_sd < 0:
            problem(
                "random", "supply_sd", _got(_("expected a number >= 0, got {value}"), supply_sd)
            )
        drop = raw_random.get("drop", 0.0)
        if not _is_number(drop) or not 0 <= drop < 1:
            problem(
                "random", "drop", _got(_("expected a probability in [0, 1), got {value}"), drop)
            )

        if problems:
            raise SpecError(problems)
        return cls(
            grid=grid,
            replicates=int(replicates),
            supply_sd=float(supply_sd),
            drop=float(drop),
            route=bool(route),
            time_limit_s=float(time_limit),
            solver=str(solver),
        )


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a TOML sweep spec (see the module docstring for its keys)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    _("cannot read the file ({why})").format(why=exc.strerror),
                )
            ]
        ) from None
    except UnicodeDecodeError:
        raise SpecError([Problem(str(path), None, None, _("expected UTF-8 text"))]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno: it is in the message "(at line N, …)".
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(found.group(1)) if found else None
        reason = str(exc)[: found.start()].strip() if found else str(exc)
        if found:
            message = _("not valid TOML: {reason} at column {column}").format(
                reason=reason, column=found.group(2)
            )
        else:
            message = _("not valid TOML: {reason}").format(reason=reason)
        raise SpecError([Problem(str(path), line, None, message)]) from None
    return SweepSpec.from_dict(data, file=str(path), text=text)


def _got(message: str, value: Any) -> str:
    """``message`` (translated, with a ``{value}`` slot) with the value found, as written."""
    return message.format(value=repr(value))


def _one_of(choices: Sequence[str], value: Any) -> str:
    return _("expected one of {choices}, got {value}").format(
        choices=", ".join(choices), value=repr(value)
    )


def _unknown_key(choices: Sequence[str]) -> str:
    return _("unknown key; expected one of {choices}").format(choices=", ".join(choices))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_values(key: str, values: list[Any]) -> str | None:
    """The problem with a grid entry, or ``None``."""
    if key not in PARAMETERS:
        return _("unknown parameter; expected one of {choices}").format(
            choices=", ".join(PARAMETERS)
        )
    if not values:
        return _("expected at least one value, got an empty list")
    kind = PARAMETERS[key].kind
    for value in values:
        if kind is bool:
            ok = isinstance(value, bool)
            expected = _("expected true or false for each value, got {value}")
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            expected = _("expected an integer for each value, got {value}")
        elif kind is float:
            ok = _is_number(value)
            expected = _("expected a number for each value, got {value}")
        else:
            ok = isinstance(value, str)
            expected = _("expected a string for each value, got {value}")
        if not ok:
            return _got(expected, value)
        message = _check_value(key, value)
        if message:
            return message
    if len(set(values)) != len(values):
        return _got(_("expected distinct values, got {value}"), values)
    return None


def _check_value(key: str, value: Any) -> str | None:
    try:
        if key in _POLICY_PARAMS:
            Policy().replace(**{key: value})
        elif key in _LOGISTICS_PARAMS:
            Logistics().replace(**{key: value})
    except ValueError as exc:
        text = str(exc).rstrip(".")
        return text[:1].lower() + text[1:]  # "expected …", "attendu …" inside the sentence
    if key in ("vehicles", "refrigerated") and value < 0:
        return _got(_("expected an integer >= 0, got {value}"), value)
    if key == "capacity_kg" and value <= 0:
        return _got(_("expected a capacity > 0, got {value}"), value)
    if key.endswith("_scale") and value < 0:
        return _got(_("expected a factor >= 0, got {value}"), value)
    if key == "collects" and value not in _COLLECTS:
        return _one_of(_COLLECTS, value)
    return None


def _key_line(text: str, table: str | None, key: str) -> int | None:
    """Line number (1-based) of ``key`` in ``[table]`` of a TOML text (``None`` if not found)."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([A-Za-z0-9_.\-]+)\s*\]\s*(#.*)?", stripped)
        if header:
            current = header.group(1)
            if table is None and current == key:
                return number
            continue
        match = re.match(r"([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=", stripped)
        if match and match.group(1).strip('"') == key and current == table:
            return number
    return None


# --- variants ---------------------------------------------------------------------------------


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
        policy = {k: v for k, v in values.items() if k in _POLICY_PARAMS}
        logistics = {k: v for k, v in values.items() if k in _LOGISTICS_PARAMS}
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


# --- evaluation -------------------------------------------------------------------------------


def evaluate_variant(
    scenario: Scenario,
    variant: Variant,
    *,
    route: bool = False,
    time_limit_s: float = 0.5,
    solver: str = "highs",
) -> dict[str, Any]:
    """Evaluate one variant: one row of the sweep table (never raises).

    The row holds ``variant``, ``replicate``, ``seed``, the grid values, ``supply_kg`` (the
    variant's supply [kg]), ``status`` (the allocation status, or ``error``), ``error`` (the
    error text, empty if none), every scalar allocation metric (keys of
    :data:`aide_alim.allocation.METRICS`), with ``route=True`` every routing total prefixed
    ``route_`` (``route_km``, ``route_hours``, ``route_cost_eur``, ``route_co2_kg``,
    ``route_kg_unserved``, …; see :mod:`aide_alim.routing.plan`), and ``seconds`` (wall time).
    """
    row: dict[str, Any] = {
        "variant": variant.index,
        "replicate": variant.replicate,
        "seed": variant.seed,
        **variant.values,
    }
    start = time.perf_counter()
    try:
        row.update(
            _evaluate(scenario, variant, route=route, time_limit_s=time_limit_s, solver=solver)
        )
        row.setdefault("error", "")
    except Exception as exc:  # one failing variant must not stop the sweep
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}"
    row["seconds"] = time.perf_counter() - start
    return row


def _evaluate(
    scenario: Scenario, variant: Variant, *, route: bool, time_limit_s: float, solver: str
) -> dict[str, Any]:
    # Imported here: workers import the stages on first use, and tests can patch them.
    from aide_alim import allocation

    varied = variant.apply(scenario)
    result: dict[str, Any] = {"supply_kg": float(sum(lot.kg for lot in varied.lots))}
    alloc = allocation.allocate(varied, solver=solver)
    status = getattr(alloc.status, "value", alloc.status)
    result["status"] = str(status)
    result["error"] = "" if _is_ok(alloc) else str(getattr(alloc, "message", "") or "")
    result.update(_scalars(alloc.metrics))
    if route and _is_ok(alloc):
        from aide_alim import routing

        plan = routing.plan_routes(
            varied, alloc.lines, time_limit_s=time_limit_s, seed=variant.seed
        )
        result.update({f"route_{k}": v for k, v in _scalars(plan.totals).items()})
    return result


def _is_ok(alloc: Any) -> bool:
    is_ok = getattr(alloc, "is_ok", None)
    if is_ok is not None:
        return bool(is_ok() if callable(is_ok) else is_ok)
    return str(getattr(alloc.status, "value", alloc.status)) in ("optimal", "ok")


def _scalars(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The scalar metrics (numbers, strings, booleans) of a metrics mapping."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, bool | int | float | str | np.integer | np.floating):
            out[key] = value.item() if isinstance(value, np.generic) else value
    return out


# --- the sweep on Dask ------------------------------------------------------------------------


def require_dask() -> None:
    """Raise a clear :class:`AideAlimError` when Dask (the ``sweep`` extra) is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise AideAlimError(_('sweeps need Dask: pip install -e ".[sweep]"')) from None


def sweep(
    scenario: Scenario,
    spec: SweepSpec | Mapping[str, Any] | str | Path,
    *,
    scheduler: Any = None,
    workers: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Evaluate every variant of ``spec`` on Dask; one row per variant, sorted by variant.

    ``scheduler``: ``None`` starts a ``LocalCluster`` of ``workers`` single-threaded processes
    (default: one per core) for this sweep; a ``"tcp://host:port"`` address uses an existing
    cluster (its workers must have aide_alim installed); a ``distributed.Client`` is used as it
    is (``workers`` is then not allowed). A variant that fails is recorded (``status`` =
    ``error`` and the ``error`` text) and the others go on. ``progress(done, total)`` is called
    as variants finish. Columns are described in :func:`evaluate_variant`.
    """
    require_dask()
    from distributed import as_completed

    if scheduler is not None and workers is not None:
        raise AideAlimError(
            _("Give either a scheduler (an existing cluster) or workers, not both.")
        )
    if isinstance(spec, str | Path):
        spec = load_spec(spec)
    elif not isinstance(spec, SweepSpec):
        spec = SweepSpec.from_dict(spec)
    _check_against(scenario, spec)
    variants = make_variants(spec, seed=seed)
    total = len(variants)
    rows: list[dict[str, Any]] = []
    with _client(scheduler, workers) as client:
        [base] = client.scatter([scenario], broadcast=True, hash=False)
        futures = {
            client.submit(
                evaluate_variant,
                base,
                variant,
                route=spec.route,
                time_limit_s=spec.time_limit_s,
                solver=spec.solver,
                pure=False,
            ): variant
            for variant in variants
        }
        for done, future in enumerate(as_completed(futures), start=1):
            variant = futures[future]
            if future.status == "error":
                # The task itself died (a killed worker, an unpicklable result): record it too.
                exc = future.exception()
                rows.append(
                    {
                        "variant": variant.index,
                        "replicate": variant.replicate,
                        "seed": variant.seed,
                        **variant.values,
                        "status": "error",
                        "error": f"{type(exc).__name__}: {exc}",
                    }
                )
            else:
                rows.append(future.result())
            future.release()
            if progress is not None:
                progress(done, total)
    return _table(rows, variants)


def _check_against(scenario: Scenario, spec: SweepSpec) -> None:
    """Spec values that need the scenario (site ids, fleet size) are checked before any run."""
    problems = []
    for hub in spec.grid.get("hub", ()):
        if hub not in scenario.site_by_id:
            sites = ", ".join(scenario.site_by_id)
            problems.append(
                Problem(
                    "<spec>",
                    None,
                    "grid.hub",
                    _("expected a site id ({sites}), got {value}").format(
                        sites=sites, value=repr(hub)
                    ),
                )
            )
    if problems:
        raise SpecError(problems)


def _table(rows: list[dict[str, Any]], variants: list[Variant]) -> pd.DataFrame:
    first = ["variant", "replicate", "seed"]
    params = list(dict.fromkeys(k for v in variants[:1] for k, _ in v.params))
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=[*first, *params, "status", "error", "seconds"])
    table = table.sort_values("variant", kind="stable").reset_index(drop=True)
    table["error"] = table["error"].fillna("").astype(str)
    middle = ["status", "error", "supply_kg"]
    rest = [c for c in table.columns if c not in {*first, *params, *middle, "seconds"}]
    order = [c for c in [*first, *params, *middle, *rest, "seconds"] if c in table.columns]
    return table[order]


@contextlib.contextmanager
def _client(scheduler: Any, workers: int | None) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is not None:
        try:
            client = Client(str(scheduler), timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise AideAlimError(
                _("Cannot reach the Dask scheduler at {address}: {why}").format(
                    address=scheduler, why=exc
                )
            ) from None
        with client:
            yield client
        return
    n = workers if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise AideAlimError(_("Expected workers >= 1, got {n}.").format(n=n))
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler always serves HTTP; a free loopback port avoids clashing on 8787.
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
