"""Leaderboard statistics (SCORING.md section 8): values, ranks, the line, and bootstrap
intervals that resample questions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.core.leaderboard import (
    COVERAGE,
    COVERAGE_FLOOR,
    MEAN,
    LeaderboardTable,
    RuleInput,
    leaderboard_table,
    leaderboard_tables,
)

# (question, user, value, coverage)
ROWS = [
    (1, 10, -0.2, 0.5),
    (2, 10, 0.0, 1.0),
    (3, 10, -0.1, 0.25),
    (1, 20, -0.5, 1.0),
    (1, 30, 0.2, 0.5),
    (2, 30, 0.2, 0.5),
    (3, 30, float("nan"), 0.5),  # e.g. a daily rule without an active day: skipped
]


def table(
    kind: str, *, lower_is_better: bool = True, min_questions: int = 2, **kwargs: Any
) -> LeaderboardTable:
    q, u, v, c = (list(column) for column in zip(*ROWS, strict=True))
    return leaderboard_table(
        question=q,
        user=u,
        value=v,
        coverage=c,
        kind=kind,
        lower_is_better=lower_is_better,
        min_questions=min_questions,
        resamples=kwargs.pop("resamples", 0),
        **kwargs,
    )


def test_mean_rules_average_over_the_questions_a_user_was_scored_on():
    t = table(MEAN)
    by_user = {int(u): i for i, u in enumerate(t.user)}
    assert t.value[by_user[10]] == pytest.approx(-0.1)
    assert t.value[by_user[30]] == pytest.approx(0.2)  # the NaN row does not count
    assert t.questions[by_user[30]] == 2
    assert t.coverage[by_user[10]] == pytest.approx((0.5 + 1.0 + 0.25) / 3)
    assert np.isnan(t.total).all()


def test_coverage_rules_divide_the_sum_by_at_least_thirty():
    t = table(COVERAGE, lower_is_better=False)
    by_user = {int(u): i for i, u in enumerate(t.user)}
    assert t.total[by_user[10]] == pytest.approx(-0.3)
    assert t.value[by_user[10]] == pytest.approx(-0.3 / COVERAGE_FLOOR)
    assert t.coverage[by_user[10]] == pytest.approx(1.75)
    # With a floor below the coverage, the sum is divided by the coverage itself.
    small = table(COVERAGE, lower_is_better=False, floor=0.5)
    assert small.value[list(small.user).index(10)] == pytest.approx(-0.3 / 1.75)


def test_ranked_users_come_first_by_rank_then_the_others_by_value():
    t = table(MEAN, min_questions=2)
    assert [(int(u), int(r)) for u, r in zip(t.user, t.rank, strict=True)] == [
        (10, 1),
        (30, 2),
        (20, 0),  # one question: below the line of two, not ranked
    ]


def test_ties_share_the_competition_rank():
    t = leaderboard_table(
        question=[1, 1, 1, 1],
        user=[1, 2, 3, 4],
        value=[0.3, 0.1, 0.1, 0.5],
        coverage=[1, 1, 1, 1],
        kind=MEAN,
        lower_is_better=True,
        min_questions=1,
        resamples=0,
    )
    assert t.user.tolist() == [2, 3, 1, 4]
    assert t.rank.tolist() == [1, 1, 3, 4]


def test_excluded_users_are_listed_but_never_ranked():
    t = table(MEAN, min_questions=1, exclude_from_ranking=[20])
    ranks = dict(zip(t.user.tolist(), t.rank.tolist(), strict=True))
    assert ranks == {10: 1, 30: 2, 20: 0}


def test_bootstrap_is_seeded_so_a_rebuild_is_identical():
    first = table(MEAN, min_questions=1, resamples=200, seed=7)
    again = table(MEAN, min_questions=1, resamples=200, seed=7)
    other = table(MEAN, min_questions=1, resamples=200, seed=8)
    for name in ("ci_low", "ci_high", "rank_low", "rank_high"):
        assert np.array_equal(getattr(first, name), getattr(again, name), equal_nan=True)
    assert not np.array_equal(first.ci_low, other.ci_low, equal_nan=True)


def test_a_user_on_one_question_has_an_interval_of_one_value():
    t = table(MEAN, min_questions=1, resamples=300, seed=1)
    i = t.user.tolist().index(20)
    assert t.ci_low[i] == t.value[i] == t.ci_high[i]


def test_rules_of_one_scope_share_their_replicates():
    q, u, v, c = (np.array(column) for column in zip(*ROWS, strict=True))
    both = leaderboard_tables(
        question=q,
        user=u,
        rules={
            "a": RuleInput(v, c, MEAN, True),
            "b": RuleInput(v, c, MEAN, True),
        },
        min_questions=1,
        resamples=100,
        seed=3,
    )
    assert np.array_equal(both["a"].ci_low, both["b"].ci_low, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 5), st.floats(-3, 3), st.floats(0.01, 1)),
        min_size=1,
        max_size=40,
        unique_by=lambda row: (row[0], row[1]),
    ),
    st.sampled_from([MEAN, COVERAGE]),
)
def test_values_and_intervals_on_random_boards(rows, kind):
    q, u, v, c = (np.array(column) for column in zip(*rows, strict=True))
    t = leaderboard_table(
        question=q, user=u, value=v, coverage=c, kind=kind, lower_is_better=True,
        min_questions=1, resamples=200, seed=0,
    )  # fmt: skip
    for i, user in enumerate(t.user.tolist()):
        mine = u == user
        expected = (
            v[mine].mean() if kind == MEAN else v[mine].sum() / max(COVERAGE_FLOOR, c[mine].sum())
        )
        assert t.value[i] == pytest.approx(expected)
        assert t.questions[i] == mine.sum()
        # Replicates resample this user's own values: their mean stays within them.
        low, high = (v[mine].min(), v[mine].max()) if kind == MEAN else (-np.inf, np.inf)
        assert low - 1e-6 <= t.ci_low[i] <= t.ci_high[i] <= high + 1e-6
        assert 1 <= t.rank_low[i] <= t.rank_high[i] <= len(t)
    assert sorted(t.rank.tolist()) == sorted(
        (np.searchsorted(np.sort(t.value), t.value, side="left") + 1).tolist()
    )
