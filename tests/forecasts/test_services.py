import math
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from forecasts.models import AppendOnlyError, Forecast
from forecasts.selectors import community_forecast, standing_forecasts
from forecasts.services import forecast_submit, probability_clean, questions_close_due
from scoring.services import community_user
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    [
        0,
        1,
        1.5,
        -0.2,
        "abc",
        math.nan,
        math.inf,
        -math.inf,
        "NaN",
        "Infinity",
        None,
        "",
        True,
        [],
        0.0009,
        0.9991,
    ],
)
def test_probability_clean_refuses_and_names_the_field(value):
    with pytest.raises(ValidationError) as raised:
        probability_clean(value)
    assert list(raised.value.message_dict) == ["probability"]


@pytest.mark.parametrize(("value", "expected"), [(0.001, 0.001), ("0.5", 0.5), (0.999, 0.999)])
def test_probability_clean_accepts_the_closed_range(value, expected):
    assert probability_clean(value) == expected


def test_submit_appends_with_server_time(user):
    question = QuestionFactory()
    before = timezone.now()
    first = forecast_submit(user=user, question=question, probability=0.3, origin="web")
    second = forecast_submit(
        user=user, question=question, probability="0.4", rationale="  news  ", origin="api"
    )
    assert Forecast.objects.filter(user=user, question=question).count() == 2
    assert first.created_at >= before
    assert (second.probability, second.rationale, second.origin) == (0.4, "news", "api")


@pytest.mark.parametrize(
    ("open_delta", "close_delta", "message"),
    [
        (timedelta(days=1), timedelta(days=2), "opens at"),
        (-timedelta(days=3), -timedelta(days=1), "closed"),
    ],
)
def test_submit_outside_the_window_names_question(user, open_delta, close_delta, message):
    now = timezone.now()
    question = QuestionFactory(open_time=now + open_delta, scheduled_close_time=now + close_delta)
    with pytest.raises(ValidationError) as raised:
        forecast_submit(user=user, question=question, probability=0.5, origin="web")
    assert message in raised.value.message_dict["question"][0]
    assert Forecast.objects.count() == 0


def test_submit_to_a_resolved_question_is_refused(user, staff):
    question = QuestionFactory(resolution="yes", known_at=timezone.now())
    with pytest.raises(ValidationError):
        forecast_submit(user=user, question=question, probability=0.5, origin="web")


def test_forecasts_cannot_be_edited_or_deleted():
    forecast = ForecastFactory()
    forecast.probability = 0.9
    with pytest.raises(AppendOnlyError):
        forecast.save()
    with pytest.raises(AppendOnlyError):
        forecast.delete()
    with pytest.raises(AppendOnlyError):
        Forecast.objects.filter(pk=forecast.pk).update(probability=0.1)
    with pytest.raises(AppendOnlyError):
        Forecast.objects.all().delete()


def test_the_database_refuses_updates_that_bypass_the_model():
    forecast = ForecastFactory(probability=0.6)
    from django.db import connection

    with pytest.raises(Exception) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE forecasts_forecast SET probability = 0.1 WHERE id = %s", [forecast.pk]
        )
    assert "append-only" in str(raised.value)
    assert Forecast.objects.get(pk=forecast.pk).probability == 0.6


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE forecasts_forecast CASCADE",
        # TRUNCATE of a table forecasts point at reaches them through CASCADE.
        "TRUNCATE questions_question CASCADE",
    ],
    ids=["the-table", "by-cascade"],
)
# Committed rows, as in a real database (in the test's own transaction, PostgreSQL would
# refuse the TRUNCATE for the deferred foreign-key checks still pending).
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_truncate(require_postgres, statement):
    forecast = ForecastFactory(probability=0.6)
    from django.db import connection

    with pytest.raises(Exception) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert "forecasts are append-only: TRUNCATE is not allowed" in str(raised.value)
    assert Forecast.objects.get(pk=forecast.pk).probability == 0.6


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_leaves_the_truncate_guard_on(require_postgres):
    from django.core.management import call_command
    from django.db import connection

    ForecastFactory()
    call_command("flush", verbosity=0, interactive=False)
    assert not Forecast.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'forecasts_forecast_no_truncate'"
        )
        assert cursor.fetchall() == [("O",)]  # enabled ("origin"), as the migration left it


def test_the_database_refuses_out_of_range_probabilities():
    question = QuestionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Forecast.objects.create(
            user=UserFactory(), question=question, probability=1.0, origin="api"
        )


def test_community_median_uses_each_users_latest_forecast():
    question = QuestionFactory()
    now = timezone.now()
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    ForecastFactory(
        user=alice, question=question, probability=0.9, created_at=now - timedelta(hours=3)
    )
    ForecastFactory(
        user=alice, question=question, probability=0.2, created_at=now - timedelta(hours=1)
    )
    ForecastFactory(
        user=bob, question=question, probability=0.4, created_at=now - timedelta(hours=2)
    )
    ForecastFactory(
        user=carol, question=question, probability=0.7, created_at=now - timedelta(hours=2)
    )
    community = community_forecast(question=question)
    assert community.forecasters == 3
    assert community.median == pytest.approx(0.4)
    # Before alice's update she stood at 0.9: median of 0.9, 0.4, 0.7.
    earlier = community_forecast(question=question, before=now - timedelta(minutes=90))
    assert earlier.median == pytest.approx(0.7)
    assert standing_forecasts(question=question).count() == 3


def test_community_median_of_an_even_count_is_the_mean_of_the_middle_two():
    question = QuestionFactory()
    for probability in (0.1, 0.3, 0.6, 0.8):
        ForecastFactory(question=question, probability=probability)
    assert community_forecast(question=question).median == pytest.approx(0.45)


def test_ties_in_time_are_broken_by_id():
    question = QuestionFactory()
    user = UserFactory()
    moment = timezone.now() - timedelta(hours=1)
    ForecastFactory(user=user, question=question, probability=0.2, created_at=moment)
    ForecastFactory(user=user, question=question, probability=0.8, created_at=moment)
    assert community_forecast(question=question).median == pytest.approx(0.8)


def test_close_due_freezes_the_community_forecast_once():
    now = timezone.now()
    question = QuestionFactory(
        open_time=now - timedelta(days=10), scheduled_close_time=now - timedelta(minutes=1)
    )
    still_open = QuestionFactory()
    ForecastFactory(question=question, probability=0.2, created_at=now - timedelta(days=2))
    ForecastFactory(question=question, probability=0.6, created_at=now - timedelta(days=1))
    assert questions_close_due(now=now) == [question.pk]
    assert questions_close_due(now=now) == []
    question.refresh_from_db()
    assert question.community_at_close == pytest.approx(0.4)
    assert question.forecasters_at_close == 2
    still_open.refresh_from_db()
    assert still_open.close_processed_at is None


def test_the_community_forecasts_system_user_cannot_forecast():
    question = QuestionFactory()
    with pytest.raises(ValidationError) as raised:
        forecast_submit(user=community_user(), question=question, probability=0.4, origin="web")
    assert raised.value.message_dict == {"user": ["The site's own accounts do not forecast."]}
    assert not Forecast.objects.exists()
