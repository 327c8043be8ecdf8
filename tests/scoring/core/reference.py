"""A slow, obviously correct `score_batch`, written from the words of SCORING.md.

It shares no code with scoring.core (not even the day arithmetic): the daily rules of
section 3 walk day by day and user by user; the continuous rules of section 4 clip each
forecast's standing interval for coverage, baseline and log, and split the window into
pieces wherever the standing set changes for the peer score, using the second form of the
peer formula, `100 * (ln p_i - mean over j != i of ln p_j)`.

A pseudo-forecaster (`in_crowd` false, the community forecast) is scored like anyone else
but is never part of the crowd: not in the daily crowd median, not among the forecasters a
peer score compares with. On a piece where n >= 1 crowd forecasters stand, its peer score
is `100 * L/T * (ln p_c - mean of ln p over those n)`; where none stand it gets 0.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

NAN = float("nan")


@dataclass(frozen=True)
class Window:
    """One question: its window (epoch seconds, UTC), its options and its outcome."""

    open_time: int
    scheduled_close: int
    actual_close: int
    options: int = 2
    outcome: int = 1
    """Index of the option that happened; binary options are (no, yes), so 1 is yes."""


@dataclass(frozen=True)
class Forecast:
    question: int
    """Position of the question in the list of windows."""
    user: int
    created_at: int
    order: int
    """Tie-break for equal created_at: the larger is the later."""
    probabilities: tuple[float, ...]
    """One per option; binary forecasts are (1 - p_yes, p_yes)."""
    in_crowd: bool = True

    @property
    def made(self) -> tuple[int, int]:
        """When the forecast was made, ties broken by `order`."""
        return (self.created_at, self.order)


@dataclass(frozen=True)
class PairRow:
    question: int
    user: int
    in_crowd: bool
    forecasts: int
    daily_brier: float
    active_days: int
    participation: float
    accuracy: float
    baseline: float
    peer: float
    log: float
    coverage: float


@dataclass(frozen=True)
class ReferenceScores:
    pairs: list[PairRow]
    """Sorted by (question, user)."""
    scored_days: list[int]
    crowd_mean: list[float]


def binary(p_yes: float) -> tuple[float, float]:
    """A binary forecast's probabilities as (no, yes)."""
    return (1.0 - p_yes, p_yes)


def p_of(f: Forecast, w: Window) -> float:
    """The probability given to the outcome that happened."""
    return f.probabilities[w.outcome]


def brier(f: Forecast, w: Window) -> float:
    """sum_k (p_k - o_k)^2; for binary, (p_yes - o)^2 + (p_no - (1 - o))^2."""
    return sum((p - (1.0 if k == w.outcome else 0.0)) ** 2 for k, p in enumerate(f.probabilities))


def baseline_score(p: float, options: int) -> float:
    if options == 2:
        return 100.0 * math.log2(2.0 * p)
    return 100.0 * math.log(p * options) / math.log(options)


def utc_date(t: int) -> date:
    return datetime.fromtimestamp(t, UTC).date()


def end_of(d: date) -> int:
    """Epoch seconds of the midnight that ends UTC day d."""
    return int(datetime.combine(d + timedelta(days=1), datetime.min.time(), UTC).timestamp())


def scored_days(w: Window) -> list[date]:
    """Every UTC day d with date(open_time) <= d < date(actual_close_time)."""
    days = []
    d = utc_date(w.open_time)
    while d < utc_date(w.actual_close):
        days.append(d)
        d += timedelta(days=1)
    return days


def standing_at(forecasts: Sequence[Forecast], t: int) -> Forecast | None:
    """The forecast standing at moment t: the last one made at or before t."""
    made = [f for f in forecasts if f.created_at <= t]
    return max(made, key=lambda f: f.made) if made else None


@dataclass
class _Scores:
    in_crowd: bool
    forecasts: int
    daily: list[float]
    baseline: float = 0.0
    peer: float = 0.0
    log: float = 0.0
    coverage: float = 0.0


