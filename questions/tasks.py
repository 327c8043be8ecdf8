from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from questions.services import questions_close_due, resolution_digest_send


@shared_task(ignore_result=True)
def close_due_questions() -> list[int]:
    return questions_close_due()


@shared_task(
    ignore_result=True,
    # A failed send gives its claim back, so a retry sends only what is missing.
    autoretry_for=(DatabaseError, SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def send_resolution_digest() -> int:
    """Daily (beat, 07:00 UTC): the questions awaiting resolution, to staff."""
    return resolution_digest_send()
