"""Calibration statistics: the worked examples C and D of SCORING.md section 6, the bin and
edge rules, and property tests for the invariants (Murphy identity, weights, order)."""

import json
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from scoring.core.calibration import (
    CalibrationReport,
    bin_index,
    calibration_report,
    clopper_pearson_interval,
    jeffreys_interval,
    recalibration_fit,
    wilson_interval,
)

PROPERTY = settings(max_examples=100, deadline=None)

# Worked example C: forecasts 0.1 x4, 0.4 x5, 0.7 x6, 0.9 x5; unweighted, one per question.
C_FORECAST = np.repeat([0.1, 0.4, 0.7, 0.9], [4, 5, 6, 5])
C_OUTCOME = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1])


def example_c() -> CalibrationReport:
    return calibration_report(C_FORECAST, C_OUTCOME)


def murphy_sum(r: CalibrationReport) -> float:
    return (
        r.reliability
        - r.resolution
        + r.uncertainty
        + r.within_bin_variance
        - r.within_bin_covariance
    )


def _leaves(tree: Any, path: str, skip: frozenset[str]) -> list[tuple[str, Any]]:
    if isinstance(tree, dict):
        return [
            leaf
            for key, value in tree.items()
            if key not in skip
            for leaf in _leaves(value, f"{path}.{key}", skip)
        ]
    if isinstance(tree, list):
        return [leaf for i, v in enumerate(tree) for leaf in _leaves(v, f"{path}[{i}]", skip)]
    return [(path, tree)]


def assert_close_dicts(
    a: Any,
    b: Any,
    *,
    rel: float = 1e-9,
    abs_: float = 1e-12,
    skip: frozenset[str] = frozenset(),
    loose: frozenset[str] = frozenset(),
) -> None:
    """Compare two `to_dict()` trees: same shape, same None (NaN) and integer leaves, floats
    within tolerance (rel 1e-6 for the keys in `loose`)."""
    left, right = _leaves(a, "", skip), _leaves(b, "", skip)
    assert [p for p, _ in left] == [p for p, _ in right]
    for (path, x), (_, y) in zip(left, right, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            is_loose = path.rsplit(".", 1)[-1] in loose
            tolerance = (1e-6, 1e-8) if is_loose else (rel, abs_)
            assert math.isclose(x, y, rel_tol=tolerance[0], abs_tol=tolerance[1]), (path, x, y)
        else:
            assert x == y, (path, x, y)


# The recalibration fit is an optimum: it is as exact as the data's conditioning allows,
# which for nearly separated data is less than the other statistics' last bits.
RECALIBRATION = frozenset({"recalibration_intercept", "recalibration_slope"})


# --- strategies -----------------------------------------------------------------------------


# Weights: 0 (hypothesis likes the boundary) or six orders of magnitude, in one draw.
WEIGHTS = st.floats(0.0, 1e3).map(lambda v: 0.0 if v < 1e-3 else v)


@st.composite
def weighted_points(
    draw: st.DrawFn,
    *,
    min_size: int = 0,
    max_size: int = 20,
    weights: st.SearchStrategy[float] = WEIGHTS,
    forecasts: st.SearchStrategy[float] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64], Any]:
    """(forecast, outcome, weight, question) arrays: by default any floats in [0, 1], zero
    and positive weights, and question ids 0-7 shared between points."""
    n = draw(st.integers(min_size, max_size))
    forecasts = st.floats(0.0, 1.0) if forecasts is None else forecasts
    f = draw(st.lists(forecasts, min_size=n, max_size=n))
    w = draw(st.lists(weights, min_size=n, max_size=n))
    # Outcomes and question ids as bit fields of one integer each: generating them one by
    # one would make most of this file's run time.
    outcome_bits = draw(st.integers(0, 2**n - 1))
    question_bits = draw(st.integers(0, 8**n - 1))
    return (
        np.array(f, dtype=np.float64),
        np.array([(outcome_bits >> i) & 1 for i in range(n)], dtype=np.int64),
        np.array(w, dtype=np.float64),
        np.array([(question_bits >> (3 * i)) & 7 for i in range(n)], dtype=np.int64),
    )


# Forecasts on a 1/1000 grid: 1 - f is then exact in rank (no ties created or destroyed).
GRID = st.integers(0, 1000).map(lambda k: k / 1000)


