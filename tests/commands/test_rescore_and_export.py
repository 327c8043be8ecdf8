"""`manage.py rescore` and `manage.py export_scores`."""

import csv
import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from questions.services import question_resolve
from scoring.models import LeaderboardEntry, QuestionScoring, Score
from scoring.services import community_user, question_score, questions_needing_scores
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

OPEN = datetime(2020, 3, 1, tzinfo=UTC)


def make_question(slug, staff, *, outcome="yes", probabilities=(("ann", 0.9),)):
    """A two-day question; each user forecasts at the opening; resolved at the close."""
    question = QuestionFactory(
        slug=slug,
        open_time=OPEN,
        scheduled_close_time=OPEN + timedelta(days=2),
        scheduled_resolve_time=OPEN + timedelta(days=3),
    )
    for username, probability in probabilities:
        ForecastFactory(
            question=question,
            user=UserFactory(username=username),
            probability=probability,
            created_at=OPEN + timedelta(hours=1),
        )
    if outcome:
        question_resolve(
            question=question, outcome=outcome, known_at=OPEN + timedelta(days=2), resolved_by=staff
        )
    return question


@pytest.fixture
def questions(superuser):
    return [
        make_question("alpha", superuser, probabilities=(("ann", 0.9), ("bob", 0.6))),
        make_question("beta", superuser, outcome="no", probabilities=(("ann", 0.3),)),
        make_question("gamma", superuser, outcome=""),  # unresolved: never scored
    ]


def test_rescore_scores_every_resolved_question_and_prints_totals(run, questions):
    out, err = run("rescore")
    # Five rows: the three forecasters' and the community forecast's on each question.
    # Then the scopes those questions count in are rebuilt: all and year:2020.
    assert out.strip() == (
        "Rescored 2 questions: 3 forecasts, 3 user scores, 5 score rows; "
        "rebuilt 2 leaderboard and calibration scopes."
    )
    assert "Rescoring" in err  # the progress bar goes to stderr
    values = {
        (s.question.slug, s.user.username): (round(s.daily_brier, 6), round(s.accuracy, 6))
        for s in Score.objects.select_related("question", "user")
    }
    assert values == {
        ("alpha", "ann"): (0.02, -0.15),  # crowd median 0.17 on both days
        ("alpha", "bob"): (0.32, 0.15),
        # The median of 0.9 and 0.6 is 0.75: 2 * 0.25^2 = 0.125, beside the crowd.
        ("alpha", "community"): (0.125, -0.045),
        ("beta", "ann"): (0.18, 0.0),
        ("beta", "community"): (0.18, 0.0),
    }
    assert set(QuestionScoring.objects.values_list("question__slug", flat=True)) == {
        "alpha",
        "beta",
    }
    assert set(LeaderboardEntry.objects.values_list("scope", flat=True)) == {"all", "year:2020"}


def test_rescore_one_question(run, questions):
    out, _ = run("rescore", "--question", "beta")
    assert out.strip() == (
        "Rescored 1 questions: 1 forecasts, 1 user scores, 2 score rows; "
        "rebuilt 2 leaderboard and calibration scopes."
    )
    assert set(Score.objects.values_list("question__slug", flat=True)) == {"beta"}


def test_rescore_stale_only(run, questions):
    question_score(question_id=questions[0].pk)
    out, _ = run("rescore", "--stale-only")
    assert out.startswith("Rescored 1 questions: 1 forecasts, 1 user scores, 2 score rows;")
    out, _ = run("rescore", "--stale-only")
    # Nothing to score, and every scope was rebuilt by the previous run.
    assert out.strip() == (
        "Rescored 0 questions: 0 forecasts, 0 user scores, 0 score rows; "
        "rebuilt 0 leaderboard and calibration scopes."
    )
    out, _ = run("rescore", "--stale-only", "--question", "alpha")
    assert out.startswith("Rescored 0 questions")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--question", "nope"], "--question: no question with slug 'nope'."),
        (
            ["--question", "gamma"],
            "--question: 'gamma' is not resolved; there is nothing to score.",
        ),
    ],
)
def test_rescore_errors(run_failing, questions, args, message):
    error, _ = run_failing("rescore", *args)
    assert str(error) == message
    assert Score.objects.count() == 0


