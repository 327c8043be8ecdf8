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

from collections.abc import Mapping
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


@dataclass(frozen=True)
class RuleInput:
    """One rule's per-(question, user) scores: NaN values are skipped (e.g. a Daily Brier
    without an active day)."""

    value: npt.ArrayLike
    coverage: npt.ArrayLike
    kind: str
    lower_is_better: bool


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
    user)). See `leaderboard_tables` for several rules at once."""
    return leaderboard_tables(
        question=question,
        user=user,
        rules={"rule": RuleInput(value, coverage, kind, lower_is_better)},
        min_questions=min_questions,
        exclude_from_ranking=exclude_from_ranking,
        floor=floor,
        resamples=resamples,
        seed=seed,
        level=level,
    )["rule"]


def leaderboard_tables(
    *,
    question: npt.ArrayLike,
    user: npt.ArrayLike,
    rules: Mapping[str, RuleInput],
    min_questions: int,
    exclude_from_ranking: npt.ArrayLike = (),
    floor: float = COVERAGE_FLOOR,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, LeaderboardTable]:
    """Every rule's table for one scope. The rules share the resampled question sets, so
    their intervals come from the same replicates, and one sparse product per chunk of
    replicates serves them all."""
    q = as_int64("question", question)
    u = as_int64("user", user)
    if q.shape != u.shape or q.ndim != 1:
        raise ValueError("question and user must be 1-D and of equal length")
    inputs = {}
    for name, rule in rules.items():
        if rule.kind not in (MEAN, COVERAGE):
            raise ValueError(f"kind must be {MEAN!r} or {COVERAGE!r}")
        v = np.asarray(rule.value, dtype=np.float64)
        c = np.asarray(rule.coverage, dtype=np.float64)
        if v.shape != q.shape or c.shape != q.shape:
            raise ValueError(f"{name}: value and coverage must match question and user")
        inputs[name] = (v, c, rule)
    if q.size == 0:
        return {name: _empty_table() for name in rules}

    questions_unique, qi = unique_inverse(q)
    users, ui = unique_inverse(u)
    n_users, n_questions = users.size, questions_unique.size
    excluded = np.isin(users, as_int64("exclude", exclude_from_ranking))
    point = {
        name: _point_estimates(ui, v, c, rule, n_users, floor, min_questions, excluded)
        for name, (v, c, rule) in inputs.items()
    }
    intervals = {}
    if resamples > 0:
        intervals = _bootstrap(
            qi=qi,
            ui=ui,
            inputs=inputs,
            point=point,
            n_users=n_users,
            n_questions=n_questions,
            floor=floor,
            resamples=resamples,
            seed=seed,
            level=level,
        )
    tables = {}
    for name, (_, _, rule) in inputs.items():
        est = point[name]
        ci_low, ci_high, rank_low, rank_high = intervals.get(
            name,
            (np.full(n_users, np.nan), np.full(n_users, np.nan),
             np.zeros(n_users, dtype=np.int64), np.zeros(n_users, dtype=np.int64)),
        )  # fmt: skip
        present = est.answered > 0
        sign = 1.0 if rule.lower_is_better else -1.0
        # np.lexsort sorts by its last key first: rankable users, by rank, then the others.
        order = np.lexsort((users, sign * est.values, est.rank, ~est.rankable))
        order = order[present[order]]
        tables[name] = LeaderboardTable(
            user=users[order],
            value=est.values[order],
            total=est.total[order],
            questions=est.answered[order],
            coverage=est.coverage[order],
            rank=est.rank[order],
            ci_low=ci_low[order],
            ci_high=ci_high[order],
            rank_low=rank_low[order],
            rank_high=rank_high[order],
        )
    return tables


def _empty_table() -> LeaderboardTable:
    empty_i, empty_f = np.empty(0, dtype=np.int64), np.empty(0)
    return LeaderboardTable(empty_i, empty_f, empty_f, empty_i, empty_f, empty_i,
                            empty_f, empty_f, empty_i, empty_i)  # fmt: skip


@dataclass(frozen=True)
class _Estimates:
    counted: npt.NDArray[np.bool_]
    answered: Ints
    values: Floats
    total: Floats
    coverage: Floats
    rankable: npt.NDArray[np.bool_]
    rank: Ints


def _point_estimates(
    ui: Ints,
    v: Floats,
    c: Floats,
    rule: RuleInput,
    n_users: int,
    floor: float,
    min_questions: int,
    excluded: npt.NDArray[np.bool_],
) -> _Estimates:
    counted = ~np.isnan(v)
    answered = np.bincount(ui[counted], minlength=n_users).astype(np.int64)
    # Weighted counts are float64 already (no copy); NumPy's stubs type bincount as intp.
    total = np.bincount(ui[counted], weights=v[counted], minlength=n_users).astype(
        np.float64, copy=False
    )
    coverage_sum = np.bincount(ui[counted], weights=c[counted], minlength=n_users).astype(
        np.float64, copy=False
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        if rule.kind == MEAN:
            values = total / answered
            reported_coverage = coverage_sum / answered
            reported_total = np.full(n_users, np.nan)
        else:
            values = total / np.maximum(floor, coverage_sum)
            reported_coverage = coverage_sum
            reported_total = total
    rankable = (answered >= max(min_questions, 1)) & ~excluded
    sign = 1.0 if rule.lower_is_better else -1.0
    rank = np.zeros(n_users, dtype=np.int64)
    if rankable.any():
        rank[rankable] = stats.rankdata(sign * values[rankable], method="min").astype(np.int64)
    return _Estimates(
        counted=counted,
        answered=answered,
        values=values,
        total=reported_total,
        coverage=reported_coverage,
        rankable=rankable,
        rank=rank,
    )


def _percentiles(matrix: npt.NDArray[np.floating], tail: float) -> tuple[Floats, Floats]:
    """The `tail` and `100 - tail` percentiles of each row, ignoring NaN, with NumPy's
    default linear interpolation: one sort of the whole matrix (np.nanpercentile is
    several times slower on wide matrices)."""
    ordered = np.sort(matrix, axis=1)  # NaN last
    valid = np.sum(~np.isnan(matrix), axis=1)
    rows = np.arange(matrix.shape[0])
    result = []
    for q in (tail, 100.0 - tail):
        position = (valid - 1) * (q / 100.0)
        low = np.floor(position).astype(np.int64).clip(0)
        high = np.ceil(position).astype(np.int64).clip(0)
        fraction = position - low
        lo_value = ordered[rows, low].astype(np.float64)
        with np.errstate(invalid="ignore"):
            value = lo_value + (ordered[rows, high] - lo_value) * fraction
        result.append(np.where(valid > 0, value, np.nan))
    return result[0], result[1]


def _bootstrap(
    *,
    qi: Ints,
    ui: Ints,
    inputs: dict[str, tuple[Floats, Floats, RuleInput]],
    point: dict[str, _Estimates],
    n_users: int,
    n_questions: int,
    floor: float,
    resamples: int,
    seed: int,
    level: float,
) -> dict[str, tuple[Floats, Floats, Ints, Ints]]:
    """Each rule's value and rank intervals over `resamples` replicates of the scope's
    questions drawn with replacement.

    Rules that count the same pairs the same way form a family (the daily rules; peer,
    baseline and log) sharing their denominators; families run one after the other, each
    drawing the same replicates again from the same seed, so that only one family's
    replicates are held at a time (for ten thousand users and a thousand replicates, about
    a hundred MB per rule)."""
    families: dict[tuple[str, bytes], list[str]] = {}
    for name, (_, _, rule) in inputs.items():
        signature = (rule.kind, np.packbits(point[name].counted).tobytes())
        families.setdefault(signature, []).append(name)
    result = {}
    for names in families.values():
        result.update(
            _family_bootstrap(
                qi=qi,
                ui=ui,
                inputs={name: inputs[name] for name in names},
                point=point,
                n_users=n_users,
                n_questions=n_questions,
                floor=floor,
                resamples=resamples,
                seed=seed,
                level=level,
            )
        )
    return result


def _family_bootstrap(
    *,
    qi: Ints,
    ui: Ints,
    inputs: dict[str, tuple[Floats, Floats, RuleInput]],
    point: dict[str, _Estimates],
    n_users: int,
    n_questions: int,
    floor: float,
    resamples: int,
    seed: int,
    level: float,
) -> dict[str, tuple[Floats, Floats, Ints, Ints]]:
    shape = (n_users, n_questions)
    first = next(iter(inputs))
    counted = point[first].counted
    kind = inputs[first][2].kind

    def matrix(weights: Floats) -> sparse.csr_matrix:
        return sparse.csr_matrix(
            (weights[counted].astype(np.float32), (ui[counted], qi[counted])), shape=shape
        )

    # One row block per rule's values, then the family's presence (and coverage).
    names = list(inputs)
    blocks = [matrix(inputs[name][0]) for name in names]
    blocks.append(matrix(np.ones(counted.size)))
    if kind == COVERAGE:
        blocks.append(matrix(inputs[first][1]))
    stacked = sparse.vstack(blocks, format="csr")
    n_blocks = len(blocks)
    del blocks
    presence_slot, coverage_slot = len(names), len(names) + 1

    rng = np.random.default_rng(seed)
    # Single precision, as deviations from each user's point value (so a user whose
    # replicates all agree gets exactly that value as both ends).
    replicate_values = {name: np.empty((n_users, resamples), np.float32) for name in names}
    ranked = {name: np.flatnonzero(point[name].rankable) for name in names}
    # Ranks as small integers, 0 where a user is absent from a replicate.
    replicate_ranks = {
        name: np.zeros(
            (ranked[name].size, resamples),
            np.uint16 if ranked[name].size < np.iinfo(np.uint16).max else np.uint32,
        )
        for name in names
    }
    for start in range(0, resamples, _REPLICATES_PER_CHUNK):
        size = min(_REPLICATES_PER_CHUNK, resamples - start)
        drawn = rng.integers(0, n_questions, size=(size, n_questions))
        offsets = (np.arange(size) * n_questions)[:, None]
        counts = np.bincount((drawn + offsets).ravel(), minlength=size * n_questions)
        counts = counts.reshape(size, n_questions).T.astype(np.float32)  # questions x size
        products = np.asarray(stacked @ counts).reshape(n_blocks, n_users, size)
        present = products[presence_slot] > 0
        for slot, name in enumerate(names):
            rule = inputs[name][2]
            numerator = products[slot].astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                if kind == MEAN:
                    block = numerator / products[presence_slot]
                else:
                    block = numerator / np.maximum(floor, products[coverage_slot])
            block[~present] = np.nan
            replicate_values[name][:, start : start + size] = block - point[name].values[:, None]
            rows = ranked[name]
            if rows.size:
                # Rank within each replicate among rankable users present in it; one
                # replicate per contiguous row, as sorting along the last axis is fastest.
                sign = 1.0 if rule.lower_is_better else -1.0
                keyed = np.ascontiguousarray((sign * block[rows]).T, dtype=np.float32)
                absent = np.isnan(keyed)
                keyed[absent] = np.inf
                order = np.argsort(keyed, axis=1)
                ranks = np.empty(order.shape, dtype=replicate_ranks[name].dtype)
                np.put_along_axis(
                    ranks, order, np.arange(1, rows.size + 1, dtype=ranks.dtype)[None, :], axis=1
                )
                ranks[absent] = 0
                replicate_ranks[name][:, start : start + size] = ranks.T

    tail = 50.0 * (1.0 - level)
    result = {}
    for name in names:
        low_deviation, high_deviation = _percentiles(replicate_values.pop(name), tail)
        ci_low = point[name].values + low_deviation
        ci_high = point[name].values + high_deviation
        rank_low = np.zeros(n_users, dtype=np.int64)
        rank_high = np.zeros(n_users, dtype=np.int64)
        rows = ranked[name]
        if rows.size:
            as_floats = replicate_ranks.pop(name).astype(np.float32)
            as_floats[as_floats == 0] = np.nan
            r_lo, r_hi = _percentiles(as_floats, tail)
            rank_low[rows] = np.floor(np.nan_to_num(r_lo)).astype(np.int64)
            rank_high[rows] = np.ceil(np.nan_to_num(r_hi)).astype(np.int64)
        result[name] = (ci_low, ci_high, rank_low, rank_high)
    return result
