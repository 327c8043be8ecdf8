"""The community history is kept off the submission path: a submission costs the same few
queries however many forecasts the question has, a burst queues one update, and the update
extends the stored history from the earliest change instead of rebuilding it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forecasts.imports import forecasts_import_csv
from forecasts.models import CommunityPoint, CommunityState, Forecast
from forecasts.services import forecast_submit
from questions.services import question_resolve
from scoring.services.community import community_update
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

SUBMIT_URL = reverse("api:forecast-list")
POINT_COLUMNS = (
    "at",
    "forecasters",
    "median",
    "mean",
    "geometric_mean_odds",
    "extremized_log_odds",
    "recency_weighted_median",
)


def question_with(forecasts: int, slug: str):
    """An open question with `forecasts` forecasts from 20 forecasters, its history built."""
    question = QuestionFactory(slug=slug, open_time=timezone.now() - timedelta(days=3))
    users = [UserFactory() for _ in range(min(forecasts, 20))]
    Forecast.objects.bulk_create(
        Forecast(
            user=users[n % len(users)],
            question=question,
            probability=0.05 + 0.9 * (n % 7) / 6,
            created_at=question.open_time + timedelta(minutes=n + 1),
            origin=Forecast.Origin.IMPORT,
        )
        for n in range(forecasts)
    )
    community_update(question_id=question.pk)
    return question


def submit(client, slug: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(SUBMIT_URL, {"question": slug, "probability": 0.4}, format="json")
    assert response.status_code == 201, response.content
    return len(queries)


@pytest.mark.parametrize("pending", [False, True], ids=["first-submission", "while-pending"])
def test_a_submission_costs_the_same_with_1_or_200_forecasts(
    forecaster_client, django_assert_num_queries, pending
):
    small, large = question_with(1, "small"), question_with(200, "large")
    if pending:
        CommunityState.objects.update(pending=True)
    first = submit(forecaster_client, "small")
    assert first <= 6
    with django_assert_num_queries(first):
        forecaster_client.post(SUBMIT_URL, {"question": "large", "probability": 0.4}, format="json")
    assert Forecast.objects.filter(question=large).count() == 201
    assert Forecast.objects.filter(question=small).count() == 2


def test_a_burst_of_submissions_queues_one_update(user, queued, django_capture_on_commit_callbacks):
    question = QuestionFactory()
    others = [UserFactory() for _ in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        for forecaster in (user, *others):
            forecast_submit(user=forecaster, question=question, probability=0.3, origin="api")
    queued.update_community.assert_called_once_with(question.pk)
    state = CommunityState.objects.get(question=question)
    assert state.pending
    earliest = Forecast.objects.filter(question=question).earliest("created_at")
    assert state.dirty_since == earliest.created_at

    # The update claims what is waiting; the next forecast queues another.
    community_update(question_id=question.pk)
    assert not CommunityState.objects.get(question=question).pending
    with django_capture_on_commit_callbacks(execute=True):
        forecast_submit(user=user, question=question, probability=0.6, origin="api")
    assert queued.update_community.call_count == 2


def test_nothing_is_queued_for_a_rolled_back_submission(
    user, queued, django_capture_on_commit_callbacks
):
    question = QuestionFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError, match="probability"),
    ):
        forecast_submit(user=user, question=question, probability=2, origin="api")
    assert callbacks == []
    queued.update_community.assert_not_called()


def points(question) -> list[tuple]:
    return list(
        CommunityPoint.objects.filter(question=question).order_by("at").values_list(*POINT_COLUMNS)
    )


@pytest.fixture
def history(db):
    """Three forecasters an hour apart, the history built."""
    opened = (timezone.now() - timedelta(days=2)).replace(microsecond=0)
    question = QuestionFactory(slug="extended", open_time=opened)
    text = "question,user,probability,created_at\n" + "".join(
        f"extended,{name},{p},{(opened + timedelta(hours=h)).isoformat()}\n"
        for name, p, h in (("ann", 0.2, 1), ("bob", 0.5, 2), ("cat", 0.8, 3))
    )
    forecasts_import_csv(text=text)
    assert community_update(question_id=question.pk).rebuilt_from is None  # the first: full
    return question


def test_a_later_forecast_only_adds_points_from_its_time(history, user):
    before = dict(CommunityPoint.objects.filter(question=history).values_list("at", "pk"))
    assert len(before) == 3
    moment = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    forecast_submit(user=user, question=history, probability=0.9, origin="api", now=moment)
    update = community_update(question_id=history.pk)
    assert (update.rebuilt_from, update.points_written) == (moment, 1)
    # The earlier points were not touched (same rows), one was added.
    after = dict(CommunityPoint.objects.filter(question=history).values_list("at", "pk"))
    assert {at: after[at] for at in before} == before
    assert sorted(after) == [*sorted(before), moment]
    assert CommunityPoint.objects.get(question=history, at=moment).median == pytest.approx(0.65)

    extended = points(history)
    community_update(question_id=history.pk, full=True)
    assert points(history) == extended


def test_a_backdated_import_recomputes_from_its_time_and_equals_a_full_rebuild(history):
    opened = history.open_time
    forecasts_import_csv(
        text="question,user,probability,created_at\n"
        f"extended,dan,0.1,{(opened + timedelta(minutes=90)).isoformat()}\n"
    )
    update = community_update(question_id=history.pk)
    assert update.rebuilt_from == opened + timedelta(minutes=90)
    # From 1:30 on: 1:30 (new), 2:00 and 3:00 (recomputed).
    assert update.points_written == 3
    assert [(at - opened, n) for at, n, *_ in points(history)] == [
        (timedelta(hours=1), 1),
        (timedelta(minutes=90), 2),
        (timedelta(hours=2), 3),
        (timedelta(hours=3), 4),
    ]
    extended = points(history)
    community_update(question_id=history.pk, full=True)
    assert points(history) == extended


def test_an_update_with_nothing_new_writes_nothing(history):
    built = points(history)
    update = community_update(question_id=history.pk)
    assert update.points_written == 0
    assert points(history) == built


def test_resolving_early_cuts_the_history_at_the_actual_close(history, staff):
    known = history.open_time + timedelta(minutes=150)
    question_resolve(question=history, outcome="yes", known_at=known, resolved_by=staff)
    community_update(question_id=history.pk)
    # cat's forecast at 3:00 came after the outcome was known: it takes no part.
    assert [at - history.open_time for at, *_ in points(history)] == [
        timedelta(hours=1),
        timedelta(hours=2),
    ]
    truncated = points(history)
    community_update(question_id=history.pk, full=True)
    assert points(history) == truncated
