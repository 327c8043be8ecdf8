"""`rescore --fan-out`, `rebuild_tables` and `rebuild_community`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forecasts.models import CommunityPoint
from scoring.models import CalibrationReport, LeaderboardEntry, RescoreChunk, RescoreRun
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

OPEN = datetime(2020, 3, 1, tzinfo=UTC)


@pytest.fixture
def questions(db):
    """Two resolved questions and an open one, one forecast each."""
    made = []
    for slug, resolution in (("alpha", "yes"), ("beta", "no"), ("gamma", "")):
        question = QuestionFactory(
            slug=slug,
            open_time=OPEN,
            scheduled_close_time=OPEN + timedelta(days=2),
            resolution=resolution,
            known_at=OPEN + timedelta(days=2) if resolution else None,
        )
        ForecastFactory(
            question=question,
            user=UserFactory(username="ann"),
            probability=0.7,
            created_at=OPEN + timedelta(hours=1),
        )
        made.append(question)
    return made


def test_fan_out_queues_the_chunks_once_the_run_is_committed(
    run, questions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        out, _ = run("rescore", "--fan-out", "--no-wait", "--chunk-size", 1)
    run_row = RescoreRun.objects.get()
    assert out.strip() == (
        f"Rescore run {run_row.pk}: 2 questions in 2 chunks queued for the workers."
    )
    assert len(callbacks) == 1  # the Celery group, sent after the commit
    assert sorted(RescoreChunk.objects.values_list("question_ids", flat=True)) == [
        [questions[0].pk],
        [questions[1].pk],
    ]


@pytest.mark.parametrize("size", [0, -3])
def test_fan_out_refuses_a_chunk_size_below_one(run_failing, questions, size):
    error, _ = run_failing("rescore", "--fan-out", "--no-wait", "--chunk-size", size)
    assert str(error) == "--chunk-size: must be at least 1."
    assert not RescoreRun.objects.exists()


def test_rebuild_tables(run, questions):
    run("rescore")
    LeaderboardEntry.objects.all().delete()
    CalibrationReport.objects.all().delete()
    out, _ = run("rebuild_tables")
    assert out.splitlines() == ["Rebuilt all.", "Rebuilt year:2020."]
    assert set(LeaderboardEntry.objects.values_list("scope", flat=True)) == {"all", "year:2020"}
    assert CalibrationReport.objects.filter(scope="all").count() == 4
    out, _ = run("rebuild_tables", "--scope", "year:2020")
    assert out.strip() == "Rebuilt year:2020."


def test_rebuild_tables_names_a_bad_scope(run_failing):
    error, _ = run_failing("rebuild_tables", "--scope", "year:20")
    assert str(error).startswith("--scope: 'year:20': a year scope is year:<yyyy>")


def test_rebuild_community(run, run_failing, questions):
    out, err = run("rebuild_community")
    assert out.strip() == "Rebuilt the community history of 3 questions: 3 points."
    assert "Community" in err  # the progress bar
    assert CommunityPoint.objects.count() == 3
    out, _ = run("rebuild_community", "--question", "beta")
    assert out.strip() == "Rebuilt the community history of 1 questions: 1 points."
    assert CommunityPoint.objects.count() == 3
    error, _ = run_failing("rebuild_community", "--question", "nope")
    assert str(error) == "--question: no question with slug 'nope'."
