"""Daily Brier, participation and the Accuracy score (SCORING.md section 3, the GJ Open /
Cultivate convention).

On each scored day d a user is active once they have a forecast created before the end of
d; their value for the day is the binary Brier of the forecast standing at the end of d.

The work is done on "segments" rather than on a users x days matrix (which would be
20,000 x 3,650 for a ten-year question): keep each user's last forecast of each day; that
forecast then stands for a run of whole days until the user's next one (or the last
scored day). Per-user sums are weighted segment sums, and the daily crowd median only
changes on days where some segment starts.

Complexity, with F forecasts, S <= F surviving segments, C <= min(S, days) change days and
U the number of users standing on a day: O(F log F) for the sorts and segment arithmetic,
plus O(C * U) element moves to keep the standing values sorted from one change day to the
next (done by NumPy in C, with O(C) Python-level iterations). Memory is O(F + days).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.core.brier import brier_binary
from scoring.core.forecasts import BinaryForecasts
from scoring.core.window import SECONDS_PER_DAY, scored_days


@dataclass(frozen=True)
class DailyScores:
    """Per-user results for one question; the user arrays are aligned on `users`."""

    users: npt.NDArray[np.int64]
    """Sorted unique ids of the users with at least one active day."""
    daily_brier: npt.NDArray[np.float64]
    """B_u: mean Brier (0-2) of the user's standing forecast over their active days."""
    participation: npt.NDArray[np.float64]
    """P_u: active days / scored days."""
    accuracy: npt.NDArray[np.float64]
    """(B_u - M) * P_u; negative is better than the crowd."""
    active_days: npt.NDArray[np.int64]
    """|A_u|: the number of scored days on which the user was active."""
    scored_days: int
    """|D|: the number of scored days."""
    first_day_start: int
    """Start (epoch seconds, UTC) of the first scored day; day i starts i days later."""
    day_medians: npt.NDArray[np.float64]
    """m_d for each scored day; NaN on days with no active user."""
    crowd_mean: float
    """M: mean of m_d over the days with at least one active user; NaN if there are none."""


@dataclass(frozen=True)
class _Segments:
    """Each user's last forecast of a day, standing over days [start, end)."""

    user: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    brier: npt.NDArray[np.float64]


