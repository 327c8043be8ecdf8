"""`score_batch` on the worked examples of SCORING.md sections 2, 3 and 4, and the
validation of its inputs."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from scoring.core.batch import QuestionWindows, ResolvedForecasts
from scoring.core.rules import BatchScores, score_batch

TOL = 5e-7
YES, NO = 1, 0
GEORGE, KRAMER, ELAINE, COMMUNITY = 1, 2, 3, 99
DAY = 86_400


def ts(text: str) -> int:
    """'2016-11-01 16:05' (UTC) as int epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def gmean(*values: float) -> float:
    return math.exp(sum(map(math.log, values)) / len(values))


def one_window(open_time: int, scheduled_close: int, actual_close: int | None = None, **kw):
    return QuestionWindows.from_arrays(
        open_time=[open_time],
        scheduled_close=[scheduled_close],
        actual_close=[scheduled_close if actual_close is None else actual_close],
        **kw,
    )


def binary(
    *rows: tuple[int, int, float], outcome: int, pseudo: tuple[int, ...] = ()
) -> ResolvedForecasts:
    """Rows of (user, created_at, p_yes) on question 0; `order` follows the row order."""
    return ResolvedForecasts.binary(
        question=[0] * len(rows),
        user=[u for u, _, _ in rows],
        created_at=[t for _, t, _ in rows],
        order=list(range(len(rows))),
        p_yes=[p for _, _, p in rows],
        outcome=[outcome],
        in_crowd=[u not in pseudo for u, _, _ in rows],
    )


def row(scores: BatchScores, user: int, question: int = 0) -> dict[str, float]:
    pairs = scores.pairs
    (i,) = np.flatnonzero((pairs.user == user) & (pairs.question == question))
    return {
        name: getattr(pairs, name)[i].item()
        for name in (
            "forecasts",
            "daily_brier",
            "active_days",
            "participation",
            "accuracy",
            "baseline",
            "peer",
            "log",
            "coverage",
        )
    }


def subset(got: dict[str, float], expected: dict[str, float]) -> dict[str, float]:
    return {name: got[name] for name in expected}


# --- Section 4: log-based scores on continuous time --------------------------------------

OPEN, CLOSE = 1_000_000, 1_000_000 + 10 * DAY
HALFWAY = (OPEN + CLOSE) // 2


@pytest.mark.parametrize(
    ("created_at", "p_yes", "outcome", "baseline", "coverage"),
    [
        # Metaculus's unit tests: p_yes 0.9 for the whole window, resolved yes ...
        (OPEN, 0.9, YES, 84.79969066, 1.0),
        # ... and the same forecast made halfway through.
        (HALFWAY, 0.9, YES, 42.39984533, 0.5),
        (OPEN, 0.1, NO, 84.79969066, 1.0),  # p is 1 - p_yes when it resolved no
        (OPEN - 5 * DAY, 0.9, YES, 84.79969066, 1.0),  # made before the open: stands from it
        (OPEN, 0.5, YES, 0.0, 1.0),
        (OPEN, 0.25, YES, -100.0, 1.0),  # 100 log2(2 * 0.25)
    ],
)
def test_baseline_worked_examples(
    created_at: int, p_yes: float, outcome: int, baseline: float, coverage: float
) -> None:
    s = score_batch(binary((GEORGE, created_at, p_yes), outcome=outcome), one_window(OPEN, CLOSE))
    got = row(s, GEORGE)
    assert got["baseline"] == pytest.approx(baseline, abs=1e-8)
    assert got["coverage"] == pytest.approx(coverage, abs=1e-12)
    p = p_yes if outcome == YES else 1 - p_yes
    assert got["log"] == pytest.approx(math.log(p) * coverage, abs=1e-12)
    assert got["peer"] == 0.0  # alone: n = 1


def test_peer_worked_example_three_forecasters() -> None:
    f = binary((GEORGE, OPEN, 0.1), (KRAMER, OPEN, 0.5), (ELAINE, OPEN, 0.9), outcome=YES)
    s = score_batch(f, one_window(OPEN, CLOSE))
    # Metaculus's unit tests: the geometric mean of the other two.
    assert row(s, GEORGE)["peer"] == pytest.approx(100 * math.log(0.1 / gmean(0.5, 0.9)))
    assert row(s, KRAMER)["peer"] == pytest.approx(100 * math.log(0.5 / gmean(0.1, 0.9)))
    assert row(s, ELAINE)["peer"] == pytest.approx(100 * math.log(0.9 / gmean(0.1, 0.5)))
    assert s.pairs.peer.sum() == pytest.approx(0.0, abs=1e-12)


