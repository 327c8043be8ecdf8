"""/leaderboard/: ranked users, the line, and the min_questions parameter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from questions.models import Question
from scoring.models import Score
from scoring.scopes import ALL, Scope
from scoring.services import community_user, leaderboard_build
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

BOARD = "/leaderboard/"


def test_url_name():
    assert reverse("scoring:leaderboard") == BOARD


@pytest.fixture
def scores(db, settings) -> None:
    """ann: 3 questions (mean accuracy -0.1, daily Brier 0.4); bob: 1 question (-0.5,
    0.1); alice: 2 (0.2, 0.8); and the community forecast on all three. The page reads
    the materialized table, so it is built here as the rebuild task would."""
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 3
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 50
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
    for question in questions:
        _score(question, community_user(), 0.05, 0.45)
    leaderboard_build(scope=Scope(ALL))


def _score(question: Question, person: User, accuracy: float, brier: float) -> None:
    Score.objects.create(
        question=question,
        user=person,
        forecasts=1,
        daily_brier=brier,
        active_days=7,
        participation=1.0,
        accuracy=accuracy,
        baseline=-100 * accuracy,
        peer=-10 * accuracy,
        log_score=-brier,
        coverage=1.0,
    )


def ranked_names(response) -> list[str]:
    return [row.username for row in response.context["ranked_rows"]]


def test_empty_board(client, db):
    page = client.get(BOARD).content.decode()
    assert "<h1>Leaderboard</h1>" in page
    assert "No scores yet" in page


def test_default_minimum_from_settings(client, scores):
    response = client.get(BOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "a negative score means you beat the crowd" in page
    ranked, below = page.split("Below the minimum of 3 questions")
    assert "ann" in ranked and "-0.100" in ranked
    below, community = below.split('<tbody class="community">')
    assert "bob" in below and "alice" in below
    assert below.index("bob") < below.index("alice")
    # The community forecast is shown apart, never ranked.
    assert "community" not in ranked and "Community forecast" in community
    assert ranked_names(response) == ["ann"]
    assert response.context["board"].community.value == pytest.approx(0.05)
    assert 'value="3"' in page


def test_min_questions_parameter(user_client, scores):
    response = user_client.get(BOARD, {"min_questions": "1"})
    assert response.status_code == 200
    assert ranked_names(response) == ["bob", "ann", "alice"]
    page = response.content.decode()
    assert "Below the minimum" not in page
    # alice is the logged-in user: her row is marked.
    assert '<tr class="is-me">' in page and 'alice <span class="you">(you)</span>' in page
    rows = page[page.index("<tbody>") :]
    assert rows.index("bob") < rows.index("ann") < rows.index("alice")
    assert ">+0.200<" in rows and ">2<" in rows


def test_the_rule_select_picks_the_board(client, scores):
    response = client.get(BOARD, {"min_questions": "1", "rule": "daily_brier"})
    assert response.status_code == 200
    assert ranked_names(response) == ["bob", "ann", "alice"]
    page = response.content.decode()
    assert "Mean Daily Brier (0 best, 2 worst)" in page
    assert "0.800<" in page[page.index("<tbody>") :]
    # Peer: higher is better; the sum is divided by max(30, total coverage).
    response = client.get(BOARD, {"min_questions": "1", "rule": "peer"})
    assert ranked_names(response) == ["bob", "ann", "alice"]
    values = [row.value for row in response.context["ranked_rows"]]
    assert values == pytest.approx([5 / 30, 3 / 30, -4 / 30])


def test_min_questions_zero_ranks_everyone(client, scores):
    response = client.get(BOARD, {"min_questions": "0"})
    assert response.context["board"].ranked == 3
    assert len(response.context["ranked_rows"]) == 3


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", "99999999999999999999999"])
def test_invalid_min_questions_is_a_400_with_the_default_board(client, scores, value):
    response = client.get(BOARD, {"min_questions": value})
    if value == "":
        # An empty box means "the default".
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        page = response.content.decode()
        assert 'class="errorlist"' in page
    assert response.context["board"].min_questions == 3
    assert ranked_names(response) == ["ann"]
