"""Thin tasks: ids in, a service call, retries on database trouble. Every task can run
twice with the same result: scores and tables are rebuilt, never patched."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from forecasts.tasks import send_resolution_emails
from questions.models import Question
from scoring.models import MaterializedScope, RescoreChunk
from scoring.services import (
    question_score,
    questions_needing_scores,
    rescore_chunk_run,
    scopes_rebuild_dirty,
)

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 8,
}


@shared_task(bind=True, **RETRY)
def score_question(self, question_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    try:
        outcome = question_score(question_id=question_id)
    except Question.DoesNotExist:
        # Deleted after the message was sent: nothing left to score.
        return {"question_id": question_id, "rows": 0}
    # The resolution emails quote these scores (or say there are none), so they follow them.
    send_resolution_emails.delay_on_commit(question_id)
    return {"question_id": question_id, "rows": outcome.rows_written}


@shared_task(bind=True, **RETRY)
def rescore_chunk(self, chunk_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    try:
        outcome = rescore_chunk_run(chunk_id=chunk_id)
    except RescoreChunk.DoesNotExist:
        return {"chunk_id": chunk_id, "questions": 0}
    return {"chunk_id": chunk_id, "questions": outcome.scoring.questions}


@shared_task(bind=True, **RETRY)
def rebuild_scopes(self) -> list[str]:  # type: ignore[no-untyped-def]
    """Rebuild the leaderboards and calibration reports of every dirty scope."""
    return scopes_rebuild_dirty()


@shared_task
def rescore_stale_questions() -> list[int]:
    """The safety net: a resolution whose scoring message was lost (broker outage, worker
    killed) is picked up here within one sweep period, and so are scopes left dirty with
    no rebuild on its way."""
    stale = questions_needing_scores()
    for question_id in stale:
        score_question.delay(question_id)
    overdue = timezone.now() - timedelta(seconds=settings.FORESEER_RESCORE_SWEEP_SECONDS)
    if MaterializedScope.objects.filter(dirty=True, requested_at__lt=overdue).exists():
        rebuild_scopes.delay()
    return stale
