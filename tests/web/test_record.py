"""/me/record/: the user's scores, means, and standing forecasts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ForecastFactory, QuestionFactory, UserFactory
from tests.web.conftest import count_queries

pytestmark = pytest.mark.django_db

RECORD = "/me/record/"


def test_url_name():
    assert reverse("forecasts:record") == RECORD


def test_anonymous_is_sent_to_login(client):
    response = client.get(RECORD)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/me/record/"


def test_empty_record(user_client):
    page = user_client.get(RECORD).content.decode()
    assert "<h1>My record</h1>" in page
    assert "No scored questions yet" in page
    assert "No forecasts on open questions." in page


def scored_question(past_question, resolve, user, *, mine: float, theirs: float, title: str):
    """A question resolved yes where `user` and one rival held one forecast all along."""
    question = past_question(title=title)
    start = question.open_time + timedelta(minutes=5)
    ForecastFactory(question=question, user=user, probability=mine, created_at=start)
    ForecastFactory(question=question, probability=theirs, created_at=start)
    resolve(question, "yes", known_at=question.open_time + timedelta(days=4))
    return question


def test_scores_means_and_open_forecasts(user_client, user, past_question, resolve):
    # Daily Brier 2(1-p)^2: 0.9 -> 0.02, rival 0.5 -> 0.5; crowd median (0.02+0.5)/2 = 0.26.
    scored_question(past_question, resolve, user, mine=0.9, theirs=0.5, title="Won one")
    # 0.4 -> 0.72, rival 0.8 -> 0.08; median 0.4.
    scored_question(past_question, resolve, user, mine=0.4, theirs=0.8, title="Lost one")
    open_question = QuestionFactory(title="Still open")
    ForecastFactory(question=open_question, user=user, probability=0.2)
    ForecastFactory(question=open_question, user=user, probability=0.35)
    ForecastFactory(question=open_question, probability=0.55)
    now = timezone.now()
    closed = QuestionFactory(
        title="Closed, waiting",
        open_time=now - timedelta(days=9),
        scheduled_close_time=now - timedelta(days=1),
    )
    ForecastFactory(question=closed, user=user, created_at=now - timedelta(days=5))
    annulled = past_question(title="Called off")
    ForecastFactory(question=annulled, user=user, created_at=annulled.open_time)
    resolve(annulled, "annulled")
    QuestionFactory(title="Not mine")

    response = user_client.get(RECORD)
    page = response.content.decode()
    resolved = page[page.index("Resolved questions") : page.index("Open questions")]
    assert "Won one" in resolved and "Lost one" in resolved
    assert "0.020" in resolved and "-0.240" in resolved  # (0.02 - 0.26) * 1
    assert "0.720" in resolved and "+0.320" in resolved  # (0.72 - 0.40) * 1
    assert "100%" in resolved
    # Means: accuracy (-0.24 + 0.32) / 2 = +0.04; Daily Brier (0.02 + 0.72) / 2 = 0.37.
    assert response.context["mean_accuracy"] == pytest.approx(0.04)
    assert response.context["mean_daily_brier"] == pytest.approx(0.37)
    assert '<dd class="big-number">+0.040</dd>' in page
    assert '<dd class="big-number">0.370</dd>' in page
    assert "Called off</a>: resolved annulled (not scored)" in resolved

    open_part = page[page.index("Open questions") :]
    assert "Still open" in open_part
    assert '<td class="num probability">35%</td>' in open_part  # the latest, not 20%
    assert '<td class="num">45%</td>' in open_part  # community median of 0.35 and 0.55
    assert "Closed, awaiting resolution" in open_part and "Closed, waiting" in open_part
    assert "Not mine" not in page


def _data(user, past_question, resolve, count: int) -> None:
    for index in range(count):
        question = past_question()
        ForecastFactory(question=question, user=user, created_at=question.open_time)
        ForecastFactory(question=question, created_at=question.open_time)
        resolve(question, "yes" if index % 2 else "no")
        open_question = QuestionFactory()
        ForecastFactory(question=open_question, user=user)
        ForecastFactory(question=open_question, user=user)
        ForecastFactory(question=open_question, user=UserFactory())


def test_query_count_does_not_grow_with_the_record(user_client, user, past_question, resolve):
    _data(user, past_question, resolve, 1)
    user_client.get(RECORD)  # warm up
    small, response = count_queries(user_client, RECORD)
    assert len(response.context["resolved"]) == 1
    _data(user, past_question, resolve, 6)
    large, response = count_queries(user_client, RECORD)
    assert len(response.context["resolved"]) == 7
    assert len(response.context["open_rows"]) == 7
    assert small == large
