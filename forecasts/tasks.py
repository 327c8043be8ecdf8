"""Thin tasks for the community forecast's history."""

from celery import shared_task
from django.db import DatabaseError

from forecasts.community import community_sweep as _community_sweep
from forecasts.community import community_update
from questions.models import Question


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def update_community(self, question_id: int, full: bool = False) -> int:  # type: ignore[no-untyped-def]
    try:
        return community_update(question_id=question_id, full=full).points_written
    except Question.DoesNotExist:
        return 0


@shared_task
def community_sweep() -> list[int]:
    return _community_sweep()
