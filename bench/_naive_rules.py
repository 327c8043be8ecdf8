"""A straightforward per-forecast Python implementation of the same rules as
`scoring.core.rules.score_batch` (daily Brier, Accuracy, baseline, peer, log, coverage),
for the side-by-side figure in bench/core_rules.py: loops over questions, days, pieces
and forecasters, the way one would first write it."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict

DAY = 86_400


def naive_scores(
    *, question, user, created_at, order, p_yes, open_time, scheduled_close, actual_close, outcome
) -> dict[tuple[int, int], tuple[float, ...]]:
    by_question: dict[int, list[tuple[int, int, int, float]]] = defaultdict(list)
    for q, u, t, o, p in zip(question, user, created_at, order, p_yes, strict=True):
        by_question[int(q)].append((int(t), int(o), int(u), float(p)))
    result: dict[tuple[int, int], tuple[float, ...]] = {}
    for q, rows in by_question.items():
        result.update(
            _one_question(
                q,
                rows,
                int(open_time[q]),
                int(scheduled_close[q]),
                int(actual_close[q]),
                int(outcome[q]),
            )
        )
    return result


def _one_question(
    q: int,
    rows: list[tuple[int, int, int, float]],
    opened: int,
    scheduled: int,
    closed: int,
    outcome: int,
) -> dict[tuple[int, int], tuple[float, ...]]:
    """Every rule for each forecaster of one question, from its rows (created_at, order,
    user, p_yes) and its window, as the tuple bench/core_rules.py compares."""
    per_user = _per_user(rows, closed=closed, outcome=outcome)
    first, n_days = _window_days(opened, closed)
    daily, medians = _daily_briers(per_user, first=first, n_days=n_days)
    crowd = _mean_or_nan(medians)
    duration = scheduled - opened
    intervals = _intervals(per_user, opened=opened, closed=closed)
    peer = _peer(intervals, duration=duration)
    result = {}
    for u in per_user:
        mine = [(s, e, p) for s, e, uu, p in intervals if uu == u]
        days = daily.get(u, [])
        brier = _mean_or_nan(days)
        participation = _participation(days, n_days=n_days)
        result[(q, u)] = (
            brier,
            participation,
            _accuracy(days, brier=brier, crowd=crowd, participation=participation),
            _baseline(mine, duration=duration),
            peer.get(u, 0.0),
            _log(mine, duration=duration),
            _coverage(mine, duration=duration),
        )
    return result


# --- Steps ------------------------------------------------------------------------------


def _per_user(
    rows: list[tuple[int, int, int, float]], *, closed: int, outcome: int
) -> dict[int, list[tuple[int, float]]]:
    """Each forecaster's forecasts made before the close, in time order, as the
    probability given to what happened."""
    per_user: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for t, _, u, p in sorted(r for r in rows if r[0] < closed):
        per_user[u].append((t, p if outcome == 1 else 1.0 - p))
    return per_user


def _window_days(opened: int, closed: int) -> tuple[int, int]:
    """The start of the UTC day the question opened on, and how many full UTC days the
    window covers from there."""
    first = opened - opened % DAY
    return first, max(0, (closed - closed % DAY - first) // DAY)


def _daily_briers(
    per_user: dict[int, list[tuple[int, float]]], *, first: int, n_days: int
) -> tuple[dict[int, list[float]], list[float]]:
    """Every full UTC day of the window, every forecaster with a forecast standing at its
    end: their Brier score of the day, and the day's median over them."""
    daily: dict[int, list[float]] = defaultdict(list)
    medians = []
    pointer = dict.fromkeys(per_user, -1)
    for d in range(n_days):
        end_of_day = first + (d + 1) * DAY
        today = []
        for u, forecasts in per_user.items():
            i = _standing_at(forecasts, pointer[u], end_of_day)
            pointer[u] = i
            if i >= 0:
                b = 2.0 * (1.0 - forecasts[i][1]) ** 2
                daily[u].append(b)
                today.append(b)
        if today:
            medians.append(statistics.median(today))
    return daily, medians


def _standing_at(forecasts: list[tuple[int, float]], i: int, moment: int) -> int:
    """The position of the last forecast made before `moment`, looking on from position
    `i` (-1 when there is none)."""
    while i + 1 < len(forecasts) and forecasts[i + 1][0] < moment:
        i += 1
    return i


def _intervals(
    per_user: dict[int, list[tuple[int, float]]], *, opened: int, closed: int
) -> list[tuple[int, int, int, float]]:
    """Each forecast's interval inside the window, from when it was made (or the open)
    to the forecaster's next forecast (or the close): (start, end, user, p)."""
    intervals = []
    for u, forecasts in per_user.items():
        for i, (t, p) in enumerate(forecasts):
            end = forecasts[i + 1][0] if i + 1 < len(forecasts) else closed
            start, end = max(t, opened), min(end, closed)
            if end > start:
                intervals.append((start, end, u, p))
    return intervals


# --- Rules ------------------------------------------------------------------------------


def _mean_or_nan(values: list[float]) -> float:
    """The daily Brier score of a forecaster (over their days), or of the crowd (over
    the days' medians)."""
    return sum(values) / len(values) if values else math.nan


def _participation(days: list[float], *, n_days: int) -> float:
    return len(days) / n_days if n_days else math.nan


def _accuracy(days: list[float], *, brier: float, crowd: float, participation: float) -> float:
    return (brier - crowd) * participation if days else math.nan


def _peer(intervals: list[tuple[int, int, int, float]], *, duration: int) -> dict[int, float]:
    """Every piece between changes with two or more forecasts standing: each one's log
    score against the mean of the others', in proportion to the piece's length."""
    moments = sorted({m for s, e, _, _ in intervals for m in (s, e)})
    peer: dict[int, float] = defaultdict(float)
    for a, b in itertools.pairwise(moments):
        standing = [(u, p) for s, e, u, p in intervals if s <= a and b <= e]
        n = len(standing)
        if n < 2:
            continue
        total = sum(math.log(p) for _, p in standing)
        for u, p in standing:
            others = (total - math.log(p)) / (n - 1)
            peer[u] += 100.0 * (math.log(p) - others) * (b - a) / duration
    return peer


def _baseline(mine: list[tuple[int, int, float]], *, duration: int) -> float:
    return sum(100.0 * math.log2(2 * p) * (e - s) / duration for s, e, p in mine)


def _log(mine: list[tuple[int, int, float]], *, duration: int) -> float:
    return sum(math.log(p) * (e - s) / duration for s, e, p in mine)


def _coverage(mine: list[tuple[int, int, float]], *, duration: int) -> float:
    return sum((e - s) / duration for s, e, _ in mine)