# --- worked example C -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected", "tolerance"),
    [
        # Exact fractions, 0-2 Brier scale.
        ("brier", 343 / 1000, {"rel": 1e-12}),
        ("reliability", 22 / 1500, {"rel": 1e-12}),
        ("resolution", 91 / 600, {"rel": 1e-12}),
        ("uncertainty", 12 / 25, {"rel": 1e-12}),
        ("within_bin_variance", 0.0, {"abs": 1e-12}),
        ("within_bin_covariance", 0.0, {"abs": 1e-12}),
        # Stated to 7 decimals.
        ("log_loss", 0.5172586, {"abs": 5e-8}),
        ("roc_auc", 0.8177083, {"abs": 5e-8}),
        # Stated as 0.065 (exactly 13/200).
        ("ece", 0.065, {"rel": 1e-12}),
        # Stated to 5 decimals.
        ("recalibration_intercept", 0.28737, {"abs": 5e-6}),
        ("recalibration_slope", 0.89858, {"abs": 5e-6}),
    ],
)
def test_worked_example_c(name: str, expected: float, tolerance: dict[str, float]) -> None:
    assert getattr(example_c(), name) == pytest.approx(expected, **tolerance)


def test_worked_example_c_totals_and_identity() -> None:
    r = example_c()
    assert (r.weight, r.count, r.questions) == (20.0, 20, 20)
    assert r.base_rate == pytest.approx(12 / 20, rel=1e-12)
    assert r.mean_forecast == pytest.approx(11.1 / 20, rel=1e-12)
    assert r.calibration_in_the_large == pytest.approx(11.1 / 20 - 12 / 20, rel=1e-12)
    assert math.isclose(r.brier, murphy_sum(r), rel_tol=1e-12, abs_tol=1e-12)


def test_worked_example_c_bins() -> None:
    r = example_c()
    assert len(r.bins) == 10
    assert [(b.lower, b.upper) for b in r.bins] == [(j / 10, (j + 1) / 10) for j in range(10)]
    occupied = {1: (4, 0.1, 1), 4: (5, 0.4, 2), 7: (6, 0.7, 4), 9: (5, 0.9, 5)}
    for j, b in enumerate(r.bins):
        if j in occupied:
            n, f, k = occupied[j]
            assert (b.weight, b.count, b.questions, b.hits) == (n, n, n, k)
            assert b.mean_forecast == pytest.approx(f, rel=1e-12)
            assert b.observed == pytest.approx(k / n, rel=1e-12)
            low, high = jeffreys_interval(k, n)
            assert (b.ci_low, b.ci_high) == (float(low), float(high))
        else:  # reported, not dropped
            assert (b.weight, b.count, b.questions, b.hits) == (0.0, 0, 0, 0.0)
            for value in (b.mean_forecast, b.observed, b.ci_low, b.ci_high):
                assert math.isnan(value)
    assert r.bins[9].ci_high == 1.0  # 5 of 5: the upper bound is exactly 1


def test_worked_example_c_roc_curve() -> None:
    curve = example_c().roc_curve
    # Thresholds 0.9, 0.7, 0.4, 0.1 admit (yes, no) = (5, 0), (4, 2), (2, 3), (1, 3) of (12, 8).
    assert np.allclose(curve.tpr, [0, 5 / 12, 9 / 12, 11 / 12, 1], rtol=0, atol=1e-15)
    assert np.allclose(curve.fpr, [0, 0, 2 / 8, 5 / 8, 1], rtol=0, atol=1e-15)
    assert curve.threshold.tolist() == [math.inf, 0.9, 0.7, 0.4, 0.1]


# --- worked example D and the binomial intervals --------------------------------------------


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        (jeffreys_interval, (0.394182, 0.907305)),
        (wilson_interval, (0.396778, 0.892209)),
        (clopper_pearson_interval, (0.347547, 0.933260)),
    ],
)
def test_worked_example_d(interval: Any, expected: tuple[float, float]) -> None:
    low, high = interval(7, 10)
    assert (float(low), float(high)) == pytest.approx(expected, abs=5e-7)


INTERVALS = [jeffreys_interval, wilson_interval, clopper_pearson_interval]


