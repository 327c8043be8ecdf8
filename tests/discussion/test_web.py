"""The discussion on the question page and the rationale feed page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from discussion.models import Comment, CommentVote
from discussion.rules import HIDDEN_UNTIL_FORECAST
from discussion.services import comment_post, rationale_share
from tests.clients import logged_in
from tests.factories import ForecastFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(client, question):
    response = client.get(f"/questions/{question.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_comments_with_the_held_forecast_and_profile_links(
    client, ana, bob, question, ana_forecast
):
    top = comment_post(author=ana, question=question, body="Because *reasons*")
    comment_post(author=bob, question=question, body="Agreed, @ana", parent=top)
    html = page(client, question)
    assert 'id="discussion"' in html
    assert f'id="comment-{top.pk}"' in html
    assert "held 62%" in html and "no forecast" in html
    assert '<a class="comment-author" href="/forecasters/ana/">ana</a>' in html
    assert "<em>reasons</em>" in html
    assert '<a class="mention" href="/forecasters/ana/">@ana</a>' in html
    assert "Log in</a> to comment" in html


def test_the_author_and_mention_links_reach_any_allowed_name(client, question):
    author = UserFactory(username="ann.o+b@x")
    UserFactory(username="김철수")
    comment_post(author=author, question=question, body="Agreed, @김철수")
    html = page(client, question)
    links = re.findall(r'<a class="(?:comment-author|mention)" href="([^"]+)">', html)
    assert len(links) == 2
    for link, name in zip(links, ("ann.o+b@x", "김철수"), strict=True):
        response = client.get(link)
        assert response.status_code == 200 and response.context["forecaster"].username == name


def test_a_script_in_a_comment_is_shown_as_text(client, ana, question):
    comment_post(author=ana, question=question, body="<script>alert('x')</script>")
    html = page(client, question)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_a_forecaster_comments_and_replies_from_the_page(ana, bob, question, ana_forecast):
    response = logged_in(ana).post(f"/questions/{question.slug}/comments/", {"body": "Mine"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/questions/{question.slug}/#comment-{comment.pk}")
    assert comment.forecast == ana_forecast
    logged_in(bob).post(
        f"/questions/{question.slug}/comments/", {"body": "Reply", "parent": comment.pk}
    )
    assert Comment.objects.get(body="Reply").parent == comment


def test_an_empty_comment_is_shown_again_with_its_error(ana, question):
    response = logged_in(ana).post(f"/questions/{question.slug}/comments/", {"body": "  "})
    assert response.status_code == 400
    assert "the comment is empty" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_control_character_is_refused_on_the_page_as_in_the_api(ana, question):
    response = logged_in(ana).post(
        f"/questions/{question.slug}/comments/", {"body": "Ring the bell\x07 now."}
    )
    assert response.status_code == 400
    assert "control character U+0007" in response.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_posting_goes_to_login(client, question):
    response = client.post(f"/questions/{question.slug}/comments/", {"body": "hi"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not Comment.objects.exists()


def test_upvote_and_take_back_from_the_page(ana, bob, question):
    comment = comment_post(author=ana, question=question, body="Good")
    bob_client = logged_in(bob)
    bob_client.post(f"/discussion/comments/{comment.pk}/vote/", {"vote": "up"})
    assert CommentVote.objects.filter(user=bob).exists()
    html = page(bob_client, question)
    assert "Upvoted · 1" in html
    bob_client.post(f"/discussion/comments/{comment.pk}/vote/", {"vote": "remove"})
    assert not CommentVote.objects.exists()


def test_edit_within_the_window_then_marked_edited(client, ana, question):
    comment = comment_post(author=ana, question=question, body="First")
    ana_client = logged_in(ana)
    assert f"/discussion/comments/{comment.pk}/edit/" in page(ana_client, question)
    assert ana_client.get(f"/discussion/comments/{comment.pk}/edit/").status_code == 200
    response = ana_client.post(f"/discussion/comments/{comment.pk}/edit/", {"body": "Second"})
    assert response.status_code == 302
    html = page(client, question)
    assert "Second" in html and "comment-edited" in html
    assert 'title="Edited 20' in html and "<time" not in html.split('title="Edited ')[1][:40]


def test_edit_after_the_window_is_refused(ana, question):
    comment = comment_post(
        author=ana, question=question, body="First", now=timezone.now() - timedelta(hours=1)
    )
    ana_client = logged_in(ana)
    assert f"/discussion/comments/{comment.pk}/edit/" not in page(ana_client, question)
    response = ana_client.post(f"/discussion/comments/{comment.pk}/edit/", {"body": "Second"})
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.body == "First"


def test_staff_hide_with_a_reason_and_others_see_the_placeholder(client, ana, moderator, question):
    comment = comment_post(author=ana, question=question, body="Rude words")
    staff = logged_in(moderator)
    assert f'id="hide-reason-{comment.pk}" maxlength="500" required' in page(staff, question)
    staff.post(f"/discussion/comments/{comment.pk}/hide/", {"reason": ""})
    comment.refresh_from_db()
    assert not comment.hidden
    staff.post(f"/discussion/comments/{comment.pk}/hide/", {"reason": "Off topic."})
    comment.refresh_from_db()
    assert comment.hidden
    html = page(client, question)
    assert "Hidden by a moderator: Off topic." in html and "Rude words" not in html
    staff_html = page(staff, question)
    assert "Hidden by a moderator: Off topic." in staff_html and "Rude words" in staff_html


def test_non_staff_cannot_hide(ana, bob, question):
    comment = comment_post(author=ana, question=question, body="Fine")
    response = logged_in(bob).post(f"/discussion/comments/{comment.pk}/hide/", {"reason": "x"})
    assert response.status_code == 404
    comment.refresh_from_db()
    assert not comment.hidden


def test_the_discussion_is_hidden_until_you_forecast(client, ana, bob, moderator, hiding_question):
    ForecastFactory(user=ana, question=hiding_question)
    comment_post(author=ana, question=hiding_question, body="Secret reasoning")
    anonymous = page(client, hiding_question)
    assert "Secret reasoning" not in anonymous
    assert 'data-testid="discussion-hidden"' in anonymous
    assert HIDDEN_UNTIL_FORECAST in anonymous
    assert "Secret reasoning" not in page(logged_in(bob), hiding_question)
    assert "Secret reasoning" in page(logged_in(ana), hiding_question)
    assert "Secret reasoning" in page(logged_in(moderator), hiding_question)


def test_share_a_rationale_from_the_page(ana, question, ana_forecast):
    ana_client = logged_in(ana)
    html = page(ana_client, question)
    assert f"/discussion/forecasts/{ana_forecast.pk}/share/" in html
    assert "Share my rationale to the discussion" in html
    ana_client.post(f"/discussion/forecasts/{ana_forecast.pk}/share/")
    comment = Comment.objects.get()
    assert comment.rationale_of == ana_forecast
    assert f"/discussion/forecasts/{ana_forecast.pk}/share/" not in page(ana_client, question)


def test_the_rationale_feed_page(client, ana, bob, question, moderator):
    first = ForecastFactory(user=ana, question=question, rationale="Old reason")
    second = ForecastFactory(user=bob, question=question, rationale="New reason")
    old = rationale_share(forecast=first, by=ana, now=timezone.now() - timedelta(hours=1))
    rationale_share(forecast=second, by=bob)
    Comment.objects.filter(pk=old.pk).update(upvotes=2)
    newest = client.get("/discussion/").content.decode()
    assert newest.index("New reason") < newest.index("Old reason")
    upvoted = client.get("/discussion/?sort=upvoted").content.decode()
    assert upvoted.index("Old reason") < upvoted.index("New reason")
    assert question.title in newest
    assert client.get("/discussion/?sort=bogus").status_code == 400


def test_the_feed_costs_the_same_for_more_rationales(
    client, ana, question, django_assert_num_queries
):
    def share():
        rationale_share(
            forecast=ForecastFactory(user=ana, question=question, rationale="R"), by=ana
        )

    share()
    with django_assert_num_queries(2) as few:
        client.get("/discussion/")
    for _ in range(4):
        share()
    with django_assert_num_queries(len(few)):
        client.get("/discussion/")


def test_the_question_page_costs_the_same_for_more_comments(
    ana, bob, question, django_assert_num_queries
):
    bob_client = logged_in(bob)

    def thread():
        top = comment_post(author=ana, question=question, body="top @bob")
        comment_post(author=bob, question=question, body="reply", parent=top)

    thread()
    bob_client.get(f"/questions/{question.slug}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        bob_client.get(f"/questions/{question.slug}/")
    for _ in range(4):
        thread()
    with django_assert_num_queries(len(before)):
        bob_client.get(f"/questions/{question.slug}/")


def test_the_threads_are_paged(client, ana, question, monkeypatch):
    from pages import discussion

    monkeypatch.setattr(discussion, "THREADS_PER_PAGE", 2)
    for number in range(3):
        comment_post(author=ana, question=question, body=f"Thread number {number}")
    first = page(client, question)
    assert "Thread number 1" in first and "Thread number 2" not in first
    assert "?comments_page=2#discussion" in first
    second = client.get(f"/questions/{question.slug}/?comments_page=2").content.decode()
    assert "Thread number 2" in second and "Thread number 0" not in second
    assert "?comments_page=1#discussion" in second
    assert client.get(f"/questions/{question.slug}/?comments_page=x").status_code == 200


def test_a_thread_says_how_many_replies_it_does_not_show(client, ana, bob, question, monkeypatch):
    from discussion import selectors

    monkeypatch.setattr(selectors, "MAX_REPLIES_SHOWN", 2)
    long = comment_post(author=ana, question=question, body="Long thread")
    short = comment_post(author=ana, question=question, body="Short thread")
    for number in range(3):
        comment_post(author=bob, question=question, body=f"Long reply {number}", parent=long)
    comment_post(author=bob, question=question, body="Short reply", parent=short)
    html = page(client, question)
    assert "Long reply 1" in html and "Long reply 2" not in html
    assert html.count('data-testid="replies-not-shown"') == 1
    assert "1 more reply not shown." in html
    comment_post(author=bob, question=question, body="Long reply 3", parent=long)
    assert "2 more replies not shown." in page(client, question)


def test_an_upvote_from_the_feed_returns_to_the_feed(ana, bob, ana_forecast):
    comment = rationale_share(forecast=ana_forecast, by=ana)
    bob_client = logged_in(bob)
    feed = bob_client.get("/discussion/?sort=upvoted").content.decode()
    assert f'value="/discussion/?sort=upvoted#comment-{comment.pk}"' in feed
    response = bob_client.post(
        f"/discussion/comments/{comment.pk}/vote/",
        {"vote": "up", "next": f"/discussion/?sort=upvoted#comment-{comment.pk}"},
    )
    assert response["Location"] == f"/discussion/?sort=upvoted#comment-{comment.pk}"
    elsewhere = bob_client.post(
        f"/discussion/comments/{comment.pk}/vote/",
        {"vote": "remove", "next": "https://evil.example/"},
    )
    assert elsewhere["Location"].endswith(f"#comment-{comment.pk}")
    assert "evil" not in elsewhere["Location"]
