"""The history of published weeks: publishing, receipts, memory, simulated years.

- :func:`publish_week` records a week's plan in one transaction (``replace`` keeps the earlier
  version for audit); :func:`publications` lists them; :func:`load_snapshot` rebuilds a week's
  scenario.
- :func:`read_receipts` / :func:`record_receipts` record what associations actually received and
  return the differences with the plan.
- :func:`read_history` gives a period as tidy tables (what :mod:`aide_alim.indicators` reads).
- :func:`past_shortfall` feeds fairness with memory (``policy.memory``).
- :func:`simulate_year` publishes plausible weekly variants of a scenario.
"""

from aide_alim.history.memory import (
    MEMORY_WEEKS,
    allocate_and_publish,
    allocate_with_history,
    past_shortfall,
)
from aide_alim.history.publish import (
    AlreadyPublishedError,
    ConcurrentPublishError,
    HistoryError,
    PublicationId,
    iso_week,
    load_snapshot,
    publications,
    publish_week,
    snapshot_files,
)
from aide_alim.history.receipts import (
    ReceiptError,
    differences,
    read_receipts,
    record_receipts,
)
from aide_alim.history.simulate import simulate_year
from aide_alim.history.tables import History, read_history

__all__ = [
    "MEMORY_WEEKS",
    "AlreadyPublishedError",
    "ConcurrentPublishError",
    "History",
    "HistoryError",
    "PublicationId",
    "ReceiptError",
    "allocate_and_publish",
    "allocate_with_history",
    "differences",
    "iso_week",
    "load_snapshot",
    "past_shortfall",
    "publications",
    "publish_week",
    "read_history",
    "read_receipts",
    "record_receipts",
    "simulate_year",
    "snapshot_files",
]
