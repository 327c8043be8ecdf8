from datetime import date, timedelta
from statistics import median

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forecasts.selectors import community_forecast, community_forecasts
from questions.models import Question, Tag
from scoring.services.community import community_update
from tests.factories import ArticleFactory, ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:question-list")


def detail_url(slug: str) -> str:
    return reverse("api:question-detail", kwargs={"slug": slug})


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def article(db):
    return ArticleFactory(
        slug="fractured-pillar",
        title="The Fractured Pillar",
        outlet="Example Outlet",
        author="A. Writer",
        publication_date=date(2025, 12, 7),
        url="https://example.org/pillar",
    )


def test_list_item_has_every_field_with_real_values(api_client, open_question, article):
    open_question.article = article
    open_question.save()
    open_question.tags.set([Tag.objects.create(slug="security"), Tag.objects.create(slug="asia")])
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    earlier = timezone.now() - timedelta(hours=3)
    ForecastFactory(user=alice, question=open_question, probability=0.9, created_at=earlier)
    ForecastFactory(user=alice, question=open_question, probability=0.2)  # replaces 0.9
    ForecastFactory(user=bob, question=open_question, probability=0.4)
    ForecastFactory(user=carol, question=open_question, probability=0.7)

    response = api_client.get(LIST_URL)
    assert response.status_code == 200
    (item,) = response.json()["results"]
    assert item == {
        "slug": "open-q",
        "title": "Will the open event happen?",
        "type": "binary",
        "status": "open",
        "tags": ["asia", "security"],
        "open_time": item["open_time"],
        "scheduled_close_time": item["scheduled_close_time"],
        "scheduled_resolve_time": item["scheduled_resolve_time"],
        "resolution": "",
        "known_at": None,
        "community": {"median": 0.4, "forecasters": 3, "hidden": False, "updating": False},
        "article": {"slug": "fractured-pillar", "title": "The Fractured Pillar"},
        "url": "http://testserver/api/questions/open-q/",
    }
    assert item["open_time"].replace("Z", "+00:00") == open_question.open_time.isoformat()


def test_list_without_forecasts_has_an_empty_community(api_client, open_question):
    (item,) = api_client.get(LIST_URL).json()["results"]
    assert item["community"] == {
        "median": None,
        "forecasters": 0,
        "hidden": False,
        "updating": False,
    }
    assert item["article"] is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("upcoming", ["upcoming-q"]),
        ("open", ["open-q"]),
        ("closed", ["closed-q"]),
        ("resolved", ["resolved-q"]),
    ],
)
def test_status_filter(
    api_client,
    open_question,
    upcoming_question,
    closed_question,
    resolved_question,
    status,
    expected,
):
    response = api_client.get(LIST_URL, {"status": status})
    assert slugs(response) == expected
    assert [item["status"] for item in response.json()["results"]] == [status]


def test_list_is_open_first_like_the_web_list(
    client, api_client, open_question, upcoming_question, closed_question, resolved_question
):
    # Open, then upcoming, closed and resolved, each closing soonest first: the order of
    # the question list on the site, however the closing times fall.
    api_order = slugs(api_client.get(LIST_URL))
    assert api_order == ["open-q", "upcoming-q", "closed-q", "resolved-q"]
    web = client.get("/")
    assert [row["question"].slug for row in web.context["rows"]] == api_order


