"""Scoring through a real Celery worker, a real broker (Redis) and a real
database (PostgreSQL): resolving a question enqueues `score_question` on
commit, a separate worker process writes the scores, and running the task a
second time leaves identical rows. Nothing is eager or mocked here."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from forecasts.models import CommunityPoint, CommunityState
from pipeline.tasks import score_question, update_community
from questions.models import Question
from questions.services import question_resolve
from scoring.models import (
    CalibrationReport,
    LeaderboardEntry,
    MaterializedScope,
    QuestionScoring,
    Score,
)
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


def scoring_runs(worker) -> int:
    return sum(
        "pipeline.tasks.score_question[" in line and "succeeded in" in line
        for line in worker.log().splitlines()
    )


def score_rows(question: Question) -> list[tuple[str, str, float, float]]:
    return sorted(
        Score.objects.filter(question=question).values_list(
            "user__username", "daily_brier", "accuracy", "participation", "peer", "coverage"
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
    first_count = Score.objects.count()
    # SCORING.md worked example B; the community forecast is scored beside them.
    assert [
        (user, round(brier, 6), round(accuracy, 6), round(participation, 6))
        for user, brier, accuracy, participation, _, _ in first
    ] == [
        ("community", 0.542857, -0.031429, 1.0),
        ("george", 0.794286, 0.22, 1.0),
        ("kramer", 0.25, -0.277959, 0.857143),
    ]
    peers = {user: peer for user, _, _, _, peer, _ in first}
    assert peers["george"] + peers["kramer"] == pytest.approx(0.0, abs=1e-9)
    first_run = QuestionScoring.objects.get(question=question)
    assert (first_run.forecasts_scored, first_run.users_scored) == (5, 2)
    assert "pipeline.tasks.score_question" in worker.log()

    # The same task again, sent by hand: a later scored_at, the same rows.
    score_question.delay(question.pk)
    worker.wait_for(
        lambda: QuestionScoring.objects.get(question=question).scored_at > first_run.scored_at,
        seconds=SCORES_SECONDS,
        what="the second scoring run",
    )
    assert score_rows(question) == first
    assert Score.objects.count() == first_count
    assert scoring_runs(worker) == 2


def table_snapshot() -> tuple[list, list, list]:
    entries = sorted(
        LeaderboardEntry.objects.values_list(
            "scope", "rule", "user__username", "rank", "value", "ci_low", "ci_high"
        )
    )
    reports = sorted(
        (scope, weighting, closed_only, json.dumps(payload, sort_keys=True))
        for scope, weighting, closed_only, payload in CalibrationReport.objects.values_list(
            "scope", "weighting", "closed_only", "payload"
        )
    )
    points = list(CommunityPoint.objects.order_by("at").values_list("at", "median", "mean"))
    return entries, reports, points


def test_a_resolution_and_a_correction_reach_leaderboards_and_calibration_through_the_worker(
    celery_worker_process, client
):
    """The whole chain in a real worker: scores, then the scopes they touch (leaderboards
    and calibration), and the community history; the API serves what the worker built;
    a correction rebuilds all of it, and running the tasks again changes nothing."""
    worker = celery_worker_process
    staff = StaffFactory(username="resolver")
    question = example_b()

    question_resolve(
        question=question, outcome="yes", known_at=utc("2016-11-08T00:00"), resolved_by=staff
    )
    worker.wait_for(
        lambda: (
            MaterializedScope.objects.filter(scope="all", built_at__isnull=False).exists()
            and CommunityPoint.objects.filter(question=question).count() == 5
        ),
        seconds=SCORES_SECONDS,
        what="the worker to build the tables and the community history",
    )
    board = client.get("/api/leaderboards/", {"rule": "accuracy", "min_questions": 1}).json()
    assert [(r["user"], r["rank"], round(r["value"], 6)) for r in board["results"]] == [
        ("kramer", 1, -0.277959),
        ("george", 2, 0.22),
    ]
    assert board["built_at"] is not None and board["community"]["user"] == "community"
    calibration = client.get("/api/calibration/", {"closed_only": "false"}).json()
    assert calibration["live"] is False and calibration["base_rate"] == 1.0
    history = client.get(f"/api/questions/{question.slug}/community/").json()
    assert [round(point["y"], 6) for point in history["points"]] == [0.3, 0.45, 0.55, 0.5, 0.55]

    # A correction: the same chain again, from the new outcome.
    built = MaterializedScope.objects.get(scope="all").built_at
    question_resolve(
        question=question, outcome="no", known_at=utc("2016-11-08T00:00"), resolved_by=staff
    )
    worker.wait_for(
        lambda: (
            MaterializedScope.objects.get(scope="all").built_at > built
            and not MaterializedScope.objects.filter(dirty=True).exists()
        ),
        seconds=SCORES_SECONDS,
        what="the worker to rebuild the tables after the correction",
    )
    board = client.get("/api/leaderboards/", {"rule": "daily_brier", "min_questions": 1}).json()
    # Resolved no: George's forecasts (0.3, then 0.5 and 0.4) now beat Kramer's.
    assert [r["user"] for r in board["results"]] == ["george", "kramer"]
    assert client.get("/api/calibration/", {"closed_only": "false"}).json()["base_rate"] == 0.0

    # Every task once more, by hand: identical rows.
    before = table_snapshot()
    built = MaterializedScope.objects.get(scope="all").built_at
    version = CommunityState.objects.get(question=question).version
    score_question.delay(question.pk)
    update_community.delay(question.pk, True)
    worker.wait_for(
        lambda: (
            MaterializedScope.objects.get(scope="all").built_at > built
            and not MaterializedScope.objects.filter(dirty=True).exists()
            and CommunityState.objects.get(question=question).version > version
        ),
        seconds=SCORES_SECONDS,
        what="the repeated tasks",
    )
    assert table_snapshot() == before
