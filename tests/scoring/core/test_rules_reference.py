"""`score_batch` against the slow reference (tests/scoring/core/reference.py) on random
batches, and the invariants every batch must satisfy.

Batches hold several questions, binary and multiple choice, with windows that open at any
second and close on schedule or early (even before they open), and forecasts before the
open, at and after the close, and many in the same second. Some forecasters are
pseudo-forecasters (the community forecast), scored against the crowd but never in it.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring.core.batch import QuestionWindows, ResolvedForecasts
from scoring.core.rules import BatchScores, score_batch
from tests.scoring.core import reference
from tests.scoring.core.reference import Forecast, Window

DAY = 86_400
TOL = 1e-9
FLOAT_FIELDS = ("daily_brier", "participation", "accuracy", "baseline", "peer", "log", "coverage")
EXACT_FIELDS = ("question", "user", "in_crowd", "forecasts", "active_days")


@dataclass(frozen=True)
class Batch:
    windows: list[Window]
    forecasts: list[Forecast]

    def inputs(self) -> tuple[ResolvedForecasts, QuestionWindows]:
        return engine_inputs(self.forecasts, self.windows)

    def fast(self) -> BatchScores:
        return score_batch(*self.inputs())

    def slow(self) -> reference.ReferenceScores:
        return reference.score(self.forecasts, self.windows)


def engine_inputs(
    forecasts: list[Forecast], windows: list[Window]
) -> tuple[ResolvedForecasts, QuestionWindows]:
    """The engine's inputs, built through its public constructors: `binary` for binary
    questions, `multiple_choice` for each number of options."""
    question_windows = QuestionWindows.from_arrays(
        open_time=[w.open_time for w in windows],
        scheduled_close=[w.scheduled_close for w in windows],
        actual_close=[w.actual_close for w in windows],
        options=[w.options for w in windows],
    )
    parts = []
    for k in sorted({windows[f.question].options for f in forecasts}):
        rows = [f for f in forecasts if windows[f.question].options == k]
        common = {
            "question": [f.question for f in rows],
            "user": [f.user for f in rows],
            "created_at": [f.created_at for f in rows],
            "order": [f.order for f in rows],
            "in_crowd": [f.in_crowd for f in rows],
        }
        # Outcomes are given per question position; positions of other kinds get 0.
        outcome = [w.outcome if w.options == k else 0 for w in windows]
        if k == 2:
            parts.append(
                ResolvedForecasts.binary(
                    **common, p_yes=[f.probabilities[1] for f in rows], outcome=outcome
                )
            )
        else:
            parts.append(
                ResolvedForecasts.multiple_choice(
                    **common, probabilities=[f.probabilities for f in rows], outcome=outcome
                )
            )
    if not parts:
        empty: list[int] = []
        resolved = ResolvedForecasts.from_arrays(
            question=empty, user=empty, created_at=empty, order=empty, p=[], brier=[]
        )
    else:
        resolved = ResolvedForecasts.concatenate(parts)
    return resolved, question_windows


def assert_matches_reference(got: BatchScores, want: reference.ReferenceScores) -> None:
    pairs = got.pairs
    for name in EXACT_FIELDS:
        assert getattr(pairs, name).tolist() == [getattr(r, name) for r in want.pairs], name
    for name in FLOAT_FIELDS:
        np.testing.assert_allclose(
            getattr(pairs, name),
            np.array([getattr(r, name) for r in want.pairs], dtype=np.float64),
            rtol=TOL,
            atol=TOL,
            equal_nan=True,
            err_msg=name,
        )
    assert got.scored_days.tolist() == want.scored_days
    np.testing.assert_allclose(got.crowd_mean, want.crowd_mean, rtol=TOL, atol=TOL, equal_nan=True)


def assert_identical(a: BatchScores, b: BatchScores) -> None:
    """Bit for bit: rows are sorted on a unique key before any arithmetic."""
    for name in EXACT_FIELDS + FLOAT_FIELDS:
        assert np.array_equal(getattr(a.pairs, name), getattr(b.pairs, name), equal_nan=True), name
    assert np.array_equal(a.scored_days, b.scored_days)
    assert np.array_equal(a.crowd_mean, b.crowd_mean, equal_nan=True)


# --- Strategies ---------------------------------------------------------------------------
# Strategies are built once and the raw draws turned into a batch afterwards: building
# strategies inside each example costs more than scoring it.

# Midnights: 2016-11-01 and 1969-12-02 (day arithmetic must floor before 1970 too).
_BASES = st.sampled_from([1_477_958_400, -30 * DAY])
_LENGTH = st.integers(1, 3 * DAY) | st.builds(
    lambda days, extra: max(1, days * DAY + extra),
    st.integers(1, 9),
    st.sampled_from([0, -1, 1]) | st.integers(-DAY, DAY),
)


@st.composite
def _windows(draw: st.DrawFn) -> Window:
    open_time = draw(_BASES) + draw(st.just(0) | st.integers(0, 2 * DAY))
    scheduled_close = open_time + draw(_LENGTH)
    match draw(st.sampled_from(["scheduled", "scheduled", "early", "landmark"])):
        case "scheduled":
            actual_close = scheduled_close
        case "early":
            # Anywhere in the window, or (a retroactive known_at) just before it opens.
            actual_close = draw(st.integers(open_time - 3_600, scheduled_close))
        case _:
            midnight = open_time - open_time % DAY + DAY
            actual_close = draw(
                st.sampled_from([open_time + 1, midnight, scheduled_close - 1, open_time])
            )
            actual_close = min(actual_close, scheduled_close)
    options = draw(st.sampled_from([2, 2, 3, 4]))
    return Window(
        open_time=open_time,
        scheduled_close=scheduled_close,
        actual_close=actual_close,
        options=options,
        outcome=draw(st.integers(0, options - 1)),
    )


# Each forecast is drawn as one integer and decoded field by field (one draw per row is
# several times faster than a tuple of draws; it still shrinks toward small values).
# A time is an offset in thousandths of the scheduled window, a landmark next to an edge
# (where off-by-one bugs live), or one of three shared seconds: ties are common.
_P_YES = (0.5, 0.001, 0.999, 0.3, 0.7, 0.01)
_FIELDS = (4, 6, 10, 1_401, 1_024, 30**4, 2_001)
_ROW = st.integers(0, math.prod(_FIELDS) - 1)
# A flat size distribution: lists default to short.
_ROWS = st.integers(0, 40).flatmap(lambda n: st.lists(_ROW, min_size=n, max_size=n))


@dataclass(frozen=True)
class _Row:
    question: int  # modulo the number of questions
    user: int  # modulo the number of users
    kind: int
    offset: int
    p_yes: float
    weights: tuple[int, int, int, int]
    order: int

    @classmethod
    def decode(cls, x: int, index: int) -> _Row:
        """Row `index` of a batch, from its integer; `order` is made unique by the index."""
        fields = []
        for size in _FIELDS:
            x, field = divmod(x, size)
            fields.append(field)
        question, user, kind, offset, p, weights, order = fields

        def weight(i: int) -> int:
            return 1 + weights // 30**i % 30

        return cls(
            question=question,
            user=user,
            kind=kind,
            offset=offset - 200,
            p_yes=_P_YES[p] if p < len(_P_YES) else 0.001 + 0.998 * p / 1_023,
            weights=(weight(0), weight(1), weight(2), weight(3)),
            order=(order - 1_000) * 64 + index,
        )

    def time(self, w: Window) -> int:
        length = w.scheduled_close - w.open_time
        step = self.offset % 3 - 1  # -1, 0 or 1 second
        match self.kind:
            case 0 | 1 | 2 | 3:
                return w.open_time + self.offset * length // 1_000
            case 4:
                return w.open_time + step
            case 5:
                return w.actual_close + step
            case 6:
                return w.scheduled_close + step
            case 7 | 8:
                day = self.offset % 12 - 1
                return w.open_time - w.open_time % DAY + day * DAY + step
            case _:
                return w.open_time + (1 + self.offset % 3) * length // 4


def _giving(p: float, w: Window) -> tuple[float, ...]:
    """A forecast giving p to the outcome that happened, the rest spread evenly."""
    rest = (1.0 - p) / (w.options - 1)
    return tuple(p if k == w.outcome else rest for k in range(w.options))


def _probabilities(w: Window, p_yes: float, weights: tuple[int, ...]) -> tuple[float, ...]:
    if w.options == 2:
        return reference.binary(p_yes)
    total = sum(weights[: w.options])
    return tuple(x / total for x in weights[: w.options])


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    windows = draw(st.lists(_windows(), min_size=1, max_size=4))
    users = draw(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=6, unique=True))
    pseudo = set(users[: draw(st.sampled_from([0, 1, 1, 2]))])  # often one, at times two
    forecasts = []
    for row in map(_Row.decode, draw(_ROWS), itertools.count()):
        w = windows[row.question % len(windows)]
        user = users[row.user % len(users)]
        forecasts.append(
            Forecast(
                question=row.question % len(windows),
                user=user,
                created_at=row.time(w),
                order=row.order,
                probabilities=_probabilities(w, row.p_yes, row.weights),
                in_crowd=user not in pseudo,
            )
        )
    return Batch(windows=windows, forecasts=forecasts)


fast_settings = settings(max_examples=80, deadline=None)


# --- Against the reference ----------------------------------------------------------------


@settings(max_examples=250, deadline=None)
@given(batches())
def test_matches_the_reference(batch: Batch) -> None:
    assert_matches_reference(batch.fast(), batch.slow())


@pytest.mark.parametrize("seed", range(3))
def test_matches_the_reference_on_crowded_batches(seed: int) -> None:
    # Hypothesis favours small cases; these are always crowded: 3 questions, 10 users and
    # 150 forecasts over two weeks, a third of them in the same few seconds.
    rng = random.Random(seed)
    for _ in range(5):
        windows = []
        for _ in range(3):
            open_time = 1_477_958_400 + rng.randrange(DAY)
            scheduled = open_time + rng.randrange(1, 14 * DAY)
            options = rng.choice([2, 3, 5])
            windows.append(
                Window(
                    open_time=open_time,
                    scheduled_close=scheduled,
                    actual_close=rng.choice([scheduled, rng.randrange(open_time, scheduled)]),
                    options=options,
                    outcome=rng.randrange(options),
                )
            )
        hot = [rng.randrange(-DAY, 15 * DAY) for _ in range(4)]
        forecasts = []
        for order in rng.sample(range(10_000), 150):
            q = rng.randrange(3)
            w = windows[q]
            offset = rng.choice(hot) if rng.random() < 0.3 else rng.randrange(-DAY, 15 * DAY)
            weights = [rng.randint(1, 50) for _ in range(w.options)]
            user = rng.randrange(10)
            forecasts.append(
                Forecast(
                    question=q,
                    user=user,
                    created_at=w.open_time + offset,
                    order=order,
                    probabilities=tuple(x / sum(weights) for x in weights),
                    in_crowd=user != 0,
                )
            )
        batch = Batch(windows=windows, forecasts=forecasts)
        assert_matches_reference(batch.fast(), batch.slow())


# --- Invariants ---------------------------------------------------------------------------


@fast_settings
@given(batches())
def test_peer_scores_of_the_crowd_sum_to_zero_on_each_question(batch: Batch) -> None:
    pairs = batch.fast().pairs
    for q in range(len(batch.windows)):
        crowd = (pairs.question == q) & pairs.in_crowd
        assert abs(pairs.peer[crowd].sum()) <= TOL


@fast_settings
@given(batches(), st.randoms(use_true_random=False))
def test_does_not_depend_on_row_order(batch: Batch, rnd: random.Random) -> None:
    forecasts, windows = batch.inputs()
    rows = list(range(len(forecasts)))
    rnd.shuffle(rows)
    assert_identical(
        score_batch(forecasts, windows),
        score_batch(forecasts.take(np.array(rows, dtype=np.intp)), windows),
    )


@fast_settings
@given(batches(), st.integers(0, 2**32))
def test_only_the_relative_order_of_order_matters(batch: Batch, seed: int) -> None:
    # Re-number `order` keeping its relative order, with arbitrary gaps and offset.
    rng = random.Random(seed)
    new_order, at = {}, rng.randrange(-(10**12), 10**12)
    for old in sorted(f.order for f in batch.forecasts):
        at += rng.randrange(1, 10**6)
        new_order[old] = at
    renumbered = [replace(f, order=new_order[f.order]) for f in batch.forecasts]
    assert_identical(batch.fast(), Batch(batch.windows, renumbered).fast())


@settings(max_examples=50, deadline=None)  # four scorings per example
@given(
    batches(),
    st.integers(0, 3),
    st.integers(0, 999),
    st.sampled_from([0.1, 0.4, 0.75]),
    st.sampled_from([0.2, 0.6, 0.95]),
)
def test_order_decides_which_same_second_forecast_stands(
    batch: Batch, q: int, at: int, first: float, second: float
) -> None:
    q %= len(batch.windows)
    w = batch.windows[q]
    assume(w.actual_close > w.open_time)
    t = w.open_time + at * (w.actual_close - w.open_time) // 1000  # inside the window
    newcomer = 10**13  # nobody else's id
    top = max((f.order for f in batch.forecasts), default=0)

    def scored(*extra: tuple[float, int]) -> BatchScores:
        rows = [Forecast(q, newcomer, t, order, _giving(p, w)) for p, order in extra]
        return Batch(batch.windows, batch.forecasts + rows).fast()

    second_later = scored((first, top + 1), (second, top + 2))
    first_later = scored((first, top + 2), (second, top + 1))
    # The one with the larger order stands; the other stands for zero time, as if it had
    # never been made (only the count of forecasts tells them apart).
    for got, alone in (
        (second_later, scored((second, top + 2))),
        (first_later, scored((first, top + 2))),
    ):
        assert got.pairs.forecasts[got.pairs.user == newcomer].tolist() == [2]
        assert alone.pairs.forecasts[alone.pairs.user == newcomer].tolist() == [1]
        for name in FLOAT_FIELDS:
            np.testing.assert_allclose(
                getattr(got.pairs, name),
                getattr(alone.pairs, name),
                rtol=TOL,
                atol=TOL,
                equal_nan=True,
                err_msg=name,
            )
    # Swapping the orders swaps which one stands: the newcomer's log score is ln p of the
    # standing forecast times the same positive coverage.
    (a,) = second_later.pairs.log[second_later.pairs.user == newcomer]
    (b,) = first_later.pairs.log[first_later.pairs.user == newcomer]
    assert a < 0 and b < 0
    assert a / b == pytest.approx(np.log(second) / np.log(first), rel=1e-9)


@fast_settings
@given(batches())
def test_coverage_is_a_share_of_the_window(batch: Batch) -> None:
    coverage = batch.fast().pairs.coverage
    assert np.all((coverage >= 0) & (coverage <= 1))


@fast_settings
@given(batches())
def test_a_pseudo_forecaster_never_changes_the_crowds_scores(batch: Batch) -> None:
    with_pseudo = batch.fast()
    crowd_only = Batch(batch.windows, [f for f in batch.forecasts if f.in_crowd]).fast()
    keep = with_pseudo.pairs.in_crowd
    for name in EXACT_FIELDS:
        assert np.array_equal(
            getattr(with_pseudo.pairs, name)[keep], getattr(crowd_only.pairs, name)
        )
    for name in FLOAT_FIELDS:
        np.testing.assert_allclose(
            getattr(with_pseudo.pairs, name)[keep],
            getattr(crowd_only.pairs, name),
            rtol=TOL,
            atol=TOL,
            equal_nan=True,
            err_msg=name,
        )
    assert np.array_equal(with_pseudo.scored_days, crowd_only.scored_days)
    np.testing.assert_allclose(
        with_pseudo.crowd_mean, crowd_only.crowd_mean, rtol=TOL, atol=TOL, equal_nan=True
    )


@fast_settings
@given(batches())
def test_questions_scored_together_or_alone_agree(batch: Batch) -> None:
    together = batch.fast()
    for q, w in enumerate(batch.windows):
        alone = Batch([w], [replace(f, question=0) for f in batch.forecasts if f.question == q])
        got = alone.fast()
        rows = together.pairs.question == q
        assert got.pairs.user.tolist() == together.pairs.user[rows].tolist()
        for name in ("in_crowd", "forecasts", "active_days"):
            assert np.array_equal(getattr(got.pairs, name), getattr(together.pairs, name)[rows])
        for name in FLOAT_FIELDS:
            np.testing.assert_allclose(
                getattr(got.pairs, name),
                getattr(together.pairs, name)[rows],
                rtol=TOL,
                atol=TOL,
                equal_nan=True,
                err_msg=name,
            )
        assert got.scored_days.tolist() == [together.scored_days[q]]
        np.testing.assert_allclose(
            got.crowd_mean, [together.crowd_mean[q]], rtol=TOL, atol=TOL, equal_nan=True
        )


@fast_settings
@given(batches(), st.integers(2, 4))
def test_threads_score_the_same_as_one_thread(batch: Batch, threads: int) -> None:
    # The questions are split into ranges scored side by side; pseudo-forecasters, early
    # closes and multiple choice included. Only rounding in the last digit may differ.
    forecasts, windows = batch.inputs()
    one = score_batch(forecasts, windows)
    many = score_batch(forecasts, windows, threads=threads)
    for name in EXACT_FIELDS:
        assert np.array_equal(getattr(one.pairs, name), getattr(many.pairs, name)), name
    for name in FLOAT_FIELDS:
        np.testing.assert_allclose(
            getattr(many.pairs, name),
            getattr(one.pairs, name),
            rtol=1e-12,
            atol=1e-12,
            equal_nan=True,
            err_msg=name,
        )
    assert np.array_equal(one.scored_days, many.scored_days)
    np.testing.assert_allclose(many.crowd_mean, one.crowd_mean, rtol=1e-12, equal_nan=True)
