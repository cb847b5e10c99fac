"""Running the LP solvers: the PuLP solve with its HiGHS → CBC fallback, and quiet HiGHS.

:class:`SolverRun` solves PuLP models, counts the solves and their time, and redoes a solve with
CBC when HiGHS fails. :func:`quiet_highs` gives ``highspy`` instances that print nothing (the
HiGHS banner silenced, the log off): the library never writes on stdout.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from typing import TYPE_CHECKING

import pulp

if TYPE_CHECKING:
    import highspy


_banner_silenced = False


def _silence_highs_banner() -> None:
    """HiGHS prints a copyright banner on stdout when its first instance is created, whatever
    the options; the library never prints, so that first instance is made with stdout closed."""
    global _banner_silenced
    if _banner_silenced:
        return
    _banner_silenced = True
    try:
        import highspy
    except ImportError:  # pragma: no cover - CBC fallback handles it
        return
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no real stdout (e.g. some notebook kernels)
        highspy.Highs()
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(devnull)
        os.close(saved)


def quiet_highs() -> highspy.Highs:
    """A new HiGHS instance that prints nothing: the banner silenced, the log off (the library
    never writes on stdout, where ``--json`` output goes)."""
    _silence_highs_banner()
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


class SolverRun:
    """Runs PuLP solves, counts them and falls back from HiGHS to CBC."""

    def __init__(self, solver: str) -> None:
        if solver not in ("highs", "cbc"):
            raise ValueError(f"Expected solver highs or cbc, got {solver!r}.")
        self.name = solver
        self.n_solves = 0
        self.seconds = 0.0
        self.message = ""

    def _make(self) -> pulp.LpSolver:
        if self.name == "highs":
            _silence_highs_banner()
            return pulp.HiGHS(msg=False, solver="ipm")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pulp.PULP_CBC_CMD(msg=False)

    def solve(self, prob: pulp.LpProblem) -> str:
        """Solve; returns "optimal", "infeasible" or "failed"."""
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self.name == "highs" and not pulp.HiGHS(msg=False).available():
                    raise pulp.PulpSolverError("HiGHS (highspy) is not installed")
                status = prob.solve(self._make())
        except pulp.PulpSolverError as exc:
            if self.name == "highs":
                self.message = f"HiGHS failed ({exc}); solved with CBC instead."
                self.name = "cbc"
                self.seconds += time.perf_counter() - start
                return self.solve(prob)
            self.seconds += time.perf_counter() - start
            return "failed"
        self.seconds += time.perf_counter() - start
        self.n_solves += 1
        if status == pulp.LpStatusOptimal:
            return "optimal"
        if status == pulp.LpStatusInfeasible:
            return "infeasible"
        return "failed"


def highspy_available() -> bool:
    """True if ``highspy`` can be imported (else CBC through PuLP)."""
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True
