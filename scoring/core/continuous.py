"""Baseline, peer and log scores on continuous time, with coverage (SCORING.md section 4,
the Metaculus convention).

Each forecast stands from `max(created_at, open_time)` until its forecaster's next
forecast or withdrawal, or `actual_close`, whichever is first; `coverage` is that length
divided by the *scheduled* window `T = scheduled_close - open_time`, so an early
resolution truncates scores toward 0 instead of renormalising them.

Peer scores need, for every piece of the window between two moments where the set of
standing forecasts changes, the number n of standing forecasters and the sum S of their
ln p. On a piece of length L, forecaster i earns

    100 * L/T * n/(n-1) * (ln p_i - S/n)  =  100 * L/T * (ln p_i * n/(n-1) - S/(n-1)),

so with prefix sums over the pieces of W1 = L/T * n/(n-1) and W2 = L/T * S/(n-1), a
forecast standing over pieces [a, b) earns 100 * (ln p_i * (W1[b] - W1[a]) - (W2[b] -
W2[a])). One sort of the 2F start and end moments gives every piece: O(F log F) in all,
never O(F x pieces) (Metaculus walks every forecast over every change point).

A pseudo-forecaster (the community forecast, `in_crowd` false) is scored against the whole
crowd without joining it: `100 * L/T * (ln p_c - S/n)` on pieces where n >= 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.core.batch import QuestionWindows

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ContinuousRules:
    """Per-forecast contributions (aligned with the rows passed in)."""

    length: Ints
    """Seconds the forecast stood inside the window; its coverage is length / T. A
    forecaster's coverage is their summed length over T, never a sum of rounded shares
    (which could exceed 1)."""
    baseline: Floats
    """100 * ln(p K) / ln K * coverage (binary: 100 * log2(2p) * coverage)."""
    peer: Floats
    """The forecast's share of its forecaster's peer score."""
    log: Floats
    """ln p * coverage (natural log)."""


def standing_intervals(
    *, question: Ints, pair: Ints, created_at: Ints, windows: QuestionWindows
) -> tuple[Ints, Ints]:
    """[start, end) of each forecast's standing interval, clipped to [open, actual_close].

    Rows are sorted by (question, user, created_at, order) and `pair` numbers the
    (question, user) runs. A forecast replaced before the window opens, or made at or
    after the close, gets an empty interval (end <= start)."""
    start = np.maximum(created_at, windows.open_time[question])
    end = windows.actual_close[question].copy()
    same_pair_next = pair[1:] == pair[:-1]
    end[:-1][same_pair_next] = np.minimum(end[:-1][same_pair_next], created_at[1:][same_pair_next])
    return start, end


def continuous_rules(
    *,
    question: Ints,
    pair: Ints,
    created_at: Ints,
    p: Floats,
    in_crowd: Bools,
    windows: QuestionWindows,
    withdrawn: Bools | None = None,
) -> ContinuousRules:
    """The continuous-time rules for forecasts sorted by (question, user, created_at,
    order); `pair` numbers the (question, user) runs in that order. A withdrawal row
    (`withdrawn`) ends its forecaster's standing forecast and stands for nothing itself:
    the span until their next forecast has no coverage and no peer score."""
    start, end = standing_intervals(
        question=question, pair=pair, created_at=created_at, windows=windows
    )
    length = np.maximum(end - start, 0)
    if withdrawn is not None:
        length[withdrawn] = 0
    duration = windows.duration[question].astype(np.float64)
    coverage = length / duration
    ln_p = np.log(p)
    options = windows.options[question]
    baseline = 100.0 * (ln_p + np.log(options)) / np.log(options) * coverage
    peer = np.zeros(p.size)
    stands = length > 0
    if stands.any():
        peer[stands] = _peer(
            question=question[stands],
            start=start[stands],
            end=end[stands],
            ln_p=ln_p[stands],
            in_crowd=in_crowd[stands],
            duration=windows.duration,
        )
    return ContinuousRules(length=length, baseline=baseline, peer=peer, log=ln_p * coverage)


def _peer(
    *,
    question: Ints,
    start: Ints,
    end: Ints,
    ln_p: Floats,
    in_crowd: Bools,
    duration: Ints,
) -> Floats:
    """Peer score of each standing forecast (all intervals non-empty)."""
    m = question.size
    ev_question = np.concatenate([question, question])
    ev_time = np.concatenate([start, end])
    crowd = in_crowd.astype(np.int64)
    # A pseudo-forecaster's moments split pieces (its p may change there) but change
    # neither n nor S.
    ev_count = np.concatenate([crowd, -crowd])
    ev_log = np.concatenate([np.where(in_crowd, ln_p, 0.0), np.where(in_crowd, -ln_p, 0.0)])

    # Sort the moments by (question, time) with one integer key when it fits in int64.
    t0 = int(ev_time.min())
    span = int(ev_time.max()) - t0 + 1
    if (int(ev_question.max()) + 1) * span < 2**62:
        key = ev_question * span + (ev_time - t0)
        by_moment = np.argsort(key, kind="stable")
        sorted_key = key[by_moment]
        new_moment = np.ones(2 * m, dtype=np.bool_)
        new_moment[1:] = sorted_key[1:] != sorted_key[:-1]
    else:
        by_moment = np.lexsort((ev_time, ev_question))
        sq, st = ev_question[by_moment], ev_time[by_moment]
        new_moment = np.ones(2 * m, dtype=np.bool_)
        new_moment[1:] = (sq[1:] != sq[:-1]) | (st[1:] != st[:-1])
    moment_of_event = np.cumsum(new_moment) - 1  # in sorted order
    moment = np.empty(2 * m, dtype=np.int64)
    moment[by_moment] = moment_of_event

    # State after each moment: the last event at that moment has the running totals. The
    # ln p of each question's events sum to zero (every interval ends inside its
    # question), so the running sum comes back to zero, up to rounding, between questions.
    last_event = np.ones(2 * m, dtype=np.bool_)
    last_event[:-1] = new_moment[1:]
    count = np.cumsum(ev_count[by_moment])[last_event]
    sums = np.cumsum(ev_log[by_moment])[last_event]
    moment_question = ev_question[by_moment][new_moment]
    moment_time = ev_time[by_moment][new_moment]
    first_moment = np.flatnonzero(
        np.concatenate(([True], moment_question[1:] != moment_question[:-1]))
    )
    # Take off what earlier questions left, so none of it leaks into this one.
    left_over = sums[first_moment] - _first_value(ev_log[by_moment], new_moment, first_moment)
    sums -= np.repeat(left_over, np.diff(np.append(first_moment, moment_question.size)))

    # Piece k runs from moment k to moment k+1 of the same question.
    length = np.zeros(moment_question.size)
    same_question = moment_question[1:] == moment_question[:-1]
    length[:-1] = np.where(same_question, np.diff(moment_time), 0)
    length /= duration[moment_question]
    n = count.astype(np.float64)
    a, b = moment[:m], moment[m:]
    with np.errstate(invalid="ignore", divide="ignore"):
        w1 = np.where(count >= 2, length * n / (n - 1), 0.0)
        w2 = np.where(count >= 2, length * sums / (n - 1), 0.0)
    p1, p2 = _question_prefix(w1, first_moment), _question_prefix(w2, first_moment)
    score = ln_p * (p1[b] - p1[a]) - (p2[b] - p2[a])
    pseudo = np.flatnonzero(~in_crowd)
    if pseudo.size:  # only batches with a pseudo-forecaster need its prefix sums
        with np.errstate(invalid="ignore", divide="ignore"):
            v1 = np.where(count >= 1, length, 0.0)
            v2 = np.where(count >= 1, length * sums / n, 0.0)
        q1, q2 = _question_prefix(v1, first_moment), _question_prefix(v2, first_moment)
        pa, pb = a[pseudo], b[pseudo]
        score[pseudo] = ln_p[pseudo] * (q1[pb] - q1[pa]) - (q2[pb] - q2[pa])
    return 100.0 * score


def _first_value(values: Floats, new_moment: Bools, first_moment: Ints) -> Floats:
    """The sum of the events at each question's first moment (its running sum there)."""
    at_moment = np.add.reduceat(values, np.flatnonzero(new_moment))
    return at_moment[first_moment]


def _question_prefix(weights: Floats, first_moment: Ints) -> Floats:
    """Prefix sums of the piece weights that restart at each question.

    Each question's total is taken off again at its last moment, whose piece is empty
    (the next moment belongs to another question) and so inside no forecast's interval:
    the running sum then restarts near zero, rounding stays relative to one question's
    sums rather than the whole batch's, and what a question inherits from the ones before
    is a constant that cancels in W[b] - W[a]."""
    totals = np.add.reduceat(weights, first_moment)
    last_moment = np.append(first_moment[1:], weights.size) - 1
    adjusted = weights.copy()
    adjusted[last_moment] -= totals
    out = np.zeros(weights.size + 1)
    np.cumsum(adjusted, out=out[1:])
    return out
