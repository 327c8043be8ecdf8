"""GET /api/questions/{slug}/scores/ with every rule: each forecaster and the community
forecast, on SCORING.md worked example B, for every role; CSV; query counts.

The continuous-time numbers (baseline, peer, log, coverage) are worked out here from the
example's forecasts with the formulas of SCORING.md §4, independently of the code."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from questions.services import question_resolve
from scoring.models import Score
from scoring.services import community_user, question_score
from tests.factories import ForecastFactory, QuestionFactory, UserFactory, example_b_question

pytestmark = pytest.mark.django_db

ROLES = ("api_client", "forecaster_client", "analyst_client", "staff_client")
CLOSE = datetime(2016, 11, 8, tzinfo=UTC)
WINDOW = (CLOSE - datetime(2016, 11, 1, tzinfo=UTC)).total_seconds()  # T: seven days
CSV_HEADER = (
    "question,user,is_community,forecasts,daily_brier,accuracy,participation,active_days,"
    "peer,baseline,log,coverage,is_claim,article,speaker,display_name"
)


def t(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2016, 11, day, hour, minute, tzinfo=UTC)


# Each forecast of worked example B with the interval it stood, clipped to the window.
STOOD = {
    "george": [(0.30, t(1, 16, 5), t(3, 9, 9)), (0.50, t(3, 9, 9), t(3, 21, 42)),
               (0.40, t(3, 21, 42), CLOSE)],
    "kramer": [(0.60, t(2, 11, 37), t(5, 11, 45)), (0.70, t(5, 11, 45), CLOSE)],
}  # fmt: skip


def share(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / WINDOW


def baseline(name: str) -> float:
    return sum(100 * math.log2(2 * p) * share(a, b) for p, a, b in STOOD[name])


def log_score(name: str) -> float:
    return sum(math.log(p) * share(a, b) for p, a, b in STOOD[name])


def coverage(name: str) -> float:
    return sum(share(a, b) for _, a, b in STOOD[name])


def george_peer() -> float:
    """From Kramer's first forecast both stand: 100 (ln p_george - ln p_kramer) per piece."""
    pieces = [
        (0.30, 0.60, t(2, 11, 37), t(3, 9, 9)),
        (0.50, 0.60, t(3, 9, 9), t(3, 21, 42)),
        (0.40, 0.60, t(3, 21, 42), t(5, 11, 45)),
        (0.40, 0.70, t(5, 11, 45), CLOSE),
    ]
    return sum(100 * math.log(g / k) * share(a, b) for g, k, a, b in pieces)


