"""Every rule for a batch of resolved questions, per (question, forecaster) pair.

The daily rules (SCORING.md section 3) and the continuous-time rules (section 4) share one
sort of the forecasts by (question, user, created_at, order); nothing here depends on the
order the rows arrive in, and ties in `created_at` are broken by `order`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from scoring.core.arrays import sort_forecasts
from scoring.core.batch import QuestionWindows, ResolvedForecasts
from scoring.core.continuous import continuous_rules
from scoring.core.daily import daily_rules

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PairScores:
    """One entry per (question, user) pair with a forecast made before the actual close,
    sorted by (question, user)."""

    question: Ints
    user: Ints
    in_crowd: Bools
    forecasts: Ints
    """Forecasts made before the actual close (withdrawals are not forecasts)."""
    daily_brier: Floats
    """Mean daily Brier over the active days, 0 best, 2 worst; NaN without an active day."""
    active_days: Ints
    participation: Floats
    """Active days / scored days; NaN when the question has no full scored day."""
    accuracy: Floats
    """(daily Brier - crowd median mean) * participation; NaN without an active day."""
    baseline: Floats
    """Sum over the user's forecasts of baseline score x coverage."""
    peer: Floats
    """Sum over the user's forecasts of their peer scores, time-weighted by L/T."""
    log: Floats
    """Sum over the user's forecasts of ln p x coverage."""
    coverage: Floats
    """Sum of the user's coverages: the share of the scheduled window they stood in."""

    def __len__(self) -> int:
        return int(self.question.size)


@dataclass(frozen=True)
class BatchScores:
    pairs: PairScores
    scored_days: Ints
    """Per question: the number of full UTC days scored by the daily rules."""
    crowd_mean: Floats
    """Per question: M, the mean of the crowd's daily median Brier (NaN without a crowd)."""


def score_batch(
    forecasts: ResolvedForecasts, windows: QuestionWindows, *, threads: int = 1
) -> BatchScores:
    """Daily Brier, participation, Accuracy, baseline, peer, log and coverage of every
    forecaster on every question of the batch.

    With `threads` > 1 the questions are cut into that many ranges of about equal
    numbers of forecasts, scored side by side (NumPy releases the GIL in its loops, so
    two threads on two cores take about 60 % of the time of one). The scores are the same
    up to rounding in the last digit: peer sums of a question depend, at 1e-15, on which
    questions share its batch; the same batch always gives identical results.
    """
    if len(forecasts) and int(forecasts.question.max()) >= len(windows):
        raise ValueError("a forecast names a question position the windows do not have")
    if threads > 1 and len(forecasts) > 1:
        return _score_in_threads(forecasts, windows, threads)
    return _score(forecasts, windows)


def _score_in_threads(
    forecasts: ResolvedForecasts, windows: QuestionWindows, threads: int
) -> BatchScores:
    per_question = np.bincount(forecasts.question, minlength=len(windows))
    cumulative = np.cumsum(per_question)
    # Question positions where each range ends: equal shares of the forecasts.
    cuts = np.searchsorted(cumulative, cumulative[-1] * np.arange(1, threads) / threads)
    bounds = np.unique(np.concatenate(([0], cuts + 1, [len(windows)])))
    part_of_question = np.searchsorted(bounds, np.arange(len(windows)), side="right") - 1
    part = part_of_question[forecasts.question]
    parts = [np.flatnonzero(part == k) for k in range(bounds.size - 1)]
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        results = list(pool.map(lambda rows: _score(forecasts, windows, rows), parts))
    # Ranges of questions in order: their pairs concatenate in (question, user) order.
    pairs = PairScores(
        **{
            f.name: np.concatenate([getattr(r.pairs, f.name) for r in results])
            for f in fields(PairScores)
        }
    )
    mine = [part_of_question == k for k in range(len(results))]
    return BatchScores(
        pairs=pairs,
        scored_days=np.select(mine, [r.scored_days for r in results]),
        crowd_mean=np.select(mine, [r.crowd_mean for r in results]),
    )


def _score(
    forecasts: ResolvedForecasts, windows: QuestionWindows, subset: Ints | None = None
) -> BatchScores:
    """Score the forecasts (or those at the `subset` row indices)."""
    question, user, created = forecasts.question, forecasts.user, forecasts.created_at
    order = forecasts.order
    if subset is not None:
        question, user, created, order = (
            question[subset],
            user[subset],
            created[subset],
            order[subset],
        )
    rows = sort_forecasts(question, user, created, order)
    # Forecasts made at or after the actual close are never scored (SCORING.md section 1).
    rows = rows[created[rows] < windows.actual_close[question[rows]]]
    f = forecasts.take(rows if subset is None else subset[rows])

    new_pair = np.ones(len(f), dtype=np.bool_)
    new_pair[1:] = (f.question[1:] != f.question[:-1]) | (f.user[1:] != f.user[:-1])
    pair = np.cumsum(new_pair) - 1
    n_pairs = int(new_pair.sum())
    crowd_of_pair = f.in_crowd[new_pair]
    if np.any(f.in_crowd != crowd_of_pair[pair]):
        raise ValueError("a forecaster is either in the crowd or a pseudo-forecaster, not both")

    daily = daily_rules(
        question=f.question,
        pair=pair,
        created_at=f.created_at,
        brier=f.brier,
        in_crowd=f.in_crowd,
        withdrawn=f.withdrawn,
        n_pairs=n_pairs,
        windows=windows,
    )
    timed = continuous_rules(
        question=f.question,
        pair=pair,
        created_at=f.created_at,
        p=f.p,
        in_crowd=f.in_crowd,
        withdrawn=f.withdrawn,
        windows=windows,
    )

    def per_pair(values: Floats | Ints) -> Floats:
        # Weighted counts are float64 already (no copy); NumPy's stubs type bincount as intp.
        return np.bincount(pair, weights=values, minlength=n_pairs).astype(np.float64, copy=False)

    return BatchScores(
        pairs=PairScores(
            question=f.question[new_pair],
            user=f.user[new_pair],
            in_crowd=crowd_of_pair,
            forecasts=np.bincount(pair[~f.withdrawn], minlength=n_pairs).astype(np.int64),
            daily_brier=daily.daily_brier,
            active_days=daily.active_days,
            participation=daily.participation,
            accuracy=daily.accuracy,
            baseline=per_pair(timed.baseline),
            peer=per_pair(timed.peer),
            log=per_pair(timed.log),
            coverage=per_pair(timed.length) / windows.duration[f.question[new_pair]],
        ),
        scored_days=daily.scored_days,
        crowd_mean=daily.crowd_mean,
    )
