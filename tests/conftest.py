"""Test-wide settings.

Property tests are derandomised so that CI is reproducible: the same examples run on every
machine, and a counterexample found once is found again. Set ``HYPOTHESIS_PROFILE=explore`` to
search with fresh random examples (and more of them) while developing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The command line speaks French unless asked for English; the tests read its messages in the
# English of the code (the French catalogue has its own tests, in tests/test_i18n_cli.py).
os.environ["LANGUAGE"] = "en"

# The week cache of `aide-alim offers` goes to a temporary folder, not the user's ~/.cache.
os.environ.setdefault("AIDE_ALIM_CACHE", tempfile.mkdtemp(prefix="aide_alim_cache_"))


@pytest.fixture
def speak(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set the language as a coordinator's machine does: ``speak("C.UTF-8")`` (no English asked
    for: French, the default), ``speak("en_US.UTF-8")`` (English); only ``LANG`` is set."""

    def set_lang(lang: str) -> None:
        for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            monkeypatch.delenv(variable, raising=False)
        monkeypatch.setenv("LANG", lang)

    return set_lang