@pytest.mark.parametrize("interval", INTERVALS)
def test_interval_edges_are_exact(interval: Any) -> None:
    low, high = interval([0, 0, 3, 10, 2.5, 0], [10, 0.3, 10, 10, 2.5, 0])
    assert low[0] == 0.0 and low[1] == 0.0 and low[4] != 0.0
    assert high[3] == 1.0 and high[4] == 1.0 and high[0] != 1.0
    assert 0.0 < low[2] < 0.3 < high[2] < 1.0
    assert math.isnan(low[5]) and math.isnan(high[5])  # n = 0


@pytest.mark.parametrize("interval", INTERVALS)
@pytest.mark.parametrize("level", [0.5, 0.8, 0.95, 0.99])
def test_intervals_on_integer_counts(interval: Any, level: float) -> None:
    n = np.repeat(np.arange(1, 61), np.arange(2, 62))
    k = np.concatenate([np.arange(m + 1) for m in range(1, 61)])
    low, high = interval(k, n, level)
    # Within [0, 1], around the observed frequency, and mirror images under k -> n - k.
    assert np.all((low >= 0.0) & (low <= k / n) & (k / n <= high) & (high <= 1.0))
    mirror_low, mirror_high = interval(n - k, n, level)
    assert np.allclose(low, 1.0 - mirror_high, rtol=0, atol=1e-12)
    assert np.allclose(high, 1.0 - mirror_low, rtol=0, atol=1e-12)
    # A higher level never gives a narrower interval.
    wide_low, wide_high = interval(k, n, (1.0 + level) / 2.0)
    assert np.all(wide_low <= low + 1e-15) and np.all(wide_high >= high - 1e-15)


def test_clopper_pearson_bounds_are_the_binomial_tail_inversions() -> None:
    n, k = 25, np.arange(1, 25)
    low, high = clopper_pearson_interval(k, n)
    assert np.allclose(special.bdtrc(k - 1, n, low), 0.025, rtol=1e-9)  # P(X >= k) at low
    assert np.allclose(special.bdtr(k, n, high), 0.025, rtol=1e-9)  # P(X <= k) at high


def test_wilson_bounds_solve_the_score_equation() -> None:
    k, n = np.array([1.0, 2.5, 7.0, 19.0]), np.array([3.0, 4.0, 10.0, 20.0])
    z = special.ndtri(0.975)
    for bound in wilson_interval(k, n):
        assert np.allclose(np.abs(k / n - bound), z * np.sqrt(bound * (1 - bound) / n))


def test_jeffreys_bounds_are_beta_quantiles_for_fractional_counts() -> None:
    k, n = np.array([0.4, 2.75, 0.001]), np.array([1.3, 3.0, 1000.0])
    low, high = jeffreys_interval(k, n, level=0.9)
    # The Beta(k + 1/2, n - k + 1/2) distribution function puts 5 % below and above them.
    assert np.allclose(special.betainc(k + 0.5, n - k + 0.5, low), 0.05, rtol=1e-10)
    assert np.allclose(special.betainc(k + 0.5, n - k + 0.5, high), 0.95, rtol=1e-10)


def test_jeffreys_can_exclude_a_tiny_fractional_frequency() -> None:
    # A known property, not a bug: with k far below the prior's half success the interval
    # sits above k/n. Calibration weights are fractional, so this can show in a bin.
    low, _ = jeffreys_interval(1e-6, 1.0)
    assert low > 1e-6


def test_intervals_broadcast() -> None:
    low, high = jeffreys_interval([[0], [1], [2]], [2, 4])
    assert low.shape == high.shape == (3, 2)
    low, high = wilson_interval(7, 10)
    assert low.shape == () and float(low) == pytest.approx(0.396778, abs=5e-7)


