"""Which forecasts count toward calibration, and with what weight (SCORING.md section 6).

Each (user, question) pair carries total weight 1, split over the user's forecasts in
proportion to how long each stood inside the scored window [open_time, actual_close)
(`time` weights); or, the alternative, all of it on the last forecast made before the
actual close (`last` weights). A pair whose forecasts never stood inside the window (all
made at or after the close) has no weight at all.

Withdrawal rows (`withdrawn`) end their forecaster's standing forecast and carry no
weight: the withdrawn span is time without a forecast, so the pair's weight is split over
the time its forecasts did stand; and a pair whose last move before the close was a
withdrawal has no forecast standing at the close, so no `last` weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.core.arrays import sort_forecasts
from scoring.core.batch import as_int64

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CalibrationWeights:
    """Per forecast, aligned with the rows given."""

    time: Floats
    last: Floats


def calibration_weights(
    *,
    question: npt.ArrayLike,
    user: npt.ArrayLike,
    created_at: npt.ArrayLike,
    order: npt.ArrayLike,
    open_time: npt.ArrayLike,
    actual_close: npt.ArrayLike,
    withdrawn: npt.ArrayLike | None = None,
) -> CalibrationWeights:
    """Both weightings for forecasts in any order; `open_time` and `actual_close` are per
    question position (epoch seconds), `order` a unique tie-break for equal times.
    Rows marked `withdrawn` are withdrawals: they get weight 0 and end the forecast
    before them."""
    q = as_int64("question", question)
    u = as_int64("user", user)
    t = as_int64("created_at", created_at)
    o = as_int64("order", order)
    opened = as_int64("open_time", open_time)
    closed = as_int64("actual_close", actual_close)
    if not (q.shape == u.shape == t.shape == o.shape):
        raise ValueError("question, user, created_at and order must have equal lengths")
    time_weight = np.zeros(q.size)
    last_weight = np.zeros(q.size)
    if q.size == 0:
        return CalibrationWeights(time=time_weight, last=last_weight)

    gone_all = (
        np.zeros(q.size, dtype=np.bool_)
        if withdrawn is None
        else np.asarray(withdrawn, dtype=np.bool_)
    )
    rows = sort_forecasts(q, u, t, o)
    q, u, t, gone = q[rows], u[rows], t[rows], gone_all[rows]
    same_next = (q[1:] == q[:-1]) & (u[1:] == u[:-1])
    start = np.maximum(t, opened[q])
    end = closed[q].copy()
    end[:-1][same_next] = np.minimum(end[:-1][same_next], t[1:][same_next])
    length = np.where(gone, 0, np.maximum(end - start, 0)).astype(np.float64)

    new_pair = np.ones(q.size, dtype=np.bool_)
    new_pair[1:] = ~same_next
    pair = np.cumsum(new_pair) - 1
    pair_total = np.bincount(pair, weights=length)
    with np.errstate(invalid="ignore", divide="ignore"):
        time_sorted = np.where(pair_total[pair] > 0, length / pair_total[pair], 0.0)

    # The last forecast made before the close, per pair: the last such row of the run.
    candidates = np.flatnonzero(t < closed[q])
    candidate_pair = pair[candidates]
    last_of_pair = np.ones(candidates.size, dtype=np.bool_)
    last_of_pair[:-1] = candidate_pair[1:] != candidate_pair[:-1]
    last_sorted = np.zeros(q.size)
    last_sorted[candidates[last_of_pair]] = 1.0
    last_sorted[gone] = 0.0  # withdrawn at the close: nothing stands then

    time_weight[rows] = time_sorted
    last_weight[rows] = last_sorted
    return CalibrationWeights(time=time_weight, last=last_weight)
