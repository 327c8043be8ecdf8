from datetime import UTC, datetime

import pytest
from django.urls import reverse

from questions.services import question_resolve
from scoring.services import question_score
from tests.factories import example_b_question

pytestmark = pytest.mark.django_db

# Each rule's label says which way is better (SCORING.md conventions).
LABELS = {
    "daily_brier": "0 best, 2 worst",
    "accuracy": "negative beats the crowd",
    "peer": "positive beats the other forecasters",
    "baseline": "positive beats a 50% guess",
    "log": "0 best",
}


def assert_labelled(rules: dict[str, str]) -> None:
    assert set(rules) == set(LABELS)
    for rule, label in LABELS.items():
        assert label in rules[rule]


def scores_url(slug: str) -> str:
    return reverse("api:question-scores", kwargs={"slug": slug})


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2016, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def gjopen_question(staff):
    """SCORING.md worked example B (Good Judgment Open FAQ): 7 scored days."""
    question, _ = example_b_question(slug="gjopen-example")
    return question


def test_scores_after_resolution_match_the_worked_example(
    api_client, staff_client, gjopen_question, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resolved = staff_client.post(
            reverse("api:question-resolve", kwargs={"slug": "gjopen-example"}),
            {"outcome": "yes", "known_at": "2016-11-08T00:00:00Z"},
            format="json",
        )
    assert resolved.status_code == 201
    enqueued.assert_called_once_with(gjopen_question.pk)
    # What the enqueued task would run, called directly.
    question_score(question_id=gjopen_question.pk)

    response = api_client.get(scores_url("gjopen-example"))
    assert response.status_code == 200
    body = response.json()
    assert (body["question"], body["resolution"]) == ("gjopen-example", "yes")
    assert_labelled(body["rules"])
    assert (body["scored_days"], body["crowd_mean"]) == (7, pytest.approx(0.574286, abs=1e-6))
    # Best peer score first; the community median is scored as a pseudo-forecaster.
    kramer, community, george = body["scores"]
    assert (community["user"], community["is_community"]) == ("community", True)
    assert kramer["user"] == "kramer"
    assert kramer["daily_brier"] == pytest.approx(0.25, abs=1e-6)
    assert kramer["participation"] == pytest.approx(6 / 7)
    assert kramer["accuracy"] == pytest.approx(-0.277959, abs=1e-6)
    assert george["user"] == "george"
    assert george["daily_brier"] == pytest.approx(0.794286, abs=1e-6)
    assert george["participation"] == pytest.approx(1.0)
    assert george["accuracy"] == pytest.approx(0.22, abs=1e-6)


def test_scores_follow_a_correction(api_client, staff, gjopen_question):
    known = datetime(2016, 11, 8, tzinfo=UTC)
    question_resolve(question=gjopen_question, outcome="yes", known_at=known, resolved_by=staff)
    question_score(question_id=gjopen_question.pk)
    question_resolve(question=gjopen_question, outcome="no", known_at=known, resolved_by=staff)
    question_score(question_id=gjopen_question.pk)

    scores = {s["user"]: s for s in api_client.get(scores_url("gjopen-example")).json()["scores"]}
    # Resolved no, George's 0.3-0.5 beat Kramer's 0.6-0.7.
    assert scores["george"]["accuracy"] < 0 < scores["kramer"]["accuracy"]
    assert scores["george"]["daily_brier"] < scores["kramer"]["daily_brier"]


def test_unresolved_question_has_no_scores_yet(api_client, open_question):
    body = api_client.get(scores_url("open-q")).json()
    assert_labelled(body.pop("rules"))
    assert body == {
        "question": "open-q",
        "resolution": "",
        "scored_days": 0,
        "crowd_mean": None,
        "scores": [],
    }


def test_scores_of_an_unknown_question_are_a_404(api_client):
    assert api_client.get(scores_url("nope")).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_scores_are_read_only(staff_client, open_question, method):
    assert getattr(staff_client, method)(scores_url("open-q")).status_code == 405