def _question(q: int, w: Window, rows: list[Forecast]) -> tuple[list[PairRow], int, float]:
    # Forecasts made at or after the actual close are never scored.
    rows = [f for f in rows if f.created_at < w.actual_close]
    by_user: dict[int, list[Forecast]] = {}
    for f in sorted(rows, key=lambda f: f.made):
        by_user.setdefault(f.user, []).append(f)
    scores: dict[int, _Scores] = {}
    for u, fs in by_user.items():
        crowd = {f.in_crowd for f in fs}
        assert len(crowd) == 1, "a forecaster is in the crowd or not, on the whole question"
        scores[u] = _Scores(in_crowd=crowd.pop(), forecasts=len(fs), daily=[])

    # --- Section 3: day by day, user by user. ---
    days = scored_days(w)
    medians: list[float] = []
    for d in days:
        crowd_today = []
        for u, fs in by_user.items():
            # Active once they have a forecast created before the end of the day (all of
            # these were made before the actual close); the last such one is the day's.
            made = [f for f in fs if f.created_at < end_of(d)]
            if made:
                b = brier(max(made, key=lambda f: f.made), w)
                scores[u].daily.append(b)
                if scores[u].in_crowd:
                    crowd_today.append(b)
        if crowd_today:
            medians.append(statistics.median(crowd_today))
    crowd_mean = sum(medians) / len(medians) if medians else NAN

    # --- Section 4: coverage, baseline and log from each forecast's clipped interval. ---
    T = w.scheduled_close - w.open_time
    for u, fs in by_user.items():
        for i, f in enumerate(fs):
            end = fs[i + 1].created_at if i + 1 < len(fs) else w.actual_close
            lo, hi = max(f.created_at, w.open_time), min(end, w.actual_close)
            coverage = max(0, hi - lo) / T
            scores[u].coverage += coverage
            scores[u].baseline += baseline_score(p_of(f, w), w.options) * coverage
            scores[u].log += math.log(p_of(f, w)) * coverage

    # --- Section 4: the peer score, piece by piece. ---
    # Every moment a forecast is made inside the window, plus its two ends: the standing set
    # can only change at these. Adjacent pieces where it does not change are merged.
    cuts = sorted(
        {w.open_time, w.actual_close}
        | {f.created_at for f in rows if w.open_time < f.created_at < w.actual_close}
    )
    pieces: list[tuple[int, int, dict[int, Forecast]]] = []
    for t0, t1 in pairwise(cuts):
        if not w.open_time <= t0 < t1 <= w.actual_close:
            continue
        standing: dict[int, Forecast] = {}
        for u, fs in by_user.items():
            f = standing_at(fs, t0)
            if f is not None:
                standing[u] = f
        if pieces and pieces[-1][1] == t0 and pieces[-1][2] == standing:
            pieces[-1] = (pieces[-1][0], t1, standing)
        else:
            pieces.append((t0, t1, standing))
    for t0, t1, standing in pieces:
        weight = (t1 - t0) / T
        ln_p = {u: math.log(p_of(f, w)) for u, f in standing.items()}
        crowd = [u for u in standing if scores[u].in_crowd]
        n = len(crowd)
        for u in standing:
            if scores[u].in_crowd:
                if n < 2:
                    continue  # 0 when n = 1
                others = [ln_p[j] for j in crowd if j != u]
                scores[u].peer += 100.0 * weight * (ln_p[u] - sum(others) / len(others))
            elif n >= 1:
                mean_crowd = sum(ln_p[j] for j in crowd) / n
                scores[u].peer += 100.0 * weight * (ln_p[u] - mean_crowd)

    pairs = []
    for u in sorted(scores):
        s = scores[u]
        active = len(s.daily)
        daily_brier = sum(s.daily) / active if active else NAN
        participation = active / len(days) if days else NAN
        accuracy = (daily_brier - crowd_mean) * participation if active else NAN
        pairs.append(
            PairRow(
                question=q,
                user=u,
                in_crowd=s.in_crowd,
                forecasts=s.forecasts,
                daily_brier=daily_brier,
                active_days=active,
                participation=participation,
                accuracy=accuracy,
                baseline=s.baseline,
                peer=s.peer,
                log=s.log,
                coverage=s.coverage,
            )
        )
    return pairs, len(days), crowd_mean


def score(forecasts: Sequence[Forecast], windows: Sequence[Window]) -> ReferenceScores:
    """Every output of `score_batch`, question by question."""
    pairs: list[PairRow] = []
    days: list[int] = []
    crowd_means: list[float] = []
    for q, w in enumerate(windows):
        rows, n_days, crowd_mean = _question(q, w, [f for f in forecasts if f.question == q])
        pairs.extend(rows)
        days.append(n_days)
        crowd_means.append(crowd_mean)
    return ReferenceScores(pairs=pairs, scored_days=days, crowd_mean=crowd_means)
