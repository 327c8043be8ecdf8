"""The discussion's writes: comments keep the forecast held when written, threads stay one
level deep, edits are the author's within the window and keep the earlier body, upvotes
count once, moderation keeps its audit trail, a rationale is shared once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from discussion.models import MAX_BODY_CHARS, Comment, CommentModeration, CommentRevision
from discussion.services import (
    CommentPermissionDenied,
    comment_edit,
    comment_hide,
    comment_post,
    comment_unhide,
    comment_unvote,
    comment_vote,
    rationale_share,
)
from forecasts.models import Forecast
from forecasts.services import forecast_withdraw
from tests.factories import ForecastFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def test_a_comment_keeps_the_forecast_held_when_written(ana, question, ana_forecast):
    comment = comment_post(author=ana, question=question, body="I say 62.")
    assert comment.forecast == ana_forecast
    # A later forecast does not change what the comment was written beside.
    ForecastFactory(user=ana, question=question, probability=0.2)
    comment.refresh_from_db()
    assert comment.forecast == ana_forecast


def test_a_comment_after_a_withdrawal_holds_no_forecast(ana, question, ana_forecast):
    forecast_withdraw(user=ana, question=question, origin=Forecast.Origin.WEB)
    assert comment_post(author=ana, question=question, body="Out for now.").forecast is None


def test_a_comment_without_a_forecast_holds_none(bob, question):
    assert comment_post(author=bob, question=question, body="Hm.").forecast is None


def test_a_comment_records_its_alerts_event(
    ana, question, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(author=ana, question=question, body="Hello")
    queued.comment_alerts.assert_called_once_with(comment.pk)


def test_a_reply_to_a_reply_joins_the_thread(ana, bob, question):
    top = comment_post(author=ana, question=question, body="top")
    reply = comment_post(author=bob, question=question, body="reply", parent=top)
    deeper = comment_post(author=ana, question=question, body="deeper", parent=reply)
    assert reply.parent == top and deeper.parent == top


def test_a_reply_on_another_question_is_refused_naming_parent(ana, question):
    other = comment_post(author=ana, question=QuestionFactory(), body="elsewhere")
    with pytest.raises(ValidationError) as refused:
        comment_post(author=ana, question=question, body="x", parent=other)
    assert "parent" in refused.value.message_dict
    assert not Comment.objects.filter(question=question).exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * (MAX_BODY_CHARS + 1)])
def test_empty_or_too_long_bodies_are_refused_naming_body(ana, question, body):
    with pytest.raises(ValidationError) as refused:
        comment_post(author=ana, question=question, body=body)
    assert "body" in refused.value.message_dict


def test_edit_within_the_window_keeps_the_earlier_body(ana, question):
    comment = comment_post(author=ana, question=question, body="first")
    comment_edit(comment=comment, by=ana, body="second")
    comment.refresh_from_db()
    assert comment.body == "second" and comment.edited_at is not None
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["first"]


def test_edit_after_the_window_is_refused(ana, question, settings):
    settings.FORESEER_COMMENT_EDIT_WINDOW = timedelta(minutes=15)
    comment = comment_post(
        author=ana, question=question, body="first", now=timezone.now() - timedelta(minutes=16)
    )
    with pytest.raises(ValidationError) as refused:
        comment_edit(comment=comment, by=ana, body="second")
    assert "body" in refused.value.message_dict
    comment.refresh_from_db()
    assert comment.body == "first" and comment.edited_at is None


def test_only_the_author_edits(ana, bob, question):
    comment = comment_post(author=ana, question=question, body="first")
    with pytest.raises(CommentPermissionDenied) as refused:
        comment_edit(comment=comment, by=bob, body="mine now")
    assert "author" in refused.value.message_dict


def test_an_upvote_counts_once_and_can_be_taken_back(ana, bob, question):
    comment = comment_post(author=ana, question=question, body="vote me")
    assert comment_vote(comment=comment, user=bob) is True
    assert comment_vote(comment=comment, user=bob) is False
    comment.refresh_from_db()
    assert comment.upvotes == 1
    assert comment_unvote(comment=comment, user=bob) is True
    assert comment_unvote(comment=comment, user=bob) is False
    comment.refresh_from_db()
    assert comment.upvotes == 0


def test_no_upvote_of_your_own_comment(ana, question):
    comment = comment_post(author=ana, question=question, body="me")
    with pytest.raises(ValidationError):
        comment_vote(comment=comment, user=ana)


def test_hiding_needs_a_reason_and_staff_and_is_audited(ana, moderator, question):
    comment = comment_post(author=ana, question=question, body="rude")
    with pytest.raises(ValidationError) as refused:
        comment_hide(comment=comment, by=moderator, reason="  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(CommentPermissionDenied):
        comment_hide(comment=comment, by=ana, reason="self")
    comment_hide(comment=comment, by=moderator, reason="Personal attack.")
    comment_unhide(comment=comment, by=moderator)
    comment.refresh_from_db()
    assert not comment.hidden
    trail = list(CommentModeration.objects.values_list("action", "reason", "moderator"))
    assert trail == [("hide", "Personal attack.", moderator.pk), ("unhide", "", moderator.pk)]
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_a_rationale_is_shared_once_by_its_forecaster(ana, bob, ana_forecast):
    with pytest.raises(CommentPermissionDenied):
        rationale_share(forecast=ana_forecast, by=bob)
    comment = rationale_share(forecast=ana_forecast, by=ana)
    assert comment.rationale_of == ana_forecast and comment.forecast == ana_forecast
    assert comment.body == ana_forecast.rationale
    with pytest.raises(ValidationError) as refused:
        rationale_share(forecast=ana_forecast, by=ana)
    assert "forecast" in refused.value.message_dict


def test_a_forecast_without_rationale_has_nothing_to_share(ana, question):
    forecast = ForecastFactory(user=ana, question=question, rationale="")
    with pytest.raises(ValidationError) as refused:
        rationale_share(forecast=forecast, by=ana)
    assert "forecast" in refused.value.message_dict


def test_hidden_discussion_takes_no_comment_until_you_forecast(ana, hiding_question):
    with pytest.raises(ValidationError) as refused:
        comment_post(author=ana, question=hiding_question, body="first!")
    assert "question" in refused.value.message_dict
    ForecastFactory(user=ana, question=hiding_question)
    assert comment_post(author=ana, question=hiding_question, body="first!").pk
