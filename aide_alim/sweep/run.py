"""The sweep on Dask: every variant of a spec on a cluster, gathered into one table."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from aide_alim.errors import AideAlimError
from aide_alim.i18n import _
from aide_alim.scenario.model import Scenario
from aide_alim.sweep.evaluation import evaluate_variant
from aide_alim.sweep.spec import SweepSpec, check_against, load_spec
from aide_alim.sweep.variants import Variant, make_variants

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` each time a variant finishes."""


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
    check_against(scenario, spec)
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
