"""Synthetic forecasting data for the benchmarks: questions with realistic windows,
forecasters of uneven activity, forecasts made before the open, inside the window and
after an early resolution, probabilities that lean toward the truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86_400
START = 1_700_000_000  # November 2023


@dataclass(frozen=True)
class Synthetic:
    # Per question (position).
    open_time: np.ndarray
    scheduled_close: np.ndarray
    actual_close: np.ndarray
    outcome: np.ndarray
    # Per forecast.
    question: np.ndarray
    user: np.ndarray
    created_at: np.ndarray
    order: np.ndarray
    p_yes: np.ndarray


def synthetic(*, forecasts: int, questions: int, users: int, seed: int = 20261123) -> Synthetic:
    rng = np.random.default_rng(seed)
    open_time = START + rng.integers(0, 730, questions) * DAY + rng.integers(0, DAY, questions)
    scheduled_close = open_time + rng.integers(30, 366, questions) * DAY
    # A fifth resolve early: the outcome became known before the scheduled close.
    early = rng.random(questions) < 0.2
    known_at = np.where(
        early,
        open_time
        + ((scheduled_close - open_time) * rng.uniform(0.2, 0.95, questions)).astype(np.int64),
        scheduled_close,
    )
    actual_close = np.minimum(scheduled_close, known_at)
    outcome = (rng.random(questions) < 0.4).astype(np.int64)

    question = rng.integers(0, questions, forecasts)
    # Uneven activity: a Zipf-like pick of forecasters.
    weights = 1.0 / np.arange(1, users + 1) ** 0.8
    user = rng.choice(users, size=forecasts, p=weights / weights.sum()) + 1
    span = (actual_close - open_time)[question]
    # Mostly inside the window; a few before the open and after the close.
    offset = rng.uniform(-0.03, 1.03, forecasts)
    created_at = open_time[question] + (offset * span).astype(np.int64)
    truth = outcome[question]
    lean = rng.beta(2, 2, forecasts) * 0.5 + 0.25 * offset.clip(0, 1)
    p_yes = np.where(truth == 1, 0.5 + lean * 0.9, 0.5 - lean * 0.9)
    p_yes = np.round(np.clip(p_yes + rng.normal(0, 0.12, forecasts), 0.001, 0.999), 3)
    return Synthetic(
        open_time=open_time.astype(np.int64),
        scheduled_close=scheduled_close.astype(np.int64),
        actual_close=actual_close.astype(np.int64),
        outcome=outcome,
        question=question.astype(np.int64),
        user=user.astype(np.int64),
        created_at=created_at.astype(np.int64),
        # As the database adapter numbers them: the rank by time (ties by id).
        order=np.argsort(np.argsort(created_at, kind="stable"), kind="stable").astype(np.int64),
        p_yes=p_yes,
    )