@pytest.mark.parametrize(
    ("k", "n", "level", "message"),
    [
        (-1, 10, 0.95, "0 <= k <= n"),
        (11, 10, 0.95, "0 <= k <= n"),
        (1, -1, 0.95, "0 <= k <= n"),
        (math.nan, 10, 0.95, "finite"),
        (1, math.inf, 0.95, "finite"),
        (1, 10, 1.0, "level"),
        (1, 10, 0.0, "level"),
    ],
)
@pytest.mark.parametrize("interval", INTERVALS)
def test_intervals_reject_bad_input(
    interval: Any, k: float, n: float, level: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        interval(k, n, level)


# --- bins -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forecast", "expected"),
    [
        (0.0, 0),
        (0.001, 0),
        (0.0999, 0),
        (0.1, 1),  # 0.1 * 10 == 1.0
        (0.3, 3),  # stored a hair below 3/10, but 0.3 * 10 rounds to 3.0
        (0.1 + 0.2, 3),  # 0.30000000000000004
        (0.7 - 0.4, 3),  # 0.29999999999999993: still 0.3
        (0.6, 6),
        (0.7, 7),
        (29.9 / 100, 2),
        (0.5, 5),
        (0.95, 9),
        (0.999, 9),
        (1.0, 9),  # the last bin is closed
    ],
)
def test_bin_edges(forecast: float, expected: int) -> None:
    assert int(bin_index(np.array([forecast]))[0]) == expected
    r = calibration_report([forecast], [1])
    assert [b.count for b in r.bins] == [int(j == expected) for j in range(10)]


def test_every_decimal_edge_lands_in_the_bin_it_starts() -> None:
    for n_bins in (4, 5, 10, 20):
        edges = np.arange(n_bins) / n_bins
        assert bin_index(edges, n_bins).tolist() == list(range(n_bins))
        assert bin_index(np.nextafter(edges[1:], 0.0) - 1e-6, n_bins).tolist() == list(
            range(n_bins - 1)
        )


def test_other_bin_counts() -> None:
    r = calibration_report([0.1, 0.25, 0.5, 0.99], [0, 1, 1, 1], n_bins=4)
    assert [(b.lower, b.upper, b.count) for b in r.bins] == [
        (0.0, 0.25, 1),
        (0.25, 0.5, 1),
        (0.5, 0.75, 1),
        (0.75, 1.0, 1),
    ]


def test_one_bin_has_no_resolution() -> None:
    f, o = np.array([0.2, 0.6, 0.9]), np.array([0, 1, 1])
    r = calibration_report(f, o, n_bins=1)
    assert r.resolution == 0.0
    assert r.reliability == pytest.approx(2 * (f.mean() - o.mean()) ** 2, rel=1e-12)
    assert r.ece == pytest.approx(abs(r.calibration_in_the_large), rel=1e-12)


def test_within_bin_terms_by_hand() -> None:
    # Bin 1 holds 0.1 (no) and 0.19 (yes): f̄ = 0.145, ō = 0.5, deviations ±0.045.
    r = calibration_report([0.1, 0.19], [0, 1])
    assert r.within_bin_variance == pytest.approx((2 / 2) * 2 * 0.045**2, rel=1e-12)
    assert r.within_bin_covariance == pytest.approx((4 / 2) * 2 * 0.5 * 0.045, rel=1e-12)
    assert r.reliability == pytest.approx(2 * (0.145 - 0.5) ** 2, rel=1e-12)
    assert r.brier == pytest.approx(0.1**2 + 0.81**2, rel=1e-12)
    assert math.isclose(r.brier, murphy_sum(r), rel_tol=1e-12, abs_tol=1e-12)


def test_questions_are_counted_per_bin_and_overall() -> None:
    r = calibration_report(
        forecast=[0.15, 0.12, 0.18, 0.85, 0.81, 0.5],
        outcome=[0, 0, 1, 1, 1, 0],
        weight=[0.5, 0.25, 0.25, 1.0, 0.5, 0.0],  # the last point has no weight
        question=[1, 1, 2, 1, 3, 4],
    )
    assert [(b.count, b.questions) for b in r.bins if b.count] == [(3, 2), (2, 2)]
    assert (r.count, r.questions, r.weight) == (5, 3, 2.5)
    assert r.bins[1].weight == 1.0 and r.bins[1].hits == 0.25
    assert r.bins[5].count == 0  # zero weight: not a point at all


def test_level_is_used_for_the_bins() -> None:
    r = calibration_report(C_FORECAST, C_OUTCOME, level=0.8)
    low, high = jeffreys_interval(4, 6, level=0.8)
    assert r.level == 0.8 and (r.bins[7].ci_low, r.bins[7].ci_high) == (low, high)


# --- empty and degenerate data --------------------------------------------------------------


