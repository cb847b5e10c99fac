"""Test-wide settings.

Property tests are derandomised so that CI is reproducible: the same examples run on every
machine, and a counterexample found once is found again. Set ``HYPOTHESIS_PROFILE=explore`` to
search with fresh random examples (and more of them) while developing.
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The command line speaks French unless asked for English; the tests read its messages in the
# English of the code (the French catalogue has its own tests, in tests/test_i18n_cli.py).
os.environ["LANGUAGE"] = "en"

# The week cache of `aide-alim offers` goes to a temporary folder, not the user's ~/.cache.
os.environ.setdefault("AIDE_ALIM_CACHE", tempfile.mkdtemp(prefix="aide_alim_cache_"))
