"""A broker that is down must not turn a saved write into an error. Through the real HTTP
API (a live server), with the real Celery app pointed at Redis on a port nothing listens
on (refused) or on a server that accepts connections and never answers (silent): a
forecast, a resolution and a forecast import each answer their usual success status, at
once, having stored their rows once; the dispatcher logs the event it could not hand on.
With the broker back (the real Redis), the sweeps queue the lost work, once each."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.utils import timezone
from rest_framework.authtoken.models import Token

from forecasts.models import CommunityState, Forecast
from pipeline import tasks
from questions.models import Question, ResolutionEvent
from questions.services import question_resolve
from scoring.models import MaterializedScope
from scoring.services import question_score
from scoring.services.community import community_update
from tests.broker import celery_broker
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

# Not a benchmark: only a guard against the request waiting on the broker (it used to
# answer 500 after about a second against a refused port, and hang against a silent one).
HANG_GUARD_SECONDS = 3.0
QUEUE = "foreseer-test-broker-outage"


# --- Brokers that are down ------------------------------------------------------------------


@contextlib.contextmanager
def refused_port() -> Iterator[int]:
    """A port bound but not listening: connecting to it is refused, and no other process
    can start listening on it meanwhile."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A server that accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)  # closing a socket does not wake a thread blocked in accept()
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
        for connection in accepted:
            connection.close()


DOWN = {"refused": refused_port, "silent": silent_server}


@dataclass
class Broker:
    """The real Redis (CELERY_BROKER_URL) with the pipeline's tasks routed to a queue of
    this test's own, and the brokers that are down."""

    redis_url: str

    def at(self, url: str) -> contextlib.AbstractContextManager[None]:
        return celery_broker(url, queue=QUEUE)

    @contextlib.contextmanager
    def down(self, kind: str) -> Iterator[None]:
        with DOWN[kind]() as port, self.at(f"redis://127.0.0.1:{port}/0"):
            yield

    def messages(self) -> list[tuple[str, list[Any]]]:
        """(task, args) of every message waiting in the test's queue."""
        found = []
        for raw in redis.Redis.from_url(self.redis_url).lrange(QUEUE, 0, -1):
            message = json.loads(raw)
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append((message["headers"]["task"], args))
        return sorted(found)

    def purge(self) -> None:
        redis.Redis.from_url(self.redis_url).delete(QUEUE)


@pytest.fixture
def broker(require_postgres, require_redis) -> Iterator[Broker]:
    real = Broker(redis_url=require_redis)
    with real.at(require_redis):
        real.purge()
        try:
            yield real
        finally:
            real.purge()


# --- The HTTP API -------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any
    seconds: float


def call(url: str, *, token: Token, body: bytes, content_type: str) -> Answer:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Token {token.key}", "Content-Type": content_type},
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    seconds = time.monotonic() - started
    try:
        return Answer(status, json.loads(text), seconds)
    except ValueError:
        return Answer(status, text.decode(errors="replace")[:2000], seconds)


def post_json(url: str, data: dict[str, Any], *, token: Token) -> Answer:
    return call(url, token=token, body=json.dumps(data).encode(), content_type="application/json")


def post_csv(url: str, text: str, *, token: Token) -> Answer:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="history.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        f"{text}\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    return call(url, token=token, body=body, content_type=content_type)


def failed_events(records) -> list[tuple[str, dict[str, Any]]]:
    return [(record.after_commit_event, record.after_commit_payload) for record in records]


def past_question(slug: str) -> Question:
    """Opened ten days ago, closed five days ago, not yet resolved; one forecast."""
    opened = timezone.now() - timedelta(days=10)
    question = QuestionFactory(
        slug=slug,
        open_time=opened,
        scheduled_close_time=opened + timedelta(days=5),
        scheduled_resolve_time=opened + timedelta(days=6),
    )
    ForecastFactory(question=question, probability=0.7, created_at=opened + timedelta(hours=2))
    return question


