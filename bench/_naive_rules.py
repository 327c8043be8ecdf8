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
    rows = sorted(r for r in rows if r[0] < closed)
    per_user: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for t, _, u, p in rows:
        per_user[u].append((t, p if outcome == 1 else 1.0 - p))

    # Daily rules: every full UTC day of the window, every forecaster.
    first = opened - opened % DAY
    n_days = max(0, (closed - closed % DAY - first) // DAY)
    daily: dict[int, list[float]] = defaultdict(list)
    medians = []
    pointer = dict.fromkeys(per_user, -1)
    for d in range(n_days):
        end_of_day = first + (d + 1) * DAY
        today = []
        for u, forecasts in per_user.items():
            i = pointer[u]
            while i + 1 < len(forecasts) and forecasts[i + 1][0] < end_of_day:
                i += 1
            pointer[u] = i
            if i >= 0:
                b = 2.0 * (1.0 - forecasts[i][1]) ** 2
                daily[u].append(b)
                today.append(b)
        if today:
            medians.append(statistics.median(today))
    crowd = sum(medians) / len(medians) if medians else math.nan

    # Continuous rules: each forecast's interval, then every piece between changes.
    duration = scheduled - opened
    intervals = []
    for u, forecasts in per_user.items():
        for i, (t, p) in enumerate(forecasts):
            end = forecasts[i + 1][0] if i + 1 < len(forecasts) else closed
            start, end = max(t, opened), min(end, closed)
            if end > start:
                intervals.append((start, end, u, p))
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

    result: dict[tuple[int, int], tuple[float, ...]] = {}
    for u in per_user:
        mine = [(s, e, p) for s, e, uu, p in intervals if uu == u]
        coverage = sum((e - s) / duration for s, e, _ in mine)
        baseline = sum(100.0 * math.log2(2 * p) * (e - s) / duration for s, e, p in mine)
        log = sum(math.log(p) * (e - s) / duration for s, e, p in mine)
        days = daily.get(u, [])
        brier = sum(days) / len(days) if days else math.nan
        participation = len(days) / n_days if n_days else math.nan
        accuracy = (brier - crowd) * participation if days else math.nan
        result[(q, u)] = (brier, participation, accuracy, baseline, peer.get(u, 0.0), log, coverage)
    return result