def test_peer_score_is_time_weighted_over_pieces() -> None:
    # George alone for the first half (n = 1: nothing), then against Kramer.
    f = binary((GEORGE, OPEN, 0.8), (KRAMER, HALFWAY, 0.4), outcome=YES)
    s = score_batch(f, one_window(OPEN, CLOSE))
    assert row(s, GEORGE)["peer"] == pytest.approx(0.5 * 100 * math.log(0.8 / 0.4))
    assert row(s, KRAMER)["peer"] == pytest.approx(0.5 * 100 * math.log(0.4 / 0.8))


def test_a_pseudo_forecaster_is_scored_against_the_crowd_without_joining_it() -> None:
    f = binary(
        (GEORGE, OPEN, 0.1),
        (KRAMER, OPEN, 0.5),
        (ELAINE, OPEN, 0.9),
        (COMMUNITY, OPEN, 0.99),
        outcome=YES,
        pseudo=(COMMUNITY,),
    )
    s = score_batch(f, one_window(OPEN, CLOSE))
    # The crowd's scores are those of the three-forecaster example.
    assert row(s, GEORGE)["peer"] == pytest.approx(100 * math.log(0.1 / gmean(0.5, 0.9)))
    assert row(s, ELAINE)["peer"] == pytest.approx(100 * math.log(0.9 / gmean(0.1, 0.5)))
    # The community against the geometric mean of all three.
    assert row(s, COMMUNITY)["peer"] == pytest.approx(100 * math.log(0.99 / gmean(0.1, 0.5, 0.9)))
    assert s.pairs.in_crowd.tolist() == [True, True, True, False]
    # Not in the daily crowd median: with its Brier of 0.0002 the median of 1.62, 0.5 and
    # 0.02 would drop from 0.5 to 0.26.
    assert s.crowd_mean[0] == pytest.approx(2 * 0.5**2)
    community = row(s, COMMUNITY)
    assert community["accuracy"] == pytest.approx(2 * 0.01**2 - 0.5)


def test_early_resolution_truncates_toward_zero() -> None:
    # Scheduled for ten days, known after four: T stays ten days.
    open_time, scheduled = ts("2020-01-01 00:00"), ts("2020-01-11 00:00")
    known_at = ts("2020-01-05 00:00")
    f = binary(
        (GEORGE, open_time, 0.9),
        (KRAMER, ts("2020-01-03 00:00"), 0.5),
        (ELAINE, known_at, 0.99),  # at the actual close: never scored
        (GEORGE, ts("2020-01-06 00:00"), 0.1),  # after it: never scored
        outcome=YES,
    )
    s = score_batch(f, one_window(open_time, scheduled, known_at))
    assert s.scored_days.tolist() == [4]
    assert s.pairs.user.tolist() == [GEORGE, KRAMER]
    george, kramer = row(s, GEORGE), row(s, KRAMER)
    assert george["coverage"] == pytest.approx(0.4)
    assert george["baseline"] == pytest.approx(0.4 * 84.79969066)
    assert george["log"] == pytest.approx(0.4 * math.log(0.9))
    assert george["forecasts"] == 1
    assert kramer["coverage"] == pytest.approx(0.2)
    # Two days of the ten against each other.
    assert george["peer"] == pytest.approx(0.2 * 100 * math.log(0.9 / 0.5))
    assert kramer["peer"] == pytest.approx(-george["peer"])
    # Daily: George 0.02 on all four days, Kramer 0.5 on the last two.
    assert george["daily_brier"] == pytest.approx(0.02)
    assert george["participation"] == 1.0
    assert kramer["participation"] == 0.5
    assert s.crowd_mean[0] == pytest.approx((0.02 + 0.02 + 0.26 + 0.26) / 4)


def test_coverage_of_the_whole_window_split_over_forecasts_is_one() -> None:
    # Coverage is the share of the scheduled window a forecaster stood in: never more than
    # 1. Here George stands for all of it over three forecasts (T = 432,001 s); adding the
    # three float shares 259200/T + 172800/T + 1/T rounds to 1.0000000000000002, while the
    # sum of the lengths over T is exactly 1.
    t = 432_001
    f = binary((GEORGE, 0, 0.5), (GEORGE, 259_200, 0.5), (GEORGE, 432_000, 0.5), outcome=YES)
    coverage = row(score_batch(f, one_window(0, t)), GEORGE)["coverage"]
    assert 0.0 <= coverage <= 1.0
    assert coverage == pytest.approx(1.0, abs=1e-15)


