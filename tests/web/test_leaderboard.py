"""/leaderboard/: ranked users, the line, and the min_questions parameter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from questions.models import Question
from scoring.models import Rule, Score
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

BOARD = "/leaderboard/"


def test_url_name():
    assert reverse("scoring:leaderboard") == BOARD


@pytest.fixture
def scores(db) -> None:
    """ann: 3 questions (mean accuracy -0.1); bob: 1 question (-0.5); alice: 2 (0.2)."""
    questions = QuestionFactory.create_batch(3)
    table = {
        "ann": [(-0.2, 0.3), (0.0, 0.5), (-0.1, 0.4)],
        "bob": [(-0.5, 0.1)],
        "alice": [(0.2, 0.9), (0.2, 0.7)],
    }
    for name, rows in table.items():
        person = UserFactory(username=name)
        for question, (accuracy, brier) in zip(questions, rows, strict=False):
            _score(question, person, accuracy, brier)


def _score(question: Question, person: User, accuracy: float, brier: float) -> None:
    Score.objects.create(
        question=question, user=person, rule=Rule.ACCURACY, value=accuracy, coverage=1
    )
    Score.objects.create(
        question=question, user=person, rule=Rule.DAILY_BRIER, value=brier, coverage=1
    )


def test_empty_board(client, db):
    page = client.get(BOARD).content.decode()
    assert "<h1>Leaderboard</h1>" in page
    assert "No scores yet" in page


def test_default_minimum_from_settings(client, scores, settings):
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 3
    response = client.get(BOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "a negative score means you beat the crowd" in page
    ranked, below = page.split("Below the minimum of 3 questions")
    assert "ann" in ranked and "-0.100" in ranked and "0.400" in ranked
    assert "bob" in below and "alice" in below
    assert below.index("bob") < below.index("alice")
    assert 'value="3"' in page


def test_min_questions_parameter(user_client, scores):
    response = user_client.get(BOARD, {"min_questions": "1"})
    assert response.status_code == 200
    assert [e.username for e in response.context["board"].ranked] == ["bob", "ann", "alice"]
    page = response.content.decode()
    assert "Below the minimum" not in page
    # alice is the logged-in user: her row is marked.
    assert '<tr class="is-me">' in page and 'alice <span class="you">(you)</span>' in page
    rows = page[page.index("<tbody>") :]
    assert rows.index("bob") < rows.index("ann") < rows.index("alice")
    assert ">+0.200<" in rows and ">0.800<" in rows and ">2<" in rows


def test_min_questions_zero_ranks_everyone(client, scores):
    response = client.get(BOARD, {"min_questions": "0"})
    assert len(response.context["board"].ranked) == 3


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", "99999999999999999999999"])
def test_invalid_min_questions_is_a_400_with_the_default_board(client, scores, settings, value):
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 3
    response = client.get(BOARD, {"min_questions": value})
    if value == "":
        # An empty box means "the default".
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        page = response.content.decode()
        assert 'class="errorlist"' in page
    assert response.context["board"].min_questions == 3
    assert [e.username for e in response.context["board"].ranked] == ["ann"]
