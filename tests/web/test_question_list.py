"""The question list: rows, filters, ordering, pagination and its query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Tag
from tests.factories import ForecastFactory, QuestionFactory, UserFactory
from tests.web.conftest import count_queries

pytestmark = pytest.mark.django_db

LIST = "/"


def titles(response) -> list[str]:
    return [row["question"].title for row in response.context["rows"]]


@pytest.fixture
def mixed(question, staff):
    """One question of each status, named by it."""
    now = timezone.now()
    upcoming = QuestionFactory(title="Upcoming one", open_time=now + timedelta(days=2))
    closed = QuestionFactory(
        title="Closed one",
        open_time=now - timedelta(days=20),
        scheduled_close_time=now - timedelta(days=1),
        scheduled_resolve_time=now + timedelta(days=5),
    )
    resolved = QuestionFactory(
        title="Resolved one",
        open_time=now - timedelta(days=20),
        scheduled_close_time=now - timedelta(days=2),
        scheduled_resolve_time=now - timedelta(days=1),
        resolution="no",
        known_at=now - timedelta(days=2),
    )
    return {"open": question, "upcoming": upcoming, "closed": closed, "resolved": resolved}


def test_url_name():
    assert reverse("questions:list") == LIST


def test_a_row_shows_title_status_close_community_tags_and_article(client, question):
    for probability in (0.2, 0.3, 0.9):
        ForecastFactory(question=question, probability=probability)
    response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/questions/{question.slug}/"' in page
    assert "Will North Korea escalate significantly?" in page
    assert '<span class="badge badge-open">Open</span>' in page
    assert f'Closes <time datetime="{question.scheduled_close_time.isoformat()}"' in page
    assert 'Community median <strong class="probability">30%</strong> · 3 forecasters' in page
    assert ">north-korea</a>" in page
    assert 'href="/articles/fractured-pillar/#passage-nk-escalation"' in page
    assert "The Fractured Pillar" in page


def test_forecasts_after_a_users_latest_count_once(client, question):
    someone = UserFactory()
    ForecastFactory(question=question, user=someone, probability=0.1)
    ForecastFactory(question=question, user=someone, probability=0.8)
    page = client.get(LIST).content.decode()
    assert "80%</strong> · 1 forecaster\n" in page


def test_default_lists_everything_open_first(client, mixed):
    response = client.get(LIST)
    assert titles(response) == [
        "Will North Korea escalate significantly?",
        "Upcoming one",
        "Closed one",
        "Resolved one",
    ]
    page = response.content.decode()
    assert "Resolved <strong>No</strong>" in page
    assert '<span class="badge badge-closed">Closed</span>' in page


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["Will North Korea escalate significantly?"]),
        ("upcoming", ["Upcoming one"]),
        ("closed", ["Closed one"]),
        ("resolved", ["Resolved one"]),
        (
            "all",
            [
                "Will North Korea escalate significantly?",
                "Upcoming one",
                "Closed one",
                "Resolved one",
            ],
        ),
    ],
)
def test_status_filter(client, mixed, status, expected):
    response = client.get(LIST, {"status": status})
    assert response.status_code == 200
    assert titles(response) == expected


def test_tag_filter(client, mixed):
    alliance = Tag.objects.create(slug="alliance")
    mixed["closed"].tags.add(alliance)
    response = client.get(LIST, {"tag": "alliance"})
    assert titles(response) == ["Closed one"]
    response = client.get(LIST, {"tag": "alliance", "status": "open"})
    assert titles(response) == []
    assert "No questions match these filters." in response.content.decode()


def test_unknown_filter_values_are_a_400_listing_everything(client, mixed):
    response = client.get(LIST, {"status": "bogus", "tag": "no-such-tag"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice. bogus is not one of the available choices." in page
    assert len(titles(response)) == 4


def test_pagination_25_per_page_keeps_the_filters(client, db):
    QuestionFactory.create_batch(27)
    first = client.get(LIST, {"status": "open"})
    assert len(first.context["rows"]) == 25
    page = first.content.decode()
    assert "Page 1 of 2" in page
    assert 'href="?status=open&amp;page=2"' in page
    second = client.get(LIST, {"status": "open", "page": 2})
    assert len(second.context["rows"]) == 2
    assert client.get(LIST, {"page": "999"}).status_code == 200
    assert client.get(LIST, {"page": "x"}).status_code == 200


def _questions_with_forecasts(count: int, article, tag) -> None:
    forecasters = UserFactory.create_batch(3)
    for _ in range(count):
        question = QuestionFactory(article=article)
        question.tags.add(tag)
        for forecaster in forecasters:
            ForecastFactory(question=question, user=forecaster)


@pytest.mark.parametrize("logged_in", [False, True])
def test_query_count_does_not_grow_with_the_page(client, user, article, logged_in):
    if logged_in:
        client.force_login(user)
    tag = Tag.objects.create(slug="t")
    _questions_with_forecasts(3, article, tag)
    client.get(LIST)  # warm up
    small, response = count_queries(client, LIST)
    assert len(response.context["rows"]) == 3
    _questions_with_forecasts(17, article, tag)
    large, response = count_queries(client, LIST)
    assert len(response.context["rows"]) == 20
    assert small == large
    assert large <= 8


@pytest.mark.django_db
def test_each_row_quotes_the_passage_its_question_came_from(client):
    from tests.factories import ArticleFactory, QuestionFactory

    article = ArticleFactory(text="Analysts say it is increasingly probable that X occurs.")
    QuestionFactory(article=article, source_passage="it is increasingly probable that X occurs")
    response = client.get("/")
    assert b"it is increasingly probable that X occurs" in response.content
