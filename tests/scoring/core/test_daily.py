"""Daily Brier and Accuracy: the worked examples of SCORING.md section 3 and the window rules."""

from datetime import UTC, datetime

import numpy as np
import pytest

from scoring.core import (
    BinaryForecasts,
    DailyScores,
    actual_close_time,
    daily_brier_scores,
    scored_days,
)

TOL = 5e-7
YES, NO = 1, 0
GEORGE, KRAMER, ELAINE = 1, 2, 3


def ts(text: str) -> int:
    """'2016-11-01 16:05' (UTC) as int epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def forecasts(*rows: tuple[int, str, float]) -> BinaryForecasts:
    """Rows of (user, created_at, p_yes); `order` follows the row order."""
    return BinaryForecasts.from_arrays(
        user=[u for u, _, _ in rows],
        created_at=[ts(t) for _, t, _ in rows],
        p_yes=[p for _, _, p in rows],
        order=list(range(len(rows))),
    )


def by_user(scores: DailyScores, user: int) -> dict[str, float]:
    (i,) = np.flatnonzero(scores.users == user)
    return {
        "daily_brier": float(scores.daily_brier[i]),
        "participation": float(scores.participation[i]),
        "accuracy": float(scores.accuracy[i]),
        "active_days": int(scores.active_days[i]),
    }


# Worked example B (Good Judgment Open FAQ): open 2016-11-01 to 2016-11-07 inclusive.
EXAMPLE_B = forecasts(
    (GEORGE, "2016-11-01 16:05", 0.30),
    (KRAMER, "2016-11-02 11:37", 0.60),
    (GEORGE, "2016-11-03 09:09", 0.50),
    (GEORGE, "2016-11-03 21:42", 0.40),
    (KRAMER, "2016-11-05 11:45", 0.70),
)
B_OPEN = ts("2016-11-01 00:00")
B_CLOSE = ts("2016-11-08 00:00")


# --- the window ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("close", "expected_days"),
    [
        ("2016-11-08 00:00", 7),  # only full days before the close day count
        ("2016-11-07 15:00", 6),
        ("2016-11-07 23:59", 6),
        ("2016-11-02 00:00", 1),
        ("2016-11-01 18:00", 0),  # closes on the open day
        ("2016-10-30 00:00", 0),  # closes before it opens
    ],
)
def test_scored_days(close: str, expected_days: int) -> None:
    first, n = scored_days(ts("2016-11-01 00:00"), ts(close))
    assert (first, n) == (ts("2016-11-01 00:00"), expected_days)


def test_scored_days_start_on_the_open_day_even_when_it_opens_mid_day() -> None:
    assert scored_days(ts("2016-11-01 16:05"), ts("2016-11-08 00:00")) == (
        ts("2016-11-01 00:00"),
        7,
    )


@pytest.mark.parametrize(
    ("scheduled", "known_at", "expected"),
    [
        (200, None, 200),
        (200, 150, 150),  # outcome known early (possibly entered later, retroactively)
        (200, 250, 200),  # known after the scheduled close: the schedule wins
    ],
)
def test_actual_close_time(scheduled: int, known_at: int | None, expected: int) -> None:
    assert actual_close_time(scheduled, known_at) == expected


# --- worked examples ----------------------------------------------------------------------


def test_worked_example_a_cultivate() -> None:
    # Open 7 full days; p_yes 0.9 on days 1-3 and 0.95 on days 4-7; resolved yes.
    f = forecasts((GEORGE, "2020-01-01 00:00", 0.9), (GEORGE, "2020-01-04 12:00", 0.95))
    s = daily_brier_scores(
        f, open_time=ts("2020-01-01 00:00"), actual_close=ts("2020-01-08 00:00"), outcome=YES
    )
    assert s.scored_days == 7
    # With one user the daily medians are that user's daily Brier values.
    assert np.allclose(
        s.day_medians, [0.02, 0.02, 0.02, 0.005, 0.005, 0.005, 0.005], rtol=0, atol=TOL
    )
    assert by_user(s, GEORGE)["daily_brier"] == pytest.approx(0.0114286, abs=TOL)  # 0.08 / 7


def test_worked_example_b_gjopen() -> None:
    s = daily_brier_scores(EXAMPLE_B, open_time=B_OPEN, actual_close=B_CLOSE, outcome=YES)
    assert s.scored_days == 7
    assert s.first_day_start == B_OPEN
    assert list(s.users) == [GEORGE, KRAMER]
    assert np.allclose(s.day_medians, [0.98, 0.65, 0.52, 0.52, 0.45, 0.45, 0.45], rtol=0, atol=TOL)
    assert s.crowd_mean == pytest.approx(0.574286, abs=TOL)

    george = by_user(s, GEORGE)
    assert george["daily_brier"] == pytest.approx(0.794286, abs=TOL)
    assert george["participation"] == pytest.approx(1, abs=TOL)
    assert george["accuracy"] == pytest.approx(0.22, abs=TOL)
    assert george["active_days"] == 7

    kramer = by_user(s, KRAMER)
    assert kramer["daily_brier"] == pytest.approx(0.25, abs=TOL)
    assert kramer["participation"] == pytest.approx(6 / 7, abs=TOL)
    # Not -0.378: dividing by participation is a known bug in one package, not the rule.
    assert kramer["accuracy"] == pytest.approx(-0.277959, abs=TOL)
    assert kramer["active_days"] == 6


# --- the rules of section 3 ---------------------------------------------------------------


def test_close_mid_day_drops_the_close_day() -> None:
    # Same forecasts, closing 2016-11-07 15:00: six days, 11-01 to 11-06.
    s = daily_brier_scores(
        EXAMPLE_B, open_time=B_OPEN, actual_close=ts("2016-11-07 15:00"), outcome=YES
    )
    assert s.scored_days == 6
    assert np.allclose(s.day_medians, [0.98, 0.65, 0.52, 0.52, 0.45, 0.45], rtol=0, atol=TOL)
    assert by_user(s, GEORGE)["participation"] == pytest.approx(1.0)
    assert by_user(s, KRAMER)["participation"] == pytest.approx(5 / 6)


def test_forecast_replaced_the_same_day_has_no_weight() -> None:
    base = daily_brier_scores(EXAMPLE_B, open_time=B_OPEN, actual_close=B_CLOSE, outcome=YES)
    # George's 0.50 of 11-03 09:09 is replaced at 21:42 by 0.40, so dropping it changes
    # nothing; replacing it with something extreme changes nothing either.
    rows = [
        (GEORGE, "2016-11-01 16:05", 0.30),
        (KRAMER, "2016-11-02 11:37", 0.60),
        (GEORGE, "2016-11-03 00:00", 0.001),
        (GEORGE, "2016-11-03 21:42", 0.40),
        (KRAMER, "2016-11-05 11:45", 0.70),
    ]
    for f in (forecasts(*rows), forecasts(*(rows[:2] + rows[3:]))):
        s = daily_brier_scores(f, open_time=B_OPEN, actual_close=B_CLOSE, outcome=YES)
        assert np.array_equal(s.daily_brier, base.daily_brier)
        assert np.array_equal(s.day_medians, base.day_medians)
        assert np.array_equal(s.accuracy, base.accuracy)


def test_forecasts_at_or_after_actual_close_are_ignored() -> None:
    # Outcome known 2016-11-05 12:00; Elaine forecast exactly then and later (accepted
    # before the resolver entered known_at). Kramer's 11:45 forecast is before the close
    # but on the close day, which is not scored.
    close = ts("2016-11-05 12:00")
    rows = [
        (GEORGE, "2016-11-01 16:05", 0.30),
        (KRAMER, "2016-11-02 11:37", 0.60),
        (GEORGE, "2016-11-03 09:09", 0.50),
        (GEORGE, "2016-11-03 21:42", 0.40),
        (KRAMER, "2016-11-05 11:45", 0.70),
        (ELAINE, "2016-11-05 12:00", 0.99),
        (ELAINE, "2016-11-06 08:00", 0.99),
        (GEORGE, "2016-11-06 08:00", 0.99),
    ]
    s = daily_brier_scores(forecasts(*rows), open_time=B_OPEN, actual_close=close, outcome=YES)
    assert s.scored_days == 4
    assert list(s.users) == [GEORGE, KRAMER]
    assert np.allclose(s.day_medians, [0.98, 0.65, 0.52, 0.52], rtol=0, atol=1e-12)
    george = by_user(s, GEORGE)
    assert george["daily_brier"] == pytest.approx((0.98 * 2 + 0.72 * 2) / 4)
    assert george["participation"] == pytest.approx(1.0)
    kramer = by_user(s, KRAMER)
    assert kramer["daily_brier"] == pytest.approx(0.32)
    assert kramer["participation"] == pytest.approx(3 / 4)


def test_early_known_at_truncates_the_days() -> None:
    # Resolved yes with known_at 2016-11-03 00:00 (entered later): days 11-01 and 11-02.
    close = actual_close_time(B_CLOSE, ts("2016-11-03 00:00"))
    s = daily_brier_scores(EXAMPLE_B, open_time=B_OPEN, actual_close=close, outcome=YES)
    assert s.scored_days == 2
    assert np.allclose(s.day_medians, [0.98, 0.65], rtol=0, atol=1e-12)
    assert s.crowd_mean == pytest.approx(0.815)
    assert by_user(s, GEORGE) == pytest.approx(
        {"daily_brier": 0.98, "participation": 1.0, "accuracy": 0.165, "active_days": 2}
    )
    assert by_user(s, KRAMER) == pytest.approx(
        {"daily_brier": 0.32, "participation": 0.5, "accuracy": -0.2475, "active_days": 1}
    )


@pytest.mark.parametrize("rows_reversed", [False, True])
def test_equal_created_at_is_broken_by_order(rows_reversed: bool) -> None:
    # Two forecasts in the same second: the larger `order` (database id) is the later one.
    rows = [(GEORGE, ts("2016-11-01 10:00"), 0.2, 5), (GEORGE, ts("2016-11-01 10:00"), 0.8, 3)]
    if rows_reversed:
        rows.reverse()
    f = BinaryForecasts.from_arrays(
        user=[r[0] for r in rows],
        created_at=[r[1] for r in rows],
        p_yes=[r[2] for r in rows],
        order=[r[3] for r in rows],
    )
    s = daily_brier_scores(f, open_time=B_OPEN, actual_close=B_CLOSE, outcome=YES)
    assert by_user(s, GEORGE)["daily_brier"] == pytest.approx(2 * 0.8**2)  # p_yes 0.2 stands


def test_forecast_before_open_counts_from_the_first_day() -> None:
    f = forecasts(
        (GEORGE, "2016-10-20 08:00", 0.9),
        (GEORGE, "2016-10-25 08:00", 0.8),  # the one standing when the question opens
        (KRAMER, "2016-11-04 08:00", 0.5),
    )
    s = daily_brier_scores(f, open_time=ts("2016-11-01 12:00"), actual_close=B_CLOSE, outcome=NO)
    george = by_user(s, GEORGE)
    assert george["active_days"] == 7
    assert george["daily_brier"] == pytest.approx(2 * 0.8**2)
    assert by_user(s, KRAMER)["active_days"] == 4


def test_days_without_active_users_have_no_median() -> None:
    f = forecasts((KRAMER, "2016-11-02 11:37", 0.60), (KRAMER, "2016-11-05 11:45", 0.70))
    s = daily_brier_scores(f, open_time=B_OPEN, actual_close=B_CLOSE, outcome=YES)
    assert np.isnan(s.day_medians[0])
    assert np.allclose(s.day_medians[1:], [0.32, 0.32, 0.32, 0.18, 0.18, 0.18])
    # M averages only the days someone was active, so a lone forecaster's accuracy is 0.
    assert s.crowd_mean == pytest.approx(0.25)
    assert by_user(s, KRAMER)["accuracy"] == pytest.approx(0.0, abs=1e-12)


def test_resolved_no_uses_one_minus_p_yes() -> None:
    s = daily_brier_scores(EXAMPLE_B, open_time=B_OPEN, actual_close=B_CLOSE, outcome=NO)
    # George: 0.30 for 2 days, then 0.40 for 5 days, scored against "no".
    assert by_user(s, GEORGE)["daily_brier"] == pytest.approx((2 * 0.18 + 5 * 0.32) / 7)


def test_no_forecasts() -> None:
    empty = BinaryForecasts.from_arrays(user=[], created_at=[], p_yes=[], order=[])
    s = daily_brier_scores(empty, open_time=B_OPEN, actual_close=B_CLOSE, outcome=YES)
    assert s.scored_days == 7
    assert s.users.size == s.daily_brier.size == s.accuracy.size == 0
    assert np.isnan(s.day_medians).all() and s.day_medians.size == 7
    assert np.isnan(s.crowd_mean)


def test_zero_scored_days_gives_empty_results() -> None:
    s = daily_brier_scores(
        EXAMPLE_B, open_time=B_OPEN, actual_close=ts("2016-11-01 18:00"), outcome=YES
    )
    assert s.scored_days == 0
    for arr in (s.users, s.daily_brier, s.participation, s.accuracy, s.active_days):
        assert arr.size == 0
    assert s.day_medians.size == 0
    assert np.isnan(s.crowd_mean)


def test_bad_outcome_is_rejected() -> None:
    with pytest.raises(ValueError, match="outcome"):
        daily_brier_scores(EXAMPLE_B, open_time=B_OPEN, actual_close=B_CLOSE, outcome=2)


# --- BinaryForecasts ------------------------------------------------------------------------


def test_forecasts_sorted_by_user_then_time_then_order() -> None:
    f = BinaryForecasts.from_arrays(
        user=[2, 1, 2, 1], created_at=[5, 9, 5, 3], p_yes=[0.1, 0.2, 0.3, 0.4], order=[8, 1, 7, 2]
    )
    s = f.sorted_by_user_time()
    assert s.user.tolist() == [1, 1, 2, 2]
    assert s.created_at.tolist() == [3, 9, 5, 5]
    assert s.order.tolist() == [2, 1, 7, 8]
    assert s.p_yes.tolist() == [0.4, 0.2, 0.3, 0.1]
    assert len(s) == 4


def test_forecasts_convert_dtypes_and_are_read_only() -> None:
    f = BinaryForecasts.from_arrays(
        user=np.array([1, 2], dtype=np.int32), created_at=[10, 20], p_yes=[0, 1], order=[1, 2]
    )
    assert f.user.dtype == np.int64 and f.created_at.dtype == np.int64
    assert f.p_yes.dtype == np.float64 and f.order.dtype == np.int64
    with pytest.raises(ValueError):
        f.p_yes[0] = 0.5


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"user": [1, 2], "created_at": [1], "p_yes": [0.5], "order": [1]}, ValueError),
        ({"user": [1], "created_at": [1.5], "p_yes": [0.5], "order": [1]}, TypeError),
        ({"user": [1], "created_at": [1], "p_yes": [1.5], "order": [1]}, ValueError),
        ({"user": [1], "created_at": [1], "p_yes": [float("nan")], "order": [1]}, ValueError),
        ({"user": [1, 1], "created_at": [1, 1], "p_yes": [0.5, 0.6], "order": [4, 4]}, ValueError),
        ({"user": [[1]], "created_at": [[1]], "p_yes": [[0.5]], "order": [[1]]}, ValueError),
    ],
)
def test_forecasts_validation(fields: dict[str, list[float]], error: type[Exception]) -> None:
    with pytest.raises(error):
        BinaryForecasts.from_arrays(**fields)
