"""A fanned-out rescore whose chunk message was lost (a worker killed mid-chunk, a broker
that forgot it) is noticed by the chunk sweep once nothing in the run has moved for
FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS, and its unfinished chunks are sent again; a run
still moving is left alone, and a copy of a chunk already done does nothing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from pipeline import tasks
from pipeline.beat import beat_schedule
from scoring.models import RescoreChunk, RescoreRun, Score
from scoring.services import rescore_chunk_run, rescore_chunks_resend, rescore_run_start
from scoring.services.rescore import CHUNK_MAX_SENDS
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

OPEN = datetime(2020, 3, 1, tzinfo=UTC)
TIMEOUT = 120.0


@pytest.fixture(autouse=True)
def chunk_timeout(settings):
    settings.FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS = TIMEOUT


@pytest.fixture
def sent(monkeypatch):
    """The chunk messages the sweep sends, recorded instead of reaching a broker."""
    delay = mock.MagicMock(name="rescore_chunk.delay")
    monkeypatch.setattr(tasks.rescore_chunk, "delay", delay)
    return delay


@pytest.fixture
def question_ids(db):
    """Three resolved questions, one forecast each."""
    ids = []
    for i in range(3):
        question = QuestionFactory(
            open_time=OPEN,
            scheduled_close_time=OPEN + timedelta(days=2),
            resolution="yes" if i % 2 else "no",
            known_at=OPEN + timedelta(days=2),
        )
        ForecastFactory(
            question=question,
            user=UserFactory(username="ann"),
            probability=0.7,
            created_at=OPEN + timedelta(hours=1),
        )
        ids.append(question.pk)
    return ids


def start_run(question_ids, django_capture_on_commit_callbacks, *, chunk_size=1) -> RescoreRun:
    """A run whose chunk messages are lost: the group is never sent."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = rescore_run_start(chunk_size=chunk_size, question_ids=question_ids)
    assert len(callbacks) == 1  # the group that would have been sent
    return run


def age(run: RescoreRun, seconds: float) -> datetime:
    """Move the run's creation and its chunks' sends `seconds` into the past."""
    then = timezone.now() - timedelta(seconds=seconds)
    RescoreRun.objects.filter(pk=run.pk).update(created_at=then)
    RescoreChunk.objects.filter(run=run).update(sent_at=then)
    return then


def chunk_ids(run: RescoreRun) -> list[int]:
    return list(RescoreChunk.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))


def test_a_run_whose_chunk_messages_were_lost_finishes_after_the_sweep(
    question_ids, sent, django_capture_on_commit_callbacks
):
    run = start_run(question_ids, django_capture_on_commit_callbacks)
    # Within the timeout the messages may only be queued: nothing is sent again.
    assert tasks.rescore_chunks_sweep() == []
    age(run, TIMEOUT + 1)

    resent = tasks.rescore_chunks_sweep()
    assert resent == chunk_ids(run)
    assert [call.args for call in sent.call_args_list] == [(chunk_id,) for chunk_id in resent]
    assert set(RescoreChunk.objects.filter(run=run).values_list("sends", flat=True)) == {2}
    # Claimed: the next sweep waits for another quiet timeout.
    sent.reset_mock()
    assert tasks.rescore_chunks_sweep() == []
    sent.assert_not_called()

    # The re-sent messages reach a worker: the run finishes, every question scored.
    with django_capture_on_commit_callbacks(execute=True):
        for chunk_id in resent:
            rescore_chunk_run(chunk_id=chunk_id)
    run.refresh_from_db()
    assert (run.chunks_done, run.finished_at is not None) == (3, True)
    assert set(Score.objects.values_list("question_id", flat=True)) == set(question_ids)
    later = timezone.now() + timedelta(seconds=10 * TIMEOUT)
    assert rescore_chunks_resend(now=later) == []


