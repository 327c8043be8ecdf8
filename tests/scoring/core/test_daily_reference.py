"""The fast Daily Brier against a slow, obviously correct one, on random questions.

The reference walks day by day and user by user, straight from the words of SCORING.md
section 3, and shares no code with scoring.core (not even the day arithmetic).
"""

import random
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.core import BinaryForecasts, DailyScores, daily_brier_scores

DAY = 86_400
BASE = 1_478_000_000  # late October 2016


@dataclass(frozen=True)
class Row:
    user: int
    created_at: int
    p_yes: float
    order: int


@dataclass(frozen=True)
class Question:
    rows: list[Row]
    open_time: int
    actual_close: int
    outcome: int

    def forecasts(self, row_order: list[int] | None = None) -> BinaryForecasts:
        rows = self.rows if row_order is None else [self.rows[i] for i in row_order]
        return BinaryForecasts.from_arrays(
            user=[r.user for r in rows],
            created_at=[r.created_at for r in rows],
            p_yes=[r.p_yes for r in rows],
            order=[r.order for r in rows],
        )

    def fast(self, row_order: list[int] | None = None) -> DailyScores:
        return daily_brier_scores(
            self.forecasts(row_order),
            open_time=self.open_time,
            actual_close=self.actual_close,
            outcome=self.outcome,
        )


@dataclass(frozen=True)
class Reference:
    per_user: dict[int, tuple[float, float, float, int]]  # B_u, P_u, accuracy, |A_u|
    day_medians: list[float]
    crowd_mean: float


def utc_date(t: int) -> date:
    return datetime.fromtimestamp(t, UTC).date()


def end_of(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) + DAY


def reference(q: Question) -> Reference:
    days: list[date] = []
    d = utc_date(q.open_time)
    while d < utc_date(q.actual_close):
        days.append(d)
        d += timedelta(days=1)

    users = sorted({r.user for r in q.rows})
    daily: dict[int, list[float]] = {u: [] for u in users}
    day_medians: list[float] = []
    for d in days:
        today: list[float] = []
        for u in users:
            made = [
                r
                for r in q.rows
                if r.user == u and r.created_at < end_of(d) and r.created_at < q.actual_close
            ]
            if made:
                standing = max(made, key=lambda r: (r.created_at, r.order))
                b = 2 * (standing.p_yes - q.outcome) ** 2
                daily[u].append(b)
                today.append(b)
        day_medians.append(statistics.median(today) if today else float("nan"))

    with_someone = [m for m in day_medians if m == m]
    crowd = sum(with_someone) / len(with_someone) if with_someone else float("nan")
    per_user = {}
    for u, values in daily.items():
        if values:
            b_u = sum(values) / len(values)
            p_u = len(values) / len(days)
            per_user[u] = (b_u, p_u, (b_u - crowd) * p_u, len(values))
    return Reference(per_user=per_user, day_medians=day_medians, crowd_mean=crowd)


# Forecast times are drawn relative to the question (it is drawn first) so that these
# strategies can be built once: building strategies inside each example costs more than
# running the test. A time is either any offset from the open or a landmark next to an
# edge (a midnight, the open, the close), where off-by-one bugs live; landmarks also make
# equal timestamps common.
_TIME = st.one_of(
    st.tuples(st.just("offset"), st.integers(-2 * DAY, 12 * DAY)),
    st.tuples(st.just("midnight"), st.integers(-2, 12), st.sampled_from([-1, 0, 1])),
    st.tuples(st.sampled_from(["open", "close", "scheduled"]), st.sampled_from([-1, 0, 1])),
)
_PROB = st.sampled_from([0.0, 0.001, 0.3, 0.5, 0.7, 0.999, 1.0]) | st.floats(0, 1)
_ROWS = st.integers(0, 40).flatmap(  # a flat size distribution: lists default to short
    lambda n: st.lists(
        st.tuples(st.integers(0, 7), _TIME, _PROB, st.integers(-1000, 1000)),
        min_size=n,
        max_size=n,
        unique_by=lambda row: row[3],  # `order` is unique, as database ids are
    )
)


