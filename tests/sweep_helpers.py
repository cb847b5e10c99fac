"""Shared inputs of the sweep tests: a six-variant spec and a spec file writer."""

from __future__ import annotations

import textwrap
from pathlib import Path

SIX = {
    "grid": {"rule": ["leximin", "maxmin", "fcfs"]},
    "random": {"replicates": 2, "supply_sd": 0.3, "drop": 0.2},
}


def write_spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
