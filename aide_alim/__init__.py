"""aide_alim: fair allocation and logistics of food-aid lots between the associations of a city.

The library never prints; the ``aide-alim`` command line renders what it returns.
"""

from aide_alim.errors import AideAlimError, Problem, ScenarioError
from aide_alim.scenario import Policy, Scenario, load_scenario

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