@st.composite
def questions(draw: st.DrawFn) -> Question:
    open_time = BASE + draw(st.integers(0, 2 * DAY))
    # Whole days plus or minus up to a day, so empty and one-day windows also come up.
    scheduled_close = open_time + draw(st.integers(1, 9)) * DAY + draw(st.integers(-DAY, DAY))
    # Mostly no early resolution; sometimes one anywhere around the window.
    early = draw(st.integers(0, 3)) == 0
    known_at = draw(st.integers(open_time - DAY, scheduled_close + DAY)) if early else None
    actual_close = scheduled_close if known_at is None else min(scheduled_close, known_at)
    user_ids = draw(st.lists(st.integers(-(10**12), 10**12), min_size=1, max_size=8, unique=True))

    def resolve(spec: tuple[str, int] | tuple[str, int, int]) -> int:
        match spec:
            case ("offset", dt):
                return open_time + dt
            case ("midnight", day, dt):
                return open_time - open_time % DAY + day * DAY + dt
            case ("open", dt):
                return open_time + dt
            case ("close", dt):
                return actual_close + dt
            case ("scheduled", dt):
                return scheduled_close + dt
        raise AssertionError(spec)

    rows = [
        Row(user=user_ids[u % len(user_ids)], created_at=resolve(t), p_yes=p, order=o)
        for u, t, p, o in draw(_ROWS)
    ]
    return Question(
        rows=rows,
        open_time=open_time,
        actual_close=actual_close,
        outcome=draw(st.sampled_from([0, 1])),
    )


fast_settings = settings(max_examples=200, deadline=None)


def assert_matches_reference(q: Question) -> None:
    got = q.fast()
    want = reference(q)

    assert got.scored_days == len(want.day_medians)
    assert got.users.tolist() == sorted(want.per_user)
    expected = np.array([want.per_user[u][:3] for u in got.users.tolist()]).reshape(-1, 3)
    assert np.allclose(got.daily_brier, expected[:, 0], rtol=0, atol=1e-9)
    assert np.allclose(got.participation, expected[:, 1], rtol=0, atol=1e-9)
    assert np.allclose(got.accuracy, expected[:, 2], rtol=0, atol=1e-9)
    assert got.active_days.tolist() == [want.per_user[u][3] for u in got.users.tolist()]
    assert np.allclose(got.day_medians, want.day_medians, rtol=0, atol=1e-9, equal_nan=True)
    assert np.allclose(got.crowd_mean, want.crowd_mean, rtol=0, atol=1e-9, equal_nan=True)


@fast_settings
@given(questions())
def test_matches_the_reference(q: Question) -> None:
    assert_matches_reference(q)


@pytest.mark.parametrize("seed", range(4))
def test_matches_the_reference_on_crowded_questions(seed: int) -> None:
    # Hypothesis favours small cases; these are always crowded: 8 users, 40 forecasts,
    # two weeks, many forecasts on the same day and in the same second.
    rng = np.random.default_rng(seed)
    for _ in range(50):
        open_time = BASE + int(rng.integers(0, DAY))
        close = open_time + int(rng.integers(1, 14 * DAY))
        times = rng.integers(open_time - 2 * DAY, close + DAY, size=40)
        times[rng.random(40) < 0.3] = times[0]  # same-second ties
        q = Question(
            rows=[
                Row(user=int(u), created_at=int(t), p_yes=float(p), order=int(o))
                for u, t, p, o in zip(
                    rng.integers(0, 8, size=40),
                    times,
                    rng.choice([0.1, 0.5, 0.9, rng.random()], size=40),
                    rng.permutation(40),
                    strict=True,
                )
            ],
            open_time=open_time,
            actual_close=close,
            outcome=int(rng.integers(0, 2)),
        )
        assert_matches_reference(q)


@fast_settings
@given(questions(), st.randoms(use_true_random=False))
def test_does_not_depend_on_row_order(q: Question, rnd: random.Random) -> None:
    row_order = list(range(len(q.rows)))
    rnd.shuffle(row_order)
    a, b = q.fast(), q.fast(row_order)
    # Bit-for-bit: the rows are sorted on a unique key before any arithmetic.
    for field in ("users", "daily_brier", "participation", "accuracy", "active_days"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert np.array_equal(a.day_medians, b.day_medians, equal_nan=True)
    assert np.array_equal(a.crowd_mean, b.crowd_mean, equal_nan=True)


@fast_settings
@given(questions())
def test_ranges(q: Question) -> None:
    s = q.fast()
    assert np.all((s.participation > 0) & (s.participation <= 1))
    assert np.all((s.active_days >= 1) & (s.active_days <= s.scored_days))
    assert np.all((s.daily_brier >= 0) & (s.daily_brier <= 2))
    medians = s.day_medians[~np.isnan(s.day_medians)]
    assert np.all((medians >= 0) & (medians <= 2))
    # |Accuracy| <= 2: both B_u and M lie in [0, 2] and P_u <= 1.
    assert np.all(np.abs(s.accuracy) <= 2)
