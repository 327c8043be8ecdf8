"""A handler runs after its write has committed: when it cannot queue its tasks (the
broker refuses, does not answer, or the file-system broker cannot write), the dispatcher
logs the event and its payload and the request answers as usual; the sweeps repair the
work (tests/integration/test_broker_outage.py runs this against Redis)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from common import after_commit
from common.after_commit import Event
from config.celery import app as celery_app
from config.settings.base import broker_transport_options
from forecasts.models import CommunityState, Forecast
from questions.models import ResolutionEvent
from tests.broker import celery_broker
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def failures(records) -> list[tuple[str, str, dict]]:
    return [
        (record.levelname, record.after_commit_event, record.after_commit_payload)
        for record in records
    ]


def test_a_failing_handler_is_logged_with_its_event_and_payload(
    monkeypatch, publish_failures, django_capture_on_commit_callbacks
):
    def refuse(payload):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(after_commit._handlers, Event.COMMUNITY_STALE, refuse)
    with django_capture_on_commit_callbacks(execute=True):
        after_commit.community_stale(question_id=7)  # raises nothing after the commit
    assert failures(publish_failures) == [("ERROR", "community_stale", {"question_id": 7})]
    (record,) = publish_failures
    assert "community_stale" in record.getMessage() and "{'question_id': 7}" in record.getMessage()
    assert "the sweep will queue it" in record.getMessage()
    assert record.exc_info[0] is OperationalError


def test_after_a_failure_the_dispatcher_leaves_events_to_the_sweeps_for_a_while(
    monkeypatch, publish_failures, django_capture_on_commit_callbacks
):
    calls = []

    def handler(payload):
        calls.append(payload["question_id"])
        if len(calls) == 1:
            raise OperationalError("Timeout reading from 127.0.0.1:6379")

    monkeypatch.setitem(after_commit._handlers, Event.SCORES_STALE, handler)
    monkeypatch.setattr(after_commit, "PAUSE_SECONDS", 0.2)
    with django_capture_on_commit_callbacks(execute=True):
        for question_id in (1, 2, 3):
            after_commit.scores_stale(question_id=question_id)
    # The broker was tried once for the commit's three events.
    assert calls == [1]
    assert failures(publish_failures) == [
        ("ERROR", "scores_stale", {"question_id": 1}),
        ("WARNING", "scores_stale", {"question_id": 2}),
        ("WARNING", "scores_stale", {"question_id": 3}),
    ]
    time.sleep(0.25)
    with django_capture_on_commit_callbacks(execute=True):
        after_commit.scores_stale(question_id=4)
    assert calls == [1, 4]
    assert len(publish_failures) == 3


def test_an_api_forecast_is_a_201_when_its_update_cannot_be_queued(
    forecaster_client, queued, publish_failures, django_capture_on_commit_callbacks
):
    question = QuestionFactory(slug="no-broker")
    queued.update_community.side_effect = OperationalError("Connection refused.")
    with django_capture_on_commit_callbacks(execute=True):
        response = forecaster_client.post(
            reverse("api:forecast-list"),
            {"question": question.slug, "probability": 0.3},
            format="json",
        )
    assert response.status_code == 201
    assert Forecast.objects.get().pk == response.json()["id"]
    queued.update_community.assert_called_once_with(question.pk)
    # Pending, with no update on its way: the community sweep picks it up.
    assert CommunityState.objects.get(question=question).pending
    assert failures(publish_failures) == [
        ("ERROR", "community_stale", {"question_id": question.pk})
    ]


def test_a_file_system_broker_that_cannot_write_does_not_fail_a_resolution(
    staff_client, tmp_path, publish_failures, django_capture_on_commit_callbacks
):
    question = QuestionFactory(slug="broken-folder", open_time=timezone.now() - timedelta(days=3))
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("")
    options = {
        "data_folder_in": str(not_a_folder),
        "data_folder_out": str(not_a_folder),
        "control_folder": str(tmp_path / "control"),
    }
    with (
        celery_broker("filesystem://", options=options),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = staff_client.post(
            reverse("api:question-resolve", kwargs={"slug": question.slug}),
            {"outcome": "no", "known_at": (timezone.now() - timedelta(hours=1)).isoformat()},
            format="json",
        )
    assert response.status_code == 201
    assert ResolutionEvent.objects.get().pk == response.json()["id"]
    assert failures(publish_failures) == [
        ("ERROR", "question_resolved", {"question_id": question.pk})
    ]
    assert isinstance(publish_failures[0].exc_info[1], OSError)


def test_publishing_is_bounded(settings, tmp_path):
    """One attempt, and Redis gets well under a second to connect and to answer; the
    worker still reconnects when it loses the broker."""
    connect, read = (
        settings.FORESEER_BROKER_CONNECT_TIMEOUT,
        settings.FORESEER_BROKER_SOCKET_TIMEOUT,
    )
    assert 0 < connect < 1 and 0 < read < 1
    for url in ("redis://broker:6379/0", "rediss://broker:6380/0"):
        assert broker_transport_options(url, tmp_path) == {
            "socket_connect_timeout": connect,
            "socket_timeout": read,
        }
    assert celery_app.conf.task_publish_retry_policy == {"max_retries": 0}
    assert celery_app.conf.broker_connection_timeout == connect
    assert celery_app.conf.broker_connection_retry is True


def test_the_file_system_broker_keeps_its_folders(tmp_path):
    options = broker_transport_options("filesystem://", tmp_path)
    assert options == {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
    }


def test_nothing_is_logged_when_the_handlers_work(caplog, django_capture_on_commit_callbacks):
    with (
        caplog.at_level(logging.WARNING, logger="common.after_commit"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        after_commit.community_stale(question_id=7)  # update_community.delay is mocked
    assert caplog.records == []
