"""Fair allocation of the week's lots between the associations (action 3.2 of the convention).

Public API: :func:`allocate` (one rule → :class:`Allocation`), :func:`compare` (every rule, same
metrics), :func:`lines_to_csv` (files for ``--out``), :data:`REASONS_FR` (French labels of the
unallocated reasons), :data:`METRICS` (metric keys, units and meanings).
"""

from aide_alim.allocation.admissible import REASONS_FR, admissibility
from aide_alim.allocation.core import allocate, compare
from aide_alim.allocation.metrics import METRICS
from aide_alim.allocation.result import (
    LINE_COLUMNS,
    UNALLOCATED_COLUMNS,
    Allocation,
    AllocationStatus,
    lines_to_csv,
)
from aide_alim.scenario.model import RULES

__all__ = [
    "LINE_COLUMNS",
    "METRICS",
    "REASONS_FR",
    "RULES",
    "UNALLOCATED_COLUMNS",
    "Allocation",
    "AllocationStatus",
    "admissibility",
    "allocate",
    "compare",
    "lines_to_csv",
]