RULES = ("accuracy", "baseline", "daily_brier", "log", "peer")


def test_export_csv_to_stdout_and_json_to_a_file(run, questions, tmp_path):
    run("rescore")
    out, _ = run("export_scores")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0] == "question,user,rule,value,coverage"
    # Every rule of every (question, user), sorted by question, user, rule.
    assert [(row["question"], row["user"], row["rule"]) for row in rows] == [
        (question, user, rule)
        for question, users in (
            ("alpha", ("ann", "bob", "community")),
            ("beta", ("ann", "community")),
        )
        for user in users
        for rule in RULES
    ]
    daily = {
        (row["question"], row["user"], row["rule"]): round(float(row["value"]), 6)
        for row in rows
        if row["rule"] in ("accuracy", "daily_brier") and row["user"] != "community"
    }
    assert daily == {
        ("alpha", "ann", "accuracy"): -0.15,
        ("alpha", "ann", "daily_brier"): 0.02,
        ("alpha", "bob", "accuracy"): 0.15,
        ("alpha", "bob", "daily_brier"): 0.32,
        ("beta", "ann", "accuracy"): 0.0,
        ("beta", "ann", "daily_brier"): 0.18,
    }

    target = tmp_path / "beta.json"
    out, _ = run("export_scores", "--question", "beta", "--format", "json", "--output", target)
    assert out.strip() == f"Wrote 10 score rows to {target} (json)."
    data = json.loads(target.read_text(encoding="utf-8"))
    # Coverage: participation for the daily rules; for the others the share of the
    # scheduled window (two days) the forecast stood: from 01:00 on day one, 47/48.
    assert [(r["user"], r["rule"], round(r["coverage"], 6)) for r in data] == [
        (user, rule, 1.0 if rule in ("accuracy", "daily_brier") else round(47 / 48, 6))
        for user in ("ann", "community")
        for rule in RULES
    ]


def test_export_with_no_scores_is_a_header(run, questions):
    out, _ = run("export_scores", "--format", "csv")
    assert out == "question,user,rule,value,coverage\n"
    out, _ = run("export_scores", "--format", "json")
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--question", "nope"], "--question: no question with slug 'nope'."),
        (["--format", "xml"], "--format: 'xml' is not one of csv, json."),
        (["--output", "/nonexistent-dir/x.csv"], "--output: cannot write /nonexistent-dir/x.csv"),
    ],
)
def test_export_errors(run_failing, questions, args, message):
    error, _ = run_failing("export_scores", *args)
    assert str(error).startswith(message)


def test_a_forecast_under_the_community_user_is_left_out_and_the_rescore_finishes(
    run, superuser, caplog
):
    alpha = make_question("alpha", superuser, probabilities=(("ann", 0.9), ("bob", 0.6)))
    # No service can write this row any more (the name is reserved and the user cannot log
    # in), but a database from before may hold one. It made every full rescore fail.
    ForecastFactory(
        question=alpha,
        user=community_user(),
        probability=0.1,
        created_at=OPEN + timedelta(hours=2),
    )
    with caplog.at_level(logging.WARNING, logger="scoring.services.scores"):
        out, _ = run("rescore")
    assert out.startswith("Rescored 1 questions: 2 forecasts, 2 user scores, 3 score rows;")
    values = {
        s.user.username: (round(s.daily_brier, 6), round(s.accuracy, 6))
        for s in Score.objects.select_related("user")
    }
    # As if the row were not there (test_rescore_scores_every_resolved_question...).
    assert values == {"ann": (0.02, -0.15), "bob": (0.32, 0.15), "community": (0.125, -0.045)}
    [record] = caplog.records
    assert record.getMessage() == (
        f"Left 1 forecasts by the community forecast's system user (id {community_user().pk}) "
        f"out of scoring on questions [{alpha.pk}]: that user is scored only as the community "
        "forecast."
    )
    # Scored, so the sweep no longer requeues it.
    assert questions_needing_scores() == []
