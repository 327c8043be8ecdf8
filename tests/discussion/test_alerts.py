"""A comment's reply and mention alerts: recorded once however often the task runs, never
for the author, and repaired by the sweep when the task was lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from discussion.models import Comment
from discussion.services import comment_hide, comment_post
from notifications.alert_emails import alert_emails_send
from notifications.comments import comment_alerts_due, comment_alerts_record
from notifications.models import Alert, AlertPreference
from notifications.selectors import alerts_of
from notifications.services import alert_preferences_update
from pipeline import tasks
from pipeline.beat import beat_schedule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def alerts():
    return sorted(Alert.objects.values_list("user__username", "kind", "key"))


def test_a_reply_alerts_the_parent_author_once(ana, bob, question):
    top = comment_post(author=ana, question=question, body="top")
    reply = comment_post(author=bob, question=question, body="a reply", parent=top)
    assert comment_alerts_record(comment_id=reply.pk) == 1
    assert comment_alerts_record(comment_id=reply.pk) == 0
    assert alerts() == [("ana", "reply", f"comment:{reply.pk}")]
    alert = Alert.objects.get()
    assert alert.url == f"/questions/{question.slug}/#comment-{reply.pk}"
    assert alert.question == question
    reply.refresh_from_db()
    assert reply.alerts_recorded_at is not None


def test_a_reply_that_mentions_the_author_it_answers_alerts_them_once(ana, bob, question):
    top = comment_post(author=ana, question=question, body="top")
    reply = comment_post(author=bob, question=question, body="@ana, see this", parent=top)
    assert comment_alerts_record(comment_id=reply.pk) == 1
    assert alerts() == [("ana", "reply", f"comment:{reply.pk}")]


def test_replying_to_yourself_alerts_no_one(ana, question):
    top = comment_post(author=ana, question=question, body="top")
    reply = comment_post(author=ana, question=question, body="and more", parent=top)
    assert comment_alerts_record(comment_id=reply.pk) == 0
    assert alerts() == []


def test_mentions_alert_existing_users_but_not_the_author(ana, bob, question):
    UserFactory(username="Carol")
    comment = comment_post(
        author=ana, question=question, body="@bob and @carol, not @ana nor @nobody nor x@bob"
    )
    comment_alerts_record(comment_id=comment.pk)
    comment_alerts_record(comment_id=comment.pk)
    key = f"comment:{comment.pk}"
    assert alerts() == [("Carol", "mention", key), ("bob", "mention", key)]


def test_mentions_are_bounded(ana, question):
    names = [f"user{i}" for i in range(25)]
    for name in names:
        UserFactory(username=name)
    comment = comment_post(
        author=ana, question=question, body=" ".join(f"@{name}" for name in names)
    )
    assert comment_alerts_record(comment_id=comment.pk) == 20


def test_a_hidden_comment_alerts_no_one(ana, bob, moderator, question):
    comment = comment_post(author=ana, question=question, body="@bob rude")
    comment_hide(comment=comment, by=moderator, reason="Rude.")
    assert comment_alerts_record(comment_id=comment.pk) == 0
    comment.refresh_from_db()
    assert comment.alerts_recorded_at is not None


def test_a_missing_comment_records_nothing(db):
    assert comment_alerts_record(comment_id=987654) == 0


def test_the_sweep_requeues_comments_whose_alerts_were_lost(ana, bob, question, queued):
    old = comment_post(
        author=ana, question=question, body="@bob", now=timezone.now() - timedelta(hours=1)
    )
    comment_post(author=ana, question=question, body="@bob fresh")  # its task may be on its way
    queued.comment_alerts.reset_mock()
    assert tasks.comment_alerts_sweep() == [old.pk]
    queued.comment_alerts.assert_called_once_with(old.pk)
    comment_alerts_record(comment_id=old.pk)
    assert comment_alerts_due() == []
    assert Comment.objects.filter(alerts_recorded_at__isnull=True).count() == 1


def test_the_task_records_the_alerts(ana, bob, question):
    comment = comment_post(author=ana, question=question, body="hi @bob")
    assert tasks.comment_alerts(comment.pk) == 1


def test_the_sweep_is_scheduled():
    assert beat_schedule()["comment-alerts-sweep"]["task"] == "pipeline.tasks.comment_alerts_sweep"


def test_a_mention_on_a_hiding_question_alerts_only_those_who_may_read_it(
    ana, bob, moderator, hiding_question
):
    from tests.factories import ForecastFactory

    carol = UserFactory(username="carol")
    ForecastFactory(user=ana, question=hiding_question)
    ForecastFactory(user=carol, question=hiding_question)
    comment = comment_post(author=ana, question=hiding_question, body="@bob @carol @mod look")
    comment_alerts_record(comment_id=comment.pk)
    assert [name for name, _, _ in alerts()] == ["carol", "mod"]


def test_replies_and_mentions_turned_off_record_no_alert(ana, bob, question):
    alert_preferences_update(user=ana, changes={"replies": False})
    top = comment_post(author=ana, question=question, body="top")
    reply = comment_post(author=bob, question=question, body="a reply", parent=top)
    mention = comment_post(author=bob, question=question, body="@ana look")
    assert comment_alerts_record(comment_id=reply.pk) == 0
    assert comment_alerts_record(comment_id=mention.pk) == 0
    assert alerts() == []


def test_a_comment_hidden_after_its_alerts_were_recorded_is_neither_listed_nor_emailed(
    ana, bob, moderator, question, mailoutbox
):
    top = comment_post(author=ana, question=question, body="top")
    reply = comment_post(author=bob, question=question, body="abusive words", parent=top)
    other = comment_post(author=bob, question=question, body="kind words", parent=top)
    comment_alerts_record(comment_id=reply.pk)
    comment_alerts_record(comment_id=other.pk)
    comment_hide(comment=reply, by=moderator, reason="Abuse")
    assert [alert.key for alert in alerts_of(user=ana)] == [f"comment:{other.pk}"]
    assert alert_emails_send(delivery=AlertPreference.Delivery.DAILY) == 1
    assert "kind words" in mailoutbox[0].body
    assert "abusive" not in mailoutbox[0].body
