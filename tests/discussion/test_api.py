"""The discussion's API by role: anyone reads (as the hiding rule allows), forecasters
write, staff moderate; refusals name the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from discussion.api.views import ThreadPagination
from discussion.models import MAX_BODY_CHARS, Comment, CommentModeration
from discussion.services import comment_hide, comment_post, rationale_share
from tests.clients import api_as
from tests.factories import ForecastFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def comments_url(question):
    return f"/api/questions/{question.slug}/comments/"


@pytest.fixture
def ana_client(ana):
    return api_as(ana)


@pytest.fixture
def bob_client(bob):
    return api_as(bob)


@pytest.fixture
def mod_client(moderator):
    return api_as(moderator)


def test_anonymous_reads_threads_with_the_held_forecast(
    api_client, ana, bob, question, ana_forecast
):
    top = comment_post(author=ana, question=question, body="**Because** of @bob")
    comment_post(author=bob, question=question, body="Agreed", parent=top)
    response = api_client.get(comments_url(question))
    assert response.status_code == 200
    [thread] = response.json()["results"]
    assert thread["author"] == "ana"
    assert thread["author_url"] == "/forecasters/ana/"
    assert thread["held_forecast"]["probability"] == pytest.approx(0.62)
    assert "<strong>Because</strong>" in thread["body_html"]
    assert '<a class="mention" href="/forecasters/bob/">@bob</a>' in thread["body_html"]
    assert [reply["body"] for reply in thread["replies"]] == ["Agreed"]
    assert thread["replies"][0]["held_forecast"] is None


def test_a_thread_counts_its_replies_beyond_those_shown(
    api_client, ana, bob, question, monkeypatch
):
    from discussion import selectors

    monkeypatch.setattr(selectors, "MAX_REPLIES_SHOWN", 2)
    top = comment_post(author=ana, question=question, body="Top")
    for number in range(3):
        comment_post(author=bob, question=question, body=f"Reply {number}", parent=top)
    comment_post(author=ana, question=question, body="Alone")
    response = api_client.get(comments_url(question))
    threads = response.json()["results"]
    assert [reply["body"] for reply in threads[0]["replies"]] == ["Reply 0", "Reply 1"]
    assert [thread["replies_count"] for thread in threads] == [3, 0]


def test_anonymous_cannot_write(api_client, question):
    response = api_client.post(comments_url(question), {"body": "hi"}, format="json")
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_a_script_in_a_body_is_text(ana_client, question):
    response = ana_client.post(
        comments_url(question), {"body": "<script>alert(1)</script>"}, format="json"
    )
    assert response.status_code == 201
    assert "<script>" not in response.json()["body_html"]
    assert "&lt;script&gt;" in response.json()["body_html"]


def test_forecaster_posts_and_replies(ana_client, bob_client, question, ana_forecast):
    response = ana_client.post(comments_url(question), {"body": "I hold 62"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["held_forecast"]["id"] == ana_forecast.pk
    reply = bob_client.post(
        comments_url(question), {"body": "Why?", "parent": body["id"]}, format="json"
    )
    assert reply.status_code == 201
    assert reply.json()["parent"] == body["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * (MAX_BODY_CHARS + 1)}, "body"),
        ({}, "body"),
        ({"body": 5}, "body"),
        ({"body": "hi", "parent": 999999}, "parent"),
    ],
)
def test_bad_comments_are_refused_naming_the_field(ana_client, question, payload, field):
    response = ana_client.post(comments_url(question), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Comment.objects.exists()


def test_a_parent_on_another_question_is_refused(ana_client, ana, question):
    other = comment_post(author=ana, question=QuestionFactory(), body="elsewhere")
    response = ana_client.post(
        comments_url(question), {"body": "hi", "parent": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_edit_within_window_marks_edited(ana_client, ana, question):
    comment = comment_post(author=ana, question=question, body="first")
    response = ana_client.patch(f"/api/comments/{comment.pk}/", {"body": "second"}, format="json")
    assert response.status_code == 200
    assert response.json()["edited"] is True and response.json()["body"] == "second"


def test_edit_after_the_window_is_refused(ana_client, ana, question):
    comment = comment_post(
        author=ana, question=question, body="first", now=timezone.now() - timedelta(hours=1)
    )
    response = ana_client.patch(f"/api/comments/{comment.pk}/", {"body": "second"}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()


def test_edit_by_another_is_refused(bob_client, ana, question):
    comment = comment_post(author=ana, question=question, body="first")
    response = bob_client.patch(f"/api/comments/{comment.pk}/", {"body": "mine"}, format="json")
    assert response.status_code == 403
    assert "author" in response.json()
    comment.refresh_from_db()
    assert comment.body == "first"


def test_upvote_and_take_back(bob_client, ana, question):
    comment = comment_post(author=ana, question=question, body="good point")
    url = f"/api/comments/{comment.pk}/vote/"
    first = bob_client.post(url)
    assert first.status_code == 201
    assert first.json()["upvotes"] == 1 and first.json()["upvoted"] is True
    assert bob_client.post(url).json()["upvotes"] == 1
    removed = bob_client.delete(url)
    assert removed.status_code == 200 and removed.json()["upvotes"] == 0


def test_anonymous_cannot_upvote(api_client, ana, question):
    comment = comment_post(author=ana, question=question, body="good point")
    assert api_client.post(f"/api/comments/{comment.pk}/vote/").status_code == 403


def test_staff_hide_with_a_reason_and_others_see_the_placeholder(
    mod_client, ana_client, api_client, ana, question
):
    comment = comment_post(author=ana, question=question, body="rude words")
    url = f"/api/comments/{comment.pk}/hide/"
    assert ana_client.post(url, {"reason": "mine"}, format="json").status_code == 403
    refused = mod_client.post(url, {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    hidden = mod_client.post(url, {"reason": "Off topic."}, format="json")
    assert hidden.status_code == 200
    assert hidden.json()["hidden"] is True and hidden.json()["body"] == "rude words"
    seen = api_client.get(f"/api/comments/{comment.pk}/").json()
    assert seen["hidden"] is True and seen["hidden_reason"] == "Off topic."
    assert seen["body"] == "" and seen["body_html"] == ""
    shown = mod_client.post(f"/api/comments/{comment.pk}/unhide/", {}, format="json")
    assert shown.status_code == 200 and shown.json()["hidden"] is False
    assert CommentModeration.objects.count() == 2


def test_hidden_discussion_until_you_forecast(
    api_client, ana_client, mod_client, ana, hiding_question
):
    ForecastFactory(user=ana, question=hiding_question)
    comment_post(author=ana, question=hiding_question, body="secret reasoning")
    anonymous = api_client.get(comments_url(hiding_question))
    assert anonymous.status_code == 403 and "question" in anonymous.json()
    assert ana_client.get(comments_url(hiding_question)).status_code == 200
    assert mod_client.get(comments_url(hiding_question)).status_code == 200


def test_hidden_discussion_hides_from_a_signed_in_non_forecaster(bob_client, ana, hiding_question):
    ForecastFactory(user=ana, question=hiding_question)
    comment = comment_post(author=ana, question=hiding_question, body="secret")
    assert bob_client.get(comments_url(hiding_question)).status_code == 403
    assert bob_client.get(f"/api/comments/{comment.pk}/").status_code == 403
    # Writing to it is refused as reading it is, a comment or a reply alike.
    for body in ({"body": "hi"}, {"body": "hi", "parent": comment.pk}):
        posted = bob_client.post(comments_url(hiding_question), body, format="json")
        assert posted.status_code == 403, posted.content
        assert posted.json()["question"] == [posted.json()["detail"]]
    assert Comment.objects.count() == 1


def test_rationale_feed_sorts_and_filters(api_client, ana, bob, question, moderator):
    first = ForecastFactory(user=ana, question=question, rationale="Old reason")
    second = ForecastFactory(user=bob, question=question, rationale="New reason")
    old = rationale_share(forecast=first, by=ana, now=timezone.now() - timedelta(hours=1))
    new = rationale_share(forecast=second, by=bob)
    Comment.objects.filter(pk=old.pk).update(upvotes=3)
    comment_post(author=ana, question=question, body="not a rationale")
    newest = api_client.get("/api/rationales/").json()["results"]
    assert [item["id"] for item in newest] == [new.pk, old.pk]
    upvoted = api_client.get("/api/rationales/?sort=upvoted").json()["results"]
    assert [item["id"] for item in upvoted] == [old.pk, new.pk]
    other = QuestionFactory()
    assert api_client.get(f"/api/rationales/?question={other.slug}").json()["results"] == []
    comment_hide(comment=new, by=moderator, reason="Spam.")
    assert [i["id"] for i in api_client.get("/api/rationales/").json()["results"]] == [old.pk]


@pytest.mark.parametrize(
    ("query", "field"), [("sort=best", "sort"), ("question=nope", "question"), ("bogus=1", "bogus")]
)
def test_rationale_feed_refuses_bad_parameters(api_client, query, field):
    response = api_client.get(f"/api/rationales/?{query}")
    assert response.status_code == 400 and field in response.json()


def test_rationale_feed_hides_rationales_of_hiding_questions(
    api_client, bob_client, ana, bob, hiding_question
):
    forecast = ForecastFactory(user=ana, question=hiding_question, rationale="Hidden reason")
    rationale_share(forecast=forecast, by=ana)
    assert api_client.get("/api/rationales/").json()["results"] == []
    assert bob_client.get("/api/rationales/").json()["results"] == []
    ForecastFactory(user=bob, question=hiding_question)
    assert len(bob_client.get("/api/rationales/").json()["results"]) == 1


def test_share_a_rationale_through_the_api(ana_client, bob_client, ana_forecast):
    assert (
        bob_client.post(
            "/api/rationales/", {"forecast": ana_forecast.pk}, format="json"
        ).status_code
        == 400
    )
    response = ana_client.post("/api/rationales/", {"forecast": ana_forecast.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["rationale_of"] == ana_forecast.pk
    again = ana_client.post("/api/rationales/", {"forecast": ana_forecast.pk}, format="json")
    assert again.status_code == 400 and "forecast" in again.json()


def test_the_comment_list_costs_the_same_for_more_threads(
    api_client, ana, bob, question, django_assert_num_queries
):
    def add_thread():
        top = comment_post(author=ana, question=question, body="top")
        comment_post(author=bob, question=question, body="reply", parent=top)

    add_thread()
    # The question, the count, the threads, their replies.
    with django_assert_num_queries(4) as few:
        api_client.get(comments_url(question))
    for _ in range(5):
        add_thread()
    with django_assert_num_queries(len(few)):
        assert len(api_client.get(comments_url(question)).json()["results"]) == 6


def test_the_comment_list_is_paginated(api_client, ana, question):
    for _ in range(3):
        comment_post(author=ana, question=question, body="x")
    page = api_client.get(comments_url(question) + "?limit=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2
    assert api_client.get(comments_url(question) + "?limit=1000").status_code == 400


def test_comment_writes_are_rate_limited_per_user(ana_client, ana, question, settings):
    settings.FORESEER_THROTTLE_RATES = {**settings.FORESEER_THROTTLE_RATES, "comments": "1/minute"}
    assert (
        ana_client.post(comments_url(question), {"body": "one"}, format="json").status_code == 201
    )
    refused = ana_client.post(comments_url(question), {"body": "two"}, format="json")
    assert refused.status_code == 429 and "Retry-After" in refused
    # Reading is not limited.
    assert ana_client.get(comments_url(question)).status_code == 200
    assert Comment.objects.count() == 1


def test_the_web_form_shares_the_rate_limit(ana, question, settings):
    from django.test import Client

    settings.FORESEER_THROTTLE_RATES = {**settings.FORESEER_THROTTLE_RATES, "comments": "1/minute"}
    # One comment through the API uses the page's allowance too.
    api = api_as(ana)
    assert api.post(comments_url(question), {"body": "one"}, format="json").status_code == 201
    client = Client()
    client.force_login(ana)
    assert client.post(f"/questions/{question.slug}/comments/", {"body": "two"}).status_code == 429
    assert Comment.objects.count() == 1


def test_the_schema_gives_the_thread_pages_own_bound(api_client, question):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/questions/{slug}/comments/"]["get"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == ThreadPagination.max_limit == 100
    assert api_client.get(comments_url(question) + "?limit=100").status_code == 200
    assert api_client.get(comments_url(question) + "?limit=101").status_code == 400
