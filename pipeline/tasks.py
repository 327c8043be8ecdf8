"""Every Celery task. A task takes ids, calls services and queues what follows; it can run
twice with the same result (scores and tables are rebuilt, never patched; emails are
claimed before they are sent). The sweeps at the end repair whatever a lost message, a
broker outage or a killed worker left undone: see docs/lifecycle.md."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

import psycopg
from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from claims.provenance import provenance_out_of_sync
from claims.services.provenance import claims_sync_provenance
from forecasts.community import community_sweep as community_sweep_due
from forecasts.services import forecast_requests_prune, questions_close_due
from notifications.comments import comment_alerts_due, comment_alerts_record
from notifications.models import AlertPreference
from notifications.services import (
    alert_emails_send,
    clarification_alerts_record,
    community_move_alerts_record,
    forecast_reminders_send,
    resolution_alerts_record,
    resolution_digest_send,
    resolution_emails_send,
)
from notifications.services import alerts_sweep as alerts_sweep_due
from notifications.services import resolution_emails_sweep as resolution_emails_sweep_due
from questions.models import Question
from scoring.models import MaterializedScope, RescoreChunk
from scoring.services import (
    question_score,
    questions_needing_scores,
    rescore_chunk_run,
    rescore_chunks_resend,
    scopes_mark_closed,
    scopes_rebuild_dirty,
)
from scoring.services.community import community_update

# The one retry policy: trouble with the database, the broker or the mail server (SMTP
# errors and refused connections are OSErrors) is retried with a growing, jittered delay.
# Anything else is a bug, and retrying would not cure it.
#
# Database errors arrive in three forms. Django wraps the driver's errors in its own:
# DatabaseError and its kin, and InterfaceError ("connection already closed", met by a
# worker whose connection the server dropped), which is not a DatabaseError. A driver's
# error can also arrive unwrapped, from code that talks to psycopg directly (the bulk COPY
# in common.db wraps its errors, but a path that forgets must not lose the task): every
# psycopg error derives from psycopg.Error, and SQLite's from sqlite3.Error.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseError,
    InterfaceError,
    psycopg.Error,
    sqlite3.Error,
)
RETRY: dict[str, Any] = {
    "autoretry_for": (*DATABASE_ERRORS, BrokerError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


# --- Scores and what follows them ---------------------------------------------------------


@shared_task(**RETRY)
def score_question(question_id: int) -> dict[str, int]:
    """Rebuild one question's scores; the resolution emails quote them, so they follow."""
    try:
        outcome = question_score(question_id=question_id)
    except Question.DoesNotExist:
        # Deleted after the message was sent: nothing left to score.
        return {"question_id": question_id, "rows": 0}
    # On commit: a caller holding a transaction open must not let the emails run first.
    send_resolution_emails.delay_on_commit(question_id)
    return {"question_id": question_id, "rows": outcome.rows_written}


@shared_task(**RETRY)
def rescore_chunk(chunk_id: int) -> dict[str, int]:
    """One chunk of a fanned-out rescore; the last chunk marks every scope dirty."""
    try:
        outcome = rescore_chunk_run(chunk_id=chunk_id)
    except RescoreChunk.DoesNotExist:
        return {"chunk_id": chunk_id, "questions": 0}
    return {"chunk_id": chunk_id, "questions": outcome.scoring.questions}


@shared_task(**RETRY)
def rebuild_scopes() -> list[str]:
    """Rebuild the leaderboards and calibration reports of every dirty scope."""
    return scopes_rebuild_dirty()


@shared_task(**RETRY)
def update_community(question_id: int, full: bool = False) -> int:
    """Bring one question's community history up to date (or rebuild it, `full`); then
    alert the followers for whom the community forecast moved past their threshold."""
    try:
        written = community_update(question_id=question_id, full=full).points_written
    except Question.DoesNotExist:
        return 0
    community_move_alerts_record(question_id=question_id)
    return written


@shared_task(**RETRY)
def sync_provenance(question_ids: list[int]) -> dict[str, int]:
    """Make the claims of the questions' articles follow their provenance; a resolved
    question whose scored claim changed is rescored (the service records it)."""
    report = claims_sync_provenance(question_ids=question_ids)
    return {
        "claims_created": report.claims_created,
        "claims_updated": report.claims_updated,
        "links_written": report.links_written,
        "rescored": len(report.rescored),
    }


# --- Emails ---------------------------------------------------------------------------------


