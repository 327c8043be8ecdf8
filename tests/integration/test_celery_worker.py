"""Scoring through a real Celery worker, a real broker (Redis) and a real
database (PostgreSQL): resolving a question enqueues `score_question` on
commit, a separate worker process writes the scores, and running the task a
second time leaves identical rows. Nothing is eager or mocked here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from questions.models import Question
from questions.services import question_resolve
from scoring.models import QuestionScoring, Score
from scoring.tasks import score_question
from tests.factories import StaffFactory, example_b_question

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

SCORES_SECONDS = 30


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def example_b() -> Question:
    """SCORING.md worked example B (Good Judgment Open FAQ): a question open
    2016-11-01 to 2016-11-07 inclusive, closed since, not yet resolved."""
    question, _ = example_b_question(slug="worker-example-b")
    return question


def score_rows(question: Question) -> list[tuple[str, str, float, float]]:
    return sorted(
        Score.objects.filter(question=question).values_list(
            "user__username", "rule", "value", "coverage"
        )
    )


def test_resolving_enqueues_scoring_that_a_real_worker_runs_idempotently(
    celery_worker_process,
):
    worker = celery_worker_process
    staff = StaffFactory(username="resolver")
    question = example_b()
    assert question.status == Question.Status.CLOSED
    assert not Score.objects.exists()

    # Commits for real (transactional test): the message is sent on commit.
    question_resolve(
        question=question,
        outcome="yes",
        known_at=utc("2016-11-08T00:00"),
        resolved_by=staff,
        note="Resolved in the worker test.",
    )
    worker.wait_for(
        lambda: QuestionScoring.objects.filter(question=question).exists(),
        seconds=SCORES_SECONDS,
        what="the worker to score the question",
    )
    first = score_rows(question)
    assert [
        (user, rule, round(value, 6), round(coverage, 6)) for user, rule, value, coverage in first
    ] == [
        ("george", "accuracy", 0.22, 1.0),
        ("george", "daily_brier", 0.794286, 1.0),
        ("kramer", "accuracy", -0.277959, 0.857143),
        ("kramer", "daily_brier", 0.25, 0.857143),
    ]
    first_run = QuestionScoring.objects.get(question=question)
    assert (first_run.forecasts_scored, first_run.users_scored) == (5, 2)
    assert "scoring.tasks.score_question" in worker.log()

    # The same task again, sent by hand: a later scored_at, the same rows.
    score_question.delay(question.pk)
    worker.wait_for(
        lambda: QuestionScoring.objects.get(question=question).scored_at > first_run.scored_at,
        seconds=SCORES_SECONDS,
        what="the second scoring run",
    )
    assert score_rows(question) == first
    assert Score.objects.count() == 4
    assert worker.log().count("succeeded in") == 2