@pytest.mark.parametrize(
    ("forecast", "outcome", "weight"),
    [
        ([], [], None),
        ([0.3, 0.8], [1, 0], [0.0, 0.0]),
    ],
)
def test_no_positive_weight_gives_an_empty_report(
    forecast: list[float], outcome: list[int], weight: list[float] | None
) -> None:
    r = calibration_report(forecast, outcome, weight, n_bins=5)
    assert len(r.bins) == 5 and all(b.count == 0 and b.weight == 0.0 for b in r.bins)
    assert (r.weight, r.count, r.questions) == (0.0, 0, 0)
    for name in ("brier", "reliability", "ece", "log_loss", "roc_auc", "recalibration_slope"):
        assert math.isnan(getattr(r, name))
    assert r.roc_curve.fpr.size == 0
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["brier"] is None and d["bins"][0]["observed"] is None


@pytest.mark.parametrize(
    ("forecast", "outcome"),
    [
        ([0.2, 0.6, 0.9], [1, 1, 1]),  # all yes
        ([0.2, 0.6, 0.9], [0, 0, 0]),  # all no
        ([0.6, 0.6, 0.6], [0, 1, 1]),  # all forecasts equal
        ([0.2, 0.3, 0.6, 0.9], [0, 0, 1, 1]),  # complete separation
        ([0.2, 0.3, 0.6, 0.9], [1, 1, 0, 0]),  # complete separation, reversed
        ([0.2, 0.6, 0.6, 0.9], [0, 0, 1, 1]),  # quasi-complete: they touch at 0.6
        ([0.0, 0.3, 0.6, 0.9], [0, 1, 0, 1]),  # logit(0) is -inf
        ([0.3, 0.6, 0.9, 1.0], [0, 1, 0, 1]),  # logit(1) is +inf
    ],
)
def test_recalibration_is_nan_when_the_fit_does_not_exist(
    forecast: list[float], outcome: list[int]
) -> None:
    r = calibration_report(forecast, outcome)
    assert math.isnan(r.recalibration_intercept) and math.isnan(r.recalibration_slope)
    assert all(map(math.isnan, recalibration_fit(forecast, outcome)))


def test_recalibration_ignores_zero_weight_overlap() -> None:
    # The only overlapping point has weight 0, so the data are separated.
    a, b = recalibration_fit([0.2, 0.3, 0.6, 0.9], [0, 0, 1, 1], [1, 1, 1, 0])
    assert math.isnan(a) and math.isnan(b)
    a, b = recalibration_fit([0.2, 0.3, 0.6, 0.9, 0.95], [0, 0, 1, 1, 0], [1, 1, 1, 1, 0])
    assert math.isnan(a) and math.isnan(b)


def test_recalibration_of_nearly_separated_data_is_large_but_exact() -> None:
    # One "no" at 0.8 of weight 0.01 overlaps the yes forecasts: the estimate exists.
    f = np.array([0.2, 0.3, 0.6, 0.7, 0.8, 0.9])
    o = np.array([0, 0, 1, 1, 0, 1])
    w = np.array([1, 1, 1, 1, 0.01, 1])
    a, b = recalibration_fit(f, o, w)
    assert math.isfinite(a) and b > 3
    assert_score_equations(f, o, w, a, b)


@pytest.mark.parametrize(
    ("forecast", "outcome", "expected"),
    [
        ([0.2, 0.6, 0.9], [1, 1, 1], math.nan),
        ([0.2, 0.6, 0.9], [0, 0, 0], math.nan),
        ([0.2, 0.6], [0, 1], 1.0),
        ([0.6, 0.2], [0, 1], 0.0),
        ([0.6, 0.6], [0, 1], 0.5),
        ([0.2, 0.6, 0.6], [0, 1, 0], 0.75),
    ],
)
def test_roc_auc_small_cases(forecast: list[float], outcome: list[int], expected: float) -> None:
    auc = calibration_report(forecast, outcome).roc_auc
    assert (math.isnan(auc) and math.isnan(expected)) or auc == pytest.approx(expected)