def test_unknown_status_is_a_400_naming_status(api_client, open_question):
    response = api_client.get(LIST_URL, {"status": "pending"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_tag_article_and_search_filters(api_client, article):
    tagged = QuestionFactory(slug="tagged", title="Will the alliance hold?")
    tagged.tags.add(Tag.objects.create(slug="korea"))
    QuestionFactory(slug="from-article", title="Will a missile fly?", article=article)
    QuestionFactory(slug="plain", title="Will it rain in Seoul?")

    assert slugs(api_client.get(LIST_URL, {"tag": "korea"})) == ["tagged"]
    assert slugs(api_client.get(LIST_URL, {"tag": "nothing"})) == []
    assert slugs(api_client.get(LIST_URL, {"article": "fractured-pillar"})) == ["from-article"]
    assert slugs(api_client.get(LIST_URL, {"search": "MISSILE"})) == ["from-article"]
    assert sorted(slugs(api_client.get(LIST_URL, {"search": "will"}))) == [
        "from-article",
        "plain",
        "tagged",
    ]


def test_list_is_paginated(api_client):
    for number in range(5):
        QuestionFactory(slug=f"q-{number}")
    body = api_client.get(LIST_URL, {"limit": 2, "offset": 2}).json()
    assert body["count"] == 5
    assert [item["slug"] for item in body["results"]] == ["q-2", "q-3"]


def _page_with(count: int, article) -> None:
    users = [UserFactory(username=f"user-{n}") for n in range(3)]
    tag = Tag.objects.get_or_create(slug="shared")[0]
    for number in range(count):
        question = QuestionFactory(article=article)
        question.tags.add(tag, Tag.objects.get_or_create(slug=f"t-{number}")[0])
        for user in users:
            ForecastFactory(user=user, question=question, probability=0.3)
            ForecastFactory(user=user, question=question, probability=0.6)
        # As the update task leaves it after forecasts arrive: the list reads this.
        community_update(question_id=question.pk)


def _queries_for_list(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    items = response.json()["results"]
    assert all(
        item["community"] == {"median": 0.6, "forecasters": 3, "hidden": False, "updating": False}
        for item in items
    )
    return len(queries), len(items)


@pytest.mark.parametrize("client_fixture", ["api_client", "forecaster_client"])
def test_list_query_count_does_not_grow_with_the_page(
    request, article, client_fixture, django_assert_max_num_queries
):
    client = request.getfixturevalue(client_fixture)
    _page_with(3, article)
    small, shown = _queries_for_list(client)
    assert shown == 3
    _page_with(12, article)
    with django_assert_max_num_queries(small):
        large, shown = _queries_for_list(client)
    assert shown == 15
    assert large == small == 5  # count, page, tags, authors, the stored community forecasts


def test_community_counts_only_forecasts_before_the_actual_close(staff):
    opened = timezone.now() - timedelta(days=10)
    question = QuestionFactory(open_time=opened)
    early, late = UserFactory(username="early"), UserFactory(username="late")
    ForecastFactory(user=early, question=question, probability=0.2, created_at=opened)
    ForecastFactory(user=late, question=question, probability=0.8, created_at=opened)
    ForecastFactory(
        user=early, question=question, probability=0.3, created_at=opened + timedelta(days=1)
    )
    ForecastFactory(  # after the outcome was known: does not stand
        user=early, question=question, probability=0.9, created_at=opened + timedelta(days=5)
    )
    Question.objects.filter(pk=question.pk).update(
        resolution="yes", known_at=opened + timedelta(days=3)
    )
    question.refresh_from_db()
    bulk = community_forecasts(questions=[question])[question.pk]
    single = community_forecast(question=question, before=question.actual_close_time)
    assert bulk == single
    assert (bulk.median, bulk.forecasters) == (median([0.3, 0.8]), 2)


def test_detail_has_text_provenance_successor_and_close_values(api_client, article):
    parent = QuestionFactory(slug="parent-q")
    question = QuestionFactory(
        slug="child-q",
        background="Some background.",
        resolution_criteria="Resolves yes if X.",
        fine_print="Only X counts.",
        resolution_source="The JCS.",
        article=article,
        source_passage="It is likely that X happens.",
        implied_probability_low=0.55,
        implied_probability_high=0.8,
        implied_probability_table="icd203",
        implied_probability_term="likely",
        successor_of=parent,
        community_at_close=0.35,
        forecasters_at_close=4,
    )
    ForecastFactory(question=question, probability=0.3)
    response = api_client.get(detail_url("child-q"))
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "child-q"
    assert body["status"] == "open"
    assert body["community"] == {
        "median": 0.3,
        "forecasters": 1,
        "hidden": False,
        "updating": False,
    }
    assert body["background"] == "Some background."
    assert body["resolution_criteria"] == "Resolves yes if X."
    assert body["fine_print"] == "Only X counts."
    assert body["resolution_source"] == "The JCS."
    assert body["provenance"] == {
        "article": {
            "slug": "fractured-pillar",
            "title": "The Fractured Pillar",
            "outlet": "Example Outlet",
            "author": "A. Writer",
            "authors": ["A. Writer"],
            "publication_date": "2025-12-07",
            "publication_date_precision": "day",
            "url": "https://example.org/pillar",
        },
        "passage": "It is likely that X happens.",
        "implied_probability": {"low": 0.55, "high": 0.8, "table": "icd203", "term": "likely"},
        "link": "direct",
        "direction": "yes",
    }
    assert body["successor_of"] == "parent-q"
    assert (body["community_at_close"], body["forecasters_at_close"]) == (0.35, 4)
    assert body["my_forecasts"] is None


def test_detail_without_provenance(api_client, open_question):
    body = api_client.get(detail_url("open-q")).json()
    assert (body["provenance"], body["successor_of"], body["community_at_close"]) == (
        None,
        None,
        None,
    )


def test_detail_lists_only_the_requesting_users_forecasts(forecaster_client, user, open_question):
    ForecastFactory(
        user=user,
        question=open_question,
        probability=0.25,
        created_at=timezone.now() - timedelta(hours=1),
    )
    ForecastFactory(user=user, question=open_question, probability=0.45, rationale="news")
    ForecastFactory(user=UserFactory(username="bob"), question=open_question, probability=0.9)
    ForecastFactory(user=user, probability=0.6)  # another question

    body = forecaster_client.get(detail_url("open-q")).json()
    assert [(f["probability"], f["rationale"]) for f in body["my_forecasts"]] == [
        (0.45, "news"),
        (0.25, ""),
    ]
    assert {f["question"] for f in body["my_forecasts"]} == {"open-q"}
    assert body["community"] == {
        "median": 0.675,
        "forecasters": 2,
        "hidden": False,
        "updating": False,
    }


def test_unknown_question_is_a_404(api_client):
    assert api_client.get(detail_url("nope")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/questions/caf%C3%A9/",  # no slug has an "é": no URL pattern matches
        "/api/questions/caf%C3%A9/resolutions/",
        "/api/forecasts/1.5/",  # an id has no dot
        "/api/no-such-endpoint/",
    ],
)
def test_an_api_url_nothing_matches_is_a_json_404(client, path):
    """Django's own 404 answers these; under /api/ it is JSON like the views' 404s, as
    the schema documents."""
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_page_nothing_matches_is_still_the_sites_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_questions_are_read_only_through_this_endpoint(
    api_client, forecaster_client, staff_client, open_question, method
):
    url = LIST_URL if method == "post" else detail_url("open-q")
    assert getattr(api_client, method)(url, {}, format="json").status_code == 403
    assert getattr(forecaster_client, method)(url, {}, format="json").status_code == 405
    assert getattr(staff_client, method)(url, {}, format="json").status_code == 405
    assert Question.objects.filter(slug="open-q").exists()
