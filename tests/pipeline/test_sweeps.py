"""The sweeps repair what a lost message left undone: each finds its work from the rows
alone, queues it, and finds nothing the second time once the work is done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from forecasts.community import community_request
from forecasts.models import CommunityState
from pipeline import tasks
from questions.services import question_resolve
from scoring.models import MaterializedScope
from scoring.services import question_score
from scoring.services.community import community_update
from tests.factories import ForecastFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def forecast_question():
    opened = timezone.now() - timedelta(days=10)
    question = QuestionFactory(
        open_time=opened,
        scheduled_close_time=opened + timedelta(days=5),
        scheduled_resolve_time=opened + timedelta(days=6),
    )
    ForecastFactory(question=question, probability=0.7, created_at=opened + timedelta(hours=2))
    return question


def test_the_community_sweep_repairs_a_lost_update_after_a_resolution(
    forecast_question, staff, queued
):
    community_update(question_id=forecast_question.pk)
    assert tasks.community_sweep() == []
    # Resolved early; the update that would cut the history at the new close is lost.
    question_resolve(
        question=forecast_question,
        outcome="no",
        known_at=forecast_question.open_time + timedelta(days=1),
        resolved_by=staff,
    )
    queued.update_community.reset_mock()
    assert tasks.community_sweep() == [forecast_question.pk]
    queued.update_community.assert_called_once_with(forecast_question.pk)
    # The update runs: the history now ends at the actual close, and nothing is left.
    community_update(question_id=forecast_question.pk)
    state = CommunityState.objects.get(question=forecast_question)
    forecast_question.refresh_from_db()
    assert state.built_until == forecast_question.actual_close_time
    assert tasks.community_sweep() == []


def test_the_community_sweep_repairs_an_update_never_delivered(forecast_question, queued):
    # Asked for an hour ago; the message never reached a worker.
    overdue = timezone.now() - timedelta(hours=1)
    community_request(question_id=forecast_question.pk, since=overdue, now=overdue)
    assert CommunityState.objects.get(question=forecast_question).pending
    assert tasks.community_sweep() == [forecast_question.pk]
    queued.update_community.assert_called_with(forecast_question.pk)


def test_the_close_task_marks_the_scopes_of_a_question_resolved_early(
    forecast_question, staff, queued, django_capture_on_commit_callbacks
):
    question_resolve(
        question=forecast_question,
        outcome="yes",
        known_at=forecast_question.open_time + timedelta(days=1),
        resolved_by=staff,
    )
    question_score(question_id=forecast_question.pk)
    MaterializedScope.objects.update(dirty=False)
    queued.rebuild_scopes.reset_mock()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.close_due_questions() == [forecast_question.pk]
    assert MaterializedScope.objects.filter(dirty=True).exists()
    queued.rebuild_scopes.assert_called_once_with()
    assert tasks.close_due_questions() == []  # claimed once