@pytest.mark.parametrize(
    ("forecast", "outcome", "expected"),
    [
        ([0.8], [1], -math.log(0.8)),
        ([0.8], [0], -math.log(0.2)),
        ([0.001, 0.999], [0, 1], -math.log(0.999)),
        ([0.0], [1], math.inf),  # a certain forecast that was wrong
        ([1.0, 0.0], [1, 0], 0.0),
    ],
)
def test_log_loss(forecast: list[float], outcome: list[int], expected: float) -> None:
    assert calibration_report(forecast, outcome).log_loss == pytest.approx(expected, rel=1e-12)


def test_infinite_log_loss_is_null_in_json() -> None:
    d = calibration_report([0.0, 0.4], [1, 0]).to_dict()
    assert d["log_loss"] is None
    assert d["roc_curve"]["threshold"][0] is None  # the +inf threshold
    json.dumps(d, allow_nan=False)


def test_to_dict_is_plain_json() -> None:
    d = example_c().to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["brier"] == pytest.approx(0.343) and isinstance(d["count"], int)
    assert len(d["bins"]) == 10 and d["bins"][0]["mean_forecast"] is None
    assert isinstance(d["bins"][1]["questions"], int)
    assert set(d["roc_curve"]) == {"fpr", "tpr", "threshold"}


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"forecast": [0.5, 0.5], "outcome": [1]}, "equal lengths"),
        ({"forecast": [[0.5]], "outcome": [[1]]}, "1-D"),
        ({"forecast": 0.5, "outcome": 1}, "1-D"),
        ({"forecast": [1.2], "outcome": [1]}, r"within \[0, 1\]"),
        ({"forecast": [-0.1], "outcome": [1]}, r"within \[0, 1\]"),
        ({"forecast": [math.nan], "outcome": [1]}, r"within \[0, 1\]"),
        ({"forecast": [0.5], "outcome": [2]}, "outcome must be 0"),
        ({"forecast": [0.5], "outcome": [0.5]}, "outcome must be 0"),
        ({"forecast": [0.5], "outcome": ["yes"]}, "outcome must be 0"),
        ({"forecast": [0.5], "outcome": [1], "weight": [-1.0]}, "weight must be finite"),
        ({"forecast": [0.5], "outcome": [1], "weight": [math.inf]}, "weight must be finite"),
        ({"forecast": [0.5], "outcome": [1], "weight": [1, 1]}, "weight must be 1-D"),
        ({"forecast": [0.5], "outcome": [1], "question": [1.5]}, "integer ids"),
        ({"forecast": [0.5], "outcome": [1], "question": [1, 2]}, "question must be 1-D"),
        ({"forecast": [0.5], "outcome": [1], "n_bins": 0}, "n_bins"),
        ({"forecast": [0.5], "outcome": [1], "n_bins": 2.5}, "n_bins"),
        ({"forecast": [0.5], "outcome": [1], "level": 1.5}, "level"),
    ],
)
def test_calibration_report_rejects_bad_input(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        calibration_report(**kwargs)


def test_boolean_outcomes_and_integer_weights_are_accepted() -> None:
    a = calibration_report(C_FORECAST, C_OUTCOME.astype(bool), np.ones(20, dtype=np.int64))
    assert a.to_dict() == example_c().to_dict()


# --- properties -----------------------------------------------------------------------------


def assert_score_equations(
    f: npt.ArrayLike, o: npt.ArrayLike, w: npt.ArrayLike, a: float, b: float
) -> None:
    """At the maximum-likelihood fit the weighted residuals have zero mean, overall and
    against logit f (the score equations of logistic regression)."""
    f, o, w = np.asarray(f, float), np.asarray(o, float), np.asarray(w, float)
    x = special.logit(f)
    resid = w * (o - special.expit(a + b * x)) / w.sum()
    assert abs(resid.sum()) < 1e-9
    assert abs((resid * x).sum()) < 1e-9


@PROPERTY
@given(weighted_points())
def test_report_invariants(points: Any) -> None:
    f, o, w, q = points
    r = calibration_report(f, o, w, q)
    positive = w > 0
    # The bins partition the points.
    assert len(r.bins) == 10
    assert sum(b.count for b in r.bins) == r.count == int(positive.sum())
    assert sum(b.weight for b in r.bins) == pytest.approx(r.weight, rel=1e-12)
    assert r.weight == pytest.approx(w.sum(), rel=1e-12)
    assert r.questions == np.unique(q[positive]).size
    idx = bin_index(f[positive])
    for j, b in enumerate(r.bins):
        assert b.count == int(np.sum(idx == j))
        assert b.questions == len(set(q[positive][idx == j].tolist()))
        assert b.weight == pytest.approx(w[positive][idx == j].sum(), rel=1e-12)
        assert (b.count == 0) == (b.weight == 0.0)
        if b.count:
            assert b.lower - 1e-9 <= b.mean_forecast <= b.upper + 1e-9
            assert 0.0 <= b.observed <= 1.0
    if r.count == 0:
        return
    assert sum(b.hits for b in r.bins) == pytest.approx(r.base_rate * r.weight, rel=1e-12)

    # The Murphy identity, whatever the within-bin terms are.
    assert math.isclose(r.brier, murphy_sum(r), rel_tol=1e-12, abs_tol=1e-12)
    for name in ("reliability", "resolution", "uncertainty", "within_bin_variance"):
        assert getattr(r, name) >= 0.0
    # ECE is a weighted mean of |f̄_k - ō_k| and REL/2 the same mean of its square (Jensen);
    # calibration-in-the-large is the same mean of the signed difference.
    assert r.ece**2 <= r.reliability / 2 * (1 + 1e-12) + 1e-15
    assert abs(r.calibration_in_the_large) <= r.ece + 1e-12


@PROPERTY
@given(weighted_points(weights=st.floats(0.0, 100.0).map(lambda v: 0.0 if v < 0.01 else v)))
def test_bin_intervals_contain_the_observed_frequency(points: Any) -> None:
    # True when every bin's hits and misses are 0 or at least ~5e-4 (here: weights >= 0.01);
    # see test_jeffreys_can_exclude_a_tiny_fractional_frequency for the exception.
    for b in calibration_report(*points).bins:
        if b.count:
            assert 0.0 <= b.ci_low <= b.observed <= b.ci_high <= 1.0


@PROPERTY
@given(weighted_points(min_size=1), st.randoms(use_true_random=False), st.floats(1e-3, 1e3))
def test_order_and_unit_of_weight_do_not_matter(points: Any, rnd: Any, scale: float) -> None:
    f, o, w, q = points
    a = calibration_report(f, o, w, q).to_dict()
    # Shuffled: the same report, to rounding.
    perm = np.array(rnd.sample(range(f.size), f.size))
    shuffled = calibration_report(f[perm], o[perm], w[perm], q[perm]).to_dict()
    assert_close_dicts(a, shuffled, loose=RECALIBRATION)
    # Weights times a constant: only the weights and hits scale, and with them the intervals,
    # which depend on how much evidence there is.
    b = calibration_report(f, o, w * scale, q).to_dict()
    scaled = frozenset({"weight", "hits", "ci_low", "ci_high"})
    assert_close_dicts(a, b, skip=scaled, loose=RECALIBRATION)
    assert b["weight"] == pytest.approx(a["weight"] * scale, rel=1e-12)
    for x, y in zip(a["bins"], b["bins"], strict=True):
        assert y["weight"] == pytest.approx(x["weight"] * scale, rel=1e-12)
        assert y["hits"] == pytest.approx(x["hits"] * scale, rel=1e-12)


@PROPERTY
@given(weighted_points(weights=st.integers(0, 4).map(float)))
def test_integer_weights_equal_repeated_points(points: Any) -> None:
    f, o, w, q = points
    reps = w.astype(np.int64)
    weighted = calibration_report(f, o, w, q).to_dict()
    repeated = calibration_report(
        np.repeat(f, reps), np.repeat(o, reps), None, np.repeat(q, reps)
    ).to_dict()
    # Everything but the point counts, which count rows.
    assert_close_dicts(weighted, repeated, skip=frozenset({"count"}), loose=RECALIBRATION)
    assert repeated["count"] == int(reps.sum())


@PROPERTY
@given(weighted_points(min_size=2, weights=st.floats(1e-2, 1e2), forecasts=GRID))
def test_auc_under_flips(points: Any) -> None:
    f, o, w, _ = points
    auc = calibration_report(f, o, w).roc_auc
    if math.isnan(auc):
        assert len(set(o.tolist())) < 2
        return
    flipped_outcomes = calibration_report(f, 1 - o, w).roc_auc
    mirrored_forecasts = calibration_report(1 - f, o, w).roc_auc
    both = calibration_report(1 - f, 1 - o, w).roc_auc
    assert flipped_outcomes == pytest.approx(1 - auc, abs=1e-12)
    assert mirrored_forecasts == pytest.approx(1 - auc, abs=1e-12)
    assert both == pytest.approx(auc, abs=1e-12)


@PROPERTY
@given(weighted_points(min_size=1))
def test_roc_curve_and_auc(points: Any) -> None:
    f, o, w, _ = points
    r = calibration_report(f, o, w)
    curve = r.roc_curve
    yes, no = (o == 1) & (w > 0), (o == 0) & (w > 0)
    if not (yes.any() and no.any()):
        assert math.isnan(r.roc_auc)
        assert curve.fpr.size == curve.tpr.size == curve.threshold.size == 0
        return
    # Every (yes, no) pair, weighted by the product of their weights: 1 if the yes got the
    # higher forecast, 1/2 for a tie (unweighted, the Mann-Whitney U over the pair count).
    pairs = (np.sign(f[yes][:, None] - f[no][None, :]) + 1.0) / 2.0
    pair_weight = w[yes][:, None] * w[no][None, :]
    assert r.roc_auc == pytest.approx(np.sum(pairs * pair_weight) / pair_weight.sum(), abs=1e-12)

    assert curve.fpr.size == curve.tpr.size == np.unique(f[w > 0]).size + 1
    assert (curve.fpr[0], curve.tpr[0]) == (0.0, 0.0)
    assert (curve.fpr[-1], curve.tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(curve.fpr) >= 0) and np.all(np.diff(curve.tpr) >= 0)
    assert np.all(np.diff(curve.threshold) < 0)
    assert np.trapezoid(curve.tpr, curve.fpr) == pytest.approx(r.roc_auc, abs=1e-12)


@PROPERTY
@given(
    weighted_points(
        min_size=2,
        weights=st.floats(0.0, 100.0).map(lambda v: 0.0 if v < 0.01 else v),
        forecasts=st.floats(0.001, 0.999),
    )
)
def test_recalibration_solves_the_score_equations(points: Any) -> None:
    f, o, w, _ = points
    a, b = recalibration_fit(f, o, w)
    keep = w > 0
    yes, no = f[keep & (o == 1)], f[keep & (o == 0)]
    overlap = yes.size > 0 and no.size > 0 and no.max() > yes.min() and yes.max() > no.min()
    assert math.isnan(a) == math.isnan(b) == (not overlap)
    if overlap:
        assert_score_equations(f[keep], o[keep], w[keep], a, b)


@PROPERTY
@given(
    # A grid, so that no two distinct forecasts can round to one after the change.
    weighted_points(
        min_size=2, weights=st.just(1.0), forecasts=st.integers(50, 950).map(lambda k: k / 1000)
    ),
    st.floats(-1.0, 1.0),
    st.floats(0.5, 2.0),
)
def test_recalibration_follows_a_logit_linear_change_of_forecasts(
    points: Any, c: float, d: float
) -> None:
    # If f' = expit(c + d logit f) then a + b logit f = a' + b' logit f' with b' = b / d and
    # a' = a - b' c: the fit sees the same model in other coordinates.
    f, o, _, _ = points
    a, b = recalibration_fit(f, o)
    a2, b2 = recalibration_fit(special.expit(c + d * special.logit(f)), o)
    if math.isnan(a):
        assert math.isnan(a2)
        return
    assert b2 == pytest.approx(b / d, rel=1e-6, abs=1e-8)
    assert a2 == pytest.approx(a - b2 * c, rel=1e-6, abs=1e-8)


def test_recalibration_on_a_larger_sample() -> None:
    # The log-likelihood is strictly concave, so solving the score equations is being the
    # maximum; this checks it on data drawn from a known miscalibration.
    rng = np.random.default_rng(6)
    f = rng.uniform(0.02, 0.98, 2000)
    o = (rng.uniform(size=2000) < special.expit(0.3 + 0.6 * special.logit(f))).astype(int)
    w = rng.uniform(0.1, 2.0, 2000)
    a, b = recalibration_fit(f, o, w)
    assert_score_equations(f, o, w, a, b)
    assert a == pytest.approx(0.3, abs=0.15) and b == pytest.approx(0.6, abs=0.1)
