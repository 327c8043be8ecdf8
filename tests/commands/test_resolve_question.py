"""`manage.py resolve_question SLUG OUTCOME --known-at ISO8601`."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from questions.models import Question, ResolutionEvent
from scoring.models import Score
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    return QuestionFactory(slug="q1", open_time=timezone.now() - timedelta(days=3))


def test_resolves_as_the_first_superuser_and_queues_scoring_after_commit(
    run, question, superuser, enqueued, django_capture_on_commit_callbacks
):
    UserFactory(username="later-boss", is_staff=True, is_superuser=True)
    known = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(
            "resolve_question",
            "q1",
            "yes",
            "--known-at",
            known.isoformat().replace("+00:00", "Z"),
            "--note",
            "Reported by the agency.",
            "--evidence",
            "https://example.org/a",
            "https://example.org/b",
        )
    enqueued.assert_called_once_with(question.pk)
    event = ResolutionEvent.objects.get(question=question)
    assert (event.outcome, event.known_at, event.created_by, event.note, event.evidence_links) == (
        "yes",
        known,
        superuser,
        "Reported by the agency.",
        ["https://example.org/a", "https://example.org/b"],
    )
    question.refresh_from_db()
    assert (question.resolution, question.known_at) == ("yes", known)
    assert out.startswith(f"q1: resolved as yes, known at {known.isoformat()} ")
    assert f"(event {event.pk}, by boss); scoring has been queued." in out
    assert Score.objects.count() == 0  # the worker scores, not this command


def test_as_a_named_staff_user_and_a_correction(run, question, superuser):
    clerk = StaffFactory(username="clerk")
    known = timezone.now() - timedelta(hours=1)
    run("resolve_question", "q1", "yes", "--known-at", known.isoformat())
    out, _ = run(
        "resolve_question", "q1", "annulled", "--known-at", known.isoformat(), "--as", "clerk"
    )
    assert out.startswith("q1: corrected (was yes), now annulled, known at")
    events = list(
        ResolutionEvent.objects.filter(question=question).values_list("outcome", "created_by")
    )
    assert events == [("yes", superuser.pk), ("annulled", clerk.pk)]
    question.refresh_from_db()
    assert question.resolution == "annulled"


def test_score_now_writes_scores(run, question, superuser):
    forecaster = UserFactory(username="george")
    ForecastFactory(
        question=question,
        user=forecaster,
        probability=0.8,
        created_at=question.open_time + timedelta(minutes=5),
    )
    known = (question.open_time + timedelta(days=2)).isoformat()
    out, _ = run("resolve_question", "q1", "no", "--known-at", known, "--score-now")
    # Two rows: George's and the community forecast's.
    assert "q1: scored 1 forecasts by 1 users (2 score rows)." in out
    # Two full days at p_no 0.2: Brier 2 * 0.8^2 each.
    score = Score.objects.get(question=question, user=forecaster)
    assert score.daily_brier == pytest.approx(1.28)
    assert score.participation == 1.0
    assert set(Score.objects.values_list("user__username", flat=True)) == {"george", "community"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "yes", "--known-at", "2020-01-01T00:00Z"], "No question with slug 'nope'."),
        (
            ["q1", "maybe", "--known-at", "{past}"],
            "q1: not resolved. outcome: Must be one of yes, no, ambiguous, annulled; got 'maybe'.",
        ),
        (
            ["q1", "yes", "--known-at", "{future}"],
            "q1: not resolved. known_at: The outcome cannot be known in the future.",
        ),
        (
            ["q1", "yes", "--known-at", "{naive}"],
            "q1: not resolved. known_at: Give a time zone offset, e.g. 2026-01-31T12:00Z.",
        ),
        (
            ["q1", "yes", "--known-at", "yesterday"],
            "--known-at: 'yesterday' is not an ISO 8601 date-time (e.g. 2026-01-31T12:00Z).",
        ),
        (
            ["q1", "yes", "--known-at", "{before_open}"],
            "q1: not resolved. known_at: Must not be before the question opened",
        ),
        (
            ["q1", "yes", "--known-at", "{past}", "--evidence", "ftp://x.org/file"],
            "q1: not resolved. evidence_links: Link 1: 'ftp://x.org/file' is not an http(s) URL.",
        ),
        (["q1", "yes", "--known-at", "{past}", "--as", "ghost"], "--as: no active user 'ghost'."),
        (
            ["q1", "yes", "--known-at", "{past}", "--as", "alice"],
            "--as: 'alice' is not staff; only staff can resolve.",
        ),
    ],
    ids=[
        "unknown-slug",
        "bad-outcome",
        "future",
        "no-offset",
        "not-a-time",
        "before-open",
        "bad-link",
        "unknown-user",
        "not-staff",
    ],
)
def test_errors_write_nothing(run_failing, question, superuser, user, args, message):
    now = timezone.now()
    times = {
        "past": (now - timedelta(hours=1)).isoformat(),
        "future": (now + timedelta(hours=1)).isoformat(),
        "naive": (now - timedelta(hours=1)).replace(tzinfo=None).isoformat(),
        "before_open": (question.open_time - timedelta(minutes=1)).isoformat(),
    }
    error, _ = run_failing("resolve_question", *[arg.format(**times) for arg in args])
    assert str(error).startswith(message)
    assert ResolutionEvent.objects.count() == 0
    question.refresh_from_db()
    assert question.resolution == ""


def test_without_a_superuser(run_failing, question):
    error, _ = run_failing(
        "resolve_question", "q1", "yes", "--known-at", datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    )
    assert str(error) == (
        "No active superuser to resolve as: run `manage.py ensure_admin` or pass --as USERNAME."
    )
    assert not Question.objects.resolved().exists()
