"""Numeric-question scores (SCORING.md section 7): the specification's examples verbatim,
closed forms, brute-force integrals and property tests."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from scoring.core.brier import brier_multiple_choice
from scoring.core.numeric import (
    GRID_POINTS,
    GridCdf,
    crps_grid,
    crps_normal,
    log_score_grid,
    rps,
)

PROPERTIES = settings(deadline=None, max_examples=100)


# --- builders -------------------------------------------------------------------------------


def from_masses(lower: float, upper: float, masses: list[float]) -> GridCdf:
    """A forecast from [mass below, cell masses..., mass above], normalised to sum to 1."""
    m = np.asarray(masses, dtype=np.float64)
    if m.sum() == 0.0:
        m = np.ones_like(m)
    # Cumulative sums of non-negative terms never decrease; only the top can overshoot 1.
    cdf = np.minimum(np.cumsum(m / m.sum())[:-1], 1.0)
    return GridCdf(lower=lower, upper=upper, cdf=cdf)


def uniform(lower: float, upper: float, points: int = GRID_POINTS) -> GridCdf:
    """All the mass spread evenly over the range."""
    return GridCdf(lower=lower, upper=upper, cdf=np.linspace(0.0, 1.0, points))


def brute_force_crps(forecast: GridCdf, y: float) -> float:
    """The CRPS integral by adaptive quadrature, breaking at every node and at y."""
    nodes = np.linspace(forecast.lower, forecast.upper, forecast.points)
    breaks = list(nodes[1:-1])
    if forecast.lower < y < forecast.upper:
        breaks.append(y)

    def integrand(x: float) -> float:
        return float((np.interp(x, nodes, forecast.cdf) - float(x >= y)) ** 2)

    width = forecast.upper - forecast.lower
    value, _ = integrate.quad(
        integrand,
        forecast.lower,
        forecast.upper,
        points=breaks or None,
        limit=len(breaks) + 50,
        epsabs=1e-14 * width,
        epsrel=1e-13,
    )
    return float(value)


@st.composite
def grid_forecasts(draw: st.DrawFn) -> GridCdf:
    points = draw(st.integers(min_value=2, max_value=25))
    masses = draw(
        st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=points + 1, max_size=points + 1)
    )
    lower = draw(st.floats(min_value=-1e3, max_value=1e3))
    width = draw(st.floats(min_value=1e-2, max_value=1e3))
    return from_masses(lower, lower + width, masses)


@st.composite
def forecasts_and_outcomes(draw: st.DrawFn) -> tuple[GridCdf, float]:
    forecast = draw(grid_forecasts())
    if draw(st.booleans()):
        # Nodes are where the cell conventions bite.
        y = float(forecast.nodes[draw(st.integers(0, forecast.points - 1))])
    else:
        span = forecast.upper - forecast.lower
        y = forecast.lower + draw(st.floats(min_value=-0.5, max_value=1.5)) * span
    return forecast, y


@st.composite
def option_forecasts(draw: st.DrawFn, k: int | None = None) -> tuple[npt.NDArray[np.float64], int]:
    if k is None:
        k = draw(st.integers(min_value=2, max_value=8))
    weights = np.array(
        draw(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=k, max_size=k))
    )
    if weights.sum() == 0.0:
        weights[:] = 1.0
    return weights / weights.sum(), draw(st.integers(0, k - 1))


# --- GridCdf --------------------------------------------------------------------------------


def test_grid_cdf_from_distribution_uses_the_metaculus_grid() -> None:
    f = GridCdf.from_distribution(stats.norm(0.0, 1.0).cdf, -3.0, 3.0)
    assert f.points == GRID_POINTS == 201
    assert f.cell_width == pytest.approx(6.0 / 200, rel=1e-15)
    assert f.cell_masses.shape == (200,)
    assert f.mass_below == pytest.approx(stats.norm.cdf(-3.0), rel=1e-15)
    assert f.mass_above == pytest.approx(stats.norm.sf(3.0), rel=1e-12)
    assert f.mass_below + f.cell_masses.sum() + f.mass_above == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("points", [2, 11, 1001])
def test_grid_cdf_from_distribution_takes_the_grid_size(points: int) -> None:
    f = GridCdf.from_distribution(stats.uniform(0.0, 4.0).cdf, 0.0, 4.0, points)
    assert f.points == points
    assert np.array_equal(f.nodes, np.linspace(0.0, 4.0, points))
    assert np.allclose(f.cdf, f.nodes / 4.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("lower", "upper", "cdf", "match"),
    [
        (1.0, 1.0, [0.0, 1.0], "below upper"),
        (2.0, 1.0, [0.0, 1.0], "below upper"),
        (-math.inf, 1.0, [0.0, 1.0], "finite"),
        (0.0, math.nan, [0.0, 1.0], "finite"),
        (-1e308, 1e308, [0.0, 1.0], "overflows"),
        (0.0, 1.0, [0.5], "at least 2"),
        (0.0, 1.0, [[0.0, 1.0], [0.0, 1.0]], "1-D"),
        (0.0, 1.0, [0.0, math.nan, 1.0], "finite"),
        (0.0, 1.0, [-0.1, 1.0], r"within \[0, 1\]"),
        (0.0, 1.0, [0.0, 1.1], r"within \[0, 1\]"),
        (0.0, 1.0, [0.0, 0.6, 0.5, 1.0], r"non-decreasing: cdf\[2\]"),
    ],
)
def test_grid_cdf_rejects_invalid_forecasts(
    lower: float, upper: float, cdf: list[float], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        GridCdf(lower=lower, upper=upper, cdf=np.array(cdf))


def test_grid_cdf_from_distribution_rejects_a_one_point_grid() -> None:
    with pytest.raises(ValueError, match="at least 2 points"):
        GridCdf.from_distribution(stats.norm().cdf, 0.0, 1.0, 1)


def test_grid_cdf_is_a_read_only_copy() -> None:
    values = np.array([0.1, 0.5, 0.9])
    f = GridCdf(lower=0.0, upper=1.0, cdf=values)
    values[1] = 0.2
    assert f.cdf[1] == 0.5
    with pytest.raises(ValueError, match="read-only"):
        f.cdf[1] = 0.3


def test_grid_cdf_masses() -> None:
    f = GridCdf(lower=0.0, upper=8.0, cdf=np.array([0.1, 0.2, 0.4, 0.7, 0.95]))
    assert f.cell_width == 2.0
    assert f.mass_below == 0.1
    assert f.mass_above == pytest.approx(0.05, rel=1e-14)
    assert np.allclose(f.cell_masses, [0.1, 0.2, 0.3, 0.25], rtol=1e-14, atol=0)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (0.0, 0.1),  # F(lower) = P(X < lower): no atom at the bound inside the range
        (1.0, 0.15),  # linear within a cell
        (2.0, 0.2),
        (7.0, 0.825),
        (8.0, 0.95),  # F(upper) = 1 - mass above
        (-0.5, math.nan),  # outside the range the grid does not describe F
        (8.5, math.nan),
    ],
)
def test_evaluate_interpolates_inside_and_is_nan_outside(x: float, expected: float) -> None:
    f = GridCdf(lower=0.0, upper=8.0, cdf=np.array([0.1, 0.2, 0.4, 0.7, 0.95]))
    got = f.evaluate(x)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-14, nan_ok=True)


def test_evaluate_is_elementwise_on_arrays() -> None:
    f = GridCdf(lower=0.0, upper=8.0, cdf=np.array([0.1, 0.2, 0.4, 0.7, 0.95]))
    got = f.evaluate(np.array([[0.0, 1.0], [9.0, 8.0]]))
    assert got.shape == (2, 2)
    assert np.allclose(got, [[0.1, 0.15], [np.nan, 0.95]], rtol=1e-14, atol=0, equal_nan=True)


# --- CRPS -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mu", "sigma", "y", "expected"),
    [
        (0.0, 1.0, 0.5, 0.3314035312548558),  # SCORING.md section 7, verbatim
        (0.0, 1.0, 0.0, 0.2336949772551091),  # SCORING.md section 7, verbatim
    ],
)
def test_crps_normal_scoring_md_examples(
    mu: float, sigma: float, y: float, expected: float
) -> None:
    assert crps_normal(mu, sigma, y) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize(
    ("mu", "sigma", "y"),
    [(0.0, 1.0, 0.5), (3.0, 0.2, 2.5), (-1.0, 4.0, 7.0), (10.0, 2.5, 10.0)],
)
def test_crps_normal_equals_the_integral(mu: float, sigma: float, y: float) -> None:
    dist = stats.norm(mu, sigma)

    def below(x: float) -> float:
        return float(dist.cdf(x) ** 2)

    def above(x: float) -> float:
        return float(dist.sf(x) ** 2)

    expected = (
        integrate.quad(below, -np.inf, y, epsabs=1e-14)[0]
        + integrate.quad(above, y, np.inf, epsabs=1e-14)[0]
    )
    assert crps_normal(mu, sigma, y) == pytest.approx(expected, rel=1e-10)


def test_crps_normal_broadcasts_over_arrays() -> None:
    mu = np.array([0.0, 0.0, 3.0])
    got = crps_normal(mu, 1.0, np.array([[0.5], [0.0]]))
    assert got.shape == (2, 3)
    assert got[0, 1] == pytest.approx(0.3314035312548558, rel=1e-15)
    assert got[1, 0] == pytest.approx(0.2336949772551091, rel=1e-15)
    assert got[0, 2] == pytest.approx(crps_normal(3.0, 1.0, 0.5), rel=1e-15)


@pytest.mark.parametrize("sigma", [0.0, -1.0, math.nan, math.inf])
def test_crps_normal_rejects_bad_sigma(sigma: float) -> None:
    with pytest.raises(ValueError, match="sigma"):
        crps_normal(0.0, sigma, 0.5)


@pytest.mark.parametrize("y", [0.5, 0.0, -1.7, 3.2, 9.5])
def test_crps_grid_approaches_the_normal_closed_form_on_a_fine_wide_grid(y: float) -> None:
    f = GridCdf.from_distribution(stats.norm(0.0, 1.0).cdf, -10.0, 10.0, 20001)
    assert crps_grid(f, y) == pytest.approx(crps_normal(0.0, 1.0, y), abs=1e-6)


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        # F(x) = (x - a) / L on [a, b] with nothing outside: the integral is
        # ((y - a)^3 + (b - y)^3) / (3 L^2) for y in range.
        (2.0, 4.0 / 3),  # y = lower
        (4.0, 4.0 / 12),  # the middle
        (3.0, 4.0 * 7 / 48),  # a quarter of the way
        (6.0, 4.0 / 3),  # y = upper
        # Out of range the integral stops at the bound (SCORING.md 7; Metaculus does the same).
        (-100.0, 4.0 / 3),
        (1e9, 4.0 / 3),
    ],
)
def test_crps_grid_uniform_closed_form(y: float, expected: float) -> None:
    assert crps_grid(uniform(2.0, 6.0, points=9), y) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(
    ("y", "points"), [(0.3, 2), (0.25, 5), (-1.0, 5), (2.0, 5), (0.7123, 7), (0.5, 11)]
)
def test_crps_grid_equals_brute_force_on_coarse_grids(y: float, points: int) -> None:
    f = GridCdf.from_distribution(stats.norm(0.4, 0.3).cdf, 0.0, 1.0, points)
    assert crps_grid(f, y) == pytest.approx(brute_force_crps(f, y), rel=1e-9, abs=1e-15)


def test_crps_grid_point_mass_like_forecast_scores_a_twelfth_of_a_cell() -> None:
    # All the mass in the cell holding y, y at its middle: F rises from 0 to 1 across the
    # cell, and the two halves each give w/24.
    cdf = np.zeros(GRID_POINTS)
    cdf[101:] = 1.0
    f = GridCdf(lower=0.0, upper=200.0, cdf=cdf)
    assert crps_grid(f, 100.5) == pytest.approx(f.cell_width / 12, rel=1e-14)
    assert crps_grid(f, 100.5) < crps_grid(uniform(0.0, 200.0), 100.5) / 100


def test_crps_grid_is_the_same_below_the_range_as_at_the_bound() -> None:
    f = from_masses(-1.0, 1.0, [0.2, 0.1, 0.4, 0.1, 0.2])
    assert crps_grid(f, -1.0) == crps_grid(f, -50.0)
    assert crps_grid(f, 1.0) == pytest.approx(crps_grid(f, 50.0), rel=1e-15)


@pytest.mark.parametrize("y", [math.nan, math.inf, -math.inf])
def test_crps_grid_rejects_non_finite_outcomes(y: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        crps_grid(uniform(0.0, 1.0), y)


@PROPERTIES
@given(forecasts_and_outcomes())
def test_crps_grid_equals_brute_force_and_is_non_negative(case: tuple[GridCdf, float]) -> None:
    forecast, y = case
    got = crps_grid(forecast, y)
    assert got >= 0.0
    width = forecast.upper - forecast.lower
    assert got == pytest.approx(brute_force_crps(forecast, y), rel=1e-9, abs=1e-12 * width)


@PROPERTIES
@given(
    forecasts_and_outcomes(),
    st.floats(min_value=-1e3, max_value=1e3),
    st.floats(min_value=0.1, max_value=10.0),
)
def test_crps_grid_follows_a_change_of_units(
    case: tuple[GridCdf, float], shift: float, scale: float
) -> None:
    # Measuring the outcome in other units (x -> scale x + shift) scales the CRPS by `scale`.
    forecast, y = case
    moved = GridCdf(
        lower=scale * forecast.lower + shift,
        upper=scale * forecast.upper + shift,
        cdf=forecast.cdf,
    )
    width = forecast.upper - forecast.lower
    assert crps_grid(moved, scale * y + shift) == pytest.approx(
        scale * crps_grid(forecast, y), rel=1e-7, abs=1e-9 * scale * width
    )


# --- log score ------------------------------------------------------------------------------


@pytest.mark.parametrize(("lower", "upper"), [(0.0, 1.0), (-5.0, 15.0), (1e3, 1e3 + 0.5)])
@pytest.mark.parametrize("fraction", [0.0, 0.1234, 0.5, 0.995, 1.0])
def test_log_score_of_a_uniform_forecast_is_minus_log_of_the_range(
    lower: float, upper: float, fraction: float
) -> None:
    y = lower + fraction * (upper - lower)
    assert log_score_grid(uniform(lower, upper), y) == pytest.approx(
        -math.log(upper - lower), rel=1e-9, abs=1e-12
    )


@pytest.mark.parametrize("y", [0.0, 0.5, -1.7, 3.2])
def test_log_score_approaches_the_normal_log_density(y: float) -> None:
    f = GridCdf.from_distribution(stats.norm(0.0, 1.0).cdf, -10.0, 10.0, 20001)
    w = f.cell_width
    # The cell's mean density differs from the density at y by about |y - mid| |y| <= w |y|.
    assert log_score_grid(f, y) == pytest.approx(stats.norm.logpdf(y), abs=w * (abs(y) + 0.1))
    # At a cell's middle the difference is second order in the cell width.
    mid = y + w / 2
    assert log_score_grid(f, mid) == pytest.approx(stats.norm.logpdf(mid), abs=1e-6)


# Range [0, 8], nodes 0, 2, 4, 6, 8 (cell width 2); mass 0.1 below, cells 0.1, 0.2, 0.3,
# 0.25, mass 0.05 above.
@pytest.mark.parametrize(
    ("y", "mass"),
    [
        (-30.0, 0.1),  # below the range: the mass below over one cell width
        (-1e-9, 0.1),
        (0.0, 0.1),  # y = lower is in the first cell
        (1.0, 0.1),
        (2.0, 0.2),  # an inner node belongs to the cell on its right
        (4.0, 0.3),
        (6.0, 0.25),
        (7.9, 0.25),
        (8.0, 0.25),  # y = upper belongs to the last cell
        (8.0 + 1e-9, 0.05),  # above the range: the mass above over one cell width
        (1e6, 0.05),
    ],
)
def test_log_score_cells_and_bounds(y: float, mass: float) -> None:
    f = GridCdf(lower=0.0, upper=8.0, cdf=np.array([0.1, 0.2, 0.4, 0.7, 0.95]))
    assert log_score_grid(f, y) == pytest.approx(math.log(mass / 2.0), rel=1e-12)


def test_log_score_puts_every_node_of_the_default_grid_in_the_cell_on_its_right() -> None:
    # Distinct masses, so the score names the cell it used.
    masses = np.arange(1.0, 203.0)
    f = from_masses(-3.7, 11.3, list(masses))
    cells = f.cell_masses
    for i, node in enumerate(f.nodes):
        expected = math.log(cells[min(i, cells.size - 1)] / f.cell_width)
        assert log_score_grid(f, float(node)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("y", [-1.0, 0.5, 3.0])
def test_log_score_of_a_zero_mass_is_minus_infinity(y: float) -> None:
    # Nothing below the range, nothing in [0, 1), nothing above.
    f = GridCdf(lower=0.0, upper=2.0, cdf=np.array([0.0, 0.0, 1.0]))
    assert log_score_grid(f, y) == -math.inf
    assert log_score_grid(f, 1.5) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("y", [math.nan, math.inf])
def test_log_score_rejects_non_finite_outcomes(y: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        log_score_grid(uniform(0.0, 1.0), y)


@PROPERTIES
@given(grid_forecasts())
def test_log_score_densities_integrate_to_the_in_range_mass(forecast: GridCdf) -> None:
    # Each cell's density times its width is its mass, whether y is read at the cell's
    # middle or at its left node (nodes belong to the cell on their right).
    w = forecast.cell_width
    inner = 1.0 - forecast.mass_below - forecast.mass_above
    nodes = forecast.nodes
    for ys in ((nodes[:-1] + nodes[1:]) / 2, nodes[:-1]):
        total = sum(math.exp(log_score_grid(forecast, float(y))) * w for y in ys)
        assert total == pytest.approx(inner, rel=1e-9, abs=1e-12)


# --- ranked probability score ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("probs", "outcome_index", "expected"),
    [
        ([0.2, 0.5, 0.3], 2, 0.53),  # SCORING.md section 7, verbatim: third category
        ([0.2, 0.5, 0.3], 0, 0.64 + 0.09),  # (0.2 - 1)^2 + (0.7 - 1)^2
        ([0.2, 0.5, 0.3], 1, 0.04 + 0.09),
        ([0.0, 0.0, 1.0], 0, 2.0),  # worst possible for three options: K - 1
        ([0.5, 0.5], 0, 0.25),
        ([0.1, 0.2, 0.3, 0.4], 3, 0.01 + 0.09 + 0.36),
    ],
)
def test_rps_examples(probs: list[float], outcome_index: int, expected: float) -> None:
    assert rps(probs, outcome_index) == pytest.approx(expected, abs=1e-12)


def test_rps_scores_each_row_of_a_2d_array() -> None:
    probs = np.array([[0.2, 0.5, 0.3], [0.2, 0.5, 0.3], [1.0, 0.0, 0.0]])
    got = rps(probs, np.array([2, 0, 0]))
    assert got.shape == (3,)
    assert np.allclose(got, [0.53, 0.73, 0.0], rtol=0, atol=1e-12)
    assert rps(np.empty((0, 3)), np.empty(0, dtype=np.int64)).shape == (0,)


@pytest.mark.parametrize(
    ("probs", "outcome_index", "match"),
    [
        ([0.5, -0.1, 0.6], 0, "non-negative"),
        ([0.5, math.nan, 0.5], 0, "non-negative"),
        ([0.5, 0.4, 0.2], 0, "sum to 1"),
        ([0.5, 0.5 - 2e-9], 0, "sum to 1"),
        ([0.2, 0.5, 0.3], 3, "outcome_index 3 is not an option of 3"),
        ([0.2, 0.5, 0.3], -1, "outcome_index -1 is not an option of 3"),
        ([1.0], 0, "at least 2 options"),
        ([[0.2, 0.5, 0.3]], 2, "must be 1-D"),
        ([0.2, 0.5, 0.3], [2], "must be 2-D"),
        ([[0.2, 0.5, 0.3], [0.2, 0.5, 0.3]], [2], "one row per index"),
        ([[0.2, 0.5, 0.3], [0.2, 0.9, 0.3]], [2, 0], r"sum to 1, got 1\.4.* \(row 1\)"),
        ([[0.2, 0.5, 0.3], [0.2, 0.5, 0.3]], [2, 5], r"not an option of 3 \(row 1\)"),
    ],
)
def test_rps_rejects_invalid_input(probs: object, outcome_index: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rps(probs, outcome_index)  # type: ignore[call-overload]  # invalid input on purpose


@pytest.mark.parametrize("outcome_index", [1.0, True, "1"])
def test_rps_refuses_a_non_integer_outcome_index(outcome_index: object) -> None:
    with pytest.raises(TypeError, match="integers"):
        rps([0.2, 0.5, 0.3], outcome_index)  # type: ignore[call-overload]  # invalid on purpose


def test_rps_accepts_rows_summing_to_one_within_the_tolerance() -> None:
    assert rps([0.5, 0.5 + 5e-10], 1) == pytest.approx(0.25, abs=1e-9)


@PROPERTIES
@given(st.integers(min_value=2, max_value=10), st.data())
def test_rps_of_the_outcome_indicator_is_zero(k: int, data: st.DataObject) -> None:
    outcome = data.draw(st.integers(0, k - 1))
    assert rps(np.eye(k)[outcome], outcome) == 0.0


@PROPERTIES
@given(option_forecasts())
def test_rps_is_unchanged_by_reversing_the_order(case: tuple[npt.NDArray[np.float64], int]) -> None:
    # Reading the scale from the other end gives F'_j = 1 - F_(K-2-j) and the same for O:
    # the same squared differences.
    probs, outcome = case
    reversed_score = rps(probs[::-1], probs.size - 1 - outcome)
    assert reversed_score == pytest.approx(rps(probs, outcome), abs=1e-12)


@PROPERTIES
@given(option_forecasts())
def test_rps_is_within_zero_and_k_minus_one(case: tuple[npt.NDArray[np.float64], int]) -> None:
    probs, outcome = case
    assert 0.0 <= rps(probs, outcome) <= probs.size - 1 + 1e-12


@PROPERTIES
@given(st.floats(min_value=0.0, max_value=1.0), st.integers(0, 1))
def test_rps_with_two_options_is_half_the_two_category_brier(p: float, outcome: int) -> None:
    probs = np.array([p, 1.0 - p])
    assert rps(probs, outcome) == pytest.approx(
        brier_multiple_choice(probs, outcome) / 2, abs=1e-15
    )


@PROPERTIES
@given(st.integers(min_value=2, max_value=8), st.data())
def test_rps_on_a_2d_array_equals_row_by_row(k: int, data: st.DataObject) -> None:
    cases = data.draw(st.lists(option_forecasts(k), min_size=1, max_size=5))
    probs = np.stack([c[0] for c in cases])
    outcomes = np.array([c[1] for c in cases])
    expected = [rps(c[0], c[1]) for c in cases]
    assert np.array_equal(rps(probs, outcomes), expected)