@shared_task(**RETRY)
def send_resolution_emails(question_id: int) -> int:
    """Queued by scoring once a resolved question's scores are written: the followers'
    resolution alerts, then the forecasters' emails (which carry the news to those who
    get them, so their alerts are not emailed again)."""
    resolution_alerts_record(question_id=question_id)
    return resolution_emails_send(question_id=question_id)


@shared_task(**RETRY)
def record_clarification_alerts(clarification_id: int) -> int:
    """Queued when a clarification is added: its question's followers are alerted."""
    return clarification_alerts_record(clarification_id=clarification_id)


@shared_task(**RETRY)
def send_alert_emails() -> int:
    """Every few minutes (beat): the alerts of those who want them at once."""
    return alert_emails_send(delivery=AlertPreference.Delivery.IMMEDIATE)


@shared_task(**RETRY)
def send_alert_digest() -> int:
    """Daily (beat, 07:30 UTC): the alerts of those who want a daily digest."""
    return alert_emails_send(delivery=AlertPreference.Delivery.DAILY)


@shared_task(**RETRY)
def send_forecast_reminders() -> int:
    """Daily (beat): one email per forecaster whose open forecasts went stale."""
    return forecast_reminders_send()


@shared_task(**RETRY)
def send_resolution_digest() -> int:
    """Daily (beat, 07:00 UTC): the questions awaiting resolution, to staff."""
    return resolution_digest_send()


@shared_task(**RETRY)
def comment_alerts(comment_id: int) -> int:
    """Queued when a comment is posted: the reply and mention alerts it raises."""
    return comment_alerts_record(comment_id=comment_id)


# --- The close and the sweeps (beat) --------------------------------------------------------


@shared_task(**RETRY)
def close_due_questions() -> list[int]:
    """Every minute: freeze the community forecast of questions past their close. A
    question resolved early joins the default calibration view now, so its scopes are
    marked for a rebuild (a lost rebuild is repaired by rescore_stale_questions)."""
    closed = questions_close_due()
    scopes_mark_closed(question_ids=closed)
    return closed


@shared_task(**RETRY)
def rescore_stale_questions() -> list[int]:
    """The scores' safety net: a resolution whose scoring message was lost (broker outage,
    worker killed), or forecasts imported onto a resolved question since it was scored, is
    picked up here within one sweep period, and so are scopes left dirty with no rebuild
    on its way."""
    stale = questions_needing_scores()
    for question_id in stale:
        score_question.delay(question_id)
    overdue = timezone.now() - timedelta(seconds=settings.FORESEER_RESCORE_SWEEP_SECONDS)
    if MaterializedScope.objects.filter(dirty=True, requested_at__lt=overdue).exists():
        rebuild_scopes.delay()
    return stale


@shared_task(**RETRY)
def rescore_chunks_sweep() -> list[int]:
    """The fanned-out rescore's safety net: a run in which nothing has moved for
    FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS lost a chunk's message (a killed worker's message
    comes back from Redis only after an hour); its unfinished chunks are sent again. A
    chunk that runs twice counts once."""
    chunk_ids = rescore_chunks_resend()
    for chunk_id in chunk_ids:
        rescore_chunk.delay(chunk_id)
    return chunk_ids


@shared_task(**RETRY)
def community_sweep() -> list[int]:
    """The community history's safety net: updates asked for long ago whose message was
    lost, histories built with another extremizing a or to another end, and questions
    with forecasts but no history yet."""
    due = community_sweep_due()
    for question_id in due:
        update_community.delay(question_id)
    return due


@shared_task(**RETRY)
def provenance_sweep() -> list[int]:
    """The claims' safety net: questions whose provenance their claim link does not
    reflect (an import whose message was lost) are synced again."""
    due = provenance_out_of_sync()
    if due:
        sync_provenance.delay(due)
    return due


@shared_task(**RETRY)
def resolution_emails_sweep() -> int:
    """The resolution emails' safety net: sends those whose queued task was lost."""
    return resolution_emails_sweep_due()


@shared_task(**RETRY)
def alerts_sweep() -> int:
    """The alerts' safety net: the last week's clarifications and resolutions whose
    followers' alerts a lost message left unrecorded are recorded."""
    return alerts_sweep_due()


@shared_task(**RETRY)
def prune_forecast_requests() -> int:
    """Daily (beat): forget idempotency keys older than FORESEER_IDEMPOTENCY_KEY_DAYS."""
    return forecast_requests_prune()


@shared_task(**RETRY)
def comment_alerts_sweep() -> list[int]:
    """The comment alerts' safety net: comments whose alerts task was lost are queued
    again (recording twice adds nothing)."""
    due = comment_alerts_due()
    for comment_id in due:
        comment_alerts.delay(comment_id)
    return due