def test_forecasts_replaced_in_the_same_second_stand_for_no_time() -> None:
    f = ResolvedForecasts.binary(
        question=[0, 0, 0],
        user=[GEORGE, GEORGE, KRAMER],
        created_at=[OPEN, OPEN, OPEN],
        order=[7, 3, 5],  # George's 0.9 (order 7) replaces his 0.2 (order 3)
        p_yes=[0.9, 0.2, 0.5],
        outcome=[YES],
    )
    s = score_batch(f, one_window(OPEN, CLOSE))
    george = row(s, GEORGE)
    assert george["forecasts"] == 2
    assert george["coverage"] == pytest.approx(1.0)
    assert george["baseline"] == pytest.approx(84.79969066)
    assert george["peer"] == pytest.approx(100 * math.log(0.9 / 0.5))
    assert george["daily_brier"] == pytest.approx(0.02)


def test_far_apart_questions_score_as_if_alone() -> None:
    # Times spread over more than 2**62 seconds times the number of questions take the
    # engine's two-key sort; whole-day shifts change neither daily nor continuous scores.
    f = binary((GEORGE, OPEN, 0.2), (KRAMER, HALFWAY, 0.7), (GEORGE, HALFWAY + 99, 0.6), outcome=1)
    alone = score_batch(f, one_window(OPEN, CLOSE))
    shift = 30_000_000_000_000 * DAY
    windows = QuestionWindows.from_arrays(
        open_time=[OPEN, OPEN + shift],
        scheduled_close=[CLOSE, CLOSE + shift],
        actual_close=[CLOSE, CLOSE + shift],
    )
    both = ResolvedForecasts.concatenate(
        [
            f,
            ResolvedForecasts.from_arrays(
                question=np.ones(len(f), dtype=np.int64),
                user=f.user,
                created_at=f.created_at + shift,
                order=f.order + 100,
                p=f.p,
                brier=f.brier,
            ),
        ]
    )
    s = score_batch(both, windows)
    for q in (0, 1):
        rows = s.pairs.question == q
        for name in ("daily_brier", "participation", "accuracy", "baseline", "peer", "log"):
            assert np.allclose(getattr(s.pairs, name)[rows], getattr(alone.pairs, name)), name
    assert s.scored_days.tolist() == [10, 10]


# --- Sections 2 and 3: Brier, daily Brier and the Accuracy score --------------------------


@pytest.mark.parametrize(
    ("p_yes", "outcome", "brier"),
    [(0.7, YES, 0.18), (0.7, NO, 0.98)],  # Good Judgment Open FAQ
)
def test_binary_brier_worked_examples(p_yes: float, outcome: int, brier: float) -> None:
    s = score_batch(
        binary((GEORGE, OPEN, p_yes), outcome=outcome), one_window(OPEN, OPEN + 3 * DAY)
    )
    assert row(s, GEORGE)["daily_brier"] == pytest.approx(brier, abs=1e-12)


def test_worked_example_a_cultivate() -> None:
    # Open 7 full days; p_yes 0.9 on days 1-3 and 0.95 on days 4-7; resolved yes.
    f = binary(
        (GEORGE, ts("2020-01-01 00:00"), 0.9), (GEORGE, ts("2020-01-04 12:00"), 0.95), outcome=YES
    )
    s = score_batch(f, one_window(ts("2020-01-01 00:00"), ts("2020-01-08 00:00")))
    assert s.scored_days.tolist() == [7]
    george = row(s, GEORGE)
    assert george["daily_brier"] == pytest.approx(0.0114286, abs=TOL)  # 0.08 / 7
    assert george["active_days"] == 7
    assert s.crowd_mean[0] == pytest.approx(0.0114286, abs=TOL)  # alone: the crowd is George


def test_worked_example_b_gjopen() -> None:
    f = binary(
        (GEORGE, ts("2016-11-01 16:05"), 0.30),
        (KRAMER, ts("2016-11-02 11:37"), 0.60),
        (GEORGE, ts("2016-11-03 09:09"), 0.50),
        (GEORGE, ts("2016-11-03 21:42"), 0.40),
        (KRAMER, ts("2016-11-05 11:45"), 0.70),
        outcome=YES,
    )
    s = score_batch(f, one_window(ts("2016-11-01 00:00"), ts("2016-11-08 00:00")))
    assert s.scored_days.tolist() == [7]
    # Daily medians 0.98, 0.65, 0.52, 0.52, 0.45, 0.45, 0.45.
    assert s.crowd_mean[0] == pytest.approx(0.574286, abs=TOL)
    george = {"daily_brier": 0.794286, "participation": 1, "accuracy": 0.22, "active_days": 7}
    assert subset(row(s, GEORGE), george) == pytest.approx(george, abs=TOL)
    # Not -0.378: dividing by participation is a known bug in one package, not the rule.
    kramer = {"daily_brier": 0.25, "participation": 6 / 7, "accuracy": -0.277959, "active_days": 6}
    assert subset(row(s, KRAMER), kramer) == pytest.approx(kramer, abs=TOL)