# --- The tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_a_forecast_is_saved_once_and_the_sweep_queues_its_community_update(
    broker, live_server, publish_failures, settings, kind
):
    question = QuestionFactory(slug="outage-open")
    token = Token.objects.create(user=UserFactory(username="outage-forecaster"))

    with broker.down(kind):
        answer = post_json(
            f"{live_server.url}/api/forecasts/",
            {"question": question.slug, "probability": 0.64},
            token=token,
        )
    assert answer.status == 201, answer.body
    assert answer.seconds < HANG_GUARD_SECONDS
    forecast = Forecast.objects.get(question=question)
    assert (answer.body["id"], forecast.probability) == (forecast.pk, 0.64)
    assert CommunityState.objects.get(question=question).pending
    assert failed_events(publish_failures) == [("community_stale", {"question_id": question.pk})]

    # The broker is back; the update asked for is overdue at the next sweep.
    settings.FORESEER_RESCORE_SWEEP_SECONDS = 0
    assert broker.messages() == []
    assert tasks.community_sweep() == [question.pk]
    assert broker.messages() == [("pipeline.tasks.update_community", [question.pk])]


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_a_resolution_is_saved_once_and_the_sweeps_queue_its_scoring(
    broker, live_server, publish_failures, settings, kind
):
    question = past_question("outage-resolve")
    token = Token.objects.create(user=StaffFactory(username="outage-resolver"))
    known = (question.scheduled_close_time - timedelta(days=1)).isoformat()

    with broker.down(kind):
        answer = post_json(
            f"{live_server.url}/api/questions/{question.slug}/resolve/",
            {"outcome": "yes", "known_at": known, "note": "Resolved while the broker was down."},
            token=token,
        )
    assert answer.status == 201, answer.body
    assert answer.seconds < HANG_GUARD_SECONDS
    event = ResolutionEvent.objects.get(question=question)
    assert answer.body["id"] == event.pk
    question.refresh_from_db()
    assert question.resolution == "yes"
    assert failed_events(publish_failures) == [("question_resolved", {"question_id": question.pk})]

    settings.FORESEER_RESCORE_SWEEP_SECONDS = 0
    assert tasks.rescore_stale_questions() == [question.pk]
    assert tasks.community_sweep() == [question.pk]
    assert broker.messages() == [
        ("pipeline.tasks.score_question", [question.pk]),
        ("pipeline.tasks.update_community", [question.pk]),
    ]


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_an_import_onto_resolved_questions_is_saved_once_and_the_sweeps_rescore_them(
    broker, live_server, publish_failures, settings, kind
):
    """Four resolved, scored questions get imported history: eight events after one
    commit. The first failure pauses the dispatcher, so the import waits for the broker
    once, not eight times; the rescore sweep finds each question by its forecasts."""
    staff = StaffFactory(username="outage-importer")
    questions = [past_question(f"outage-import-{n}") for n in range(4)]
    for question in questions:
        question_resolve(
            question=question,
            outcome="no",
            known_at=question.scheduled_close_time - timedelta(hours=1),
            resolved_by=staff,
        )
        question_score(question_id=question.pk)
        community_update(question_id=question.pk)
    MaterializedScope.objects.update(dirty=False)
    broker.purge()  # what the resolutions queued
    assert tasks.rescore_stale_questions() == []
    token = Token.objects.create(user=staff)
    rows = "".join(
        f"{q.slug},imported-{n},0.2{n},{(q.open_time + timedelta(days=1)).isoformat()}\n"
        for q in questions
        for n in range(2)
    )

    with broker.down(kind):
        answer = post_csv(
            f"{live_server.url}/api/staff/import/forecasts/",
            "question,user,probability,created_at\n" + rows,
            token=token,
        )
    assert answer.status == 201, answer.body
    assert answer.seconds < HANG_GUARD_SECONDS
    assert answer.body["created"] == 8
    assert Forecast.objects.filter(origin=Forecast.Origin.IMPORT).count() == 8
    expected_events = [
        (event, {"question_id": q.pk})
        for q in sorted(questions, key=lambda q: q.pk)
        for event in ("community_stale", "scores_stale")
    ]
    assert failed_events(publish_failures) == expected_events
    # Only the first was tried; the rest were left to the sweeps at once.
    assert [record.levelname for record in publish_failures] == ["ERROR"] + ["WARNING"] * 7

    settings.FORESEER_RESCORE_SWEEP_SECONDS = 0
    ids = sorted(q.pk for q in questions)
    assert tasks.rescore_stale_questions() == ids
    assert tasks.community_sweep() == ids
    assert broker.messages() == sorted(
        [("pipeline.tasks.score_question", [pk]) for pk in ids]
        + [("pipeline.tasks.update_community", [pk]) for pk in ids]
    )
    # Once scored again, the questions are current.
    for pk in ids:
        question_score(question_id=pk)
    assert tasks.rescore_stale_questions() == []


def test_the_real_broker_gets_the_work_at_once(broker, live_server):
    """The same request with the broker up: the update is queued by the request itself,
    and nothing is logged as failed (the autouse guard would fail the test)."""
    question = QuestionFactory(slug="outage-none")
    token = Token.objects.create(user=UserFactory(username="on-time"))
    answer = post_json(
        f"{live_server.url}/api/forecasts/",
        {"question": question.slug, "probability": 0.4},
        token=token,
    )
    assert answer.status == 201, answer.body
    assert broker.messages() == [("pipeline.tasks.update_community", [question.pk])]
