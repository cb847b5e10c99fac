"""Scenario sweeps: many variants of one week, evaluated in parallel on Dask.

A study compares variants of the week: fairness rule and its parameters, fleet size and
composition, organisation model, hub, storage and budgets, and supply drawn around the base
week. A :class:`SweepSpec` (a TOML file, see :func:`load_spec`) describes a grid of parameter
values and/or random replicates of the supply; :func:`sweep` evaluates every :class:`Variant`
(allocation, and rounds when the spec asks) on a Dask cluster and returns one tidy row per
variant.

- :mod:`.spec` — the spec: grid parameters (:data:`PARAMETERS`), :class:`SweepSpec`,
  :func:`load_spec` (the TOML file and its keys) and :class:`SpecError`;
- :mod:`.variants` — :class:`Variant` (the scenario of one grid point and replicate) and
  :func:`make_variants` (their seeds: common random numbers across grid points);
- :mod:`.evaluation` — :func:`evaluate_variant`: one variant, one row of the table;
- :mod:`.run` — :func:`sweep` on a Dask cluster (:func:`require_dask`), the table of results.
"""

from __future__ import annotations

from aide_alim.sweep.evaluation import evaluate_variant
from aide_alim.sweep.run import require_dask, sweep
from aide_alim.sweep.spec import PARAMETERS, Parameter, SpecError, SweepSpec, load_spec
from aide_alim.sweep.variants import Variant, make_variants

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
