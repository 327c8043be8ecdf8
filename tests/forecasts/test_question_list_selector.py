"""`questions_for_list`, called as the list page calls it but without a request: the
page's own tests (tests/web/test_question_list.py) cover the filters through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from forecasts.selectors import (
    SORT_FORECASTERS,
    QuestionListFilters,
    questions_for_list,
)
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def titles(questions) -> list[str]:
    return [question.title for question in questions]


def test_defaults_list_every_published_question_open_first():
    now = timezone.now()
    QuestionFactory(title="Draft", published_at=None)
    QuestionFactory(
        title="Resolved",
        open_time=now - timedelta(days=20),
        scheduled_close_time=now - timedelta(days=2),
        scheduled_resolve_time=now - timedelta(days=1),
        resolution="yes",
        known_at=now - timedelta(days=2),
    )
    QuestionFactory(title="Upcoming", open_time=now + timedelta(days=1))
    QuestionFactory(title="Open later", scheduled_close_time=now + timedelta(days=9))
    QuestionFactory(title="Open sooner", scheduled_close_time=now + timedelta(days=3))
    listed = questions_for_list(filters=QuestionListFilters(), user=AnonymousUser(), now=now)
    assert titles(listed) == ["Open sooner", "Open later", "Upcoming", "Resolved"]


def test_unforecast_means_nothing_for_an_anonymous_user():
    forecast_on = QuestionFactory(title="Forecast on")
    QuestionFactory(title="Not forecast on")
    ForecastFactory(question=forecast_on)
    filters = QuestionListFilters(unforecast=True)
    anonymous = questions_for_list(filters=filters, user=AnonymousUser(), now=timezone.now())
    assert sorted(titles(anonymous)) == ["Forecast on", "Not forecast on"]


def test_sort_by_forecasters_counts_people_once_and_keeps_questions_without_any():
    now = timezone.now()
    busy, quiet, empty = (
        QuestionFactory(title=title, scheduled_close_time=now + timedelta(days=days))
        for title, days in (("Busy", 9), ("Quiet", 5), ("Empty", 3))
    )
    one, two = UserFactory(), UserFactory()
    for _ in range(3):
        ForecastFactory(question=quiet, user=one)
    ForecastFactory(question=busy, user=one)
    ForecastFactory(question=busy, user=two)
    listed = questions_for_list(
        filters=QuestionListFilters(sort=SORT_FORECASTERS), user=AnonymousUser(), now=now
    )
    assert [(q.title, q.forecaster_count) for q in listed] == [
        ("Busy", 2),
        ("Quiet", 1),
        ("Empty", 0),
    ]
    assert empty in listed