@pytest.mark.parametrize(
    ("outcome", "brier", "p"),
    [
        (0, 0.26, 0.6),  # Good Judgment Open FAQ: A 0.6, B 0.1, C 0.3, A happened
        (1, 0.6**2 + 0.9**2 + 0.3**2, 0.1),
        (2, 0.6**2 + 0.1**2 + 0.7**2, 0.3),
    ],
)
def test_multiple_choice_worked_example(outcome: int, brier: float, p: float) -> None:
    f = ResolvedForecasts.multiple_choice(
        question=[0],
        user=[GEORGE],
        created_at=[OPEN],
        order=[1],
        probabilities=[[0.6, 0.1, 0.3]],
        outcome=[outcome],
    )
    s = score_batch(f, one_window(OPEN, CLOSE, options=[3]))
    george = row(s, GEORGE)
    assert george["daily_brier"] == pytest.approx(brier, abs=1e-12)
    assert george["baseline"] == pytest.approx(100 * math.log(p * 3) / math.log(3))
    assert george["log"] == pytest.approx(math.log(p))
    assert george["coverage"] == pytest.approx(1.0)


def test_a_forecaster_with_no_active_day_has_no_daily_scores() -> None:
    # Kramer forecast on the close day, before the close: scored by the continuous rules,
    # never active on a scored day. Elaine only forecast after the close: no pair at all.
    close = ts("2020-01-05 15:00")
    f = binary(
        (GEORGE, ts("2020-01-01 00:00"), 0.9),
        (KRAMER, ts("2020-01-05 09:00"), 0.9),
        (ELAINE, ts("2020-01-05 16:00"), 0.9),
        outcome=YES,
    )
    s = score_batch(f, one_window(ts("2020-01-01 00:00"), close))
    assert s.pairs.user.tolist() == [GEORGE, KRAMER]
    kramer = row(s, KRAMER)
    assert kramer["active_days"] == 0
    assert kramer["participation"] == 0.0
    assert math.isnan(kramer["daily_brier"]) and math.isnan(kramer["accuracy"])
    assert kramer["coverage"] == pytest.approx(6 / (4 * 24 + 15))


def test_a_question_without_a_full_day_has_no_participation() -> None:
    s = score_batch(binary((GEORGE, OPEN, 0.9), outcome=YES), one_window(OPEN, OPEN + 60))
    george = row(s, GEORGE)
    assert s.scored_days.tolist() == [0]
    assert math.isnan(george["participation"]) and math.isnan(george["daily_brier"])
    assert math.isnan(s.crowd_mean[0])
    assert george["coverage"] == pytest.approx(1.0)


def test_an_empty_batch() -> None:
    f = ResolvedForecasts.binary(
        question=[], user=[], created_at=[], order=[], p_yes=[], outcome=[YES]
    )
    s = score_batch(f, one_window(OPEN, CLOSE))
    assert len(s.pairs) == 0
    assert s.scored_days.tolist() == [10]
    assert np.isnan(s.crowd_mean).all()


# --- Validation ----------------------------------------------------------------------------

