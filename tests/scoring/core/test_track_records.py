"""Track-record statistics: the Jeffreys interval against scipy's beta quantiles, the
paired bootstrap by hand on small cases, and property tests for its invariants."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scoring.core.track_records import (
    Mean,
    bootstrap_mean,
    jeffreys,
    paired_bootstrap,
    verdict,
)

PROPERTY = settings(max_examples=60, deadline=None)


# --- Jeffreys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # The example, 9 of 11: 82 % [53-96 %].
        (9, 11, 0.5328, 0.9602),
        (0, 10, 0.0, 0.2172),
        (10, 10, 0.7828, 1.0),
        (1, 1, 0.1467, 1.0),
        (5, 10, 0.2235, 0.7765),
        (1, 20, 0.0054, 0.2108),
    ],
)
def test_jeffreys_table(k, n, low, high):
    result = jeffreys(k, n)
    assert result.rate == pytest.approx(k / n)
    assert result.low == pytest.approx(low, abs=5e-4)
    assert result.high == pytest.approx(high, abs=5e-4)


def test_jeffreys_of_nothing_is_empty():
    result = jeffreys(0, 0)
    assert (result.rate, result.low, result.high) == (None, None, None)


@pytest.mark.parametrize(("k", "n"), [(-1, 3), (4, 3), (1, -1), (0.5, 2), (True, 2)])
def test_jeffreys_refuses_impossible_counts(k, n):
    with pytest.raises(ValueError):
        jeffreys(k, n)


@PROPERTY
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_jeffreys_is_the_beta_quantiles_and_holds_the_rate(kn):
    k, n = kn
    result = jeffreys(k, n)
    prior = stats.beta(k + 0.5, n - k + 0.5)
    assert result.low == (0.0 if k == 0 else pytest.approx(prior.ppf(0.025), abs=1e-9))
    assert result.high == (1.0 if k == n else pytest.approx(prior.ppf(0.975), abs=1e-9))
    assert result.low <= k / n <= result.high


# --- The paired bootstrap ---------------------------------------------------------------


def test_the_means_are_plain_means():
    result = paired_bootstrap([0.2, 0.4, 0.9], [0.5, 0.5, 0.5], resamples=50)
    assert result.n == 3 and result.questions == 3
    assert result.source.value == pytest.approx(0.5)
    assert result.crowd.value == pytest.approx(0.5)
    assert result.difference.value == pytest.approx(0.0)


def test_one_question_has_no_spread():
    result = paired_bootstrap([0.3], [0.6], resamples=20)
    assert (result.source.low, result.source.high) == (pytest.approx(0.3), pytest.approx(0.3))
    assert result.difference == Mean(pytest.approx(-0.3), pytest.approx(-0.3), pytest.approx(-0.3))


def test_nothing_to_compare():
    result = paired_bootstrap([], [])
    assert result.n == 0 and result.source.value is None and result.difference.low is None


def test_a_constant_difference_has_a_zero_width_interval():
    # Paired: the crowd is always 0.1 worse, whatever the question; an unpaired bootstrap
    # would give the difference the spread of the values themselves.
    source = np.array([0.1, 0.5, 1.2, 0.05, 0.8])
    result = paired_bootstrap(source, source + 0.1, resamples=200)
    assert result.difference.low == pytest.approx(-0.1)
    assert result.difference.high == pytest.approx(-0.1)
    assert result.source.high - result.source.low > 0.1


def test_rows_of_one_question_are_drawn_together():
    # Two questions: question "a" holds three rows of 0, question "b" one row of 1. A
    # replicate drawing only "a" gives 0, only "b" gives 1, both 0.25; row-wise resampling
    # would give values like 0.5 that no draw of questions can give.
    values = [0.0, 0.0, 0.0, 1.0]
    mean = bootstrap_mean(values, clusters=["a", "a", "a", "b"], resamples=400)
    assert mean.value == pytest.approx(0.25)
    result = paired_bootstrap(values, [0.0] * 4, clusters=["a", "a", "a", "b"], resamples=400)
    assert result.questions == 2
    assert (mean.low, mean.high) == (0.0, 1.0)


def test_the_seed_fixes_the_interval():
    values = np.linspace(0, 1, 17)
    assert bootstrap_mean(values, seed=3) == bootstrap_mean(values, seed=3)
    assert bootstrap_mean(values, seed=3) != bootstrap_mean(values, seed=4)


@pytest.mark.parametrize(
    ("source", "crowd", "clusters", "message"),
    [
        ([0.1, 0.2], [0.1], None, "one value per row"),
        ([0.1, float("nan")], [0.1, 0.2], None, "finite"),
        ([0.1, 0.2], [0.1, 0.2], ["a"], "one label per row"),
    ],
)
def test_bad_rows_are_refused(source, crowd, clusters, message):
    with pytest.raises(ValueError, match=message):
        paired_bootstrap(source, crowd, clusters=clusters)


@pytest.mark.parametrize(("level", "resamples"), [(0.0, 10), (1.0, 10), (0.95, 0)])
def test_bad_settings_are_refused(level, resamples):
    with pytest.raises(ValueError):
        paired_bootstrap([0.1], [0.2], level=level, resamples=resamples)


finite = st.floats(-2, 2, allow_nan=False)


@PROPERTY
@given(
    st.lists(st.tuples(finite, finite, st.integers(0, 5)), min_size=1, max_size=30),
    st.integers(0, 2**32 - 1),
)
def test_intervals_hold_their_means_and_ignore_row_order(rows, seed):
    source, crowd, clusters = (list(column) for column in zip(*rows, strict=True))
    result = paired_bootstrap(source, crowd, clusters=clusters, resamples=60, seed=seed)
    for mean in (result.source, result.crowd, result.difference):
        assert mean.low <= mean.value <= mean.high
    assert result.difference.value == pytest.approx(
        result.source.value - result.crowd.value, abs=1e-9
    )
    # The rows' order is not information: reversing them changes no mean. (The
    # replicates are drawn over questions in label order, so they do not move either.)
    reversed_result = paired_bootstrap(
        source[::-1], crowd[::-1], clusters=clusters[::-1], resamples=60, seed=seed
    )
    assert reversed_result.source.value == pytest.approx(result.source.value)
    assert reversed_result.difference.low == pytest.approx(result.difference.low)
    assert reversed_result.difference.high == pytest.approx(result.difference.high)


@PROPERTY
@given(st.lists(finite, min_size=1, max_size=30), finite)
def test_shifting_the_crowd_shifts_the_difference(source, shift):
    crowd = [value + shift for value in source]
    result = paired_bootstrap(source, crowd, resamples=40)
    assert result.difference.low == pytest.approx(-shift, abs=1e-9)
    assert result.difference.high == pytest.approx(-shift, abs=1e-9)


# --- The verdict ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "lower_is_better", "expected"),
    [
        (-0.2, -0.01, True, "better"),
        (-0.2, -0.01, False, "worse"),
        (0.01, 0.2, True, "worse"),
        (0.01, 0.2, False, "better"),
        (-0.1, 0.1, True, "unclear"),
        (0.0, 0.0, True, "unclear"),
        (None, None, True, "unclear"),
    ],
)
def test_verdict_table(low, high, lower_is_better, expected):
    mean = Mean(None if low is None else (low + high) / 2, low, high)
    assert verdict(mean, lower_is_better=lower_is_better) == expected
