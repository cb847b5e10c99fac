"""aide_alim: fair allocation and logistics of food-aid lots between the associations of a city.

The library never prints; the ``aide-alim`` command line renders what it returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aide_alim.errors import AideAlimError, Problem, ScenarioError
from aide_alim.scenario.model import Policy, Scenario

if TYPE_CHECKING:
    from aide_alim.scenario.validate import load_scenario

__version__ = "0.1.0"

__all__ = [
    "AideAlimError",
    "Policy",
    "Problem",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
]


def __getattr__(name: str) -> Any:
    # Loading brings numpy and the validation tables: imported on first use (fast CLI start).
    if name == "load_scenario":
        from aide_alim.scenario.validate import load_scenario

        return load_scenario
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