W = {"open_time": [0, 0], "scheduled_close": [10, 20], "actual_close": [10, 15]}


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({**W, "actual_close": [10]}, ValueError, "equal lengths"),
        ({**W, "open_time": [0.0, 1.5]}, TypeError, "open_time must hold integers"),
        ({**W, "scheduled_close": [10, 0]}, ValueError, "scheduled_close must be after open_time"),
        ({**W, "scheduled_close": [0, 20]}, ValueError, "scheduled_close must be after open_time"),
        ({**W, "actual_close": [11, 15]}, ValueError, "never later"),
        ({**W, "options": [2, 1]}, ValueError, "options must be at least 2"),
        ({**W, "options": [2.0, 3.0]}, TypeError, "options must hold integers"),
        (
            {"open_time": [[0]], "scheduled_close": [[1]], "actual_close": [[1]]},
            ValueError,
            "must be 1-D",
        ),
    ],
)
def test_question_windows_validation(
    fields: dict[str, list[float]], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        QuestionWindows.from_arrays(**fields)


F = {
    "question": [0, 0],
    "user": [1, 2],
    "created_at": [5, 6],
    "order": [1, 2],
    "p": [0.5, 0.9],
    "brier": [0.5, 0.02],
}


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({**F, "user": [1]}, ValueError, "equal lengths"),
        ({**F, "created_at": [5.0, 6.5]}, TypeError, "created_at must hold integers"),
        ({**F, "order": [1.0, 2.0]}, TypeError, "order must hold integers"),
        ({**F, "p": [0.0, 0.9]}, ValueError, r"p must be within \(0, 1\]"),
        ({**F, "p": [float("nan"), 0.9]}, ValueError, r"p must be within \(0, 1\]"),
        ({**F, "p": [1.5, 0.9]}, ValueError, r"p must be within \(0, 1\]"),
        ({**F, "brier": [2.5, 0.0]}, ValueError, r"brier must be within \[0, 2\]"),
        ({**F, "order": [4, 4]}, ValueError, "order must be unique"),
        ({**F, "question": [-1, 0]}, ValueError, "question must hold positions"),
    ],
)
def test_resolved_forecasts_validation(
    fields: dict[str, list[float]], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        ResolvedForecasts.from_arrays(**fields)


B = {"question": [0, 1], "user": [1, 2], "created_at": [5, 6], "order": [1, 2]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**B, "p_yes": [0.5, 0.5], "outcome": [1, 2]}, r"outcome must be 0 \(no\) or 1 \(yes\)"),
        ({**B, "p_yes": [0.5, 1.5], "outcome": [1, 0]}, r"p_yes must be within \[0, 1\]"),
        ({**B, "p_yes": [0.5, 0.5], "outcome": [1]}, "every question position needs an outcome"),
        # p_yes 1 on a question that resolved no gives p = 0: the log scores are undefined.
        ({**B, "p_yes": [0.5, 1.0], "outcome": [1, 0]}, r"p must be within \(0, 1\]"),
    ],
)
def test_binary_validation(fields: dict[str, list[float]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ResolvedForecasts.binary(**fields)


@pytest.mark.parametrize(
    ("probabilities", "outcome", "message"),
    [
        ([0.6, 0.4], [0], r"probabilities must be \(forecasts, options\)"),
        ([[1.0], [1.0]], [0], r"probabilities must be \(forecasts, options\)"),
        ([[0.6, 0.1, 0.3]], [0], r"probabilities must be \(forecasts, options\)"),
        ([[0.6, 0.1, 0.3], [0.5, 0.5, 0.5]], [0], "sum to 1"),
        ([[0.6, 0.5, -0.1], [0.2, 0.3, 0.5]], [0], ">= 0"),
        ([[0.6, 0.1, 0.3], [0.2, 0.3, 0.5]], [3], "outcome must be an option index"),
        ([[0.6, 0.1, 0.3], [0.2, 0.3, 0.5]], [-1], "outcome must be an option index"),
        ([[0.6, 0.1, 0.3], [0.2, 0.3, 0.5]], [], "every question position needs an outcome"),
        # The option that happened was given 0: its log score is undefined.
        ([[0.0, 0.7, 0.3], [0.2, 0.3, 0.5]], [0], r"p must be within \(0, 1\]"),
    ],
)
def test_multiple_choice_validation(
    probabilities: list[list[float]], outcome: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ResolvedForecasts.multiple_choice(
            question=[0, 0],
            user=[1, 2],
            created_at=[5, 6],
            order=[1, 2],
            probabilities=probabilities,
            outcome=outcome,
        )


def test_score_batch_rejects_a_question_it_has_no_window_for() -> None:
    f = ResolvedForecasts.binary(
        question=[0, 1],
        user=[1, 1],
        created_at=[5, 6],
        order=[1, 2],
        p_yes=[0.5, 0.5],
        outcome=[1, 1],
    )
    with pytest.raises(ValueError, match="a forecast names a question position"):
        score_batch(f, one_window(0, 10))


def test_score_batch_rejects_a_forecaster_both_in_and_out_of_the_crowd() -> None:
    f = ResolvedForecasts.binary(
        question=[0, 0],
        user=[1, 1],
        created_at=[5, 6],
        order=[1, 2],
        p_yes=[0.5, 0.5],
        outcome=[1],
        in_crowd=[True, False],
    )
    with pytest.raises(ValueError, match="either in the crowd or a pseudo-forecaster"):
        score_batch(f, one_window(0, 10))
