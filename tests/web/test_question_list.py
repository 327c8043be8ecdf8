"""The question list: rows, filters, ordering, pagination and its query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Question, Tag
from scoring.services.community import community_update
from tests.factories import ArticleFactory, ForecastFactory, QuestionFactory, UserFactory
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
        # As the update task leaves it after forecasts arrive: the list reads this.
        community_update(question_id=question.pk)


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
    # Logged in: the session, the user, the viewer's forecasts and, for the layout's
    # menu, the user's permissions.
    assert large <= (11 if logged_in else 6)


def test_each_row_quotes_the_passage_its_question_came_from(client):
    article = ArticleFactory(text="Analysts say it is increasingly probable that X occurs.")
    QuestionFactory(article=article, source_passage="it is increasingly probable that X occurs")
    response = client.get("/")
    assert b"it is increasingly probable that X occurs" in response.content


# --- Search ------------------------------------------------------------------------------


@pytest.fixture
def searchable(db):
    return {
        "title": QuestionFactory(title="Will the Danube flood Budapest?"),
        "background": QuestionFactory(
            title="River levels", background="Heavy snowmelt upstream of BUDAPEST."
        ),
        "criteria": QuestionFactory(
            title="Bridge closures",
            resolution_criteria="Resolves yes if a bridge in budapest closes for a day.",
        ),
        "other": QuestionFactory(title="Will Vienna host the summit?"),
    }


@pytest.mark.parametrize("query", ["budapest", "BUDAPEST", "  Budapest  "])
def test_search_matches_title_background_and_criteria_ignoring_case(client, searchable, query):
    response = client.get(LIST, {"q": query})
    assert response.status_code == 200
    assert sorted(titles(response)) == [
        "Bridge closures",
        "River levels",
        "Will the Danube flood Budapest?",
    ]
    assert f"matching “{query.strip()}”" in response.content.decode()


def test_search_needs_every_word_somewhere_in_the_question(client, searchable):
    assert titles(client.get(LIST, {"q": "danube budapest"})) == ["Will the Danube flood Budapest?"]
    assert titles(client.get(LIST, {"q": "snowmelt bridge"})) == []
    response = client.get(LIST, {"q": "zanzibar"})
    assert response.status_code == 200
    assert titles(response) == []
    assert "No questions match these filters." in response.content.decode()


def test_search_is_not_a_sql_pattern(client, searchable):
    assert titles(client.get(LIST, {"q": "%"})) == []
    assert titles(client.get(LIST, {"q": "_"})) == []


def test_search_too_long_is_a_400_next_to_the_box_and_the_list_still_shows(client, searchable):
    response = client.get(LIST, {"q": "x" * 201})
    assert response.status_code == 400
    page = response.content.decode()
    box = page[page.index('<div class="field field-search field-error">') :]
    assert box.index('<label for="id_q">Search</label>') < box.index("at most 200 characters")
    assert box.index("at most 200 characters") < box.index('name="q"')
    assert len(titles(response)) == 4

    response = client.get(LIST, {"q": " ".join(["word"] * 11)})
    assert response.status_code == 400
    assert "Search for at most 10 words." in response.content.decode()


# --- Article, closing soon, "I haven't forecast" ----------------------------------------


def test_article_filter_lists_only_articles_with_published_questions(client, question):
    other = ArticleFactory(slug="other-article", title="Another Article")
    from_other = QuestionFactory(title="From the other one", article=other)
    drafts_only = ArticleFactory(slug="drafts-only", title="Only Drafts Here")
    QuestionFactory(article=drafts_only, published_at=None)

    response = client.get(LIST, {"article": "other-article"})
    assert response.status_code == 200
    assert titles(response) == [from_other.title]
    page = response.content.decode()
    assert '<option value="other-article" selected>Another Article</option>' in page
    assert '<option value="fractured-pillar">The Fractured Pillar</option>' in page
    assert "drafts-only" not in page
    assert "from Another Article" in page

    response = client.get(LIST, {"article": "drafts-only"})
    assert response.status_code == 400
    assert "Select a valid choice. drafts-only is not one of the available choices." in (
        response.content.decode()
    )


def test_closing_soon_lists_open_questions_closing_within_seven_days(client, db):
    now = timezone.now()
    soon = QuestionFactory(
        title="Closes in three days",
        open_time=now - timedelta(days=5),
        scheduled_close_time=now + timedelta(days=3),
    )
    QuestionFactory(
        title="Closes in ten days",
        open_time=now - timedelta(days=5),
        scheduled_close_time=now + timedelta(days=10),
    )
    QuestionFactory(
        title="Closed yesterday",
        open_time=now - timedelta(days=5),
        scheduled_close_time=now - timedelta(days=1),
    )
    QuestionFactory(
        title="Not open yet",
        open_time=now + timedelta(days=1),
        scheduled_close_time=now + timedelta(days=2),
    )
    response = client.get(LIST, {"closing_soon": "on"})
    assert response.status_code == 200
    assert titles(response) == [soon.title]
    page = response.content.decode()
    assert 'name="closing_soon" value="on" id="id_closing_soon" checked' in page
    assert '<span class="badge badge-closing">Closing soon</span>' in page
    assert "closing within 7 days" in page
    # Without the filter the other rows are there, the badge only on the one closing soon.
    everything = client.get(LIST).content.decode()
    assert everything.count('<span class="badge badge-closing">') == 1


def test_i_havent_forecast_hides_the_questions_i_forecast(client, user, db):
    mine = QuestionFactory(title="Forecast by me")
    QuestionFactory(title="Forecast by someone else only")
    untouched = QuestionFactory(title="Nobody forecast")
    ForecastFactory(question=mine, user=user)
    ForecastFactory(question=QuestionFactory(title="Also forecast by me"), user=user)
    ForecastFactory(question=Question.objects.get(title="Forecast by someone else only"))
    client.force_login(user)

    response = client.get(LIST, {"unforecast": "on"})
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(["Forecast by someone else only", untouched.title])
    page = response.content.decode()
    assert "not yet forecast by you" in page
    assert "✓ You forecast" not in page

    everything = client.get(LIST).content.decode()
    assert everything.count("✓ You forecast") == 2


def test_anonymous_visitors_are_told_the_forecast_filter_needs_an_account(client, db):
    QuestionFactory.create_batch(2)
    page = client.get(LIST).content.decode()
    assert 'name="unforecast"' not in page
    assert "to list only the questions you haven't forecast." in page
    assert "needs an account" not in page

    response = client.get(LIST, {"unforecast": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "needs an account:</strong> it is not applied." in page
    assert 'href="/accounts/login/?next=%2F%3Funforecast%3Don"' in page
    assert len(titles(response)) == 2


@pytest.mark.parametrize("field", ["closing_soon", "unforecast"])
def test_a_checkbox_with_a_value_no_checkbox_sends_is_a_400(user_client, db, field):
    QuestionFactory()
    response = user_client.get(LIST, {field: "maybe"})
    assert response.status_code == 400
    page = response.content.decode()
    box = page[page.index('<div class="field field-check field-error">') :]
    assert box.index("Tick the box or leave it empty.") < box.index(f'name="{field}"')
    assert len(titles(response)) == 1


def test_the_valid_filters_still_apply_when_another_is_invalid(client, mixed):
    response = client.get(LIST, {"status": "resolved", "sort": "sideways"})
    assert response.status_code == 400
    assert titles(response) == ["Resolved one"]
    assert "Select a valid choice. sideways is not one of the available choices." in (
        response.content.decode()
    )


def test_drafts_are_never_listed_even_to_staff(client, staff_web_client, db):
    QuestionFactory(title="Published one")
    QuestionFactory(title="Draft Budapest question", published_at=None)
    for viewer in (client, staff_web_client):
        assert titles(viewer.get(LIST)) == ["Published one"]
        assert titles(viewer.get(LIST, {"q": "budapest"})) == []
        assert titles(viewer.get(LIST, {"sort": "newest"})) == ["Published one"]


# --- Sorting -----------------------------------------------------------------------------


def test_sort_newest_is_by_publication(client, db):
    now = timezone.now()
    QuestionFactory(title="Published long ago", published_at=now - timedelta(days=30))
    QuestionFactory(title="Published today", published_at=now)
    QuestionFactory(title="Published last week", published_at=now - timedelta(days=7))
    assert titles(client.get(LIST, {"sort": "newest"})) == [
        "Published today",
        "Published last week",
        "Published long ago",
    ]


def test_sort_most_forecasters_counts_people_not_forecasts_and_only_before_the_close(client, db):
    now = timezone.now()
    crowded = QuestionFactory(title="Three people")
    busy = QuestionFactory(title="One person, five forecasts")
    late = QuestionFactory(
        title="Two people, one of them late",
        open_time=now - timedelta(days=10),
        scheduled_close_time=now - timedelta(days=1),
    )
    QuestionFactory(title="Nobody")
    for _ in range(3):
        ForecastFactory(question=crowded)
    someone = UserFactory()
    for _ in range(5):
        ForecastFactory(question=busy, user=someone)
    ForecastFactory(question=late, created_at=now - timedelta(days=5))
    ForecastFactory(question=late, created_at=now - timedelta(hours=1))  # after the close
    ForecastFactory(question=late, created_at=now - timedelta(days=4))
    response = client.get(LIST, {"sort": "forecasters"})
    assert titles(response) == [
        "Three people",
        "Two people, one of them late",
        "One person, five forecasts",
        "Nobody",
    ]
    assert "sorted by most forecasters" in response.content.decode()


def test_sort_most_recently_forecast_puts_questions_without_forecasts_last(client, db):
    now = timezone.now()
    stale = QuestionFactory(title="Forecast a week ago")
    fresh = QuestionFactory(title="Forecast an hour ago")
    QuestionFactory(title="Never forecast")
    ForecastFactory(question=stale, created_at=now - timedelta(days=7))
    ForecastFactory(question=fresh, created_at=now - timedelta(days=9))
    ForecastFactory(question=fresh, created_at=now - timedelta(hours=1))
    assert titles(client.get(LIST, {"sort": "recent"})) == [
        "Forecast an hour ago",
        "Forecast a week ago",
        "Never forecast",
    ]


def test_paging_links_keep_search_filters_and_sort(user_client, db):
    now = timezone.now()
    for number in range(27):
        QuestionFactory(
            title=f"Budapest question {number}", scheduled_close_time=now + timedelta(days=3)
        )
    params = {"q": "budapest", "closing_soon": "on", "unforecast": "on", "sort": "newest"}
    first = user_client.get(LIST, params)
    assert len(first.context["rows"]) == 25
    page = first.content.decode()
    assert (
        'href="?q=budapest&amp;closing_soon=on&amp;unforecast=on&amp;sort=newest&amp;page=2"'
        in page
    )
    second = user_client.get(LIST, {**params, "page": 2})
    assert len(second.context["rows"]) == 2
    assert "?q=budapest&amp;closing_soon=on&amp;unforecast=on&amp;sort=newest&amp;page=1" in (
        second.content.decode()
    )


def _grow(count: int, article, tag, me) -> None:
    now = timezone.now()
    forecasters = UserFactory.create_batch(3)
    for number in range(count):
        question = QuestionFactory(
            title=f"Budapest {number}",
            article=article,
            scheduled_close_time=now + timedelta(days=3),
            hide_community_until_forecast=number % 2 == 0,
        )
        question.tags.add(tag)
        for forecaster in forecasters:
            ForecastFactory(question=question, user=forecaster)
        if number % 3 == 0:
            ForecastFactory(question=question, user=me)
        community_update(question_id=question.pk)


@pytest.mark.parametrize("sort", ["", "newest", "forecasters", "recent"])
@pytest.mark.parametrize("logged_in", [False, True])
def test_query_count_with_every_filter_and_sort_does_not_grow(
    client, user, article, sort, logged_in
):
    if logged_in:
        client.force_login(user)
    tag = Tag.objects.create(slug="t")
    _grow(4, article, tag, user)
    url = f"{LIST}?q=budapest&status=open&tag=t&article={article.slug}&closing_soon=on&sort={sort}"
    client.get(url)  # warm up
    small, response = count_queries(client, url)
    assert len(response.context["rows"]) > 0
    _grow(30, article, tag, user)
    large, response = count_queries(client, url)
    assert len(response.context["rows"]) == 25
    assert small == large
    # Logged in: the session, the user, the viewer's forecasts, and the permissions that
    # decide whether a hidden community forecast stays hidden.
    assert large <= (12 if logged_in else 6)
    if logged_in:
        unforecast, response = count_queries(client, url + "&unforecast=on")
        assert len(response.context["rows"]) == 22
        assert unforecast == large


def test_tags_only_drafts_carry_are_not_offered(client, user_client):
    """A tag filter choice would tell everyone what staff are drafting."""
    shown = QuestionFactory()
    shown.tags.add(Tag.objects.create(slug="public-tag"))
    draft = QuestionFactory(published_at=None)
    draft.tags.add(Tag.objects.create(slug="secret-merger"))
    for page_client, url in ((client, "/"), (user_client, "/me/record/")):
        html = page_client.get(url).content.decode()
        assert 'value="public-tag"' in html, url
        assert "secret-merger" not in html, url
    draft.published_at = timezone.now()
    draft.save()
    assert 'value="secret-merger"' in client.get("/").content.decode()


def test_a_card_names_its_article_without_repeating_the_outlet_line(client, question):
    QuestionFactory(title="Another from the same article", article=question.article)
    page = client.get(LIST).content.decode()
    # The article's title links each card to its passage; its outlet and date, the same
    # on every card, are left to the article's page.
    assert page.count(">The Fractured Pillar</a>") == 2
    assert "Example Outlet" not in page
    # Filtered to the article, the filter names it and the cards do not.
    filtered = client.get(LIST, {"article": question.article.slug}).content.decode()
    assert ">The Fractured Pillar</a>" not in filtered[filtered.index('class="question-list"') :]


def test_a_snippet_starts_where_its_sentence_does(client, question):
    question.article.text = (
        "A first sentence.\n\nData from an institute indicates a decline since 2020,\n"
        "coinciding with a rise in spending. Another sentence."
    )
    question.article.save()
    question.source_passage = "coinciding with a rise in spending"
    question.save()
    page = client.get(LIST).content.decode()
    assert (
        '<blockquote class="passage passage-excerpt">Data from an institute indicates a '
        "decline since 2020, coinciding with a rise in spending</blockquote>"
    ) in page
