"""Leaderboards and calibration are derived from the scores: scoring marks the scopes it
touched dirty, `scopes_rebuild_dirty()` rebuilds them. Idempotence, corrections,
annulments, and the fanned-out rescore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone

from forecasts.services import questions_close_due
from questions.models import Project, Question, Tag
from questions.services import question_resolve
from scoring import registry
from scoring.models import (
    CalibrationReport,
    LeaderboardEntry,
    MaterializedScope,
    QuestionScoring,
    RescoreChunk,
    RescoreRun,
    Score,
)
from scoring.services import (
    question_score,
    questions_score,
    rescore_chunk_run,
    rescore_run_start,
    scopes_mark_closed,
    scopes_rebuild_dirty,
)
from tests.factories import ForecastFactory, QuestionFactory, UserFactory, example_b_question

pytestmark = pytest.mark.django_db

KNOWN = datetime(2016, 11, 8, tzinfo=UTC)
LEADERBOARD_SCOPES = ["all", "project:cup", "tag:seinfeld", "year:2016"]
CALIBRATION_SCOPES = ["all", "group:Panel", "project:cup", "tag:seinfeld"]


@pytest.fixture(autouse=True)
def no_broker(settings):
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 50
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 1
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay


@pytest.fixture
def example_b(staff):
    """Worked example B, tagged "seinfeld", in the project "cup", George in the group
    "Panel"; resolved yes (not scored yet)."""
    question, users = example_b_question(slug="example-b")
    question.tags.add(Tag.objects.create(slug="seinfeld"))
    question.projects.add(Project.objects.create(slug="cup", name="Cup"))
    users["george"].groups.add(Group.objects.create(name="Panel"))
    question_resolve(question=question, outcome="yes", known_at=KNOWN, resolved_by=staff)
    return question


def rows(model, *exclude: str) -> list[tuple]:
    """Every row of a table, every column but the id and `exclude`, sorted."""
    fields = [f.attname for f in model._meta.concrete_fields if f.name not in ("id", *exclude)]
    return sorted(model.objects.values_list(*fields), key=repr)


def snapshot() -> dict[str, list[tuple]]:
    return {
        "scores": rows(Score),
        "leaderboards": rows(LeaderboardEntry),
        # A rebuild stamps the time it was built; nothing else may change.
        "calibration": rows(CalibrationReport, "built_at"),
        "scopes": rows(MaterializedScope, "built_at", "requested_at"),
    }


def board(scope: str, rule: registry.Rule) -> list[tuple]:
    return list(
        LeaderboardEntry.objects.filter(scope=scope, rule=rule.key)
        .order_by(F("rank").asc(nulls_last=True), "user__username")
        .values_list("user__username", "rank", "questions")
    )


def calibration(scope: str) -> dict:
    return CalibrationReport.objects.get(scope=scope, weighting="time", closed_only=True).payload


def test_scoring_marks_scopes_dirty_and_one_rebuild_builds_them(
    example_b, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question_score(question_id=example_b.pk)
    queued.rebuild_scopes.assert_called_once_with()
    assert sorted(MaterializedScope.objects.filter(dirty=True).values_list("scope", flat=True)) == (
        sorted({*LEADERBOARD_SCOPES, *CALIBRATION_SCOPES})
    )
    assert QuestionScoring.objects.get().scopes == [
        "all",
        "tag:seinfeld",
        "project:cup",
        "year:2016",
        "group:Panel",
    ]
    # Scored again before the rebuild ran: the scopes are already waiting, no second task.
    with django_capture_on_commit_callbacks(execute=True):
        question_score(question_id=example_b.pk)
    queued.rebuild_scopes.assert_called_once_with()

    assert scopes_rebuild_dirty() == sorted({*LEADERBOARD_SCOPES, *CALIBRATION_SCOPES})
    assert not MaterializedScope.objects.filter(dirty=True).exists()
    assert not MaterializedScope.objects.filter(built_at=None).exists()
    assert set(MaterializedScope.objects.values_list("questions", flat=True)) == {1}
    # Every rule of every leaderboard scope: George, Kramer and the community forecast.
    for scope in LEADERBOARD_SCOPES:
        for rule in registry.rules():
            entries = LeaderboardEntry.objects.filter(scope=scope, rule=rule.key)
            assert sorted(entries.values_list("user__username", "is_community")) == [
                ("community", True),
                ("george", False),
                ("kramer", False),
            ], (scope, rule)
            assert entries.get(is_community=True).rank is None
    assert not LeaderboardEntry.objects.filter(scope="group:Panel").exists()
    # Four calibration reports per calibration scope; years have none.
    for scope in CALIBRATION_SCOPES:
        assert CalibrationReport.objects.filter(scope=scope).count() == 4
    assert not CalibrationReport.objects.filter(scope="year:2016").exists()
    assert calibration("all")["count"] == 5
    assert calibration("group:Panel")["count"] == 3  # George's forecasts only
    # The accuracy board of SCORING.md worked example B: Kramer beat the crowd.
    assert board("all", registry.ACCURACY) == [
        ("kramer", 1, 1),
        ("george", 2, 1),
        ("community", None, 1),
    ]
    kramer = LeaderboardEntry.objects.get(
        scope="all", rule=registry.ACCURACY.key, user__username="kramer"
    )
    assert kramer.value == pytest.approx(-0.277959, abs=1e-6)
    # Nothing left to do.
    assert scopes_rebuild_dirty() == []


def test_scoring_and_rebuilding_twice_changes_no_row(example_b):
    question_score(question_id=example_b.pk)
    scopes_rebuild_dirty()
    first = snapshot()
    assert all(first.values())
    question_score(question_id=example_b.pk)
    assert scopes_rebuild_dirty() == sorted({*LEADERBOARD_SCOPES, *CALIBRATION_SCOPES})
    assert snapshot() == first


def test_a_correction_rebuilds_scores_leaderboards_and_calibration(example_b, staff):
    question_score(question_id=example_b.pk)
    scopes_rebuild_dirty()
    assert calibration("all")["base_rate"] == 1.0
    # Resolved no: George's 0.3-0.5 beat Kramer's 0.6-0.7 now.
    question_resolve(question=example_b, outcome="no", known_at=KNOWN, resolved_by=staff)
    question_score(question_id=example_b.pk)
    george = Score.objects.get(user__username="george")
    assert george.accuracy < 0 < Score.objects.get(user__username="kramer").accuracy
    scopes_rebuild_dirty()
    for scope in LEADERBOARD_SCOPES:
        assert board(scope, registry.ACCURACY)[0][:2] == ("george", 1)
        assert board(scope, registry.PEER)[0][:2] == ("george", 1)
    for scope in CALIBRATION_SCOPES:
        assert calibration(scope)["base_rate"] == 0.0


def test_a_moved_known_at_rebuilds_the_scopes_the_question_left(example_b, staff):
    question_score(question_id=example_b.pk)
    scopes_rebuild_dirty()
    question_resolve(
        question=example_b, outcome="yes", known_at=datetime(2016, 11, 5, tzinfo=UTC),
        resolved_by=staff,
    )  # fmt: skip
    # Still 2016; now move the outcome into 2017 (after the close: same scores).
    Question.objects.filter(pk=example_b.pk).update(known_at=datetime(2017, 1, 2, tzinfo=UTC))
    question_score(question_id=example_b.pk)
    assert MaterializedScope.objects.get(scope="year:2016").dirty
    scopes_rebuild_dirty()
    assert not LeaderboardEntry.objects.filter(scope="year:2016").exists()
    assert LeaderboardEntry.objects.filter(scope="year:2017").count() == 3 * len(registry.rules())


def test_an_annulment_removes_the_question_from_the_rebuilt_tables(example_b, staff):
    other = QuestionFactory(
        slug="other",
        open_time=datetime(2016, 11, 1, tzinfo=UTC),
        scheduled_close_time=KNOWN,
        resolution="no",
        known_at=KNOWN,
    )
    ForecastFactory(
        user=UserFactory(username="george"),
        question=other,
        probability=0.2,
        created_at=datetime(2016, 11, 1, 12, tzinfo=UTC),
    )
    questions_score(question_ids=[example_b.pk, other.pk])
    scopes_rebuild_dirty()
    # George: (0.794286 + 2 x 0.2^2) / 2 questions; Kramer 0.25 on one.
    assert board("all", registry.DAILY_BRIER) == [
        ("kramer", 1, 1),
        ("george", 2, 2),
        ("community", None, 2),
    ]

    question_resolve(question=example_b, outcome="annulled", known_at=KNOWN, resolved_by=staff)
    question_score(question_id=example_b.pk)
    assert not Score.objects.filter(question=example_b).exists()
    scopes_rebuild_dirty()
    # Only the other question is left: George alone, with one question.
    assert board("all", registry.DAILY_BRIER) == [("george", 1, 1), ("community", None, 1)]
    for scope in ("tag:seinfeld", "project:cup"):
        assert not LeaderboardEntry.objects.filter(scope=scope).exists()
        assert calibration(scope)["count"] == 0
    assert calibration("all")["count"] == 1


# --- the fanned-out rescore ---------------------------------------------------------------


@pytest.fixture
def five_questions(db):
    """Five resolved questions, two forecasters on each."""
    opened = datetime(2020, 3, 1, tzinfo=UTC)
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    questions = []
    for number in range(5):
        question = QuestionFactory(
            open_time=opened,
            scheduled_close_time=opened + timedelta(days=4),
            resolution="yes" if number % 2 else "no",
            known_at=opened + timedelta(days=4),
        )
        for user, probability, hours in ((ann, 0.2 + 0.1 * number, 5), (bob, 0.7, 30)):
            ForecastFactory(
                user=user,
                question=question,
                probability=probability,
                created_at=opened + timedelta(hours=hours),
            )
        questions.append(question)
    return questions


def test_a_fanned_out_rescore_counts_each_chunk_once_and_matches_in_process(
    five_questions, queued, django_capture_on_commit_callbacks
):
    questions_score(question_ids=[q.pk for q in five_questions])
    scopes_rebuild_dirty()
    in_process = rows(Score)
    Score.objects.all().delete()
    # A scope whose questions have all gone since: only the end of the run marks it.
    MaterializedScope.objects.create(scope="tag:gone", dirty=False)

    with django_capture_on_commit_callbacks(execute=False) as sent:
        run = rescore_run_start(chunk_size=2)
    assert len(sent) == 1  # the group of chunk tasks, sent once the run is committed
    assert (run.chunks_total, run.chunks_done, run.questions, run.finished_at) == (3, 0, 5, None)
    chunks = list(RescoreChunk.objects.filter(run=run).order_by("pk"))
    assert [len(chunk.question_ids) for chunk in chunks] == [2, 2, 1]

    outcomes = []
    with django_capture_on_commit_callbacks(execute=True):
        for chunk in (chunks[0], chunks[1], chunks[1], chunks[2], chunks[2]):
            outcome = rescore_chunk_run(chunk_id=chunk.pk)
            outcomes.append((outcome.counted, outcome.run_finished))
            gone_dirty = MaterializedScope.objects.get(scope="tag:gone").dirty
            assert gone_dirty is outcome.run_finished or outcomes[-1] == (False, False)
    # A redelivered chunk finds its chunk finished and does nothing: it is not counted
    # twice. The run finishes once, with its last chunk.
    assert outcomes == [(True, False), (True, False), (False, False), (True, True), (False, False)]
    run.refresh_from_db()
    assert (run.chunks_done, run.finished_at is not None) == (3, True)
    assert not RescoreChunk.objects.filter(run=run, finished_at=None).exists()
    # Finishing marks every scope. A rebuild is queued only by a mark that finds a clean
    # scope: the first chunk's (all, year:2020) and the finish's (tag:gone), not the rest.
    assert not MaterializedScope.objects.filter(dirty=False).exists()
    assert queued.rebuild_scopes.call_args_list == [mock.call(), mock.call()]
    # The same scores, to the last few bits: a question scored in another batch of
    # questions sums its pieces in another order.
    assert rows(Score) == [pytest.approx(row, rel=1e-12, abs=1e-12) for row in in_process]


def test_a_rescore_of_nothing_is_finished_at_once():
    run = rescore_run_start(chunk_size=10)
    assert (run.chunks_total, run.questions) == (0, 0)
    assert run.finished_at is not None


@pytest.mark.parametrize("chunk_size", [0, -1])
def test_a_chunk_size_below_one_is_refused(chunk_size):
    with pytest.raises(ValueError, match="chunk_size"):
        rescore_run_start(chunk_size=chunk_size, question_ids=[1])
    assert not RescoreRun.objects.exists()


def test_a_question_resolved_early_joins_calibration_when_its_scheduled_close_passes(
    staff, queued, django_capture_on_commit_callbacks
):
    # Resolved two days into a week-long window that is still running: not yet in the
    # default view of calibration, which counts questions past their scheduled close.
    opened = timezone.now() - timedelta(days=5)
    question = QuestionFactory(
        open_time=opened,
        scheduled_close_time=opened + timedelta(days=7),
        scheduled_resolve_time=opened + timedelta(days=8),
    )
    ForecastFactory(question=question, probability=0.8, created_at=opened + timedelta(hours=1))
    question_resolve(
        question=question, outcome="yes", known_at=opened + timedelta(days=2), resolved_by=staff
    )
    question_score(question_id=question.pk)
    scopes_rebuild_dirty()
    report = CalibrationReport.objects.get(scope="all", weighting="time", closed_only=True)
    assert report.payload["count"] == 0

    # Three days later the close task passes the scheduled close: the scope is rebuilt.
    later = opened + timedelta(days=8)
    queued.rebuild_scopes.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        closed = questions_close_due(now=later)
        assert closed == [question.pk]
        # What the close task does next (pipeline.tasks.close_due_questions).
        scopes_mark_closed(question_ids=closed)
    assert MaterializedScope.objects.get(scope="all").dirty
    queued.rebuild_scopes.assert_called_once()
    with mock.patch("scoring.services.calibration.timezone.now", return_value=later):
        scopes_rebuild_dirty()
    report = CalibrationReport.objects.get(scope="all", weighting="time", closed_only=True)
    assert report.payload["count"] == 1
