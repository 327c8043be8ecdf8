"""The community forecast (SCORING.md section 5): the pooling methods on hand-computed
sets, `community_history` against a brute-force rebuild at every moment, and fitting the
extremizing parameter."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from scoring.core import aggregate as aggregate_module
from scoring.core.aggregate import (
    EXTREMIZED_LOG_ODDS,
    GEOMETRIC_MEAN_ODDS,
    MEAN,
    MEDIAN,
    METHODS,
    RECENCY_WEIGHTED_MEDIAN,
    CommunityHistory,
    aggregate,
    community_history,
    fit_extremizing,
)

# --- One set of standing forecasts ---------------------------------------------------------


def test_geometric_mean_of_odds_worked_example() -> None:
    # 1.40 %, 2.21 %, 0.39 %, 0.40 %: about 1:119, i.e. 0.836 %; the arithmetic mean 1.10 %.
    p = [0.0140, 0.0221, 0.0039, 0.0040]
    pooled = aggregate(p, method=GEOMETRIC_MEAN_ODDS)
    assert f"{pooled:.3g}" == "0.00836"
    assert round((1 - pooled) / pooled) == 119
    assert aggregate(p, method=MEAN) == pytest.approx(0.0110, abs=1e-12)


@pytest.mark.parametrize(
    ("p_yes", "median"),
    [
        ([0.3], 0.3),
        ([0.9, 0.1], 0.5),
        ([0.3, 0.9, 0.1], 0.3),
        ([0.9, 0.1, 0.6, 0.2], 0.4),  # even count: the mean of the two middle values
        ([0.5, 0.5, 0.7, 0.7], 0.6),
        ([0.2, 0.2, 0.2, 0.8, 0.8, 0.8], 0.5),
    ],
)
def test_median(p_yes: list[float], median: float) -> None:
    assert aggregate(p_yes, method=MEDIAN) == pytest.approx(median, abs=1e-15)
    assert aggregate(p_yes) == pytest.approx(median, abs=1e-15)  # the default


# Weights of the n-th oldest of N >= 3: e, e^sqrt(2), e^sqrt(3), e^2, e^sqrt(5) =
# 2.71828, 4.11325, 5.65223, 7.38906, 9.35647.
@pytest.mark.parametrize(
    ("oldest_first", "expected"),
    [
        ([0.3], 0.3),
        # N <= 2: uniform weights, so the plain median (e and e^sqrt(2) would give 0.9).
        ([0.1, 0.9], 0.5),
        ([0.9, 0.1], 0.5),
        # N = 3: sorted by value 0.2 (e: 0.218 of the total 12.483), 0.5 (e^sqrt(3): up
        # to 0.671): the half lies in 0.5.
        ([0.2, 0.9, 0.5], 0.5),
        # N = 4, total 19.873. Newest highest: 0.1 0.137, 0.2 0.344, 0.8 0.628 -> 0.8,
        # where the plain median is 0.5.
        ([0.1, 0.2, 0.8, 0.9], 0.8),
        # Newest lowest: 0.1 (e^2) 0.372, 0.2 (e^sqrt(3)) 0.656 -> 0.2.
        ([0.9, 0.8, 0.2, 0.1], 0.2),
        # N = 5, total 29.229: 0.1 (e^sqrt(5)) 0.320, 0.2 (e^2) 0.573 -> 0.2; plain 0.3.
        ([0.5, 0.4, 0.3, 0.2, 0.1], 0.2),
        # Two recent high forecasts outweigh three older low ones: 0.1 (e) 0.093, 0.2
        # (e^sqrt(2)) 0.234, 0.3 (e^sqrt(3)) 0.427, 0.8 (e^sqrt(5)) 0.747 -> 0.8; plain 0.3.
        ([0.1, 0.2, 0.3, 0.9, 0.8], 0.8),
    ],
)
def test_recency_weighted_median(oldest_first: list[float], expected: float) -> None:
    assert aggregate(oldest_first, method=RECENCY_WEIGHTED_MEDIAN) == pytest.approx(
        expected, abs=1e-15
    )


def test_recency_weighted_median_needs_creation_order() -> None:
    with pytest.raises(ValueError, match="oldest first"):
        aggregate([0.1, 0.2, 0.3], method=RECENCY_WEIGHTED_MEDIAN, oldest_first=False)


@pytest.mark.parametrize(
    ("p_yes", "a", "expected"),
    [
        ([0.8], 2.0, 16 / 17),  # logit 0.8 = ln 4; doubled, ln 16
        ([0.8], 1.0, 0.8),
        ([0.2, 0.8], 3.0, 0.5),  # mean logit 0 stays 0
        ([0.9, 0.9], 0.5, 0.75),  # logit = ln 9; halved, ln 3
    ],
)
def test_extremized_log_odds(p_yes: list[float], a: float, expected: float) -> None:
    assert aggregate(p_yes, method=EXTREMIZED_LOG_ODDS, a=a) == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.001, 0.999), min_size=1, max_size=20))
def test_extremized_with_a_one_is_the_geometric_mean_of_odds(p_yes: list[float]) -> None:
    pooled = aggregate(p_yes, method=EXTREMIZED_LOG_ODDS, a=1.0)
    assert pooled == aggregate(p_yes, method=GEOMETRIC_MEAN_ODDS)
    # odds = prod(p / (1 - p))^(1/N), p = odds / (1 + odds)
    odds = math.prod(p / (1 - p) for p in p_yes) ** (1 / len(p_yes))
    assert pooled == pytest.approx(odds / (1 + odds), rel=1e-9)


def test_empty_set_and_bad_arguments() -> None:
    for method in METHODS:
        assert math.isnan(aggregate([], method=method))
    with pytest.raises(ValueError, match="unknown method 'mode'"):
        aggregate([0.5], method="mode")
    with pytest.raises(ValueError, match="1-D"):
        aggregate([[0.5]])


# --- Histories ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    question: int
    user: int
    created_at: int
    order: int
    p_yes: float


@dataclass(frozen=True)
class Histories:
    rows: list[Row]
    start: list[int]
    end: list[int]
    since: list[int] | None
    methods: tuple[str, ...]
    a: float

    def fast(self) -> CommunityHistory:
        return community_history(
            question=[r.question for r in self.rows],
            user=[r.user for r in self.rows],
            created_at=[r.created_at for r in self.rows],
            order=[r.order for r in self.rows],
            p_yes=[r.p_yes for r in self.rows],
            start=self.start,
            end=self.end,
            methods=self.methods,
            a=self.a,
            since=self.since,
        )


def brute_force(h: Histories) -> list[tuple[int, int, int, dict[str, float]]]:
    """(question, time, forecasters, values) at every moment the standing set changes:
    each forecaster's latest forecast so far, recomputed from scratch and pooled with
    `aggregate`."""
    points = []
    for q, (start, end) in enumerate(zip(h.start, h.end, strict=True)):
        made = [r for r in h.rows if r.question == q and r.created_at < end]
        for t in sorted({max(r.created_at, start) for r in made}):
            if h.since is not None and t < h.since[q]:
                continue
            standing: dict[int, Row] = {}
            for r in sorted(made, key=lambda r: (r.created_at, r.order)):
                if r.created_at <= t:
                    standing[r.user] = r
            oldest_first = sorted(standing.values(), key=lambda r: (r.created_at, r.order))
            p = [r.p_yes for r in oldest_first]
            values = {m: aggregate(p, method=m, a=h.a) for m in h.methods}
            points.append((q, t, len(p), values))
    return points


_P_YES = st.sampled_from([0.1, 0.2, 0.5, 0.7, 0.9]) | st.floats(0.01, 0.99)


@st.composite
def histories(draw: st.DrawFn) -> Histories:
    n_questions = draw(st.integers(1, 3))
    # Windows of different questions overlap in time.
    start = [draw(st.integers(0, 50)) for _ in range(n_questions)]
    end = [s + draw(st.integers(1, 100)) for s in start]
    n = draw(st.integers(0, 30))
    raw = draw(
        st.lists(
            st.tuples(
                st.integers(0, 2),
                st.integers(0, 6),
                st.integers(-20, 120),  # before the start, in the window, at or after the end
                st.integers(-1_000, 1_000),
                _P_YES,
            ),
            min_size=n,
            max_size=n,
            unique_by=lambda row: row[3],  # `order` is unique, as database ids are
        )
    )
    rows = [
        Row(
            question=q % n_questions,
            user=u,
            created_at=start[q % n_questions] + t,
            order=o,
            p_yes=p,
        )
        for q, u, t, o, p in raw
    ]
    since = None
    if draw(st.booleans()):
        since = [s + draw(st.integers(-10, 110)) for s in start]
    methods = tuple(sorted(draw(st.sets(st.sampled_from(METHODS), min_size=1))))
    if draw(st.booleans()):
        methods = METHODS
    return Histories(
        rows=rows,
        start=start,
        end=end,
        since=since,
        methods=methods,
        a=draw(st.sampled_from([1.0, 0.7, 2.5])),
    )


def assert_matches_brute_force(h: Histories) -> None:
    got = h.fast()
    want = brute_force(h)
    assert got.question.tolist() == [q for q, _, _, _ in want]
    assert got.time.tolist() == [t for _, t, _, _ in want]
    assert got.forecasters.tolist() == [n for _, _, n, _ in want]
    assert sorted(got.values) == sorted(h.methods)
    for method in h.methods:
        np.testing.assert_allclose(
            got.values[method],
            np.array([v[method] for _, _, _, v in want], dtype=np.float64),
            rtol=1e-12,
            atol=1e-15,
            err_msg=method,
        )


@pytest.mark.parametrize(
    "recency_cells",
    [
        None,  # the engine's own: small questions take the dense table
        4,  # most questions take the incremental sweep, tiny ones the table
        0,  # every question takes the sweep
    ],
)
@settings(max_examples=100, deadline=None)
@given(histories())
def test_community_history_matches_the_brute_force(recency_cells: int | None, h: Histories) -> None:
    with pytest.MonkeyPatch.context() as patch:
        if recency_cells is not None:
            patch.setattr(aggregate_module, "_RECENCY_CELLS", recency_cells)
        assert_matches_brute_force(h)


@pytest.mark.parametrize("recency_cells", [None, 0])
@pytest.mark.parametrize("seed", range(3))
def test_community_history_on_crowded_questions(seed: int, recency_cells: int | None) -> None:
    # 40 users updating 300 times over one window, many in the same second.
    rng = np.random.default_rng(seed)
    times = rng.integers(-50, 600, size=300)
    times[rng.random(300) < 0.3] = 77
    h = Histories(
        rows=[
            Row(question=0, user=int(u), created_at=int(t), order=int(o), p_yes=float(p))
            for u, t, o, p in zip(
                rng.integers(0, 40, size=300),
                times,
                rng.permutation(300),
                rng.choice([0.2, 0.5, 0.8, rng.uniform(0.01, 0.99)], size=300),
                strict=True,
            )
        ],
        start=[0],
        end=[500],
        since=[int(rng.integers(0, 400))] if seed else None,
        methods=METHODS,
        a=1.5,
    )
    with pytest.MonkeyPatch.context() as patch:
        if recency_cells is not None:
            patch.setattr(aggregate_module, "_RECENCY_CELLS", recency_cells)
        assert_matches_brute_force(h)


@pytest.mark.parametrize(
    ("p_yes", "methods", "message"),
    [
        ([0.0], METHODS, r"p_yes must be within \(0, 1\)"),
        ([1.0], METHODS, r"p_yes must be within \(0, 1\)"),
        ([0.5], ("median", "mode"), "unknown method 'mode'"),
    ],
)
def test_community_history_validation(
    p_yes: list[float], methods: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        community_history(
            question=[0],
            user=[1],
            created_at=[5],
            order=[1],
            p_yes=p_yes,
            start=[0],
            end=[10],
            methods=methods,
        )


# --- Fitting the extremizing parameter ----------------------------------------------------


@pytest.mark.parametrize("a_true", [0.8, 1.0, 2.0, 3.0])
def test_fit_extremizing_recovers_a_known_a(a_true: float) -> None:
    rng = np.random.default_rng(int(a_true * 10))
    n = 20_000
    mean_logit = rng.normal(0.0, 1.5, size=n)
    outcome = (rng.random(n) < special.expit(a_true * mean_logit)).astype(np.int64)
    fit = fit_extremizing(
        question=np.arange(n), mean_logit=mean_logit, weight=np.ones(n), outcome=outcome
    )
    assert fit.a == pytest.approx(a_true, abs=0.1)
    assert fit.questions == n
    assert fit.log_loss <= fit.log_loss_unextremized


def test_fit_extremizing_counts_each_question_once() -> None:
    rng = np.random.default_rng(7)
    n = 2_000
    mean_logit = rng.normal(0.0, 1.5, size=n)
    outcome = (rng.random(n) < special.expit(2.0 * mean_logit)).astype(np.int64)
    once = fit_extremizing(
        question=np.arange(n), mean_logit=mean_logit, weight=np.ones(n), outcome=outcome
    )
    # The same questions with each point split in two, in any proportion and any scale.
    share = rng.uniform(0.1, 0.9, size=n)
    scale = rng.uniform(0.1, 100.0, size=n)
    split = fit_extremizing(
        question=np.tile(np.arange(n), 2),
        mean_logit=np.tile(mean_logit, 2),
        weight=np.concatenate([share * scale, (1 - share) * scale]),
        outcome=np.tile(outcome, 2),
    )
    assert split.a == pytest.approx(once.a, abs=1e-6)
    assert split.log_loss == pytest.approx(once.log_loss, rel=1e-9)
    assert split.questions == once.questions == n


def test_fit_extremizing_log_loss_by_hand() -> None:
    # Question 0 resolved yes with points at logit 1 (weight 1) and 3 (weight 3); question
    # 1 resolved no at logit -2. Loss at a = 1, nats per question:
    # (0.25 ln(1 + e^-1) + 0.75 ln(1 + e^-3) + ln(1 + e^-2)) / 2.
    fit = fit_extremizing(
        question=[0, 0, 1], mean_logit=[1, 3, -2], weight=[1, 3, 5], outcome=[1, 1, 0]
    )
    expected = (
        0.25 * math.log1p(math.exp(-1)) + 0.75 * math.log1p(math.exp(-3)) + math.log1p(math.exp(-2))
    ) / 2
    assert fit.log_loss_unextremized == pytest.approx(expected, rel=1e-12)
    # Every point is on the right side: the more extreme the better, up to the bound.
    assert fit.a == pytest.approx(5.0, abs=1e-4)
    assert fit.log_loss < fit.log_loss_unextremized


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"question": [0, 1], "mean_logit": [1.0], "weight": [1, 1], "outcome": [1, 0]},
            "equal lengths",
        ),
        (
            {"question": [0], "mean_logit": [1.0], "weight": [1], "outcome": [2]},
            "outcome must be 0 or 1",
        ),
        (
            {"question": [0], "mean_logit": [1.0], "weight": [-1], "outcome": [1]},
            "weights must be >= 0",
        ),
        ({"question": [0], "mean_logit": [np.inf], "weight": [1], "outcome": [1]}, "finite"),
        (
            {"question": [0, 1], "mean_logit": [1.0, 2.0], "weight": [1, 0], "outcome": [1, 0]},
            "positive weight",
        ),
        ({"question": [], "mean_logit": [], "weight": [], "outcome": []}, "positive weight"),
    ],
)
def test_fit_extremizing_validation(fields: dict[str, list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_extremizing(**fields)