@pytest.fixture
def example_b(staff_client):
    """Worked example B, resolved yes through the API and scored."""
    question, _ = example_b_question(slug="gjopen-example")
    response = staff_client.post(
        reverse("api:question-resolve", kwargs={"slug": "gjopen-example"}),
        {"outcome": "yes", "known_at": "2016-11-08T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201
    question_score(question_id=question.pk)
    return question


def scores_url(slug: str = "gjopen-example") -> str:
    return reverse("api:question-scores", kwargs={"slug": slug})


@pytest.mark.parametrize("role", ROLES)
def test_every_rule_for_each_forecaster_and_the_community(request, example_b, role):
    response = request.getfixturevalue(role).get(scores_url())
    assert response.status_code == 200
    body = response.json()
    assert (body["scored_days"], body["crowd_mean"]) == (7, pytest.approx(0.574286, abs=1e-6))
    # Best peer score first.
    assert [(s["user"], s["is_community"]) for s in body["scores"]] == [
        ("kramer", False),
        ("community", True),
        ("george", False),
    ]
    scores = {s["user"]: s for s in body["scores"]}
    george, kramer, community = scores["george"], scores["kramer"], scores["community"]

    # SCORING.md §3, worked example B.
    assert george["daily_brier"] == pytest.approx(0.794286, abs=1e-6)
    assert george["accuracy"] == pytest.approx(0.22, abs=1e-6)
    assert (george["participation"], george["active_days"], george["forecasts"]) == (1.0, 7, 3)
    assert kramer["daily_brier"] == pytest.approx(0.25, abs=1e-6)
    assert kramer["accuracy"] == pytest.approx(-0.277959, abs=1e-6)
    assert kramer["participation"] == pytest.approx(6 / 7)
    assert (kramer["active_days"], kramer["forecasts"]) == (6, 2)

    # SCORING.md §4: peer scores sum to 0 over the forecasters.
    assert george["peer"] + kramer["peer"] == pytest.approx(0.0, abs=1e-9)
    assert george["peer"] == pytest.approx(george_peer(), abs=1e-9)
    for name in ("george", "kramer"):
        assert scores[name]["baseline"] == pytest.approx(baseline(name), abs=1e-9)
        assert scores[name]["log"] == pytest.approx(log_score(name), abs=1e-12)
        assert scores[name]["coverage"] == pytest.approx(coverage(name), abs=1e-12)

    # The community median as a forecaster (not part of the crowd): its medians were 0.3,
    # 0.45, 0.5, 0.5, 0.55, 0.55, 0.55 at the end of each day (Brier 0.98, 0.605, 0.5, 0.5,
    # 0.405 x3), from five changes of the median; it stood from George's first forecast.
    assert community["daily_brier"] == pytest.approx(3.8 / 7)
    assert community["accuracy"] == pytest.approx(3.8 / 7 - body["crowd_mean"])
    assert (community["participation"], community["forecasts"]) == (1.0, 5)
    assert community["coverage"] == pytest.approx(coverage("george"))


def test_scores_as_csv(api_client, example_b):
    response = api_client.get(scores_url(), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="scores-gjopen-example.csv"'
    text = response.content.decode()
    assert text.splitlines()[0] == CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["question"], r["user"], r["is_community"]) for r in rows] == [
        ("gjopen-example", "kramer", "False"),
        ("gjopen-example", "community", "True"),
        ("gjopen-example", "george", "False"),
    ]
    assert float(rows[2]["accuracy"]) == pytest.approx(0.22, abs=1e-6)


def test_a_forecaster_without_a_full_scored_day(api_client, staff):
    """Known at 11-07 15:00: the scored days are 11-01 to 11-06. A forecast made on 11-07
    has no daily scores (null), yet five hours of coverage in the continuous rules."""
    question = QuestionFactory(
        slug="known-early", open_time=t(1), scheduled_close_time=CLOSE, scheduled_resolve_time=CLOSE
    )
    for name, moment in (("early-bird", t(1, 12)), ("latecomer", t(7, 10))):
        ForecastFactory(
            user=UserFactory(username=name), question=question, probability=0.8, created_at=moment
        )
    question_resolve(question=question, outcome="yes", known_at=t(7, 15), resolved_by=staff)
    question_score(question_id=question.pk)
    body = api_client.get(scores_url("known-early")).json()
    assert body["scored_days"] == 6
    late = next(s for s in body["scores"] if s["user"] == "latecomer")
    assert (late["daily_brier"], late["accuracy"]) == (None, None)
    assert (late["participation"], late["active_days"]) == (0.0, 0)
    assert late["coverage"] == pytest.approx(share(t(7, 10), t(7, 15)))
    assert late["baseline"] == pytest.approx(100 * math.log2(1.6) * share(t(7, 10), t(7, 15)))


def _question_with(forecasters: int, slug: str) -> None:
    question = QuestionFactory(slug=slug, resolution="yes")
    rows = [
        Score(question=question, user=UserFactory(), forecasts=1, active_days=1, baseline=1.0,
              peer=0.0, log=-0.1, coverage=1.0)
        for _ in range(forecasters)
    ]  # fmt: skip
    rows.append(
        Score(question=question, user=community_user(), forecasts=1, active_days=1,
              baseline=1.0, peer=0.0, log=-0.1, coverage=1.0)
    )  # fmt: skip
    Score.objects.bulk_create(rows)


def test_queries_do_not_grow_with_the_forecasters(api_client, django_assert_num_queries):
    _question_with(2, "few")
    _question_with(30, "many")
    with CaptureQueriesContext(connection) as few:
        assert len(api_client.get(scores_url("few")).json()["scores"]) == 3
    with django_assert_num_queries(len(few)):
        assert len(api_client.get(scores_url("many")).json()["scores"]) == 31
