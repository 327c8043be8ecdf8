"""Leaderboard statistics (SCORING.md section 8), with bootstrap intervals.

Two kinds of rule:

- `MEAN` (Accuracy score, Daily Brier): a user's value is the mean over the questions they
  were scored on;
- `COVERAGE` (peer, baseline, log): the sum of their question scores divided by
  `max(floor, total coverage)` (Metaculus's global rule, floor 30, so one lucky question
  cannot top the board); the plain sum is reported too.

Users with fewer than `min_questions` questions are listed but not ranked.

Uncertainty comes from resampling the scope's *questions* with replacement: each replicate
recomputes every user's value on the resampled questions (a question drawn twice counts
twice), and ranks the rankable users. The 2.5th and 97.5th percentiles over replicates
give a 95 % interval for each value and for each rank, so two ranks whose intervals
overlap are not really different. The random generator is seeded by the caller, so a
rebuild gives identical rows. Cost: O(pairs x resamples) multiply-adds, done as sparse
matrix products in chunks of replicates.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse, stats

from scoring.core.arrays import unique_inverse
from scoring.core.batch import as_int64

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

MEAN = "mean"
COVERAGE = "coverage"
COVERAGE_FLOOR = 30.0

# Replicates per chunk: bounds the (users x replicates) tables held at once.
_REPLICATES_PER_CHUNK = 100


@dataclass(frozen=True)
class LeaderboardTable:
    """One entry per user, ranked users first (best first), then the rest by value."""

    user: Ints
    value: Floats
    total: Floats
    """The plain sum over questions (NaN for MEAN rules)."""
    questions: Ints
    coverage: Floats
    """Sum of coverage (COVERAGE rules) or mean of the coverage column (MEAN rules)."""
    rank: Ints
    """1 = best; 0 when not ranked (too few questions, or excluded)."""
    ci_low: Floats
    ci_high: Floats
    rank_low: Ints
    rank_high: Ints
    """Rank interval (0 when not ranked or without resamples)."""

    def __len__(self) -> int:
        return int(self.user.size)


def leaderboard_table(
    *,
    question: npt.ArrayLike,
    user: npt.ArrayLike,
    value: npt.ArrayLike,
    coverage: npt.ArrayLike,
    kind: str,
    lower_is_better: bool,
    min_questions: int,
    exclude_from_ranking: npt.ArrayLike = (),
    floor: float = COVERAGE_FLOOR,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> LeaderboardTable:
    """Rank users on one rule from their per-question scores (one row per (question,
    user); NaN values are skipped, e.g. a Daily Brier without an active day)."""
    if kind not in (MEAN, COVERAGE):
        raise ValueError(f"kind must be {MEAN!r} or {COVERAGE!r}")
    q = as_int64("question", question)
    u = as_int64("user", user)
    v = np.asarray(value, dtype=np.float64)
    c = np.asarray(coverage, dtype=np.float64)
    if not (q.shape == u.shape == v.shape == c.shape) or q.ndim != 1:
        raise ValueError("question, user, value and coverage must be 1-D and of equal length")
    counted = ~np.isnan(v)
    q, u, v, c = q[counted], u[counted], v[counted], c[counted]
    if q.size == 0:
        empty_i, empty_f = np.empty(0, dtype=np.int64), np.empty(0)
        return LeaderboardTable(empty_i, empty_f, empty_f, empty_i, empty_f, empty_i,
                                empty_f, empty_f, empty_i, empty_i)  # fmt: skip
    questions_unique, qi = unique_inverse(q)
    users, ui = unique_inverse(u)
    n_users, n_questions = users.size, questions_unique.size

    n_answered = np.bincount(ui, minlength=n_users).astype(np.int64)
    total = np.bincount(ui, weights=v, minlength=n_users)
    coverage_sum = np.bincount(ui, weights=c, minlength=n_users)
    if kind == MEAN:
        values = total / n_answered
        reported_coverage = coverage_sum / n_answered
        reported_total = np.full(n_users, np.nan)
    else:
        values = total / np.maximum(floor, coverage_sum)
        reported_coverage = coverage_sum
        reported_total = total

    rankable = (n_answered >= min_questions) & ~np.isin(
        users, as_int64("exclude", exclude_from_ranking)
    )
    sign = 1.0 if lower_is_better else -1.0
    rank = np.zeros(n_users, dtype=np.int64)
    rank[rankable] = stats.rankdata(sign * values[rankable], method="min").astype(np.int64)

    ci_low = np.full(n_users, np.nan)
    ci_high = np.full(n_users, np.nan)
    rank_low = np.zeros(n_users, dtype=np.int64)
    rank_high = np.zeros(n_users, dtype=np.int64)
    if resamples > 0:
        replicate_values, replicate_ranks = _bootstrap(
            qi=qi, ui=ui, v=v, c=c, n_users=n_users, n_questions=n_questions, kind=kind,
            floor=floor, rankable=rankable, sign=sign, resamples=resamples, seed=seed,
        )  # fmt: skip
        tail = 50.0 * (1.0 - level)
        with _quiet_nanpercentile():
            lo, hi = np.nanpercentile(replicate_values, [tail, 100.0 - tail], axis=1)
        ci_low, ci_high = lo, hi
        if rankable.any():
            with _quiet_nanpercentile():
                r_lo, r_hi = np.nanpercentile(replicate_ranks, [tail, 100.0 - tail], axis=1)
            rank_low[rankable] = np.floor(r_lo).astype(np.int64)
            rank_high[rankable] = np.ceil(r_hi).astype(np.int64)

    # Ranked users best first, then the others by value (best first).
    order = np.lexsort((users, sign * values, ~rankable, np.where(rankable, rank, 0)))
    return LeaderboardTable(
        user=users[order],
        value=values[order],
        total=reported_total[order],
        questions=n_answered[order],
        coverage=reported_coverage[order],
        rank=rank[order],
        ci_low=ci_low[order],
        ci_high=ci_high[order],
        rank_low=rank_low[order],
        rank_high=rank_high[order],
    )


@contextmanager
def _quiet_nanpercentile() -> Iterator[None]:
    """All-NaN rows (a user absent from every replicate) are expected: their interval is
    NaN, and NumPy's warning about it says nothing new."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _bootstrap(
    *,
    qi: Ints,
    ui: Ints,
    v: Floats,
    c: Floats,
    n_users: int,
    n_questions: int,
    kind: str,
    floor: float,
    rankable: npt.NDArray[np.bool_],
    sign: float,
    resamples: int,
    seed: int,
) -> tuple[Floats, Floats]:
    """Every user's value, and every rankable user's rank, in each replicate."""
    shape = (n_users, n_questions)
    values_matrix = sparse.csr_matrix((v, (ui, qi)), shape=shape)
    denominator = sparse.csr_matrix((np.ones(v.size) if kind == MEAN else c, (ui, qi)), shape=shape)
    answered = sparse.csr_matrix((np.ones(v.size), (ui, qi)), shape=shape)
    rng = np.random.default_rng(seed)
    replicate_values = np.empty((n_users, resamples))
    ranked_index = np.flatnonzero(rankable)
    replicate_ranks = np.full((ranked_index.size, resamples), np.nan)
    for start in range(0, resamples, _REPLICATES_PER_CHUNK):
        size = min(_REPLICATES_PER_CHUNK, resamples - start)
        drawn = rng.integers(0, n_questions, size=(size, n_questions))
        offsets = (np.arange(size) * n_questions)[:, None]
        counts = np.bincount((drawn + offsets).ravel(), minlength=size * n_questions)
        counts = counts.reshape(size, n_questions).T.astype(np.float64)  # questions x size
        numerator = np.asarray(values_matrix @ counts)
        present = np.asarray(answered @ counts) > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == MEAN:
                block = numerator / np.asarray(denominator @ counts)
            else:
                block = numerator / np.maximum(floor, np.asarray(denominator @ counts))
        block[~present] = np.nan
        replicate_values[:, start : start + size] = block
        if ranked_index.size:
            # Rank within each replicate among rankable users present in it (NaNs last).
            keyed = sign * block[ranked_index]
            keyed[np.isnan(keyed)] = np.inf
            order = np.argsort(keyed, axis=0, kind="stable")
            ranks = np.empty_like(order, dtype=np.float64)
            np.put_along_axis(
                ranks, order, np.arange(1, ranked_index.size + 1, dtype=np.float64)[:, None], axis=0
            )
            ranks[np.isnan(block[ranked_index])] = np.nan
            replicate_ranks[:, start : start + size] = ranks
    return replicate_values, replicate_ranks
