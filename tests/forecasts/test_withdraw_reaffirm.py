"""Withdrawing and reaffirming a forecast, through the database: the services, every
reader of standing forecasts (community, spread, calibration, record), the community
history and the scores."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from forecasts.models import AppendOnlyError, CommunityPoint, Forecast, Withdrawal
from forecasts.selectors import (
    community_forecast,
    forecast_history_from,
    forecast_spread,
    forecasts_of_user,
    latest_forecasts_on_unresolved,
    standing_forecast_of,
)
from forecasts.services import NoStandingForecast, forecast_reaffirm, forecast_withdraw
from questions.services import question_resolve
from scoring.models import Score
from scoring.selectors.calibration import calibration_points
from scoring.services import question_score
from scoring.services.community import community_update
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
OPEN = datetime(2016, 11, 1, tzinfo=UTC)


def test_withdraw_ends_the_standing_forecast_and_keeps_it(
    user, queued, django_capture_on_commit_callbacks
):
    question = QuestionFactory()
    forecast = ForecastFactory(user=user, question=question, probability=0.7)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = forecast_withdraw(user=user, question=question, origin="web")
    assert withdrawal.created_at > forecast.created_at
    assert standing_forecast_of(user=user, question=question) is None
    assert Forecast.objects.filter(pk=forecast.pk).exists()  # kept in the history
    (listed,) = forecasts_of_user(user=user, question=question)
    assert listed.withdrawn_at == withdrawal.created_at
    # The community history is asked to update, as for a new forecast.
    assert queued.update_community.called


def test_withdraw_needs_a_standing_forecast(user):
    question = QuestionFactory()
    with pytest.raises(NoStandingForecast, match="no standing forecast"):
        forecast_withdraw(user=user, question=question, origin="web")
    ForecastFactory(user=user, question=question)
    forecast_withdraw(user=user, question=question, origin="web")
    with pytest.raises(NoStandingForecast):
        forecast_withdraw(user=user, question=question, origin="web")
    with pytest.raises(NoStandingForecast):
        forecast_reaffirm(user=user, question=question, origin="web")
    assert Withdrawal.objects.count() == 1


def test_withdraw_and_reaffirm_only_while_the_question_is_open(user):
    closed = QuestionFactory(open_time=timezone.now() - 40 * DAY)
    ForecastFactory(user=user, question=closed, created_at=timezone.now() - 35 * DAY)
    for change in (forecast_withdraw, forecast_reaffirm):
        with pytest.raises(ValidationError) as refused:
            change(user=user, question=closed, origin="api")
        assert list(refused.value.message_dict) == ["question"]
    assert Withdrawal.objects.count() == 0
    assert Forecast.objects.count() == 1


def test_withdrawals_are_append_only(user):
    question = QuestionFactory()
    ForecastFactory(user=user, question=question)
    withdrawal = forecast_withdraw(user=user, question=question, origin="web")
    with pytest.raises(AppendOnlyError):
        withdrawal.save()
    with pytest.raises(AppendOnlyError):
        Withdrawal.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Withdrawal.objects.update(origin="api")


def test_a_new_forecast_after_a_withdrawal_stands_again(user):
    question = QuestionFactory()
    ForecastFactory(user=user, question=question, created_at=timezone.now() - DAY)
    forecast_withdraw(user=user, question=question, origin="web")
    again = ForecastFactory(user=user, question=question, probability=0.2)
    assert standing_forecast_of(user=user, question=question) == again
    history = forecast_history_from(list(forecasts_of_user(user=user, question=question)))
    assert [entry.kind for entry in history] == ["forecast", "withdrawn", "forecast"]


def test_reaffirm_records_the_same_probability_anew(user):
    question = QuestionFactory()
    first = ForecastFactory(
        user=user,
        question=question,
        probability=0.42,
        rationale="why",
        created_at=timezone.now() - DAY,
    )
    again = forecast_reaffirm(user=user, question=question, origin="api")
    assert again.pk != first.pk
    assert (again.probability, again.rationale, again.reaffirmed, again.origin) == (
        0.42,
        "",
        True,
        "api",
    )
    assert again.created_at > first.created_at
    assert standing_forecast_of(user=user, question=question) == again
    history = forecast_history_from(list(forecasts_of_user(user=user, question=question)))
    assert [entry.kind for entry in history] == ["reaffirmed", "forecast"]


def test_the_community_median_and_the_spread_leave_a_withdrawn_forecaster_out():
    question = QuestionFactory()
    users = [UserFactory() for _ in range(3)]
    for person, probability in zip(users, (0.2, 0.6, 0.9), strict=True):
        ForecastFactory(user=person, question=question, probability=probability)
    assert community_forecast(question=question).median == 0.6
    forecast_withdraw(user=users[2], question=question, origin="web")
    community = community_forecast(question=question)
    assert (community.median, community.forecasters) == (pytest.approx(0.4), 2)
    spread = forecast_spread(question=question)
    assert spread.counts == [0, 0, 1, 0, 0, 0, 1, 0, 0, 0]


def test_the_community_history_drops_the_forecaster_from_the_withdrawal(user):
    question = QuestionFactory(open_time=timezone.now() - 3 * DAY)
    other = UserFactory()
    ForecastFactory(
        user=other, question=question, probability=0.3, created_at=timezone.now() - 2 * DAY
    )
    ForecastFactory(user=user, question=question, probability=0.9, created_at=timezone.now() - DAY)
    community_update(question_id=question.pk, full=True)
    withdrawal = forecast_withdraw(user=user, question=question, origin="web")
    community_update(question_id=question.pk)
    points = list(CommunityPoint.objects.filter(question=question).order_by("at"))
    assert [(p.forecasters, p.median) for p in points] == [
        (1, pytest.approx(0.3)),
        (2, pytest.approx(0.6)),
        (1, pytest.approx(0.3)),
    ]
    assert points[-1].at == withdrawal.created_at.replace(microsecond=0)
    question.community_state.refresh_from_db()
    assert (question.community_state.median, question.community_state.forecasters) == (
        pytest.approx(0.3),
        1,
    )


def test_no_community_forecast_while_everyone_has_withdrawn(user):
    question = QuestionFactory(open_time=timezone.now() - 3 * DAY)
    ForecastFactory(user=user, question=question, probability=0.9, created_at=timezone.now() - DAY)
    forecast_withdraw(user=user, question=question, origin="web")
    community_update(question_id=question.pk, full=True)
    points = list(CommunityPoint.objects.filter(question=question).order_by("at"))
    assert [p.forecasters for p in points] == [1, 0]
    assert points[-1].median is None
    question.community_state.refresh_from_db()
    assert (question.community_state.median, question.community_state.forecasters) == (None, 0)
    assert question.community_state.chart[-1][1:] == [None, 0]


def test_my_record_marks_a_withdrawn_question(user):
    question = QuestionFactory()
    ForecastFactory(user=user, question=question)
    assert latest_forecasts_on_unresolved(user=user)[0].withdrawn_at is None
    withdrawal = forecast_withdraw(user=user, question=question, origin="web")
    assert latest_forecasts_on_unresolved(user=user)[0].withdrawn_at == withdrawal.created_at


def _resolved_with_withdrawal(staff, *, withdraw: bool):
    """George 0.8 from the open; Kramer 0.6 from the open; George withdraws on day 2 at
    noon (when `withdraw`). Seven scored days, resolved yes."""
    question = QuestionFactory(open_time=OPEN, scheduled_close_time=OPEN + 7 * DAY)
    george, kramer = UserFactory(username="george"), UserFactory(username="kramer")
    ForecastFactory(user=george, question=question, probability=0.8, created_at=OPEN)
    ForecastFactory(user=kramer, question=question, probability=0.6, created_at=OPEN)
    if withdraw:
        # Written as the service would have written it at that time (open then).
        Withdrawal.objects.create(
            user=george, question=question, origin="web", created_at=OPEN + 2.5 * DAY
        )
    question_resolve(question=question, outcome="yes", known_at=OPEN + 7 * DAY, resolved_by=staff)
    question_score(question_id=question.pk)
    return {
        score.user.username: score
        for score in Score.objects.filter(question=question).select_related("user")
    }


def test_scores_through_the_database_count_the_withdrawn_span_as_no_forecast(staff):
    scores = _resolved_with_withdrawal(staff, withdraw=True)
    george, kramer = scores["george"], scores["kramer"]
    share = 2.5 / 7
    assert george.forecasts == 1
    assert george.coverage == pytest.approx(share)
    assert george.value("baseline") == pytest.approx(100 * math.log2(1.6) * share)
    assert george.value("log") == pytest.approx(math.log(0.8) * share)
    peer = 100 * (math.log(0.8) - math.log(0.6)) * share
    assert george.value("peer") == pytest.approx(peer)
    assert kramer.value("peer") == pytest.approx(-peer)
    assert george.active_days == 2
    assert george.value("daily_brier") == pytest.approx(0.08)
    crowd_mean = (2 * 0.2 + 5 * 0.32) / 7
    assert george.value("accuracy") == pytest.approx((0.08 - crowd_mean) * 2 / 7)
    assert kramer.value("accuracy") == pytest.approx(0.32 - crowd_mean)
    # The community median is scored without George from the withdrawal.
    assert scores["community"].coverage == pytest.approx(1.0)


def test_a_withdrawal_leaves_the_others_own_scores_and_moves_only_the_relative_ones(staff):
    kept = _resolved_with_withdrawal(staff, withdraw=False)["kramer"]
    Score.objects.all().delete()
    moved = _resolved_with_withdrawal(staff, withdraw=True)["kramer"]
    for rule in ("baseline", "log", "daily_brier"):
        assert moved.value(rule) == pytest.approx(kept.value(rule), abs=1e-12), rule
    assert (moved.coverage, moved.active_days) == (kept.coverage, kept.active_days)
    assert moved.value("peer") != pytest.approx(kept.value("peer"))


def test_calibration_weights_count_only_the_time_a_forecast_stood(staff, user):
    question = QuestionFactory(open_time=OPEN, scheduled_close_time=OPEN + 10 * DAY)
    ForecastFactory(user=user, question=question, probability=0.8, created_at=OPEN)
    Withdrawal.objects.create(user=user, question=question, origin="web", created_at=OPEN + 2 * DAY)
    ForecastFactory(user=user, question=question, probability=0.3, created_at=OPEN + 4 * DAY)
    question_resolve(question=question, outcome="no", known_at=OPEN + 10 * DAY, resolved_by=staff)
    points = calibration_points(forecasts=Q(user=user))
    assert sorted(zip(points["p_yes"].tolist(), points["time"].tolist(), strict=True)) == [
        (0.3, pytest.approx(0.75)),
        (0.8, pytest.approx(0.25)),
    ]
