"""Daily Brier, participation and the Accuracy score (SCORING.md section 3, the GJ Open /
Cultivate convention).

On each scored day d a user is active once they have a forecast created before the end of
d; their value for the day is the Brier score of the forecast standing at the end of d.

The work is done on "segments" rather than on a users x days matrix (which would be
20,000 x 3,650 for a ten-year question): keep each user's last forecast of each day; that
forecast then stands for a run of whole days until the user's next one (or the last scored
day). Per-user sums are weighted segment sums, and the daily crowd median only changes on
days where some segment starts, so it is computed on those change days only
(`scoring.core.order_stats`), for every question of a batch at once.

Complexity, with F forecasts and C change days: O(F log F) for the sorts and segment
arithmetic, plus O(C x F / 64) word operations for the medians (`order_stats`). Memory is
O(F).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.core.arrays import unique_sorted
from scoring.core.batch import QuestionWindows, as_int64
from scoring.core.brier import brier_binary
from scoring.core.forecasts import BinaryForecasts
from scoring.core.order_stats import medians_over_positions
from scoring.core.window import SECONDS_PER_DAY

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DailyRules:
    """Daily results for a batch: per (question, user) pair and per question."""

    daily_brier: Floats
    """Per pair: B_u, the mean Brier (0-2) of the standing forecast over the active days;
    NaN for a pair with no active day."""
    active_days: Ints
    """Per pair: |A_u|."""
    participation: Floats
    """Per pair: P_u = |A_u| / |D|; NaN when the question has no scored day."""
    accuracy: Floats
    """Per pair: (B_u - M) * P_u, negative beats the crowd; NaN without an active day."""
    scored_days: Ints
    """Per question: |D|."""
    first_day: Ints
    """Per question: start (epoch seconds, UTC) of the first scored day."""
    crowd_mean: Floats
    """Per question: M, the mean over days with an active user of the crowd's median
    daily Brier; NaN if nobody in the crowd was active."""
    change_question: Ints
    change_day: Ints
    change_median: Floats
    """The crowd median m_d on each day it changes (question position, day index from the
    question's first day, value); it holds until the question's next change day."""


def scored_days_of(windows: QuestionWindows) -> tuple[Ints, Ints]:
    """(first day start, number of scored days) per question: every UTC day d with
    date(open_time) <= d < date(actual_close). Floor division keeps pre-1970 days right."""
    first = windows.open_time - windows.open_time % SECONDS_PER_DAY
    close_day = windows.actual_close - windows.actual_close % SECONDS_PER_DAY
    return first, np.maximum((close_day - first) // SECONDS_PER_DAY, 0)


def daily_rules(
    *,
    question: Ints,
    pair: Ints,
    created_at: Ints,
    brier: Floats,
    in_crowd: Bools,
    n_pairs: int,
    windows: QuestionWindows,
    withdrawn: Bools | None = None,
) -> DailyRules:
    """The daily rules for forecasts sorted by (question, user, created_at, order).

    `pair` numbers the (question, user) runs 0..n_pairs-1 in that order. Rows of pseudo-
    forecasters (`in_crowd` false) are scored but never count toward the crowd median.
    A withdrawal row (`withdrawn`) is a segment of no forecast: a day that ends with the
    forecaster withdrawn is not an active day for them, and they are not in that day's
    crowd median.
    """
    if withdrawn is None:
        withdrawn = np.zeros(question.size, dtype=np.bool_)
    first_day, n_days = scored_days_of(windows)
    day = np.maximum((created_at - first_day[question]) // SECONDS_PER_DAY, 0)
    # Keep forecasts that stand at the end of some scored day. This also drops forecasts at
    # or after actual_close: every scored day ends no later than the start of the close day.
    keep = day < n_days[question]
    q, p, d, b, crowd = question[keep], pair[keep], day[keep], brier[keep], in_crowd[keep]
    w = withdrawn[keep]

    # Rows are sorted by (question, user, created_at, order) and `day` grows with
    # created_at, so the last row of each (pair, day) run stands at the end of that day.
    # Earlier ones were replaced the same day and get no weight.
    last = np.ones(p.size, dtype=np.bool_)
    last[:-1] = (p[1:] != p[:-1]) | (d[1:] != d[:-1])
    q, p, start, b, crowd, w = q[last], p[last], d[last], b[last], crowd[last], w[last]
    # A segment ends where the same pair's next one starts, or after the last scored day.
    end = n_days[q].copy()
    same_pair_next = p[1:] == p[:-1]
    end[:-1][same_pair_next] = start[1:][same_pair_next]
    length = np.where(w, 0, end - start)

    active_days = np.bincount(p, weights=length, minlength=n_pairs).astype(np.int64)
    brier_days = np.bincount(p, weights=b * length, minlength=n_pairs)
    with np.errstate(invalid="ignore", divide="ignore"):
        daily_brier = np.where(active_days > 0, brier_days / active_days, np.nan)
    pair_question = np.zeros(n_pairs, dtype=np.int64)
    pair_question[pair] = question
    pair_days = n_days[pair_question]
    with np.errstate(invalid="ignore", divide="ignore"):
        participation = np.where(pair_days > 0, active_days / pair_days, np.nan)

    change_q, change_day, change_median, crowd_mean = _crowd_medians(
        question=q[crowd],
        start=start[crowd],
        end=end[crowd],
        brier=b[crowd],
        stands=~w[crowd],
        n_days=n_days,
    )
    accuracy = (daily_brier - crowd_mean[pair_question]) * participation
    return DailyRules(
        daily_brier=daily_brier,
        active_days=active_days,
        participation=participation,
        accuracy=accuracy,
        scored_days=n_days,
        first_day=first_day,
        crowd_mean=crowd_mean,
        change_question=change_q,
        change_day=change_day,
        change_median=change_median,
    )


def _crowd_medians(
    *, question: Ints, start: Ints, end: Ints, brier: Floats, stands: Bools, n_days: Ints
) -> tuple[Ints, Ints, Floats, Floats]:
    """m_d on each change day (a day where some crowd segment starts) and M per question.
    Withdrawal segments (`stands` false) make change days but hold no value: a change day
    where nobody stands has no median (NaN), and its days do not count toward M."""
    crowd_mean = np.full(n_days.size, np.nan)
    if question.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0), crowd_mean
    # Change days are the distinct (question, start day) pairs, in order; a segment stands
    # from the position of its start day to that of its end day (for a segment running to
    # the last day: just past its question's last change day).
    change_q, change_day, first_position, end_position = _change_positions(
        question=question, start=start, end=end, n_days=n_days
    )
    medians = medians_over_positions(
        group_of_position=change_q,
        start=first_position[stands],
        end=end_position[stands],
        value=brier[stands],
    ).median

    # Each change day's median holds until the question's next change day (or the end).
    # Days before the first change day have no median, nor do those from a change day
    # where every active forecaster had withdrawn (NaN there).
    next_day = n_days[change_q].copy()
    same_question_next = change_q[1:] == change_q[:-1]
    next_day[:-1][same_question_next] = change_day[1:][same_question_next]
    run = np.where(np.isnan(medians), 0, next_day - change_day)
    median_days = np.bincount(
        change_q, weights=np.where(run > 0, medians, 0.0) * run, minlength=n_days.size
    )
    active_days = np.bincount(change_q, weights=run, minlength=n_days.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        crowd_mean = np.where(active_days > 0, median_days / active_days, np.nan)
    return change_q, change_day, medians, crowd_mean


def _change_positions(
    *, question: Ints, start: Ints, end: Ints, n_days: Ints
) -> tuple[Ints, Ints, Ints, Ints]:
    """Change days (question, day) in order, and each segment's [start, end) positions
    among them. With a grid of every (question, day), a change day's position is a
    running count of change days, read off without sorting; very long windows (over 64
    days per forecast on average) take sort and binary search instead."""
    days = n_days[unique_sorted(question)] if question.size < n_days.size else n_days
    if int(days.sum()) > 64 * max(question.size, 1):
        stride = int(n_days.max()) + 1
        start_key = question * stride + start
        change_key = unique_sorted(start_key)
        change_q, change_day = np.divmod(change_key, stride)
        return (
            change_q,
            change_day,
            np.searchsorted(change_key, start_key),
            np.searchsorted(change_key, question * stride + end),
        )
    # Row q of the grid holds days 0..n_days[q], laid end to end.
    row = np.zeros(n_days.size + 1, dtype=np.int64)
    np.cumsum(n_days + 1, out=row[1:])
    is_change = np.zeros(int(row[-1]), dtype=np.bool_)
    is_change[row[question] + start] = True
    changes_before: Ints = np.cumsum(is_change) - is_change  # change days before each cell
    cell = np.flatnonzero(is_change)
    change_q = np.searchsorted(row, cell, side="right") - 1
    return (
        change_q,
        cell - row[change_q],
        changes_before[row[question] + start],
        changes_before[row[question] + end],
    )


# --- One question at a time ------------------------------------------------------------


@dataclass(frozen=True)
class DailyScores:
    """Per-user results for one question; the user arrays are aligned on `users`."""

    users: Ints
    """Sorted unique ids of the users with at least one active day."""
    daily_brier: Floats
    """B_u: mean Brier (0-2) of the user's standing forecast over their active days."""
    participation: Floats
    """P_u: active days / scored days."""
    accuracy: Floats
    """(B_u - M) * P_u; negative is better than the crowd."""
    active_days: Ints
    """|A_u|: the number of scored days on which the user was active."""
    scored_days: int
    """|D|: the number of scored days."""
    first_day_start: int
    """Start (epoch seconds, UTC) of the first scored day; day i starts i days later."""
    day_medians: Floats
    """m_d for each scored day; NaN on days with no active user."""
    crowd_mean: float
    """M: mean of m_d over the days with at least one active user; NaN if there are none."""


def daily_brier_scores(
    forecasts: BinaryForecasts, *, open_time: int, actual_close: int, outcome: int
) -> DailyScores:
    """Daily Brier, participation and Accuracy of every user on one binary question.

    `actual_close` is `actual_close_time(scheduled_close, known_at)`; `outcome` is 1 for
    yes, 0 for no. Forecasts created at or after `actual_close` are ignored.
    """
    if outcome not in (0, 1):
        raise ValueError(f"outcome must be 0 (no) or 1 (yes), got {outcome!r}")
    windows = QuestionWindows.from_arrays(
        open_time=[open_time],
        # Only the daily rules run here, and they never look at the scheduled close.
        scheduled_close=[max(actual_close, open_time + 1)],
        actual_close=[actual_close],
    )
    f = forecasts.sorted_by_user_time()
    new_pair = np.ones(f.user.size, dtype=np.bool_)
    new_pair[1:] = f.user[1:] != f.user[:-1]
    pair = np.cumsum(new_pair) - 1
    rules = daily_rules(
        question=np.zeros(f.user.size, dtype=np.int64),
        pair=pair,
        created_at=f.created_at,
        brier=brier_binary(f.p_yes, outcome),
        in_crowd=np.ones(f.user.size, dtype=np.bool_),
        n_pairs=int(new_pair.sum()),
        windows=windows,
    )
    n_days = int(rules.scored_days[0])
    day_medians = np.full(n_days, np.nan)
    if rules.change_day.size:
        runs = np.diff(np.append(rules.change_day, n_days))
        day_medians[rules.change_day[0] :] = np.repeat(rules.change_median, runs)
    active = rules.active_days > 0
    users = as_int64("users", f.user[new_pair][active])
    return DailyScores(
        users=users,
        daily_brier=rules.daily_brier[active],
        participation=rules.participation[active],
        accuracy=rules.accuracy[active],
        active_days=rules.active_days[active],
        scored_days=n_days,
        first_day_start=int(rules.first_day[0]),
        day_medians=day_medians,
        crowd_mean=float(rules.crowd_mean[0]),
    )
