"""Work done on another core while this process goes on (a forked child process).

The week's run has independent pieces that each take seconds on one core: the plan's bound
while the skeleton is solved, the route sheets while the associations' plans are written.
:func:`in_background` starts one in a forked child and returns a function that waits for its
result. A fork shares the parent's memory, so nothing has to be picklable except the result.
Everything falls back to computing in this process: where fork is not available, inside a
daemonic process (a Dask or multiprocessing worker may not start children), on one CPU, or if
the child fails or does not answer (the parent then raises the real error itself).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

WAIT_S = 600.0
"""A child that has not answered after this long is stopped and its work done here."""


def can_fork() -> bool:
    """Whether this process may start a forked child that runs at the same time."""
    return (
        (os.cpu_count() or 1) >= 2
        and not multiprocessing.current_process().daemon
        and "fork" in multiprocessing.get_all_start_methods()
    )


def in_background(
    compute: Callable[[], T], *, enabled: bool = True, niceness: int = 0
) -> Callable[[], T]:
    """Start ``compute()`` in a forked child (if ``enabled`` and :func:`can_fork`); the function
    returned waits for its result (computing it here if the child could not), and returns the
    same value at every call. ``niceness`` > 0 lowers the child's priority: work that is not
    needed soon then runs on whatever core the urgent work leaves idle."""
    if not (enabled and can_fork()):
        return once(compute)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            if niceness > 0:
                os.nice(niceness)
            _fresh_threads()
            send.send((True, compute()))
        except BaseException:  # the parent does it again and raises
            send.send((False, None))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()

    def result() -> T:
        answer: tuple[bool, T | None] = (False, None)
        try:
            if receive.poll(WAIT_S):
                answer = receive.recv()
        except (EOFError, OSError):
            pass
        finally:
            receive.close()
            if process.is_alive():
                process.kill()
            process.join()
        ok, value = answer
        return value if ok else compute()  # type: ignore[return-value]

    return once(result)


def _fresh_threads() -> None:
    """A fork keeps none of the parent's threads: HiGHS's task scheduler, started by any
    earlier branch and bound, would wait for its dead workers forever; start a new one."""
    import sys

    highspy = sys.modules.get("highspy")
    if highspy is not None:
        highspy.Highs.resetGlobalScheduler(True)


def once(compute: Callable[[], T]) -> Callable[[], T]:
    """``compute`` run at the first call only; later calls return the same value."""
    box: list[T] = []

    def value() -> T:
        if not box:
            box.append(compute())
        return box[0]

    return value
