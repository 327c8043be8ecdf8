"""The community forecast (SCORING.md section 5): five ways to pool the standing forecasts
of a binary question, and their history, a point at each change.

At any moment the inputs are the standing forecasts: each forecaster's latest forecast made
so far. The methods:

- `median` (the default shown to users; the mean of the two middle values for an even
  count),
- `mean`,
- `geometric_mean_odds`: odds = prod(p / (1 - p))^(1/N), p = odds / (1 + odds),
- `extremized_log_odds` (Satopaa et al. 2014): logit p* = a * mean(logit p), a > 1
  extremizes,
- `recency_weighted_median` (Metaculus): the N standing forecasts sorted by creation, the
  n-th (1 = oldest) weighted exp(sqrt(n)), uniform weights when N <= 2, and the weighted
  median as Metaculus computes it (the mean of the values where the normalised cumulative
  weight first reaches and first passes one half).

A history point starts at every moment the standing set changes: a forecast made inside
the window, or the opening of the window for forecasts made before it. Forecasts made at
or after the window's end take no part.

Cost, for F forecasts and E points: the medians O(E x F / 64) word operations
(`scoring.core.order_stats`),
the mean-based methods O(F log F), the recency-weighted median O(E x N) for N standing
forecasts, because its weights change for everyone at every point (Metaculus recomputes it
in full at every forecast too). `since` restricts the work to points from a given moment,
so a history can be extended as forecasts arrive instead of rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from scoring.core.arrays import sort_by, sort_forecasts, unique_inverse, unique_sorted
from scoring.core.batch import as_int64
from scoring.core.order_stats import medians_over_positions

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

MEDIAN = "median"
MEAN = "mean"
GEOMETRIC_MEAN_ODDS = "geometric_mean_odds"
EXTREMIZED_LOG_ODDS = "extremized_log_odds"
RECENCY_WEIGHTED_MEDIAN = "recency_weighted_median"
METHODS = (MEDIAN, MEAN, GEOMETRIC_MEAN_ODDS, EXTREMIZED_LOG_ODDS, RECENCY_WEIGHTED_MEDIAN)

# Cells of one dense (points x forecasts) table in the recency-weighted median.
_RECENCY_CELLS = 1 << 21


# --- One set of standing forecasts -----------------------------------------------------


def _weighted_median(sorted_values: Floats, sorted_weights: Floats) -> float:
    cumulative = np.cumsum(sorted_weights)
    normalised = cumulative / cumulative[-1]
    left = int(np.argmax(normalised >= 0.5))
    right = int(np.argmax(normalised > 0.5))
    return 0.5 * float(sorted_values[left] + sorted_values[right])


def recency_weights(n: int) -> Floats:
    """Weights of n forecasts sorted oldest first: exp(sqrt(k)) for k = 1..n, uniform when
    n <= 2. Scaled by exp(-sqrt(n)) so they never overflow (only ratios matter)."""
    if n <= 2:
        return np.ones(n)
    k = np.arange(1, n + 1, dtype=np.float64)
    weights: Floats = np.exp(np.sqrt(k) - np.sqrt(n))
    return weights


def aggregate(
    p_yes: npt.ArrayLike, *, method: str = MEDIAN, a: float = 1.0, oldest_first: bool = True
) -> float:
    """Pool one set of standing probabilities of yes with `method`. For the recency-weighted
    median the values must be given oldest first. NaN for an empty set."""
    p = np.asarray(p_yes, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError("p_yes must be 1-D")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if p.size == 0:
        return float("nan")
    if method == MEDIAN:
        return float(np.median(p))
    if method == MEAN:
        return float(np.mean(p))
    if method == GEOMETRIC_MEAN_ODDS:
        return float(special.expit(np.mean(special.logit(p))))
    if method == EXTREMIZED_LOG_ODDS:
        return float(special.expit(a * np.mean(special.logit(p))))
    if not oldest_first:
        raise ValueError("the recency-weighted median needs the values oldest first")
    by_value = np.argsort(p, kind="stable")
    return _weighted_median(p[by_value], recency_weights(p.size)[by_value])


# --- Histories for a batch of questions ------------------------------------------------


@dataclass(frozen=True)
class CommunityHistory:
    """Points sorted by (question, time); each holds from `time` until the next point of the
    same question (or the question's end)."""

    question: Ints
    time: Ints
    forecasters: Ints
    values: dict[str, Floats]
    """Probability of yes by method, for the methods asked for."""

    def __len__(self) -> int:
        return int(self.question.size)


@dataclass(frozen=True)
class _Standing:
    """Each forecast's standing interval as point positions [a, b), forecasts sorted by
    (question, created_at, order) so creation order is recency order."""

    point_question: Ints
    point_time: Ints
    a: Ints
    b: Ints
    p_yes: Floats


def _standing(
    *,
    question: Ints,
    user: Ints,
    created_at: Ints,
    order: Ints,
    p_yes: Floats,
    start: Ints,
    end: Ints,
    withdrawn: Bools,
) -> _Standing:
    by_user = sort_forecasts(question, user, created_at, order)
    q, u, t = question[by_user], user[by_user], created_at[by_user]
    begins = np.maximum(t, start[q])
    ends = end[q].copy()
    same_next = (q[1:] == q[:-1]) & (u[1:] == u[:-1])
    ends[:-1][same_next] = np.minimum(ends[:-1][same_next], t[1:][same_next])
    gone = withdrawn[by_user]
    # A withdrawal inside the window changes the standing set: a point starts there.
    leaves = gone & (begins < end[q])
    leave_q, leave_at = q[leaves], begins[leaves]
    stands = (begins < ends) & ~gone
    rows = by_user[stands]
    q, begins, ends = q[stands], begins[stands], ends[stands]

    # Recency order among standing forecasts is creation order (ties by `order`).
    by_time = sort_by([q, created_at[rows], order[rows]])
    q, begins, ends, rows = q[by_time], begins[by_time], ends[by_time], rows[by_time]

    moments = np.concatenate([begins, ends, leave_at])
    t0 = int(moments.min()) if moments.size else 0
    span = int(moments.max()) - t0 + 2 if moments.size else 1
    begin_key = q * span + (begins - t0)
    point_key = unique_sorted(np.concatenate([begin_key, leave_q * span + (leave_at - t0)]))
    point_question, point_offset = np.divmod(point_key, span)
    return _Standing(
        point_question=point_question,
        point_time=point_offset + t0,
        a=np.searchsorted(point_key, begin_key),
        b=np.searchsorted(point_key, q * span + (ends - t0)),
        p_yes=p_yes[rows],
    )


def community_history(
    *,
    question: npt.ArrayLike,
    user: npt.ArrayLike,
    created_at: npt.ArrayLike,
    order: npt.ArrayLike,
    p_yes: npt.ArrayLike,
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    methods: Sequence[str] = METHODS,
    a: float = 1.0,
    since: npt.ArrayLike | None = None,
    withdrawn: npt.ArrayLike | None = None,
) -> CommunityHistory:
    """The community forecast of each question at each change.

    Forecasts name their question by position; `start` and `end` (per question position,
    epoch seconds) bound the window: forecasts made before `start` stand from it, those
    made at or after `end` are ignored. `since` (per question) keeps only points at or
    after it; the forecasts before it still count in the standing set.

    Rows marked `withdrawn` are withdrawals, not forecasts: each ends its forecaster's
    standing forecast and starts a point without it. A point where nobody stands has 0
    forecasters and NaN values (no community forecast).
    """
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    q = as_int64("question", question)
    p = np.asarray(p_yes, dtype=np.float64)
    gone = (
        np.zeros(q.size, dtype=np.bool_)
        if withdrawn is None
        else np.asarray(withdrawn, dtype=np.bool_)
    )
    if gone.shape != q.shape:
        raise ValueError("withdrawn must have one entry per row")
    p = np.where(gone, 0.5, p) if p.size else p
    if p.size and not np.all((p > 0.0) & (p < 1.0)):
        raise ValueError("p_yes must be within (0, 1): log odds of 0 or 1 are infinite")
    starts, ends = as_int64("start", start), as_int64("end", end)
    s = _standing(
        question=q,
        user=as_int64("user", user),
        created_at=as_int64("created_at", created_at),
        order=as_int64("order", order),
        p_yes=p,
        start=starts,
        end=ends,
        withdrawn=gone,
    )
    n_points = s.point_question.size
    keep = np.ones(n_points, dtype=np.bool_)
    if since is not None:
        keep = s.point_time >= as_int64("since", since)[s.point_question]

    diff = np.bincount(s.a, minlength=n_points + 1) - np.bincount(s.b, minlength=n_points + 1)
    forecasters = np.cumsum(diff[:n_points])
    values: dict[str, Floats] = {}
    if MEDIAN in methods:
        values[MEDIAN] = medians_over_positions(
            group_of_position=s.point_question, start=s.a, end=s.b, value=s.p_yes
        ).median[keep]
    if MEAN in methods:
        with np.errstate(invalid="ignore", divide="ignore"):
            values[MEAN] = _running_sum(s, s.p_yes, n_points)[keep] / forecasters[keep]
    if GEOMETRIC_MEAN_ODDS in methods or EXTREMIZED_LOG_ODDS in methods:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_logit = _running_sum(s, special.logit(s.p_yes), n_points)[keep] / forecasters[keep]
        if GEOMETRIC_MEAN_ODDS in methods:
            values[GEOMETRIC_MEAN_ODDS] = special.expit(mean_logit)
        if EXTREMIZED_LOG_ODDS in methods:
            values[EXTREMIZED_LOG_ODDS] = special.expit(a * mean_logit)
    if RECENCY_WEIGHTED_MEDIAN in methods:
        values[RECENCY_WEIGHTED_MEDIAN] = _recency_weighted_medians(s, np.flatnonzero(keep))
    nobody = forecasters[keep] == 0
    if nobody.any():
        for method in values:
            values[method] = np.where(nobody, np.nan, values[method])
    return CommunityHistory(
        question=s.point_question[keep],
        time=s.point_time[keep],
        forecasters=forecasters[keep],
        values=values,
    )


def _running_sum(s: _Standing, values: Floats, n_points: int) -> Floats:
    """Sum of the standing forecasts' values at every point. A forecast standing to its
    question's end is taken off at the next question's first point, so the running sum
    restarts from zero there; extended precision keeps the rounding it carries across
    thousands of questions far below a float64 ulp."""
    diff = np.zeros(n_points + 1, dtype=np.longdouble)
    np.add.at(diff, s.a, values)
    np.add.at(diff, s.b, -values)
    return np.cumsum(diff[:n_points]).astype(np.float64)


def _recency_weighted_medians(s: _Standing, points: Ints) -> Floats:
    """The recency-weighted median at the given point positions, question by question:
    a dense (points x forecasts) table for small questions, an incremental sweep for
    large ones."""
    result = np.empty(points.size)
    if points.size == 0:
        return result
    # Forecasts are in creation order within each question.
    forecast_question = s.point_question[s.a]
    q_of_point = s.point_question[points]
    starts = np.append(0, np.flatnonzero(np.diff(q_of_point)) + 1)
    stops = np.append(starts[1:], points.size)
    for lo_point, hi_point in zip(starts.tolist(), stops.tolist(), strict=True):
        question = q_of_point[lo_point]
        lo, hi = np.searchsorted(forecast_question, [question, question + 1])
        wanted = points[lo_point:hi_point]
        a, b, values = s.a[lo:hi], s.b[lo:hi], s.p_yes[lo:hi]
        if hi == lo:  # only withdrawals: nobody stands
            result[lo_point:hi_point] = np.nan
        elif wanted.size * (hi - lo) <= _RECENCY_CELLS:
            result[lo_point:hi_point] = _recency_table(wanted, a, b, values)
        else:
            result[lo_point:hi_point] = _recency_sweep(wanted, a, b, values)
    return result


def _recency_table(points: Ints, a: Ints, b: Ints, values: Floats) -> Floats:
    """Recency-weighted medians at `points` of forecasts given in creation order."""
    standing = (a[None, :] <= points[:, None]) & (points[:, None] < b[None, :])
    rank = np.cumsum(standing, axis=1)  # 1 = oldest standing
    n = rank[:, -1:]
    weights = np.where(n <= 2, 1.0, np.exp(np.sqrt(rank) - np.sqrt(n))) * standing
    by_value = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[:, by_value], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        normalised = cumulative / cumulative[:, -1:]
    sorted_values = values[by_value]
    left = np.argmax(normalised >= 0.5, axis=1)
    right = np.argmax(normalised > 0.5, axis=1)
    medians: Floats = np.where(
        n[:, 0] > 0, 0.5 * (sorted_values[left] + sorted_values[right]), np.nan
    )
    return medians


def _recency_sweep(points: Ints, a: Ints, b: Ints, values: Floats) -> Floats:
    """The same, point after point: the standing forecasts kept in value order with their
    creation rank; a forecast leaving moves every newer one down a rank. O(N) per point,
    in preallocated buffers so a point costs a few passes over N numbers."""
    # Unique integer keys in value order, so removing a forecast finds exactly its entry.
    by_value = np.argsort(values, kind="stable")
    key_of = np.empty(values.size, dtype=np.int64)
    key_of[by_value] = np.arange(values.size)
    value_of_key = values[by_value]
    # exp(sqrt(k)) up to a constant factor that only ratios cancel; a table, not N exps.
    # Scaled by exp(-sqrt(F)) inside the exponent: exp(sqrt(k)) alone overflows past
    # k = 500,000.
    rank_roots = np.sqrt(np.arange(values.size + 1, dtype=np.float64))
    weight_of_rank = np.exp(rank_roots - rank_roots[-1])

    first = int(points[0])
    standing = np.flatnonzero((a <= first) & (first < b))  # creation order
    order = np.argsort(key_of[standing])
    keys = np.empty(values.size, dtype=np.int64)
    ranks = np.empty(values.size, dtype=np.int64)
    n = standing.size
    keys[:n] = key_of[standing][order]
    ranks[:n] = (np.arange(n, dtype=np.int64) + 1)[order]
    cumulative = np.empty(values.size)
    result = np.empty(points.size)
    starts_at = np.argsort(a, kind="stable")  # forecasts by the point they start at
    ends_at = np.argsort(b, kind="stable")
    start_points, end_points = a[starts_at], b[ends_at]
    previous = first
    for i, point in enumerate(points.tolist()):
        if point != previous:
            # Leaving: forecasts ending in (previous, point]; arriving: starting there.
            lo, hi = np.searchsorted(end_points, [previous + 1, point + 1])
            for gone in np.sort(ends_at[lo:hi])[::-1].tolist():  # newest first
                at = int(np.searchsorted(keys[:n], key_of[gone]))
                rank = ranks[at]
                keys[at : n - 1] = keys[at + 1 : n]
                ranks[at : n - 1] = ranks[at + 1 : n]
                n -= 1
                ranks[:n] -= ranks[:n] > rank
            lo, hi = np.searchsorted(start_points, [previous + 1, point + 1])
            for new in np.sort(starts_at[lo:hi]).tolist():  # oldest first
                key = key_of[new]
                at = int(np.searchsorted(keys[:n], key))
                keys[at + 1 : n + 1] = keys[at:n].copy()
                ranks[at + 1 : n + 1] = ranks[at:n].copy()
                keys[at], ranks[at] = key, n + 1
                n += 1
            previous = point
        if n == 0:  # everyone withdrew
            result[i] = np.nan
            continue
        if n <= 2:
            left, right = 0, n - 1  # uniform weights: the plain median of one or two
        else:
            np.cumsum(weight_of_rank[ranks[:n]], out=cumulative[:n])
            normalised = cumulative[:n] / cumulative[n - 1]
            left = int(np.searchsorted(normalised, 0.5, side="left"))
            right = int(np.searchsorted(normalised, 0.5, side="right"))
        result[i] = 0.5 * (value_of_key[keys[left]] + value_of_key[keys[right]])
    return result


# --- Choosing the extremizing parameter ------------------------------------------------


@dataclass(frozen=True)
class ExtremizingFit:
    a: float
    """The a minimising the time-averaged log loss of expit(a * mean logit)."""
    log_loss: float
    """Time-averaged log loss (nats per question) at the fitted a."""
    log_loss_unextremized: float
    """The same at a = 1 (the geometric mean of odds), for comparison."""
    questions: int


def fit_extremizing(
    *,
    question: npt.ArrayLike,
    mean_logit: npt.ArrayLike,
    weight: npt.ArrayLike,
    outcome: npt.ArrayLike,
    bounds: tuple[float, float] = (0.5, 5.0),
) -> ExtremizingFit:
    """Fit a on resolved questions by maximum likelihood: every (question, point) carries
    the mean logit of the standing forecasts, a weight (the share of the question's window
    the point held) and the question's outcome (0 or 1); each question counts once."""
    q = as_int64("question", question)
    x = np.asarray(mean_logit, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    o = np.asarray(outcome, dtype=np.float64)
    if not (q.shape == x.shape == w.shape == o.shape):
        raise ValueError("question, mean_logit, weight and outcome must have equal lengths")
    if not np.all(np.isin(o, (0.0, 1.0))):
        raise ValueError("outcome must be 0 or 1")
    if np.any(w < 0) or not np.isfinite(x).all():
        raise ValueError("weights must be >= 0 and mean logits finite")
    # Each question's weights sum to one, so every question counts the same.
    _, question_index = unique_inverse(q)
    totals = np.bincount(question_index, weights=w)
    if totals.size == 0 or np.any(totals <= 0):
        raise ValueError("every question needs points with positive weight")
    w = w / totals[question_index]
    sign = 2.0 * o - 1.0

    def loss(a: float) -> float:
        # -ln p(outcome) = log(1 + exp(-sign * a * x)), computed without overflow.
        return float(np.sum(w * np.logaddexp(0.0, -sign * a * x)) / totals.size)

    fitted = optimize.minimize_scalar(
        loss, bounds=bounds, method="bounded", options={"xatol": 1e-8}
    )
    return ExtremizingFit(
        a=float(fitted.x),
        log_loss=float(fitted.fun),
        log_loss_unextremized=loss(1.0),
        questions=int(totals.size),
    )
