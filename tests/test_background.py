"""Work on another core: the same value as in this process, and the real error if it fails."""

from __future__ import annotations

import os

import pytest

from aide_alim.background import can_fork, in_background


def test_the_child_computes_the_value_on_another_process() -> None:
    if not can_fork():
        pytest.skip("this machine cannot run a forked child alongside")
    parent = os.getpid()
    result = in_background(lambda: os.getpid())
    assert result() != parent
    assert result() == result()  # asked twice, computed once


def test_disabled_or_failing_work_runs_here_and_raises_its_own_error() -> None:
    parent = os.getpid()
    assert in_background(lambda: os.getpid(), enabled=False)() == parent

    calls: list[int] = []

    def fails() -> int:
        calls.append(os.getpid())
        raise ValueError("bad week")

    with pytest.raises(ValueError, match="bad week"):
        in_background(fails)()
    assert calls[-1] == parent  # the error the caller sees is raised here, not lost in a child
