"""Scores for numeric questions (SCORING.md section 7): CRPS, log score and the ranked
probability score for ordered options.

Numeric questions are not accepted by the product yet; these rules are ready for when they
arrive.

A numeric forecast is a CDF on the question's range [lower, upper], stored as Metaculus
stores it: its values at `GRID_POINTS` equally spaced nodes `np.linspace(lower, upper,
points)`, linear in between (a uniform density within each cell). `cdf[0] = P(X < lower)`
is the mass below the range and `1 - cdf[-1] = P(X > upper)` the mass above it. The grid
says how much mass lies outside the range but not where, so:

- `GridCdf.evaluate` is NaN outside [lower, upper];
- `crps_grid` integrates over [lower, upper] only, as Metaculus scores on the range: an
  outcome outside the range scores as if it were on the nearer bound;
- `log_score_grid` spreads an out-of-range mass over one cell width, so open bounds are
  scored on the same density scale as the cells.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, overload

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

GRID_POINTS: Final = 201
"""Nodes of a stored numeric forecast (Metaculus's grid): 200 cells."""

RPS_SUM_TOLERANCE: Final = 1e-9
"""How far from 1 a row of option probabilities may sum."""

_Array = npt.NDArray[np.float64]
_SQRT_PI: Final = math.sqrt(math.pi)
_SQRT_2PI: Final = math.sqrt(2.0 * math.pi)


def _grid_nodes(lower: float, upper: float, points: int) -> _Array:
    # One definition of where the nodes are, so that "y on a node" means the same thing to
    # every function here and to the caller who reads `GridCdf.nodes`.
    return np.linspace(lower, upper, points, dtype=np.float64)


# eq=False: the generated __eq__ would compare the arrays element-wise and raise, and the
# generated __hash__ would try to hash an array.
@dataclass(frozen=True, eq=False)
class GridCdf:
    """A numeric forecast: CDF values at equally spaced nodes from `lower` to `upper`.

    Construction validates and copies: `lower < upper`, both finite; `cdf` 1-D with at least
    two values, all in [0, 1] and non-decreasing. The stored array is read-only.
    """

    lower: float
    upper: float
    cdf: _Array
    """F at the nodes: cdf[0] = P(X < lower), cdf[-1] = P(X <= upper)."""

    def __post_init__(self) -> None:
        # Coerce and copy here rather than in a factory, so that every instance however built
        # is checked, and nobody can change it through an array they still hold.
        lower, upper = float(self.lower), float(self.upper)
        if not (math.isfinite(lower) and math.isfinite(upper)):
            raise ValueError(f"lower and upper must be finite, got {lower!r} and {upper!r}")
        if not lower < upper:
            raise ValueError(f"lower must be below upper, got {lower!r} and {upper!r}")
        if not math.isfinite(upper - lower):
            raise ValueError("upper - lower overflows: the range is too wide for float64")
        cdf = np.array(self.cdf, dtype=np.float64)
        if cdf.ndim != 1 or cdf.size < 2:
            raise ValueError(f"cdf must be 1-D with at least 2 grid points, got {cdf.shape}")
        if not np.all(np.isfinite(cdf)):
            raise ValueError("cdf values must be finite")
        if not np.all((cdf >= 0.0) & (cdf <= 1.0)):
            raise ValueError("cdf values must be within [0, 1]")
        # No tolerance: a decreasing step is a negative cell mass, whose log is undefined.
        falls = np.flatnonzero(np.diff(cdf) < 0.0)
        if falls.size:
            i = int(falls[0])
            raise ValueError(
                f"cdf must be non-decreasing: cdf[{i + 1}] = {float(cdf[i + 1])!r} "
                f"< cdf[{i}] = {float(cdf[i])!r}"
            )
        cdf.setflags(write=False)
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        object.__setattr__(self, "cdf", cdf)

    @classmethod
    def from_distribution(
        cls,
        cdf_function: Callable[[_Array], npt.ArrayLike],
        lower: float,
        upper: float,
        points: int = GRID_POINTS,
    ) -> GridCdf:
        """Sample a CDF (e.g. `scipy.stats.norm(mu, s).cdf`) at the grid nodes.

        For a continuous distribution F(lower) = P(X < lower), so the samples are exactly the
        stored form, out-of-range masses included.
        """
        if points < 2:
            raise ValueError(f"a grid needs at least 2 points, got {points}")
        nodes = _grid_nodes(float(lower), float(upper), points)
        return cls(lower=lower, upper=upper, cdf=np.asarray(cdf_function(nodes), np.float64))

    @property
    def points(self) -> int:
        """Number of grid nodes (one more than the number of cells)."""
        return int(self.cdf.size)

    @property
    def nodes(self) -> _Array:
        """The x value of each grid node: `np.linspace(lower, upper, points)`."""
        return _grid_nodes(self.lower, self.upper, self.points)

    @property
    def cell_width(self) -> float:
        """Width of each of the `points - 1` cells."""
        return (self.upper - self.lower) / (self.points - 1)

    @property
    def mass_below(self) -> float:
        """P(X < lower)."""
        return float(self.cdf[0])

    @property
    def mass_above(self) -> float:
        """P(X > upper)."""
        return float(1.0 - self.cdf[-1])

    @property
    def cell_masses(self) -> _Array:
        """The mass inside each cell, `points - 1` values summing to the in-range mass."""
        return np.diff(self.cdf)

    @overload
    def evaluate(self, x: float) -> float: ...
    @overload
    def evaluate(self, x: _Array) -> _Array: ...
    def evaluate(self, x: _Array | float) -> _Array | float:
        """F(x), linear between nodes; element-wise on arrays.

        NaN outside [lower, upper]: the forecast gives only the total mass beyond each bound,
        not its shape (`mass_below` and `mass_above` are those masses).
        """
        values = np.interp(x, self.nodes, self.cdf, left=np.nan, right=np.nan)
        if isinstance(x, np.ndarray):
            return values
        return float(values)


@overload
def crps_normal(mu: float, sigma: float, y: float) -> float: ...
@overload
def crps_normal(mu: _Array, sigma: _Array | float, y: _Array | float) -> _Array: ...
@overload
def crps_normal(mu: _Array | float, sigma: _Array, y: _Array | float) -> _Array: ...
@overload
def crps_normal(mu: _Array | float, sigma: _Array | float, y: _Array) -> _Array: ...
def crps_normal(mu: _Array | float, sigma: _Array | float, y: _Array | float) -> _Array | float:
    """CRPS of a normal forecast N(mu, sigma) at outcome y, in closed form (lower is better):

    sigma [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)],  z = (y - mu) / sigma.

    Element-wise with NumPy broadcasting; a float when no argument is an array.
    """
    mu_a = np.asarray(mu, dtype=np.float64)
    sigma_a = np.asarray(sigma, dtype=np.float64)
    y_a = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(sigma_a) & (sigma_a > 0.0)):
        raise ValueError("sigma must be finite and > 0")
    z = (y_a - mu_a) / sigma_a
    pdf = np.exp(-0.5 * z * z) / _SQRT_2PI
    crps = sigma_a * (z * (2.0 * ndtr(z) - 1.0) + 2.0 * pdf - 1.0 / _SQRT_PI)
    if any(isinstance(v, np.ndarray) for v in (mu, sigma, y)):
        return np.asarray(crps, dtype=np.float64)
    return float(crps)


