"""The one retry policy: every database, broker and mail-server error a task can meet is
retried, whether Django wrapped it or it arrived raw from the driver; anything else is a
bug and is not. The bulk COPY paths hand on Django's errors, like the ORM."""

from __future__ import annotations

import smtplib
import sqlite3
from unittest import mock

import numpy as np
import psycopg
import psycopg.errors
import pytest
from django import db
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from common.db import insert_arrays
from config.celery import app
from pipeline import tasks
from pipeline.tasks import RETRY
from questions.models import Question
from scoring.models import LeaderboardEntry
from tests.factories import UserFactory


@pytest.mark.parametrize(
    "error",
    [
        # Django's wrappers, from the ORM and from the COPY paths
        db.DatabaseError,
        db.OperationalError,
        db.IntegrityError,
        db.InterfaceError,  # "connection already closed": not a DatabaseError
        # psycopg's own, unwrapped
        psycopg.Error,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg.errors.UniqueViolation,
        psycopg.errors.SerializationFailure,
        psycopg.errors.DeadlockDetected,
        psycopg.errors.AdminShutdown,
        psycopg.errors.QueryCanceled,
        # SQLite's own
        sqlite3.OperationalError,
        # the broker and the mail server
        BrokerError,
        ConnectionRefusedError,
        smtplib.SMTPServerDisconnected,
    ],
)
def test_the_policy_retries_every_database_broker_and_mail_error(error):
    assert issubclass(error, RETRY["autoretry_for"])


@pytest.mark.parametrize(
    "error", [ValueError, KeyError, ZeroDivisionError, Question.DoesNotExist, TypeError]
)
def test_the_policy_does_not_retry_bugs(error):
    assert not issubclass(error, RETRY["autoretry_for"])


def test_every_task_has_the_policy():
    app.loader.import_default_modules()
    pipeline_tasks = [task for name, task in app.tasks.items() if name.startswith("pipeline.")]
    assert len(pipeline_tasks) >= 10
    for task in pipeline_tasks:
        assert task.autoretry_for == RETRY["autoretry_for"], task.name
        assert task.max_retries == RETRY["max_retries"], task.name


@pytest.mark.django_db
def test_a_task_meeting_a_raw_psycopg_error_is_retried_and_then_succeeds():
    """Eager only here, through apply(): a retry is run again at once."""
    dropped = psycopg.OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(tasks, "scopes_rebuild_dirty", side_effect=[dropped, ["all"]]) as run:
        result = tasks.rebuild_scopes.apply()
    assert result.successful()
    assert result.result == ["all"]
    assert run.call_count == 2


@pytest.mark.django_db
def test_a_task_meeting_a_bug_is_not_retried():
    with mock.patch.object(tasks, "scopes_rebuild_dirty", side_effect=ValueError("a bug")) as run:
        result = tasks.rebuild_scopes.apply()
    assert result.failed()
    assert run.call_count == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_constraint_broken_inside_a_copy_is_djangos_integrity_error(require_postgres):
    user = UserFactory()
    row = {
        "scope": "all",
        "rule": "accuracy",
        "user_id": np.array([user.pk, user.pk]),
        "is_community": np.array([False, False]),
        "rank": np.array([1.0, 2.0]),
        "value": np.array([0.1, 0.2]),
        "total": np.array([np.nan, np.nan]),
        "questions": np.array([3, 3]),
        "coverage": np.array([1.0, 1.0]),
        "ci_low": np.array([np.nan, np.nan]),
        "ci_high": np.array([np.nan, np.nan]),
        "rank_low": np.array([np.nan, np.nan]),
        "rank_high": np.array([np.nan, np.nan]),
    }
    with pytest.raises(db.IntegrityError) as raised, transaction.atomic():
        insert_arrays(LeaderboardEntry, row)
    assert isinstance(raised.value.__cause__, psycopg.errors.UniqueViolation)
    assert issubclass(type(raised.value), RETRY["autoretry_for"])
