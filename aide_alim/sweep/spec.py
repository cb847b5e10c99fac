"""The sweep spec: which grid of parameters and which random replicates of the supply to run.

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

import dataclasses
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aide_alim.errors import AideAlimError, Problem
from aide_alim.i18n import _, ngettext
from aide_alim.scenario.model import Logistics, Policy, Scenario


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


POLICY_PARAMS = _field_kinds(Policy, skip={"memory"})
LOGISTICS_PARAMS = _field_kinds(Logistics, skip={"road_graph"})
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
PARAMETERS: Mapping[str, Parameter] = {**POLICY_PARAMS, **LOGISTICS_PARAMS, **_STUDY_PARAMS}
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


def check_against(scenario: Scenario, spec: SweepSpec) -> None:
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
        if key in POLICY_PARAMS:
            Policy().replace(**{key: value})
        elif key in LOGISTICS_PARAMS:
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
