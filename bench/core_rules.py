"""Core benchmark: every rule on 1,000,000 binary forecasts over 10,000 questions from
10,000 forecasters, pure NumPy (no database), against a straightforward per-forecast
Python implementation of the same rules measured in the same run.

    python bench/core_rules.py [--forecasts N] [--questions N] [--users N] [--repeat N]
                               [--naive-questions N]

The naive implementation is run on the whole data set unless --naive-questions limits it
to the first N questions (the ratio is then measured on that subset, both ways)."""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._naive_rules import naive_scores
from bench._synthetic import synthetic
from scoring.core import aggregate
from scoring.core.batch import QuestionWindows, ResolvedForecasts
from scoring.core.rules import BatchScores, score_batch


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            names = [line.split(":", 1)[1].strip() for line in info if "model name" in line]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}"
    )


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--forecasts", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-questions", type=int, default=None)
    args = parser.parse_args()

    data = synthetic(forecasts=args.forecasts, questions=args.questions, users=args.users)
    windows = QuestionWindows.from_arrays(
        open_time=data.open_time,
        scheduled_close=data.scheduled_close,
        actual_close=data.actual_close,
    )
    print(f"machine: {machine()}")
    print(
        f"data: {args.forecasts:,} forecasts, {args.questions:,} questions, "
        f"{args.users:,} forecasters"
    )

    def rules_only(threads: int = 1) -> BatchScores:
        forecasts = ResolvedForecasts.binary(
            question=data.question,
            user=data.user,
            created_at=data.created_at,
            order=data.order,
            p_yes=data.p_yes,
            outcome=data.outcome,
        )
        return score_batch(forecasts, windows, threads=threads)

    def with_community() -> tuple[BatchScores, int]:
        history = aggregate.community_history(
            question=data.question,
            user=data.user,
            created_at=data.created_at,
            order=data.order,
            p_yes=data.p_yes,
            start=data.open_time,
            end=data.actual_close,
            methods=[aggregate.MEDIAN],
        )
        n = len(history)
        forecasts = ResolvedForecasts.binary(
            question=np.concatenate([data.question, history.question]),
            user=np.concatenate([data.user, np.full(n, -1)]),
            created_at=np.concatenate([data.created_at, history.time]),
            order=np.concatenate([data.order, data.order.size + np.arange(n)]),
            p_yes=np.concatenate([data.p_yes, history.values[aggregate.MEDIAN]]),
            outcome=data.outcome,
            in_crowd=np.concatenate([np.ones(data.order.size, bool), np.zeros(n, bool)]),
        )
        return score_batch(forecasts, windows), n

    seconds, result = best_of(args.repeat, rules_only)
    pairs = result.pairs
    print(
        f"all rules (daily Brier, Accuracy, baseline, peer, log, coverage), one thread: "
        f"{seconds:.3f} s for {len(pairs):,} (question, forecaster) scores "
        f"(best of {args.repeat})"
    )
    seconds_2, _ = best_of(args.repeat, lambda: rules_only(threads=2))
    print(f"the same on two threads (questions split in two ranges): {seconds_2:.3f} s")
    seconds_c, (_, points) = best_of(args.repeat, with_community)
    print(
        f"the same plus the community median at every change ({points:,} points) scored as "
        f"a pseudo-forecaster: {seconds_c:.3f} s"
    )

    subset = args.naive_questions or args.questions
    keep = data.question < subset
    fast_seconds, fast = best_of(
        args.repeat,
        lambda: score_batch(
            ResolvedForecasts.binary(
                question=data.question[keep],
                user=data.user[keep],
                created_at=data.created_at[keep],
                order=data.order[keep],
                p_yes=data.p_yes[keep],
                outcome=data.outcome,
            ),
            windows,
        ),
    )
    start = time.perf_counter()
    naive = naive_scores(
        question=data.question[keep],
        user=data.user[keep],
        created_at=data.created_at[keep],
        order=data.order[keep],
        p_yes=data.p_yes[keep],
        open_time=data.open_time,
        scheduled_close=data.scheduled_close,
        actual_close=data.actual_close,
        outcome=data.outcome,
    )
    naive_seconds = time.perf_counter() - start
    # The two must agree before their times mean anything.
    p = fast.pairs
    worst = 0.0
    for i in range(len(p)):
        expected = naive[(int(p.question[i]), int(p.user[i]))]
        got = (p.daily_brier[i], p.participation[i], p.accuracy[i], p.baseline[i], p.peer[i],
               p.log[i], p.coverage[i])  # fmt: skip
        for e, g in zip(expected, got, strict=True):
            if not (np.isnan(e) and np.isnan(g)):
                worst = max(worst, abs(e - g))
    print(
        f"straightforward Python on {int(keep.sum()):,} forecasts ({subset:,} questions): "
        f"{naive_seconds:.1f} s; vectorized on the same: {fast_seconds:.3f} s; "
        f"ratio {naive_seconds / fast_seconds:,.0f}x; largest difference {worst:.1e}"
    )


if __name__ == "__main__":
    main()
