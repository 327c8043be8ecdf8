"""The scored window of a question (SCORING.md sections 1 and 3).

Times are int seconds since the Unix epoch, UTC; a "day" is a UTC calendar day.
"""

from __future__ import annotations

SECONDS_PER_DAY = 86_400


def day_start(t: int) -> int:
    """Start of the UTC day holding `t`.

    Floor division, not truncation, so times before 1970 land on the right day.
    """
    return t - t % SECONDS_PER_DAY


def actual_close_time(scheduled_close: int, known_at: int | None) -> int:
    """When forecasting effectively stopped: the earlier of the scheduled close and `known_at`.

    `known_at` may be in the past (a retroactive resolution); forecasts created at or
    after the returned time are never scored.
    """
    if known_at is None:
        return scheduled_close
    return min(scheduled_close, known_at)


def scored_days(open_time: int, actual_close: int) -> tuple[int, int]:
    """The scored days D as (start of the first day, number of days).

    D is every UTC day d with date(open_time) <= d < date(actual_close). Only full days
    before the close day count: a question opened 2016-11-01 that closes at 2016-11-08
    00:00 has 7 days, one that closes at 2016-11-07 15:00 has 6. Closing on or before
    the open day gives 0 days.
    """
    first = day_start(open_time)
    n_days = (day_start(actual_close) - first) // SECONDS_PER_DAY
    return first, max(0, n_days)
