"""Withdrawals in the scoring core: a withdrawn span is time without a forecast under
every rule (docs/scoring.md, "Withdrawing and reaffirming"). Expectations are written
from the formulas of SCORING.md sections 3 and 4 by hand, never from the code under test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scoring.core.aggregate import METHODS, community_history
from scoring.core.batch import QuestionWindows, ResolvedForecasts
from scoring.core.points import calibration_weights
from scoring.core.rules import BatchScores, score_batch

DAY = 86_400
HOUR = 3_600
A, B, C = 1, 2, 3
WITHDRAW = None  # a row's probability when it is a withdrawal
# Seven full scored days; T = 7 days.
WINDOW = QuestionWindows.from_arrays(
    open_time=[0], scheduled_close=[7 * DAY], actual_close=[7 * DAY]
)
RULES = ("daily_brier", "active_days", "participation", "accuracy", "baseline", "peer", "log")


def batch(*rows: tuple[int, int, float | None], outcome: int = 1) -> ResolvedForecasts:
    """Rows of (user, created_at, p_yes or WITHDRAW) on question 0, in time order."""
    return ResolvedForecasts.binary(
        question=[0] * len(rows),
        user=[u for u, _, _ in rows],
        created_at=[t for _, t, _ in rows],
        order=list(range(len(rows))),
        p_yes=[0.5 if p is None else p for _, _, p in rows],
        outcome=[outcome],
        withdrawn=[p is None for _, _, p in rows],
    )


def scores_of(result: BatchScores, user: int) -> dict[str, float]:
    pairs = result.pairs
    (i,) = np.flatnonzero(pairs.user == user)
    names = ("forecasts", "coverage", *RULES)
    return {name: getattr(pairs, name)[i].item() for name in names}


def baseline(p: float, share: float) -> float:
    return 100 * math.log2(2 * p) * share


def test_withdrawing_and_never_returning_scores_as_a_history_that_ends_there():
    # A: 0.8 from the open, withdrawn on day 2 at noon (2.5 days of 7 covered).
    # B: 0.6 the whole window. Resolved yes.
    result = score_batch(
        batch((A, 0, 0.8), (B, 0, 0.6), (A, 2 * DAY + 12 * HOUR, WITHDRAW)), WINDOW
    )
    a, b = scores_of(result, A), scores_of(result, B)
    share = 2.5 / 7
    # Continuous rules: coverage stops at the withdrawal.
    assert a["coverage"] == pytest.approx(share, abs=1e-12)
    assert a["baseline"] == pytest.approx(baseline(0.8, share), abs=1e-9)
    assert a["log"] == pytest.approx(math.log(0.8) * share, abs=1e-12)
    # Peer: n = 2 while both stand, then A is out of n and S (B alone scores 0 there).
    peer = 100 * (math.log(0.8) - math.log(0.6)) * share
    assert a["peer"] == pytest.approx(peer, abs=1e-9)
    assert b["peer"] == pytest.approx(-peer, abs=1e-9)
    assert b["coverage"] == 1.0
    assert b["baseline"] == pytest.approx(baseline(0.6, 1.0), abs=1e-9)
    # Daily rules: A is active on days 0 and 1 only (withdrawn at the end of day 2).
    assert a["active_days"] == 2
    assert a["participation"] == pytest.approx(2 / 7)
    assert a["daily_brier"] == pytest.approx(2 * 0.2**2)
    # Crowd medians: days 0-1 median(0.08, 0.32) = 0.2; days 2-6 B alone, 0.32.
    crowd_mean = (2 * 0.2 + 5 * 0.32) / 7
    assert result.crowd_mean[0] == pytest.approx(crowd_mean)
    assert a["accuracy"] == pytest.approx((0.08 - crowd_mean) * 2 / 7)
    assert b["accuracy"] == pytest.approx((0.32 - crowd_mean) * 1)
    # A withdrawal is not a forecast.
    assert a["forecasts"] == 1


def test_a_withdrawal_scores_as_the_core_given_the_history_cut_at_the_withdrawal():
    """The same numbers as a forecaster whose forecast stood only until the withdrawal,
    for the rules that do not depend on the rest of the crowd: a lone forecaster whose
    forecast is replaced by nothing."""
    withdrawn = score_batch(batch((A, 0, 0.9), (A, 3 * DAY, WITHDRAW)), WINDOW)
    # By hand: 3 days of 7 at 0.9, no forecast after.
    a = scores_of(withdrawn, A)
    assert a["coverage"] == pytest.approx(3 / 7)
    assert a["baseline"] == pytest.approx(baseline(0.9, 3 / 7))
    assert a["log"] == pytest.approx(math.log(0.9) * 3 / 7)
    assert a["peer"] == 0.0
    assert (a["active_days"], a["daily_brier"]) == (3, pytest.approx(0.02))
    # Nobody stands from day 3: those days have no crowd median and do not count in M.
    assert withdrawn.crowd_mean[0] == pytest.approx(0.02)
    assert a["accuracy"] == pytest.approx(0.0)


def test_withdrawing_then_forecasting_again_leaves_the_gap_uncovered():
    # A: 0.8 at the open, withdrawn on day 2 at noon, 0.7 on day 4 at 06:00.
    result = score_batch(
        batch((A, 0, 0.8), (A, 2 * DAY + 12 * HOUR, WITHDRAW), (A, 4 * DAY + 6 * HOUR, 0.7)),
        WINDOW,
    )
    a = scores_of(result, A)
    first, second = 2.5 / 7, 2.75 / 7
    assert a["coverage"] == pytest.approx(first + second)
    assert a["baseline"] == pytest.approx(baseline(0.8, first) + baseline(0.7, second))
    assert a["log"] == pytest.approx(math.log(0.8) * first + math.log(0.7) * second)
    # Active: days 0, 1 (0.8) and 4, 5, 6 (0.7); days 2 and 3 end withdrawn.
    assert a["active_days"] == 5
    assert a["daily_brier"] == pytest.approx((2 * 0.08 + 3 * 0.18) / 5)
    assert a["forecasts"] == 2


def test_withdrawing_and_forecasting_again_the_same_day_keeps_the_day_active():
    result = score_batch(
        batch((A, 0, 0.8), (A, 2 * DAY + 1 * HOUR, WITHDRAW), (A, 2 * DAY + 3 * HOUR, 0.7)),
        WINDOW,
    )
    a = scores_of(result, A)
    assert a["active_days"] == 7
    assert a["daily_brier"] == pytest.approx((2 * 0.08 + 5 * 0.18) / 7)
    assert a["coverage"] == pytest.approx(1 - 2 / (7 * 24))


def test_a_withdrawal_after_the_close_changes_nothing():
    early = QuestionWindows.from_arrays(
        open_time=[0], scheduled_close=[7 * DAY], actual_close=[5 * DAY]
    )
    plain = score_batch(batch((A, 0, 0.8), (B, 0, 0.3)), early)
    late = score_batch(batch((A, 0, 0.8), (B, 0, 0.3), (A, 6 * DAY, WITHDRAW)), early)
    for user in (A, B):
        assert scores_of(late, user) == scores_of(plain, user)


def _random_rows(rng: np.random.Generator, users: int) -> list[tuple[int, int, float]]:
    rows = []
    for user in range(1, users + 1):
        for _ in range(int(rng.integers(1, 4))):
            rows.append((user, int(rng.integers(0, 7 * DAY)), float(rng.uniform(0.05, 0.95))))
    return sorted(rows, key=lambda row: row[1])


@pytest.mark.parametrize("seed", range(8))
def test_a_withdrawal_changes_the_others_only_through_the_peer_and_crowd_baselines(seed):
    rng = np.random.default_rng(seed)
    rows: list[tuple[int, int, float | None]] = list(_random_rows(rng, 5))
    user, first = next((u, t) for u, t, _ in rows)  # the first forecaster withdraws
    later = [t for u, t, _ in rows if u == user and t > first]
    at = int(rng.integers(first + 1, min(later) if later else 7 * DAY))
    withdrawn_rows = sorted([*rows, (user, at, WITHDRAW)], key=lambda row: row[1])
    without = score_batch(batch(*rows), WINDOW)
    with_withdrawal = score_batch(batch(*withdrawn_rows), WINDOW)
    for other in {u for u, _, _ in rows} - {user}:
        before, after = scores_of(without, other), scores_of(with_withdrawal, other)
        # Their own forecasts' rules are untouched ...
        for name in ("forecasts", "coverage", "baseline", "log", "daily_brier", "active_days"):
            assert after[name] == before[name], name
        # ... peer and Accuracy compare them with the crowd, which changed.
    # Peer scores still sum to zero over the crowd.
    assert with_withdrawal.pairs.peer.sum() == pytest.approx(0.0, abs=1e-9)


def test_a_reaffirm_leaves_every_score_but_the_forecast_count_unchanged():
    plain = score_batch(batch((A, 0, 0.8), (B, DAY, 0.4)), WINDOW)
    reaffirmed = score_batch(batch((A, 0, 0.8), (B, DAY, 0.4), (A, 3 * DAY + 5, 0.8)), WINDOW)
    before, after = scores_of(plain, A), scores_of(reaffirmed, A)
    assert after.pop("forecasts") == before.pop("forecasts") + 1
    assert after == pytest.approx(before, abs=1e-12)
    assert scores_of(reaffirmed, B) == pytest.approx(scores_of(plain, B), abs=1e-12)


# --- The community forecast ----------------------------------------------------------


def history(*rows: tuple[int, int, float | None]):
    return community_history(
        question=[0] * len(rows),
        user=[u for u, _, _ in rows],
        created_at=[t for _, t, _ in rows],
        order=list(range(len(rows))),
        p_yes=[0.5 if p is None else p for _, _, p in rows],
        withdrawn=[p is None for _, _, p in rows],
        start=[0],
        end=[7 * DAY],
    )


def test_the_community_median_after_a_withdrawal_leaves_the_forecaster_out():
    h = history((A, 0, 0.2), (B, 10, 0.6), (C, 20, 0.9), (C, 100, WITHDRAW))
    assert h.time.tolist() == [0, 10, 20, 100]
    assert h.forecasters.tolist() == [1, 2, 3, 2]
    assert h.values["median"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.4])
    assert h.values["mean"][-1] == pytest.approx(0.4)
    assert h.values["recency_weighted_median"][-1] == pytest.approx(0.4)


def test_no_community_forecast_while_everyone_has_withdrawn():
    h = history((A, 0, 0.2), (A, 50, WITHDRAW), (A, 80, 0.7))
    assert h.time.tolist() == [0, 50, 80]
    assert h.forecasters.tolist() == [1, 0, 1]
    for method in METHODS:
        assert math.isnan(h.values[method][1]), method
        assert h.values[method][2] == pytest.approx(0.7), method


# --- Calibration ----------------------------------------------------------------------


def test_calibration_weights_split_over_the_time_forecasts_stood():
    # A: 0.8 from 0 to 2 days, withdrawn until day 4, then 0.6 to the close (3 days).
    weights = calibration_weights(
        question=[0, 0, 0],
        user=[A, A, A],
        created_at=[0, 2 * DAY, 4 * DAY],
        order=[0, 1, 2],
        open_time=[0],
        actual_close=[7 * DAY],
        withdrawn=[False, True, False],
    )
    assert weights.time.tolist() == pytest.approx([0.4, 0.0, 0.6])
    assert weights.last.tolist() == [0.0, 0.0, 1.0]


def test_calibration_last_weighting_has_nothing_for_a_forecast_withdrawn_at_the_close():
    weights = calibration_weights(
        question=[0, 0],
        user=[A, A],
        created_at=[0, 5 * DAY],
        order=[0, 1],
        open_time=[0],
        actual_close=[7 * DAY],
        withdrawn=[False, True],
    )
    assert weights.time.tolist() == [1.0, 0.0]
    assert weights.last.tolist() == [0.0, 0.0]


def test_the_recency_sweep_also_has_no_value_while_everyone_has_withdrawn(monkeypatch):
    from scoring.core import aggregate

    monkeypatch.setattr(aggregate, "_RECENCY_CELLS", 0)  # always the incremental sweep
    h = history((A, 0, 0.2), (B, 5, 0.4), (A, 50, WITHDRAW), (B, 60, WITHDRAW), (A, 80, 0.7))
    values = h.values["recency_weighted_median"]
    assert h.forecasters.tolist() == [1, 2, 1, 0, 1]
    assert values[:3].tolist() == pytest.approx([0.2, 0.3, 0.4])
    assert math.isnan(values[3])
    assert values[4] == pytest.approx(0.7)
