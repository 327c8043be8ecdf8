"""Scaled out: two workers and one beat (real processes) against one PostgreSQL and one
Redis. Twenty resolutions are each scored exactly once, by whichever worker takes the
message; the leaderboards they all touch are rebuilt by both workers, often at once, and
the scope locks keep them from colliding; a fanned-out rescore whose chunk message was
lost is finished by the beat's chunk sweep, and `manage.py rescore --fan-out` follows it
to the end. Nothing is eager or mocked but the one lost message."""

from __future__ import annotations

import ast
import re
import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from common import after_commit
from common.after_commit import Event
from pipeline import handlers
from questions.models import ResolutionEvent
from questions.services import question_resolve
from scoring.models import LeaderboardEntry, MaterializedScope, QuestionScoring, RescoreChunk
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory
from tests.integration.conftest import CLUSTER_CHUNK_TIMEOUT_SECONDS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

QUESTIONS = 20
SECONDS = 30
SCORED = re.compile(r"pipeline\.tasks\.score_question\[[0-9a-f-]+\] succeeded in [^:]*: (\{.*\})")


def scoring_runs(logs: list[str]) -> Counter[int]:
    """How many times a worker ran `score_question`, per question id (from the result each
    success logs: {'question_id': ..., 'rows': ...})."""
    runs: Counter[int] = Counter()
    for log in logs:
        for match in SCORED.finditer(log):
            runs[ast.literal_eval(match.group(1))["question_id"]] += 1
    return runs


def make_questions() -> list:
    """Twenty binary questions, closed ten days ago, each with four forecasters."""
    opened = timezone.now() - timedelta(days=20)
    users = [UserFactory(username=f"forecaster-{i}") for i in range(4)]
    questions = []
    for n in range(QUESTIONS):
        question = QuestionFactory(
            slug=f"scaled-{n}",
            open_time=opened,
            scheduled_close_time=opened + timedelta(days=10),
            scheduled_resolve_time=opened + timedelta(days=11),
        )
        for i, user in enumerate(users):
            ForecastFactory(
                question=question,
                user=user,
                probability=round(0.15 + 0.2 * i + 0.01 * n, 2),
                created_at=opened + timedelta(days=1, hours=i),
            )
        questions.append(question)
    return questions


def tables_built() -> bool:
    return (
        MaterializedScope.objects.filter(scope="all", built_at__isnull=False).exists()
        and not MaterializedScope.objects.filter(dirty=True).exists()
    )


def test_two_workers_and_a_beat_score_each_resolution_once_and_heal_a_lost_chunk(
    celery_cluster, monkeypatch
):
    cluster = celery_cluster
    staff = StaffFactory(username="resolver")
    questions = make_questions()
    ids = [question.pk for question in questions]

    # Through the service, each committing on its own: a scoring message per resolution.
    for n, question in enumerate(questions):
        question_resolve(
            question=question,
            outcome="yes" if n % 3 else "no",
            known_at=question.scheduled_close_time,
            resolved_by=staff,
        )
    cluster.wait_for(
        lambda: (
            QuestionScoring.objects.filter(question_id__in=ids).count() == QUESTIONS
            and tables_built()
            and sum(scoring_runs([w.log() for w in cluster.workers]).values()) >= QUESTIONS
        ),
        seconds=SECONDS,
        what="the workers to score every question and build the tables",
    )

    # Exactly once per resolution, counted in the workers' own logs, and both took a share.
    per_worker = [scoring_runs([worker.log()]) for worker in cluster.workers]
    runs = per_worker[0] + per_worker[1]
    assert runs == Counter(dict.fromkeys(ids, 1)), cluster.logs()
    assert all(per_worker), "one worker scored everything"
    latest = {event.question_id: event.pk for event in ResolutionEvent.objects.all()}
    assert dict(
        QuestionScoring.objects.filter(question_id__in=ids).values_list(
            "question_id", "resolution_event_id"
        )
    ) == {question_id: latest[question_id] for question_id in ids}
    # The leaderboards every scoring run touched: the four forecasters ranked on every
    # question, built by workers that rebuilt the same scopes at once without a collision.
    board = LeaderboardEntry.objects.filter(scope="all", rule="accuracy", is_community=False)
    assert sorted(board.values_list("rank", flat=True)) == [1, 2, 3, 4]
    assert set(board.values_list("questions", flat=True)) == {QUESTIONS}
    logs = cluster.logs()
    assert "IntegrityError" not in logs and "Retry in" not in logs

    # A fanned-out rescore whose last chunk's message is lost on the way to the broker.
    deliver = handlers.on_rescore_started

    def lose_the_last_chunk(payload):
        deliver({**payload, "chunk_ids": payload["chunk_ids"][:-1]})

    monkeypatch.setitem(after_commit._handlers, Event.RESCORE_STARTED, lose_the_last_chunk)
    out = StringIO()
    began = time.monotonic()
    call_command(
        "rescore", "--fan-out", "--chunk-size", "5", "--timeout", str(SECONDS), stdout=out,
        stderr=StringIO(),
    )  # fmt: skip
    healed_in = time.monotonic() - began
    assert "finished" in out.getvalue()
    chunks = sorted(RescoreChunk.objects.values_list("sends", "finished_at"), key=repr)
    assert [sends for sends, _ in chunks] == [1, 1, 1, 2]  # the lost one, sent again
    assert all(finished is not None for _, finished in chunks)
    assert "rescore_chunks_sweep" in cluster.beat.log()
    # Found once the run had been quiet for the timeout, at the next sweep: seconds.
    assert healed_in < 4 * CLUSTER_CHUNK_TIMEOUT_SECONDS + 2, healed_in
    print(f"the lost chunk was sent again and the run finished in {healed_in:.1f} s")
