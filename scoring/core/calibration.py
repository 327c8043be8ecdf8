"""Calibration statistics of binary forecasts (SCORING.md section 6).

Implements, for weighted (forecast p(yes), outcome) pairs:

- binomial intervals for a (possibly fractional) k of n: Jeffreys (the one the
  reliability diagram shows), Wilson and Clopper-Pearson;
- the reliability table: always `n_bins` equal-width bins [0, 0.1), ..., [0.9, 1.0], empty
  bins reported as empty, each with its weight, point and question counts, mean forecast,
  observed frequency and Jeffreys interval;
- the Murphy decomposition of the Brier score with the within-bin terms of Stephenson,
  Coelho and Jolliffe (2008), BS = REL - RES + UNC + WBV - WBC, on the 0-2 Brier scale
  (twice the textbook 0-1 values) and generalized to weights: n_k is the weight in bin k, N
  the total weight and every mean is weight-weighted. The identity holds to floating-point
  precision;
- ECE, calibration-in-the-large, mean log loss, the logistic recalibration
  logit P(o=1) = a + b logit f (weighted maximum likelihood) and the weighted ROC curve and
  AUC (ties count one half).

Weights come from SCORING.md section 6 (each user-question pair carries total weight 1,
split over time), so they are fractional; a point with weight 0 is ignored. Everything is
NumPy/SciPy on arrays; nothing here knows about Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]

BIN_EDGE_TOLERANCE = 1e-9
"""Forecasts within this distance below a bin edge, in units of bin width, count as on the
edge. A typed 0.3 lands in [0.3, 0.4) anyway (0.3 * 10 rounds to 3.0), but a computed
0.7 - 0.4 is 0.29999999999999993 and would fall into [0.2, 0.3). Forecasts are accepted with
at most a few decimals, so no genuine forecast is this close below an edge."""

_NEWTON_MAX_ITER = 200
_NEWTON_STEP_TOL = 1e-10
_MAX_ETA_CHANGE = 10.0


# --- binomial intervals ---------------------------------------------------------------------


def _check_level(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(level)


def _k_of_n(k: npt.ArrayLike, n: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    k_arr, n_arr = np.broadcast_arrays(
        np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    )
    if not (np.all(np.isfinite(k_arr)) and np.all(np.isfinite(n_arr))):
        raise ValueError("k and n must be finite")
    if np.any(k_arr < 0.0) or np.any(k_arr > n_arr):
        raise ValueError("k must satisfy 0 <= k <= n")
    return k_arr, n_arr


def _finish_interval(
    lower: npt.NDArray[np.floating[Any]],
    upper: npt.NDArray[np.floating[Any]],
    k: FloatArray,
    n: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    # The edges are set exactly rather than trusted to the formula: at k = 0 the beta
    # quantile has shape 0 (undefined) and Wilson gives a rounding residue around 0.
    lower = np.where(k == 0.0, 0.0, lower)
    upper = np.where(k == n, 1.0, upper)
    empty = n == 0.0
    lower = np.where(empty, np.nan, np.clip(lower, 0.0, 1.0))
    upper = np.where(empty, np.nan, np.clip(upper, 0.0, 1.0))
    return lower.astype(np.float64), upper.astype(np.float64)


def jeffreys_interval(
    k: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Jeffreys interval for k successes of n: central `level` quantiles of
    Beta(k + 1/2, n - k + 1/2), with lower bound 0 when k = 0 and upper 1 when k = n.

    Vectorized over k and n, which may be fractional (sums of weights). NaN where n = 0.
    For fractional k below about 5e-4 (or n - k below it) the interval can exclude k/n: the
    prior's half success outweighs the data.
    """
    alpha = 1.0 - _check_level(level)
    k_arr, n_arr = _k_of_n(k, n)
    with np.errstate(invalid="ignore"):
        a, b = k_arr + 0.5, n_arr - k_arr + 0.5
        lower = special.betaincinv(a, b, alpha / 2.0)  # beta.ppf, without its overhead
        upper = special.betaincinv(a, b, 1.0 - alpha / 2.0)
    return _finish_interval(lower, upper, k_arr, n_arr)


