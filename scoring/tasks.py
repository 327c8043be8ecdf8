"""Thin tasks: ids in, a service call, retries on database trouble."""

from celery import shared_task
from django.db import DatabaseError

from questions.models import Question
from scoring.services import question_score, questions_needing_scores


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def score_question(self, question_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    try:
        outcome = question_score(question_id=question_id)
    except Question.DoesNotExist:
        # Deleted after the message was sent: nothing left to score.
        return {"question_id": question_id, "rows": 0}
    return {"question_id": outcome.question_id, "rows": outcome.rows_written}


@shared_task
def rescore_stale_questions() -> list[int]:
    """The safety net: a resolution whose scoring message was lost (broker
    outage, worker killed) is picked up here within one sweep period."""
    stale = questions_needing_scores()
    for question_id in stale:
        score_question.delay(question_id)
    return stale