def _segments(
    forecasts: BinaryForecasts, *, first_day: int, n_days: int, outcome: int
) -> _Segments:
    f = forecasts.sorted_by_user_time()
    # The day from which a forecast stands. One created before the window opens stands from
    # the first day. Floor division keeps pre-1970 times on the right day.
    day = np.maximum((f.created_at - first_day) // SECONDS_PER_DAY, 0)
    # Keep forecasts that stand at the end of some scored day. This also drops forecasts at
    # or after actual_close: every scored day ends no later than the start of the close day.
    keep = day < n_days
    user, day, p_yes = f.user[keep], day[keep], f.p_yes[keep]

    # Rows are sorted by (user, created_at, order) and `day` grows with created_at, so the
    # last row of each (user, day) run is the forecast standing at the end of that day.
    # Earlier ones were replaced the same day and get no weight.
    last = np.ones(user.size, dtype=np.bool_)
    last[:-1] = (user[1:] != user[:-1]) | (day[1:] != day[:-1])
    user, start, p_yes = user[last], day[last], p_yes[last]

    # A segment ends where the same user's next one starts, or after the last scored day.
    end = np.full(start.size, n_days, dtype=np.int64)
    same_user_next = user[1:] == user[:-1]
    end[:-1][same_user_next] = start[1:][same_user_next]
    return _Segments(user=user, start=start, end=end, brier=brier_binary(p_yes, outcome))


def _day_medians(seg: _Segments, n_days: int) -> npt.NDArray[np.float64]:
    """m_d for every scored day (NaN where nobody is active), by a sweep over change days.

    The standing set changes only on days where a segment starts (that is also the only
    day a segment can end, its user's next segment replacing it), so we keep the standing
    values sorted, update them once per change day and repeat that day's median until the
    next change day.
    """
    medians = np.full(n_days, np.nan)
    if seg.start.size == 0:
        return medians

    # Work on integer keys (the rank of each segment's Brier value) rather than on the
    # floats: keys are unique, so a removal finds exactly its own entry, and values sorted
    # by key are sorted by value, so a median over keys is a median over values.
    by_value = np.argsort(seg.brier, kind="stable")
    value_of_key = seg.brier[by_value]
    key = np.empty(seg.start.size, dtype=np.int64)
    key[by_value] = np.arange(seg.start.size)

    # Insertions grouped by start day, removals by end day, each group sorted by key so it
    # can be merged into the sorted array in one call.
    ins = np.lexsort((key, seg.start))
    ins_day, ins_key = seg.start[ins], key[ins]
    ends_early = seg.end < n_days
    rem = np.lexsort((key[ends_early], seg.end[ends_early]))
    rem_day, rem_key = seg.end[ends_early][rem], key[ends_early][rem]

    change_days = np.unique(ins_day)
    ins_lo = np.searchsorted(ins_day, change_days, side="left").tolist()
    ins_hi = np.searchsorted(ins_day, change_days, side="right").tolist()
    rem_lo = np.searchsorted(rem_day, change_days, side="left").tolist()
    rem_hi = np.searchsorted(rem_day, change_days, side="right").tolist()

    change_medians = np.empty(change_days.size)
    standing = np.empty(0, dtype=np.int64)  # keys of the standing forecasts, sorted
    for j in range(change_days.size):
        # Remove first: a user's old forecast leaves the day their new one arrives.
        gone = rem_key[rem_lo[j] : rem_hi[j]]
        if gone.size:
            standing = np.delete(standing, np.searchsorted(standing, gone))
        new = ins_key[ins_lo[j] : ins_hi[j]]
        standing = np.insert(standing, np.searchsorted(standing, new), new)
        # Mean of the two middle values; for an odd count both indices are the middle one.
        n = standing.size
        lo_val = value_of_key[standing[(n - 1) // 2]]
        hi_val = value_of_key[standing[n // 2]]
        change_medians[j] = 0.5 * (lo_val + hi_val)

    # Repeat each change day's median until the next change day (or the last day). Once
    # someone is active, someone stays active, so only days before the first change are NaN.
    run_lengths = np.diff(np.append(change_days, n_days))
    medians[change_days[0] :] = np.repeat(change_medians, run_lengths)
    return medians


def daily_brier_scores(
    forecasts: BinaryForecasts, *, open_time: int, actual_close: int, outcome: int
) -> DailyScores:
    """Daily Brier, participation and Accuracy of every user on one binary question.

    `actual_close` is `actual_close_time(scheduled_close, known_at)`; `outcome` is 1 for
    yes, 0 for no. Forecasts created at or after `actual_close` are ignored.
    """
    if outcome not in (0, 1):
        raise ValueError(f"outcome must be 0 (no) or 1 (yes), got {outcome!r}")
    first_day, n_days = scored_days(open_time, actual_close)
    if n_days == 0:
        return DailyScores(
            users=np.empty(0, dtype=np.int64),
            daily_brier=np.empty(0),
            participation=np.empty(0),
            accuracy=np.empty(0),
            active_days=np.empty(0, dtype=np.int64),
            scored_days=0,
            first_day_start=first_day,
            day_medians=np.empty(0),
            crowd_mean=float("nan"),
        )

    seg = _segments(forecasts, first_day=first_day, n_days=n_days, outcome=outcome)
    users, user_index = np.unique(seg.user, return_inverse=True)
    length = seg.end - seg.start
    # A user's segments tile their active days, from their first forecast to the end.
    active_days = np.bincount(user_index, weights=length, minlength=users.size)
    brier_sum = np.bincount(user_index, weights=seg.brier * length, minlength=users.size)
    daily_brier = brier_sum / active_days
    participation = active_days / n_days

    day_medians = _day_medians(seg, n_days)
    active = ~np.isnan(day_medians)
    crowd_mean = float(np.mean(day_medians[active])) if active.any() else float("nan")

    return DailyScores(
        users=users.astype(np.int64, copy=False),
        daily_brier=daily_brier,
        participation=participation,
        accuracy=(daily_brier - crowd_mean) * participation,
        active_days=active_days.astype(np.int64),
        scored_days=n_days,
        first_day_start=first_day,
        day_medians=day_medians,
        crowd_mean=crowd_mean,
    )
