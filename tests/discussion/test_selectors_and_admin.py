"""The discussion's reads cost a fixed number of queries; the admin shows the record
(revisions and the moderation trail) and changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discussion.models import Comment
from discussion.selectors import question_threads, rationale_feed, readable_comment, voted_by
from discussion.services import (
    comment_edit,
    comment_hide,
    comment_post,
    comment_vote,
    rationale_share,
)
from tests.factories import ForecastFactory, UserFactory

pytestmark = pytest.mark.django_db


def read_threads(question, user):
    threads = list(question_threads(question=question))
    voted = voted_by(user=user, comments=threads)
    for thread in threads:
        _ = (thread.author.username, thread.forecast, thread.question.slug)
        for reply in thread.shown_replies:
            _ = (reply.author.username, reply.forecast, reply.question.slug)
    return threads, voted


def test_threads_cost_three_queries_however_many(ana, bob, question, django_assert_num_queries):
    for _ in range(4):
        top = comment_post(author=ana, question=question, body="top")
        comment_vote(comment=top, user=bob)
        for _ in range(3):
            comment_post(author=UserFactory(), question=question, body="reply", parent=top)
    # The threads, their replies, the viewer's upvotes.
    with django_assert_num_queries(3):
        threads, voted = read_threads(question, bob)
    assert len(threads) == 4 and all(len(t.shown_replies) == 3 for t in threads)
    assert voted == {t.pk for t in threads}


def test_the_feed_is_one_query(ana, bob, question, django_assert_num_queries):
    for user in (ana, bob):
        rationale_share(
            forecast=ForecastFactory(user=user, question=question, rationale="R"), by=user
        )
    # One query (a signed-in reader's permissions are read once more, to know an analyst).
    with django_assert_num_queries(1):
        feed = list(rationale_feed(user=AnonymousUser(), sort="upvoted"))
        _ = [(c.author.username, c.question.title, c.forecast.probability) for c in feed]
    assert len(feed) == 2


def test_a_comment_is_read_in_one_query_with_its_question_rules(
    ana, bob, moderator, question, hiding_question, django_assert_num_queries
):
    open_comment = comment_post(author=ana, question=question, body="open")
    ForecastFactory(user=ana, question=hiding_question)
    hidden = comment_post(author=ana, question=hiding_question, body="hidden")
    # The comment with its question; the question's rules need nothing more.
    with django_assert_num_queries(1):
        found = readable_comment(user=bob, comment_id=open_comment.pk)
    assert found is not None and found.comment == open_comment and found.readable
    found = readable_comment(user=bob, comment_id=hidden.pk)
    assert found is not None and not found.readable
    assert readable_comment(user=bob, comment_id=hidden.pk + 1000) is None
    # A question back in draft hides its comments from all but staff.
    question.published_at = None
    question.save(update_fields=["published_at"])
    assert readable_comment(user=bob, comment_id=open_comment.pk) is None
    assert readable_comment(user=AnonymousUser(), comment_id=open_comment.pk) is None
    found = readable_comment(user=moderator, comment_id=open_comment.pk)
    assert found is not None and found.readable


def test_the_admin_shows_revisions_and_the_moderation_trail(
    admin_client, ana, admin_user, question
):
    comment = comment_post(author=ana, question=question, body="First words")
    comment_edit(comment=comment, by=ana, body="Second words")
    comment_hide(comment=comment, by=admin_user, reason="Off topic.")
    response = admin_client.get(reverse("admin:discussion_comment_change", args=[comment.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "First words" in html and "Off topic." in html
    changelist = admin_client.get(reverse("admin:discussion_comment_changelist"))
    assert changelist.status_code == 200
    # Read-only: nothing to add or delete.
    assert admin_client.get(reverse("admin:discussion_comment_add")).status_code == 403
    deleted = admin_client.post(
        reverse("admin:discussion_comment_delete", args=[comment.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


@pytest.mark.parametrize("model", ["commentmoderation", "commentvote"])
def test_the_admin_lists_cost_the_same_for_more_rows(
    admin_client, admin_user, ana, bob, question, model, django_assert_max_num_queries
):
    url = reverse(f"admin:discussion_{model}_changelist")

    def add(count: int) -> None:
        for n in range(count):
            comment = comment_post(author=ana, question=question, body=f"Comment {n}")
            comment_vote(comment=comment, user=bob)
            comment_hide(comment=comment, by=admin_user, reason="Off topic.")

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(url).status_code == 200
    add(5)
    with django_assert_max_num_queries(len(one)):
        assert admin_client.get(url).status_code == 200
