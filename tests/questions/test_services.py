from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from questions.models import Question, ResolutionEvent
from questions.services import question_resolve
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued():
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay


def test_resolve_records_an_event_and_enqueues_scoring_after_commit(
    staff, enqueued, queued, django_capture_on_commit_callbacks
):
    question = QuestionFactory()
    known = timezone.now() - timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = question_resolve(
            question=question,
            outcome="yes",
            known_at=known,
            resolved_by=staff,
            note=" seen ",
            evidence_links=["https://example.org/report", ""],
        )
        enqueued.assert_not_called()
    queued.update_community.assert_not_called()
    # One event, question_resolved: the pipeline queues scoring, and the community
    # history cut at the new actual close.
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    enqueued.assert_called_once_with(question.pk)
    queued.update_community.assert_called_once_with(question.pk)
    question.refresh_from_db()
    assert (question.resolution, question.known_at) == ("yes", known)
    assert question.status == Question.Status.RESOLVED
    assert question.actual_close_time == known
    assert (event.note, event.evidence_links, event.created_by) == (
        "seen",
        ["https://example.org/report"],
        staff,
    )


def test_a_correction_is_a_new_event_and_the_latest_wins(staff, enqueued):
    question = QuestionFactory()
    first = timezone.now() - timedelta(hours=5)
    question_resolve(question=question, outcome="yes", known_at=first, resolved_by=staff)
    question_resolve(question=question, outcome="no", known_at=first, resolved_by=staff)
    question.refresh_from_db()
    assert question.resolution == "no"
    assert list(
        ResolutionEvent.objects.filter(question=question).values_list("outcome", flat=True)
    ) == ["yes", "no"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"known_at": timezone.now() + timedelta(days=1)}, "known_at"),
        ({"known_at": datetime(2026, 1, 1, 12, 0)}, "known_at"),
        ({"known_at": datetime(2000, 1, 1, tzinfo=UTC)}, "known_at"),
        ({"evidence_links": ["not a url"]}, "evidence_links"),
    ],
)
def test_bad_resolutions_name_the_field_and_write_nothing(staff, enqueued, changes, field):
    question = QuestionFactory()
    arguments = {"outcome": "yes", "known_at": timezone.now() - timedelta(minutes=1), **changes}
    with pytest.raises(ValidationError) as raised:
        question_resolve(question=question, resolved_by=staff, **arguments)
    assert field in raised.value.message_dict
    assert ResolutionEvent.objects.count() == 0
    question.refresh_from_db()
    assert question.resolution == ""
    enqueued.assert_not_called()


def test_a_forecaster_cannot_resolve(enqueued):
    question = QuestionFactory()
    with pytest.raises(ValidationError):
        question_resolve(
            question=question, outcome="yes", known_at=timezone.now(), resolved_by=UserFactory()
        )
    assert ResolutionEvent.objects.count() == 0


def test_status_is_derived_from_the_times():
    now = timezone.now()
    question = QuestionFactory(open_time=now + timedelta(days=1))
    assert question.status_at(now) == Question.Status.UPCOMING
    assert question.status_at(now + timedelta(days=2)) == Question.Status.OPEN
    assert question.status_at(question.scheduled_close_time) == Question.Status.CLOSED
    assert list(Question.objects.with_status("upcoming", now)) == [question]
    assert list(Question.objects.with_status("closed", question.scheduled_close_time)) == [question]
