"""Thin tasks for the community forecast's history and the emails to forecasters."""

from celery import shared_task
from django.db import DatabaseError

from forecasts.community import community_sweep as _community_sweep
from forecasts.community import community_update
from forecasts.notifications import (
    forecast_reminders_send,
    resolution_emails_send,
    resolution_emails_sweep,
)
from questions.models import Question

# SMTP errors are OSErrors: a mail server that is down is retried like a database that is.
EMAIL_RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "max_retries": 8,
}


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


@shared_task(bind=True, **EMAIL_RETRY)
def send_resolution_emails(self, question_id: int) -> int:  # type: ignore[no-untyped-def]
    """Queued by scoring once a resolved question's scores are written."""
    return resolution_emails_send(question_id=question_id)


@shared_task(bind=True, **EMAIL_RETRY)
def send_forecast_reminders(self) -> int:  # type: ignore[no-untyped-def]
    """Daily (beat): one email per forecaster whose open forecasts went stale."""
    return forecast_reminders_send()


@shared_task(bind=True, **EMAIL_RETRY)
def resolution_emails_sweep_task(self) -> int:  # type: ignore[no-untyped-def]
    """Beat: sends resolution emails whose queued task was lost."""
    return resolution_emails_sweep()