def _check_outcome(y: float) -> float:
    y = float(y)
    if not math.isfinite(y):
        raise ValueError(f"the outcome y must be a finite number, got {y!r}")
    return y


def crps_grid(forecast: GridCdf, y: float) -> float:
    """CRPS = integral over [lower, upper] of (F(x) - 1{x >= y})^2 dx, computed exactly.

    F is linear on each cell, so the integrand is a quadratic on each side of y within a
    cell; each piece is integrated in closed form. Outside the range F is not described, so
    the integral stops at the bounds: an outcome below `lower` scores as one at `lower`
    (the indicator is 1 on the whole range) and one above `upper` as one at `upper`.
    """
    y = _check_outcome(y)
    w = forecast.cell_width
    left, right = forecast.cdf[:-1], forecast.cdf[1:]
    # Where y splits each cell, as a fraction of the cell: 1 for cells wholly below y (the
    # indicator is 0 there), 0 for cells wholly above it. One formula then covers every cell
    # and every position of y, in or out of the range.
    t = np.clip((y - forecast.lower) / w - np.arange(left.size), 0.0, 1.0)
    at_y = left + (right - left) * t
    # The integral of g^2 over a length L on which g goes linearly from u to v is
    # L (u^2 + u v + v^2) / 3. Below y, g = F; above y, g = 1 - F.
    below = (t * w / 3.0) * (left * left + left * at_y + at_y * at_y)
    up_y, up_right = 1.0 - at_y, 1.0 - right
    above = ((1.0 - t) * w / 3.0) * (up_y * up_y + up_y * up_right + up_right * up_right)
    return float(np.sum(below + above))