def wilson_interval(
    k: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for k successes of n (vectorized; k, n may be fractional).

    The bounds are the p solving |k/n - p| = z sqrt(p (1 - p) / n); exactly 0 when k = 0 and
    1 when k = n. NaN where n = 0.
    """
    alpha = 1.0 - _check_level(level)
    k_arr, n_arr = _k_of_n(k, n)
    z = float(special.ndtri(1.0 - alpha / 2.0))  # the standard normal quantile
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (k_arr + z2 / 2.0) / (n_arr + z2)
        half = z / (n_arr + z2) * np.sqrt(k_arr * (n_arr - k_arr) / n_arr + z2 / 4.0)
    return _finish_interval(centre - half, centre + half, k_arr, n_arr)


def clopper_pearson_interval(
    k: npt.ArrayLike, n: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Clopper-Pearson ("exact") interval: beta.ppf(alpha/2, k, n - k + 1) to
    beta.ppf(1 - alpha/2, k + 1, n - k), with 0 when k = 0 and 1 when k = n.

    Vectorized; k, n may be fractional. NaN where n = 0.
    """
    alpha = 1.0 - _check_level(level)
    k_arr, n_arr = _k_of_n(k, n)
    with np.errstate(invalid="ignore"):
        lower = special.betaincinv(k_arr, n_arr - k_arr + 1.0, alpha / 2.0)  # beta.ppf
        upper = special.betaincinv(k_arr + 1.0, n_arr - k_arr, 1.0 - alpha / 2.0)
    return _finish_interval(lower, upper, k_arr, n_arr)


# --- results --------------------------------------------------------------------------------


def _json_float(value: float) -> float | None:
    # JSON has no NaN or infinity; the API serves "no value" as null.
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class CalibrationBin:
    """One bin of the reliability table. Empty bins have weight, count and questions 0 and
    NaN for the means and the interval."""

    lower: float
    """Left edge (included)."""
    upper: float
    """Right edge (excluded, except 1.0 for the last bin)."""
    weight: float
    """n_k: the sum of the weights of the bin's points."""
    count: int
    """The number of points (with positive weight) in the bin."""
    questions: int
    """The number of distinct questions among them."""
    mean_forecast: float
    """f̄_k: weighted mean forecast."""
    observed: float
    """ō_k = hits / weight: the observed frequency of yes."""
    hits: float
    """k: the weight of the points that resolved yes."""
    ci_low: float
    """Jeffreys interval for `observed` at the report's `level`: lower bound."""
    ci_high: float
    """Upper bound."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serializable types; NaN becomes None."""
        return {
            "lower": float(self.lower),
            "upper": float(self.upper),
            "weight": float(self.weight),
            "count": int(self.count),
            "questions": int(self.questions),
            "mean_forecast": _json_float(self.mean_forecast),
            "observed": _json_float(self.observed),
            "hits": float(self.hits),
            "ci_low": _json_float(self.ci_low),
            "ci_high": _json_float(self.ci_high),
        }


# eq=False: the generated __eq__ would compare arrays and raise "truth value of an array
# is ambiguous". Compare `to_dict()` results instead.
@dataclass(frozen=True, eq=False)
class RocCurve:
    """The weighted ROC curve: one point per distinct forecast value, for the rule "say yes
    when the forecast is >= threshold" as the threshold moves from high to low.

    Starts at (0, 0) with threshold +inf and ends at (1, 1) with the lowest forecast. Empty
    arrays when there are no yes or no no outcomes (the rates are undefined). The trapezoid
    area under it is the AUC with ties counted one half.
    """

    fpr: FloatArray
    """False-positive rate: weight of "no" points with forecast >= threshold / all "no"."""
    tpr: FloatArray
    """True-positive rate: weight of "yes" points with forecast >= threshold / all "yes"."""
    threshold: FloatArray
    """The threshold of each point (+inf for the first)."""

    def to_dict(self) -> dict[str, list[float | None]]:
        """Plain lists; the +inf threshold becomes None."""
        return {
            "fpr": [float(v) for v in self.fpr],
            "tpr": [float(v) for v in self.tpr],
            "threshold": [_json_float(float(v)) for v in self.threshold],
        }


@dataclass(frozen=True, eq=False)
class CalibrationReport:
    """Calibration of a set of weighted binary forecasts (SCORING.md section 6).

    Brier terms are on the 0-2 scale: brier == reliability - resolution + uncertainty
    + within_bin_variance - within_bin_covariance. Statistics that are undefined for the data
    (all of them when there is no positive weight) are NaN.
    """

    bins: tuple[CalibrationBin, ...]
    """Always `n_bins` bins, in order, empty ones included."""
    level: float
    """Confidence level of the bins' Jeffreys intervals."""
    weight: float
    """N: the total weight."""
    count: int
    """The number of points with positive weight."""
    questions: int
    """The number of distinct questions among them."""
    base_rate: float
    """ō: the weighted frequency of yes."""
    mean_forecast: float
    """Weighted mean forecast."""
    brier: float
    """BS: weighted mean Brier, 0 best, 2 worst."""
    reliability: float
    """REL = (2/N) sum_k n_k (f̄_k - ō_k)^2: 0 is perfectly calibrated bins."""
    resolution: float
    """RES = (2/N) sum_k n_k (ō_k - ō)^2: larger is better."""
    uncertainty: float
    """UNC = 2 ō (1 - ō)."""
    within_bin_variance: float
    """WBV = (2/N) sum_i w_i (f_i - f̄_k(i))^2."""
    within_bin_covariance: float
    """WBC = (4/N) sum_i w_i (o_i - ō_k(i)) (f_i - f̄_k(i))."""
    ece: float
    """Expected calibration error, sum_k (n_k/N) |ō_k - f̄_k|."""
    calibration_in_the_large: float
    """mean(f) - mean(o), weighted; positive means forecasting yes too often."""
    log_loss: float
    """Weighted mean of -ln(probability given to what happened), in nats (inf if a
    forecast of exactly 0 or 1 was wrong)."""
    recalibration_intercept: float
    """a in logit P(o=1) = a + b logit f, by weighted maximum likelihood; NaN when the fit
    does not exist (see `recalibration_fit`)."""
    recalibration_slope: float
    """b: below 1 means overconfident, above 1 underconfident."""
    roc_auc: float
    """Weighted ROC AUC, ties one half; NaN without both yes and no outcomes."""
    roc_curve: RocCurve
    """The curve whose trapezoid area is `roc_auc`."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serializable types (float, int, list, dict); NaN and inf become None."""
        out: dict[str, Any] = {
            "bins": [b.to_dict() for b in self.bins],
            "level": float(self.level),
            "weight": float(self.weight),
            "count": int(self.count),
            "questions": int(self.questions),
        }
        for name in (
            "base_rate",
            "mean_forecast",
            "brier",
            "reliability",
            "resolution",
            "uncertainty",
            "within_bin_variance",
            "within_bin_covariance",
            "ece",
            "calibration_in_the_large",
            "log_loss",
            "recalibration_intercept",
            "recalibration_slope",
            "roc_auc",
        ):
            out[name] = _json_float(getattr(self, name))
        out["roc_curve"] = self.roc_curve.to_dict()
        return out


# --- the pieces -----------------------------------------------------------------------------


def bin_index(forecast: npt.ArrayLike, n_bins: int = 10) -> npt.NDArray[np.intp]:
    """The bin of each forecast among `n_bins` equal-width bins of [0, 1].

    Bin j is [j/n_bins, (j+1)/n_bins), the last one closed at 1. A forecast within
    BIN_EDGE_TOLERANCE (in bin widths) below an edge counts as on it, so 0.1 is in bin 1 and
    0.3 in bin 3 however the float was computed.
    """
    f = np.asarray(forecast, dtype=np.float64)
    idx = np.floor(f * n_bins + BIN_EDGE_TOLERANCE).astype(np.intp)
    return np.clip(idx, 0, n_bins - 1)


def _distinct_pairs(
    group: npt.NDArray[np.intp], key: npt.NDArray[np.int64], size: int
) -> npt.NDArray[np.intp]:
    """For each group 0..size-1, the number of distinct keys in it."""
    if group.size == 0:
        return np.zeros(size, dtype=np.intp)
    order = np.lexsort((key, group))
    g, q = group[order], key[order]
    first = np.ones(g.size, dtype=np.bool_)
    first[1:] = (g[1:] != g[:-1]) | (q[1:] != q[:-1])
    return np.bincount(g[first], minlength=size)


def recalibration_fit(
    forecast: npt.ArrayLike, outcome: npt.ArrayLike, weight: npt.ArrayLike | None = None
) -> tuple[float, float]:
    """(a, b) maximizing the weighted likelihood of logit P(o=1) = a + b logit f.

    (NaN, NaN) when the maximum likelihood estimate does not exist: no positive weight, all
    outcomes equal, a forecast of exactly 0 or 1 (infinite logit), or (quasi-)complete
    separation. With one covariate and an intercept the estimate exists exactly when the
    forecasts of yes and no outcomes overlap strictly (Albert and Anderson 1984): the largest
    "no" forecast is above the smallest "yes" one and the largest "yes" above the smallest
    "no". This also covers all forecasts equal. Checked on the data, not by watching
    Newton's iterates diverge, so it is exact.
    """
    f, o, w, _ = _validated(forecast, outcome, weight, None)
    keep = w > 0.0
    values, yes_w, no_w = _by_value(f[keep], o[keep], w[keep])
    return _recalibration(values, yes_w, no_w)


def _by_value(
    f: FloatArray, o: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    # Everything that does not need bins (log-likelihood fit, ROC) only depends on the
    # weight of yes and of no at each distinct forecast value: at most ~1000 values in
    # practice, however many points there are.
    values, inverse = np.unique(f, return_inverse=True)
    # Weighted counts are float64 already (no copy); NumPy's stubs type bincount as intp.
    yes_w = np.bincount(inverse, weights=w * o, minlength=values.size)
    no_w = np.bincount(inverse, weights=w * (1.0 - o), minlength=values.size)
    return values, yes_w.astype(np.float64, copy=False), no_w.astype(np.float64, copy=False)


def _recalibration(values: FloatArray, yes_w: FloatArray, no_w: FloatArray) -> tuple[float, float]:
    nan = (float("nan"), float("nan"))
    has_yes, has_no = yes_w > 0.0, no_w > 0.0
    if not (has_yes.any() and has_no.any()):
        return nan
    if values[0] <= 0.0 or values[-1] >= 1.0:
        return nan
    # `values` is sorted, so min/max over each outcome are first/last indices.
    yes_idx, no_idx = np.flatnonzero(has_yes), np.flatnonzero(has_no)
    overlap = values[no_idx[-1]] > values[yes_idx[0]] and values[yes_idx[-1]] > values[no_idx[0]]
    if not overlap:
        return nan

    x = special.logit(values)
    total = float(np.sum(yes_w) + np.sum(no_w))
    # Per unit weight, so the tolerances below do not depend on how much weight there is.
    return _logistic_mle(x, yes_w / total, no_w / total)


def _logistic_mle(x: FloatArray, yes: FloatArray, no: FloatArray) -> tuple[float, float]:
    """Maximize the log-likelihood of eta = a + b x given `yes` and `no` weight at each x,
    by damped Newton. The caller has checked that the maximum exists.

    The log-likelihood is concave, so Newton with a line search converges from anywhere,
    given these safeguards:

    - Every term is computed without cancellation (-log(1 + e^-eta) rather than
      eta - log(1 + e^eta)), so nearly separated data, where the optimum is far out and
      every term tiny, still have an accurate objective and gradient.
    - It starts from the intercept-only fit (b = 0, every probability the base rate), where
      the information matrix is as well conditioned as the data allow. Starting from
      a = 0, b = 1 fails when some logit f are huge: every probability is then 0 or 1 to
      machine precision and the information vanishes.
    - A step may change no eta by more than max(_MAX_ETA_CHANGE, the largest |eta|): the
      quadratic model is only good over a few units of eta, and a full step can otherwise
      jump to such a saturated region. Letting the cap grow with |eta| still reaches the
      far-out optimum of nearly separated data in a few dozen steps.
    - Near the optimum a full step gains less than the log-likelihood's rounding, so a line
      search cannot see it: there steps are taken in full.
    - When the gradient stops shrinking there, it is rounding noise: the point with the
      smallest gradient is returned.
    """

    def loglik(theta: FloatArray) -> float:
        eta = theta[0] + theta[1] * x
        return -float(np.sum(yes * np.logaddexp(0.0, -eta) + no * np.logaddexp(0.0, eta)))

    def newton(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        eta = theta[0] + theta[1] * x
        p, q = special.expit(eta), special.expit(-eta)  # q = 1 - p, accurate when p ~ 1
        resid = yes * q - no * p  # = yes - (yes + no) p
        grad = np.array([resid.sum(), (resid * x).sum()])
        s = (yes + no) * p * q
        sx = (s * x).sum()
        info = np.array([[s.sum(), sx], [sx, (s * x * x).sum()]])
        det = info[0, 0] * info[1, 1] - info[0, 1] ** 2
        if det > 1e-12 * info[0, 0] * info[1, 1]:
            # Cramer's rule: a 2 x 2 solve, far cheaper than a LAPACK call.
            step = (
                np.array(
                    [
                        info[1, 1] * grad[0] - info[0, 1] * grad[1],
                        info[0, 0] * grad[1] - info[0, 1] * grad[0],
                    ]
                )
                / det
            )
        else:
            # (Nearly) singular: the minimum-norm step rather than an overflow.
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        largest = float(np.max(np.abs(step[0] + step[1] * x)))
        cap = max(_MAX_ETA_CHANGE, float(np.max(np.abs(eta))))
        if largest > cap:
            step = step * (cap / largest)
        return grad, step

    theta = np.array([math.log(float(yes.sum()) / float(no.sum())), 0.0])
    current = loglik(theta)
    best, best_gradient, noisy = theta, math.inf, 0
    for _ in range(_NEWTON_MAX_ITER):
        grad, step = newton(theta)
        if np.max(np.abs(step)) <= _NEWTON_STEP_TOL * (1.0 + np.max(np.abs(theta))):
            # Quadratic convergence: after this step the error is far below its size.
            return float(theta[0] + step[0]), float(theta[1] + step[1])
        decrement = float(grad @ step)  # about twice the gain a full step predicts
        if decrement <= 1e-12 * abs(current):
            # Full steps. Here (and only here: far from the optimum the gradient need not
            # shrink monotonically) a gradient that stops shrinking is rounding noise.
            gradient = float(np.max(np.abs(grad)))
            if gradient < best_gradient:
                best, best_gradient, noisy = theta, gradient, 0
            else:
                noisy += 1
                if noisy >= 3:
                    return float(best[0]), float(best[1])
            theta = theta + step
            current = loglik(theta)
            continue
        best_gradient, noisy = math.inf, 0
        t = 1.0
        while True:
            candidate = theta + t * step
            value = loglik(candidate)
            if value >= current + 1e-4 * t * decrement:
                break
            t /= 2.0
            if t < 1e-10:
                # Nothing along the Newton direction improves the log-likelihood: this is
                # the optimum as precisely as floating point finds it.
                return float(theta[0]), float(theta[1])
        theta, current = candidate, value
    return float("nan"), float("nan")


def _roc(values: FloatArray, yes_w: FloatArray, no_w: FloatArray) -> tuple[float, RocCurve]:
    # Cumulative sums from the highest value down; their last entries are the totals, so
    # every rate is a partial sum over the full one and stays within [0, 1].
    yes_cum, no_cum = np.cumsum(yes_w[::-1]), np.cumsum(no_w[::-1])
    total_yes = float(yes_cum[-1]) if yes_cum.size else 0.0
    total_no = float(no_cum[-1]) if no_cum.size else 0.0
    if not (total_yes > 0.0 and total_no > 0.0):
        return float("nan"), _curve(np.empty(0), np.empty(0), np.empty(0))
    # A yes at value v beats every "no" strictly below v and ties with the "no" at v, which
    # count one half. The "no" strictly below v are all of them minus those at or above v.
    no_below = total_no - no_cum
    auc = float(np.sum(yes_w[::-1] * (no_below + 0.5 * no_w[::-1])) / (total_yes * total_no))
    # Thresholds from high to low: each distinct value adds its yes and no weight at once,
    # so a tie between a yes and a no is a diagonal segment, half credit under the trapezoid.
    tpr = np.concatenate(([0.0], yes_cum / total_yes))
    fpr = np.concatenate(([0.0], no_cum / total_no))
    threshold = np.concatenate(([np.inf], values[::-1]))
    # Rounding can take the sum a hair outside [0, 1]; an AUC is a probability.
    return min(max(auc, 0.0), 1.0), _curve(fpr, tpr, threshold)


def _curve(fpr: FloatArray, tpr: FloatArray, threshold: FloatArray) -> RocCurve:
    # The dataclass is frozen; make the arrays it holds read-only too.
    for arr in (fpr, tpr, threshold):
        arr.setflags(write=False)
    return RocCurve(fpr=fpr, tpr=tpr, threshold=threshold)


def _validated(
    forecast: npt.ArrayLike,
    outcome: npt.ArrayLike,
    weight: npt.ArrayLike | None,
    question: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray, FloatArray, npt.NDArray[np.int64] | None]:
    f = np.asarray(forecast, dtype=np.float64)
    o_raw = np.asarray(outcome)
    if f.ndim != 1 or o_raw.ndim != 1:
        raise ValueError("forecast and outcome must be 1-D arrays")
    if o_raw.shape != f.shape:
        raise ValueError(
            f"forecast and outcome must have equal lengths, got {f.size} and {o_raw.size}"
        )
    if not np.all((f >= 0.0) & (f <= 1.0)):  # also catches NaN
        raise ValueError("forecast must be within [0, 1] (the probability of yes)")
    if o_raw.dtype.kind not in "biuf" or not np.all((o_raw == 0) | (o_raw == 1)):
        raise ValueError("outcome must be 0 (no) or 1 (yes)")
    o = o_raw.astype(np.float64)

    if weight is None:
        w = np.ones_like(f)
    else:
        w = np.asarray(weight, dtype=np.float64)
        if w.shape != f.shape:
            raise ValueError(f"weight must be 1-D with {f.size} values, got shape {w.shape}")
        if not np.all(np.isfinite(w) & (w >= 0.0)):
            raise ValueError("weight must be finite and >= 0")

    q: npt.NDArray[np.int64] | None = None
    if question is not None:
        q_raw = np.asarray(question)
        if q_raw.shape != f.shape:
            raise ValueError(f"question must be 1-D with {f.size} values, got shape {q_raw.shape}")
        # Refuse floats rather than truncating them: 1.5 and 1.7 are not the same question.
        if q_raw.size and q_raw.dtype.kind not in "iu":
            raise ValueError(f"question must hold integer ids, got dtype {q_raw.dtype}")
        q = q_raw.astype(np.int64)
    return f, o, w, q


# --- the report -----------------------------------------------------------------------------


def calibration_report(
    forecast: npt.ArrayLike,
    outcome: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    question: npt.ArrayLike | None = None,
    *,
    n_bins: int = 10,
    level: float = 0.95,
) -> CalibrationReport:
    """The calibration report of weighted binary forecasts (SCORING.md section 6).

    `forecast` is p(yes) in [0, 1], `outcome` 0 or 1, `weight` >= 0 (default 1 each; points
    of weight 0 are ignored), `question` integer question ids, used only to count distinct
    questions (default: every point is its own question). With no positive weight the
    report has `n_bins` empty bins, zero totals and NaN statistics.
    """
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    n_bins = int(n_bins)
    level = _check_level(level)
    f, o, w, q = _validated(forecast, outcome, weight, question)

    keep = w > 0.0
    f, o, w = f[keep], o[keep], w[keep]
    q = np.arange(f.size, dtype=np.int64) if q is None else q[keep]

    # Per-bin sums. `w * o` is w or exactly 0, and bincount adds in index order, so a bin
    # of only "yes" has hits == weight exactly (the Jeffreys edge case k == n).
    idx = bin_index(f, n_bins)
    n_k = np.bincount(idx, weights=w, minlength=n_bins)
    hits = np.bincount(idx, weights=w * o, minlength=n_bins)
    count = np.bincount(idx, minlength=n_bins)
    questions = _distinct_pairs(idx, q, n_bins)
    occupied = n_k > 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        f_bar = np.bincount(idx, weights=w * f, minlength=n_bins) / n_k
        o_bar = hits / n_k
    ci_low, ci_high = jeffreys_interval(hits, n_k, level)

    bins = tuple(
        CalibrationBin(
            lower=j / n_bins,
            upper=(j + 1) / n_bins,
            weight=float(n_k[j]),
            count=int(count[j]),
            questions=int(questions[j]),
            mean_forecast=float(f_bar[j]),
            observed=float(o_bar[j]),
            hits=float(hits[j]),
            ci_low=float(ci_low[j]),
            ci_high=float(ci_high[j]),
        )
        for j in range(n_bins)
    )

    total = float(w.sum())
    values, yes_w, no_w = _by_value(f, o, w)
    intercept, slope = _recalibration(values, yes_w, no_w)
    auc, curve = _roc(values, yes_w, no_w)
    nan = float("nan")
    if total == 0.0:
        return CalibrationReport(
            bins=bins,
            level=level,
            weight=0.0,
            count=0,
            questions=0,
            base_rate=nan,
            mean_forecast=nan,
            brier=nan,
            reliability=nan,
            resolution=nan,
            uncertainty=nan,
            within_bin_variance=nan,
            within_bin_covariance=nan,
            ece=nan,
            calibration_in_the_large=nan,
            log_loss=nan,
            recalibration_intercept=nan,
            recalibration_slope=nan,
            roc_auc=nan,
            roc_curve=curve,
        )

    base_rate = float(np.sum(w * o) / total)
    mean_forecast = float(np.sum(w * f) / total)
    share = n_k[occupied] / total
    fb, ob = f_bar[occupied], o_bar[occupied]
    # Deviations from the point's own bin means; these are what make the identity exact
    # when forecasts inside a bin differ (Stephenson, Coelho and Jolliffe 2008).
    df, do = f - f_bar[idx], o - o_bar[idx]
    with np.errstate(divide="ignore"):
        # A forecast of exactly 0 or 1 that was wrong is -ln 0 = inf, as it should be.
        surprisal = -np.log(np.where(o == 1.0, f, 1.0 - f))

    return CalibrationReport(
        bins=bins,
        level=level,
        weight=total,
        count=int(f.size),
        questions=int(np.unique(q).size),
        base_rate=base_rate,
        mean_forecast=mean_forecast,
        brier=float(2.0 * np.sum(w * np.square(f - o)) / total),
        reliability=float(2.0 * np.sum(share * np.square(fb - ob))),
        resolution=float(2.0 * np.sum(share * np.square(ob - base_rate))),
        uncertainty=2.0 * base_rate * (1.0 - base_rate),
        within_bin_variance=float(2.0 * np.sum(w * np.square(df)) / total),
        within_bin_covariance=float(4.0 * np.sum(w * do * df) / total),
        ece=float(np.sum(share * np.abs(ob - fb))),
        calibration_in_the_large=mean_forecast - base_rate,
        log_loss=float(np.sum(w * surprisal) / total),
        recalibration_intercept=intercept,
        recalibration_slope=slope,
        roc_auc=auc,
        roc_curve=curve,
    )
