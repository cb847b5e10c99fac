"""Properties of the indicator building blocks (hypothesis, modest example counts)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aide_alim.indicators import gini
from aide_alim.indicators.core import _longest_gap, _slope

ratios = st.lists(st.floats(min_value=0.0, max_value=5.0), min_size=1, max_size=30)


@settings(max_examples=40, deadline=None)
@given(ratios, st.floats(min_value=0.01, max_value=100.0))
def test_gini_is_bounded_and_scale_free(values: list[float], scale: float) -> None:
    g = gini(values)
    n = len(values)
    assert -1e-12 <= g <= 1 - 1 / n + 1e-9
    assert abs(gini([v * scale for v in values]) - g) < 1e-9  # scale free
    assert abs(gini(sorted(values)) - g) < 1e-12  # order free


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.0, 3.0, 10.0]), max_size=40))
def test_longest_gap_is_the_longest_run_of_empty_weeks(kgs: list[float]) -> None:
    text = "".join("0" if kg == 0 else "1" for kg in kgs)
    expected = max((len(run) for run in text.split("1")), default=0)
    assert _longest_gap(kgs) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=-50, max_value=50),
    st.floats(min_value=0, max_value=500),
    st.integers(min_value=2, max_value=60),
)
def test_slope_recovers_a_linear_trend(slope: float, intercept: float, weeks: int) -> None:
    x = np.arange(2600, 2600 + weeks, dtype=float)  # real week numbers: large, as in the data
    assert abs(_slope(x, intercept + slope * (x - 2600)) - slope) < 1e-6