def log_score_grid(forecast: GridCdf, y: float) -> float:
    """ln of the forecast density at y: the mass of the cell holding y over its width.

    Conventions: a y on an inner node belongs to the cell on its right, and y == upper to
    the last cell. Below `lower` (above `upper`) the density is `mass_below` (`mass_above`)
    spread over one cell width, so an open bound is scored on the same scale as a cell.
    A zero mass gives -inf (the forecast called the outcome impossible).
    """
    y = _check_outcome(y)
    if y < forecast.lower:
        mass = forecast.mass_below
    elif y > forecast.upper:
        mass = forecast.mass_above
    else:
        # side="right" sends a y on a node to the cell starting there; upper starts no cell.
        node = int(np.searchsorted(forecast.nodes, y, side="right")) - 1
        cell = min(node, forecast.points - 2)
        mass = float(forecast.cdf[cell + 1] - forecast.cdf[cell])
    if mass <= 0.0:
        return -math.inf
    # A difference of logs: mass / width can underflow when the mass is tiny and cells wide.
    return math.log(mass) - math.log(forecast.cell_width)


@overload
def rps(probs: npt.ArrayLike, outcome_index: int | np.integer[Any]) -> float: ...
@overload
def rps(
    probs: npt.ArrayLike, outcome_index: npt.NDArray[np.integer[Any]] | Sequence[int]
) -> _Array: ...
def rps(
    probs: npt.ArrayLike,
    outcome_index: int | np.integer[Any] | npt.NDArray[np.integer[Any]] | Sequence[int],
) -> _Array | float:
    """Ranked probability score for ordered options: sum_k (F_k - O_k)^2, not normalised.

    F_k is the forecast's cumulative probability of options 0..k, O_k is 1 when the outcome
    is one of them. 0 is best; K - 1 is worst for K options.

    One forecast: `probs` 1-D (one probability per option), `outcome_index` an int; returns
    a float. Many: `probs` 2-D (forecasts x options), `outcome_index` one int per forecast;
    returns an array.
    """
    p = np.asarray(probs, dtype=np.float64)
    index = np.asarray(outcome_index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"outcome_index must hold integers, got dtype {index.dtype}")
    single = index.ndim == 0
    if single and p.ndim != 1:
        raise ValueError(
            f"with a single outcome_index, probs must be 1-D (one probability per option), "
            f"got shape {p.shape}"
        )
    if not single and (p.ndim != 2 or index.ndim != 1 or index.size != p.shape[0]):
        raise ValueError(
            f"with an array of outcome indices, probs must be 2-D (forecasts x options) with "
            f"one row per index, got probs {p.shape} and outcome_index {index.shape}"
        )
    rows = p[np.newaxis, :] if single else p
    index = index.reshape(-1)
    n_options = rows.shape[1]
    if n_options < 2:
        raise ValueError(f"a ranked probability score needs at least 2 options, got {n_options}")

    def where(row: int) -> str:
        return "" if single else f" (row {row})"

    bad = np.flatnonzero(~np.all(rows >= 0.0, axis=1))  # also catches NaN
    if bad.size:
        raise ValueError(f"probabilities must be non-negative{where(int(bad[0]))}")
    sums = rows.sum(axis=1)
    bad = np.flatnonzero(~(np.abs(sums - 1.0) <= RPS_SUM_TOLERANCE))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"probabilities must sum to 1, got {float(sums[i])!r}{where(i)}")
    bad = np.flatnonzero((index < 0) | (index >= n_options))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"outcome_index {int(index[i])} is not an option of {n_options}{where(i)}")

    # The last term is (1 - 1)^2 = 0 by definition; leaving it out keeps the rounding that
    # the sum tolerance allows out of the score.
    cumulative = np.cumsum(rows, axis=1)[:, :-1]
    observed = np.arange(n_options - 1)[np.newaxis, :] >= index[:, np.newaxis]
    scores: npt.NDArray[np.float64] = np.sum(np.square(cumulative - observed), axis=1)
    if single:
        return float(scores[0])
    return scores
