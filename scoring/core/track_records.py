"""Statistics of track records: how often claims came true (a Jeffreys interval for k of
n) and how a tracked source's scores compare with the crowd's on the same questions (a
paired bootstrap over questions).

Pure NumPy/SciPy: arrays in, numbers out; nothing here knows about Django.

The bootstrap resamples *questions*, not score rows: a source may hold several rows on one
question (two articles of an outlet tracked by the same question), and those rows are not
independent draws, so a replicate takes every row of each question it draws. The source's
and the crowd's values of a row are drawn together (paired), so the interval of the
difference reflects how the two move together across questions rather than treating
them as two independent samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.core.calibration import jeffreys_interval

FloatArray = npt.NDArray[np.float64]

DEFAULT_LEVEL = 0.95
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20261205
"""Any fixed seed: the same data always give the same interval, so a page does not
shift between two reloads."""


@dataclass(frozen=True)
class Proportion:
    """k of n came true, the rate and its Jeffreys interval (None when n is 0)."""

    k: int
    n: int
    rate: float | None
    low: float | None
    high: float | None


def jeffreys(k: int, n: int, *, level: float = DEFAULT_LEVEL) -> Proportion:
    """k successes of n with the central `level` Jeffreys interval: the quantiles of
    Beta(k + 1/2, n - k + 1/2), the lower end 0 when k = 0 and the upper 1 when k = n
    (Brown, Cai and DasGupta 2001: close to nominal coverage even for small n, where the
    textbook k/n ± 1.96 SE interval is not)."""
    if isinstance(k, bool) or isinstance(n, bool) or int(k) != k or int(n) != n:
        raise ValueError("k and n must be whole numbers")
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return Proportion(k=0, n=0, rate=None, low=None, high=None)
    lower, upper = jeffreys_interval(k, n, level)
    return Proportion(
        k=int(k), n=int(n), rate=k / n, low=float(lower.item()), high=float(upper.item())
    )


@dataclass(frozen=True)
class Mean:
    """A mean with its bootstrap interval (all None when there are no values)."""

    value: float | None
    low: float | None
    high: float | None


EMPTY_MEAN = Mean(None, None, None)


@dataclass(frozen=True)
class Comparison:
    """A source against the crowd on the same rows: the source's mean, the crowd's, and
    the mean difference (source minus crowd), each with its paired bootstrap interval."""

    n: int
    """Rows compared (each an article's score on a question, beside the crowd's)."""
    questions: int
    source: Mean
    crowd: Mean
    difference: Mean


def _as_rows(
    source: npt.ArrayLike, crowd: npt.ArrayLike, clusters: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.intp]]:
    mine = np.asarray(source, dtype=np.float64).ravel()
    theirs = np.asarray(crowd, dtype=np.float64).ravel()
    if mine.shape != theirs.shape:
        raise ValueError("source and crowd must have one value per row each")
    if not (np.all(np.isfinite(mine)) and np.all(np.isfinite(theirs))):
        raise ValueError("values must be finite (leave out rows without a score)")
    if clusters is None:
        index = np.arange(mine.size, dtype=np.intp)
    else:
        labels = np.asarray(clusters).ravel()
        if labels.shape != mine.shape:
            raise ValueError("clusters must have one label per row")
        _, index = np.unique(labels, return_inverse=True)
        index = index.astype(np.intp)
    return mine, theirs, index


def _percentile_interval(replicates: FloatArray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(replicates, [tail, 100.0 - tail])
    return float(low), float(high)


def paired_bootstrap(
    source: npt.ArrayLike,
    crowd: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> Comparison:
    """The means of `source` and `crowd` (one value each per row) and of their
    difference, each with a percentile bootstrap interval from `resamples` replicates.

    A replicate draws as many questions as there are, with replacement, from a
    `numpy.random.Generator` seeded with `seed`, and takes every row of each drawn
    question (rows sharing a `clusters` label belong to one question; without labels each
    row is its own question). With one question the intervals are that question's values
    themselves: a bootstrap has nothing to vary."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    mine, theirs, index = _as_rows(source, crowd, clusters)
    n = mine.size
    if n == 0:
        return Comparison(0, 0, EMPTY_MEAN, EMPTY_MEAN, EMPTY_MEAN)
    n_questions = int(index.max()) + 1
    # Per question: the sums of each series and the row count, so a replicate's means are
    # weighted sums over the questions it drew (a draw count per question), not a gather of
    # rows: memory is resamples x questions whatever the rows.
    sums_mine = np.bincount(index, weights=mine, minlength=n_questions)
    sums_theirs = np.bincount(index, weights=theirs, minlength=n_questions)
    rows = np.bincount(index, minlength=n_questions).astype(np.float64)
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, n_questions, size=(resamples, n_questions))
    offsets = (np.arange(resamples) * n_questions)[:, None]
    counts = np.bincount((drawn + offsets).ravel(), minlength=resamples * n_questions)
    counts = counts.reshape(resamples, n_questions).astype(np.float64)
    total_rows = counts @ rows
    rep_mine = counts @ sums_mine / total_rows
    rep_theirs = counts @ sums_theirs / total_rows
    means = (float(mine.mean()), float(theirs.mean()), float((mine - theirs).mean()))
    intervals = [
        _percentile_interval(replicates, level)
        for replicates in (rep_mine, rep_theirs, rep_mine - rep_theirs)
    ]
    source_mean, crowd_mean, difference = (
        Mean(mean, _clamp(low, mean, high)[0], _clamp(low, mean, high)[1])
        for mean, (low, high) in zip(means, intervals, strict=True)
    )
    return Comparison(
        n=n,
        questions=n_questions,
        source=source_mean,
        crowd=crowd_mean,
        difference=difference,
    )


def bootstrap_mean(
    values: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    level: float = DEFAULT_LEVEL,
) -> Mean:
    """The mean of `values` with its percentile bootstrap interval, resampling questions
    as `paired_bootstrap` does."""
    array = np.asarray(values, dtype=np.float64).ravel()
    result = paired_bootstrap(
        array,
        np.zeros_like(array),
        clusters=clusters,
        resamples=resamples,
        seed=seed,
        level=level,
    )
    return result.source


def _clamp(low: float, mean: float, high: float) -> tuple[float, float]:
    # Percentiles are interpolated: when every replicate equals the mean the two ends
    # can differ from it by a rounding residue, which a page would print as an interval
    # not containing its own estimate.
    return min(low, mean), max(high, mean)


def verdict(difference: Mean, *, lower_is_better: bool) -> str:
    """ "better", "worse" or "unclear": whether the interval of (source minus crowd)
    lies wholly on the better side of 0, wholly on the worse side, or straddles it."""
    if difference.low is None or difference.high is None:
        return "unclear"
    if math.isclose(difference.low, 0.0, abs_tol=1e-12) and math.isclose(
        difference.high, 0.0, abs_tol=1e-12
    ):
        return "unclear"
    if difference.high < 0.0:
        return "better" if lower_is_better else "worse"
    if difference.low > 0.0:
        return "worse" if lower_is_better else "better"
    return "unclear"