def test_a_chunk_taken_long_ago_and_unfinished_is_sent_again_and_a_fresh_one_is_not(
    question_ids, sent, django_capture_on_commit_callbacks
):
    # Run A: two chunks done long ago; the third was taken by a worker that was killed.
    stalled = start_run(question_ids, django_capture_on_commit_callbacks)
    first, second, killed = chunk_ids(stalled)
    rescore_chunk_run(chunk_id=first)
    rescore_chunk_run(chunk_id=second)
    long_ago = age(stalled, 10 * TIMEOUT)
    RescoreChunk.objects.filter(pk__in=[first, second]).update(
        started_at=long_ago, finished_at=long_ago
    )
    RescoreChunk.objects.filter(pk=killed).update(started_at=long_ago)
    # Run B: its one chunk was taken ten seconds ago and is still running.
    fresh = start_run(question_ids[:1], django_capture_on_commit_callbacks)
    age(fresh, 10 * TIMEOUT)
    RescoreChunk.objects.filter(run=fresh).update(started_at=timezone.now() - timedelta(seconds=10))

    assert tasks.rescore_chunks_sweep() == [killed]
    sent.assert_called_once_with(killed)
    # Sent again, it runs and finishes the run; the finished chunks are not touched.
    outcome = rescore_chunk_run(chunk_id=killed)
    assert (outcome.counted, outcome.run_finished) == (True, True)
    assert RescoreChunk.objects.get(pk=first).sends == 1


def test_a_run_still_moving_is_left_alone(question_ids, sent, django_capture_on_commit_callbacks):
    """Chunks queued behind their run's others are not lost: while any chunk of the run was
    sent, taken or finished within the timeout, nothing is sent again."""
    run = start_run(question_ids, django_capture_on_commit_callbacks)
    age(run, 10 * TIMEOUT)
    first = chunk_ids(run)[0]
    rescore_chunk_run(chunk_id=first)  # taken and finished just now
    assert tasks.rescore_chunks_sweep() == []
    sent.assert_not_called()
    # Once the run has been quiet for the timeout, the other two go again.
    later = timezone.now() + timedelta(seconds=TIMEOUT + 1)
    assert rescore_chunks_resend(now=later) == chunk_ids(run)[1:]


def test_a_copy_of_a_finished_chunk_does_nothing(question_ids, django_capture_on_commit_callbacks):
    run = start_run(question_ids, django_capture_on_commit_callbacks, chunk_size=3)
    (chunk_id,) = chunk_ids(run)
    first = rescore_chunk_run(chunk_id=chunk_id)
    assert (first.scoring.questions, first.counted, first.run_finished) == (3, True, True)
    with mock.patch("scoring.services.rescore.questions_score") as score:
        copy = rescore_chunk_run(chunk_id=chunk_id)
    score.assert_not_called()
    assert (copy.scoring.questions, copy.counted, copy.run_finished) == (0, False, False)
    run.refresh_from_db()
    assert run.chunks_done == 1


def test_a_chunk_that_never_finishes_is_sent_a_bounded_number_of_times(
    question_ids, caplog, django_capture_on_commit_callbacks
):
    run = start_run(question_ids[:1], django_capture_on_commit_callbacks)
    (chunk_id,) = chunk_ids(run)
    age(run, 10 * TIMEOUT)
    now = timezone.now()
    sends = []
    with caplog.at_level(logging.WARNING, logger="scoring.services.rescore"):
        for _ in range(CHUNK_MAX_SENDS + 2):
            now += timedelta(seconds=TIMEOUT + 1)
            sends.append(rescore_chunks_resend(now=now))
    assert sends == [[chunk_id]] * (CHUNK_MAX_SENDS - 1) + [[]] * 3
    assert RescoreChunk.objects.get(pk=chunk_id).sends == CHUNK_MAX_SENDS
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "sent a last time" in errors[0].getMessage()


def test_the_chunk_sweep_runs_as_often_as_the_chunk_timeout_or_the_sweep(settings):
    settings.FORESEER_RESCORE_SWEEP_SECONDS = 300.0
    settings.FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS = 120.0
    assert beat_schedule()["rescore-chunks-sweep"] == {
        "task": "pipeline.tasks.rescore_chunks_sweep",
        "schedule": 120.0,
    }
    settings.FORESEER_RESCORE_SWEEP_SECONDS = 42.0
    assert beat_schedule()["rescore-chunks-sweep"]["schedule"] == 42.0
