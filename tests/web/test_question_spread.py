"""The spread of standing forecasts on the question page and in the API, hidden with the
community forecast; and sharing a question (link-preview tags and a share link)."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasts.selectors import forecast_spread
from questions.models import Question
from tests.factories import ForecastFactory, QuestionFactory, UserFactory
from tests.web.conftest import count_queries

pytestmark = pytest.mark.django_db

OPEN = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=20)


def url(question: Question) -> str:
    return reverse("questions:detail", args=[question.slug])


def api_url(question: Question) -> str:
    return reverse("api:question-detail", args=[question.slug])


def spread_data(page: str) -> dict | None:
    match = re.search(
        r'<script id="spread-data" type="application/json">(.*?)</script>', page, re.S
    )
    return json.loads(match.group(1)) if match else None


def table_counts(page: str) -> list[tuple[str, int]]:
    table = re.search(r'<table id="spread-table">(.*?)</table>', page, re.S).group(1)
    return [
        (label, int(count))
        for label, count in re.findall(
            r'<tr><td>([^<]+)</td><td class="num">(\d+)</td></tr>', table
        )
    ]


def open_question(**kwargs) -> Question:
    return QuestionFactory(
        open_time=OPEN, scheduled_close_time=timezone.now() + timedelta(days=30), **kwargs
    )


@pytest.fixture
def small_world(db) -> Question:
    """Two forecasters: one said 35% and stands there; the other said 62% and then
    updated to 91%, so only the 91% counts."""
    question = open_question(slug="small-world")
    first, second = UserFactory(), UserFactory()
    ForecastFactory(question=question, user=first, probability=0.35, created_at=OPEN + timedelta(1))
    ForecastFactory(
        question=question, user=second, probability=0.62, created_at=OPEN + timedelta(2)
    )
    ForecastFactory(
        question=question, user=second, probability=0.91, created_at=OPEN + timedelta(3)
    )
    return question


def test_the_selector_counts_each_forecasters_latest_forecast(small_world):
    spread = forecast_spread(question=small_world)
    assert spread.counts == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert spread.edges[0] == 0.0 and spread.edges[-1] == 1.0 and len(spread.edges) == 11


def test_bin_edges_fall_in_the_upper_bin_and_one_in_the_last(db):
    question = open_question()
    for probability in (0.001, 0.1, 0.3, 0.7, 0.999):
        ForecastFactory(question=question, probability=probability, created_at=OPEN + timedelta(1))
    assert forecast_spread(question=question).counts == [1, 1, 0, 1, 0, 0, 0, 1, 0, 1]
    assert forecast_spread(question=question, bins=20).forecasters == 5


def test_the_page_draws_the_histogram_and_tables_its_counts(client, small_world):
    page = client.get(url(small_world)).content.decode()
    data = spread_data(page)
    assert data["counts"] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert data["labels"][3] == "30–40%" and data["forecasters"] == 2
    assert 'id="spread-chart"' in page
    rows = table_counts(page)
    assert len(rows) == 10
    assert rows[3] == ("30–40%", 1) and rows[9] == ("90–100%", 1)
    assert sum(count for _, count in rows) == 2
    assert "question-spread.js" in page and "chart-4.6.1" in page


def test_the_api_gives_the_spread(client, small_world):
    body = client.get(api_url(small_world)).json()
    assert body["spread"]["counts"] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]
    assert body["spread"]["bins"] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def test_without_forecasts_a_sentence_and_no_chart(client, db):
    question = open_question()
    page = client.get(url(question)).content.decode()
    assert 'data-testid="spread-empty"' in page
    assert spread_data(page) is None
    assert 'id="spread-chart"' not in page and 'id="spread-table"' not in page
    assert client.get(api_url(question)).json()["spread"]["counts"] == [0] * 10


@pytest.fixture
def hiding(small_world) -> Question:
    Question.objects.filter(pk=small_world.pk).update(hide_community_until_forecast=True)
    small_world.refresh_from_db()
    return small_world


@pytest.mark.parametrize("who", ["anonymous", "forecaster"])
def test_hidden_with_the_community_for_who_has_not_forecast(client, hiding, who):
    if who == "forecaster":
        client.force_login(UserFactory())
    page = client.get(url(hiding)).content.decode()
    assert 'id="forecast-spread"' not in page
    assert spread_data(page) is None
    assert 'id="spread-table"' not in page
    body = client.get(api_url(hiding)).json()
    assert body["community"]["hidden"] is True
    assert body["spread"] is None


def test_shown_once_the_viewer_has_forecast(client, hiding):
    me = UserFactory()
    ForecastFactory(question=hiding, user=me, probability=0.05, created_at=OPEN + timedelta(4))
    client.force_login(me)
    assert spread_data(client.get(url(hiding)).content.decode())["counts"][0] == 1
    assert client.get(api_url(hiding)).json()["spread"]["counts"][0] == 1


def test_the_spread_costs_the_same_queries_however_many_forecasters(client, db):
    counts = []
    for size in (2, 25):
        question = open_question()
        for number in range(size):
            ForecastFactory(
                question=question,
                probability=(number % 10) / 10 + 0.05,
                created_at=OPEN + timedelta(hours=number),
            )
        client.get(url(question))
        queries, response = count_queries(client, url(question))
        assert response.context["spread"]["forecasters"] == size
        counts.append(queries)
    assert counts[0] == counts[1]


def test_the_spread_is_one_query(small_world, django_assert_num_queries):
    with django_assert_num_queries(1):
        forecast_spread(question=small_world)


# --- Sharing -------------------------------------------------------------------------


def meta(page: str, key: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', page)
    assert found, key
    return html.unescape(found.group(1))


def test_link_preview_tags_name_the_question_in_plain_text(client, db, settings):
    settings.FORESEER_SITE_URL = "https://foreseer.example.org"
    question = open_question(
        slug="quotes-and-tags",
        title='Will "A & B" <merge> this year?',
        background=(
            "The **merger** was [announced](https://example.org) in May. Talks began in 2024."
        ),
    )
    page = client.get(url(question)).content.decode()
    head = page.split("</head>")[0]
    assert meta(head, "og:type") == "article"
    assert meta(head, "og:title") == 'Will "A & B" <merge> this year?'
    assert meta(head, "twitter:title") == 'Will "A & B" <merge> this year?'
    assert meta(head, "og:description") == "The merger was announced in May."
    assert meta(head, "twitter:card") == "summary"
    assert meta(head, "og:url") == "https://foreseer.example.org/questions/quotes-and-tags/"
    # Escaped: no raw quote or angle bracket of the title reaches the attribute.
    assert "<merge>" not in head and "&lt;merge&gt;" in head
    assert "&quot;A &amp; B&quot;" in head


def test_the_description_falls_back_to_the_criteria(client, db):
    question = open_question(background="", resolution_criteria="Yes if it happens. No otherwise.")
    head = client.get(url(question)).content.decode().split("</head>")[0]
    assert meta(head, "og:description") == "Yes if it happens."


def test_the_share_link_is_the_absolute_address(client, db, settings):
    settings.FORESEER_SITE_URL = "https://foreseer.example.org"
    question = open_question(slug="share-me", title="Share me?")
    page = client.get(url(question)).content.decode()
    address = "https://foreseer.example.org/questions/share-me/"
    assert f'id="share-url" type="url" value="{address}" readonly' in page
    assert 'data-copy-target="share-url" hidden' in page
    assert "mailto:?subject=Share%20me%3F&amp;body=https%3A%2F%2Fforeseer.example.org" in page
    # No third-party script: the links only open the services' pages.
    assert not re.search(r"<script[^>]+src=\"https?://", page)


def test_without_a_site_address_the_request_gives_it(client, db, settings):
    settings.FORESEER_SITE_URL = ""
    question = open_question(slug="from-request")
    head = client.get(url(question)).content.decode().split("</head>")[0]
    assert meta(head, "og:url") == "http://testserver/questions/from-request/"
