"""The alert emails: at once, in a daily digest, or not at all, each alert emailed once,
and a one-click unsubscribe that turns them off without logging in."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from notifications.alert_emails import pending_alerts
from notifications.models import Alert, AlertPreference, SentEmail
from notifications.selectors import ALERTS_SHOWN
from notifications.services import alert_emails_send, alert_preferences_update, alert_record
from pipeline import tasks
from tests.factories import QuestionFactory, UserFactory
from tests.notifications.builders import SITE, html_of

pytestmark = pytest.mark.django_db

IMMEDIATE, DAILY, OFF = (
    AlertPreference.Delivery.IMMEDIATE,
    AlertPreference.Delivery.DAILY,
    AlertPreference.Delivery.OFF,
)


def record(user, key: str, *, kind=Alert.Kind.CLARIFICATION, summary="Clarified: Q", at=None):
    question = QuestionFactory()
    alert_record(
        users=[user],
        kind=kind,
        key=key,
        summary=summary,
        url=f"/questions/{question.slug}/",
        question=question,
        at=at,
    )
    return Alert.objects.get(user=user, key=key)


def test_by_default_alerts_wait_for_the_daily_digest(site):
    alice = UserFactory(username="alice")
    first, second = record(alice, "c:1"), record(alice, "c:2", summary="Clarified: R")
    assert tasks.send_alert_emails() == 0
    assert tasks.send_alert_digest() == 1
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Your Foreseer digest: 2 alerts"
    assert "Clarified: Q" in message.body and "Clarified: R" in message.body
    assert f"{SITE}/questions/{first.question.slug}/" in message.body
    assert f"{SITE}/following/" in html_of(message)
    # Sent once: a second run (or worker) finds the claims.
    assert alert_emails_send(delivery=DAILY) == 0
    assert len(mail.outbox) == 1
    first.refresh_from_db(), second.refresh_from_db()
    assert first.emailed_at is not None and second.emailed_at is not None
    assert set(SentEmail.objects.values_list("kind", "key")) == {
        ("alerts", f"alert:{first.pk}"),
        ("alerts", f"alert:{second.pk}"),
    }


def test_immediate_delivery_sends_at_once_and_not_in_the_digest(site):
    bob = UserFactory(username="bob")
    alert_preferences_update(user=bob, changes={"delivery": IMMEDIATE})
    record(bob, "c:1", summary="Clarified: Will it rain?")
    assert alert_emails_send(delivery=IMMEDIATE) == 1
    assert mail.outbox[0].subject == "Clarified: Will it rain?"
    assert alert_emails_send(delivery=DAILY) == 0
    assert alert_emails_send(delivery=IMMEDIATE) == 0
    record(bob, "c:2")
    record(bob, "c:3")
    assert alert_emails_send(delivery=IMMEDIATE) == 1
    assert mail.outbox[1].subject == "2 alerts on questions you follow"


def test_delivery_off_emails_nothing(site):
    carol = UserFactory(username="carol")
    alert_preferences_update(user=carol, changes={"delivery": OFF})
    alert = record(carol, "c:1")
    assert alert_emails_send(delivery=IMMEDIATE) + alert_emails_send(delivery=DAILY) == 0
    assert mail.outbox == []
    alert.refresh_from_db()
    assert alert.emailed_at is None


def test_no_address_old_news_and_unwanted_kinds_are_not_emailed(site):
    record(UserFactory(username="nomail", email=""), "c:1")
    dave = UserFactory(username="dave")
    record(dave, "c:old", at=timezone.now() - timedelta(days=8))
    alert_preferences_update(user=dave, changes={"replies": False})
    record(dave, "comment:1", kind=Alert.Kind.REPLY, summary="A reply")
    assert alert_emails_send(delivery=DAILY) == 0


def test_a_resolution_alert_its_email_carried_is_not_emailed_again(site):
    erin = UserFactory(username="erin")
    alert = record(erin, "event:1", kind=Alert.Kind.RESOLUTION)
    Alert.objects.filter(pk=alert.pk).update(emailed_at=timezone.now())
    assert alert_emails_send(delivery=DAILY) == 0


def test_the_email_unsubscribes_in_one_click_without_logging_in(site):
    alice = UserFactory(username="alice")
    record(alice, "c:1")
    alert_emails_send(delivery=DAILY)
    (message,) = mail.outbox
    link = re.search(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    path = link.removeprefix(SITE)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert "Alerts about the questions you follow" in page.content.decode()
    assert not AlertPreference.objects.filter(user=alice).exists()  # a GET changes nothing
    done = client.post(path)
    assert done.status_code == 200
    assert 'href="/following/"' in done.content.decode()  # where to turn them back on
    assert AlertPreference.objects.get(user=alice).delivery == OFF
    record(alice, "c:2")
    assert alert_emails_send(delivery=DAILY) == 0


def test_a_refused_message_stays_pending(site, refusing):
    from smtplib import SMTPRecipientsRefused

    alice = UserFactory(username="alice")
    alert = record(alice, "c:1")
    refusing.refuse = {"alice@example.org": SMTPRecipientsRefused({})}
    with pytest.raises(SMTPRecipientsRefused):
        alert_emails_send(delivery=DAILY)
    alert.refresh_from_db()
    assert alert.emailed_at is None
    refusing.refuse = {}
    assert alert_emails_send(delivery=DAILY) == 1


def test_the_beat_sends_alerts_often_the_digest_daily_and_sweeps(settings):
    from celery.schedules import crontab

    from pipeline.beat import beat_schedule

    settings.FORESEER_ALERT_EMAIL_SECONDS = 120.0
    settings.FORESEER_RESCORE_SWEEP_SECONDS = 42.0
    schedule = beat_schedule()
    assert schedule["alert-emails"] == {
        "task": "pipeline.tasks.send_alert_emails",
        "schedule": 120.0,
    }
    assert schedule["alert-digest"]["schedule"] == crontab(hour=7, minute=30)
    assert schedule["alerts-sweep"]["schedule"] == 42.0


def test_a_long_backlog_goes_out_in_emails_of_at_most_fifty_oldest_first(site, settings):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    now = timezone.now()
    question = QuestionFactory()
    for n in range(ALERTS_SHOWN + 5):
        alert_record(
            users=[alice],
            kind=Alert.Kind.CLARIFICATION,
            key=f"c:{n}",
            summary=f"Clarified {n}",
            url=f"/questions/{question.slug}/",
            question=question,
            at=now - timedelta(minutes=100 - n),
        )
    record(bob, "c:bob", at=now - timedelta(minutes=1))
    pending = pending_alerts(delivery=DAILY, now=now)
    # The database hands over each user's oldest ALERTS_SHOWN only.
    mine = [alert.key for alert in pending if alert.user_id == alice.pk]
    assert mine == [f"c:{n}" for n in range(ALERTS_SHOWN)]
    assert [alert.key for alert in pending if alert.user_id == bob.pk] == ["c:bob"]
    assert alert_emails_send(delivery=DAILY, now=now) == 2
    assert alert_emails_send(delivery=DAILY, now=now) == 1  # alice's last five
    assert Alert.objects.filter(user=alice, emailed_at__isnull=True).count() == 0


def test_alerts_of_a_kind_turned_off_hold_no_place_in_the_email(site):
    frank = UserFactory(username="frank")
    for n in range(ALERTS_SHOWN):
        record(frank, f"comment:{n}", kind=Alert.Kind.REPLY, summary=f"Reply {n}")
    alert_preferences_update(user=frank, changes={"replies": False})
    record(frank, "c:news", summary="Clarified: the news")
    # The turned-off replies are left out before the email's places are counted.
    assert [alert.key for alert in pending_alerts(delivery=DAILY, now=timezone.now())] == ["c:news"]
    assert alert_emails_send(delivery=DAILY) == 1
    assert "Clarified: the news" in mail.outbox[0].body


def test_an_alert_email_gives_its_times_in_the_recipients_zone_beside_utc(site):
    moment = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    seoul = UserFactory(username="seoul", time_zone="Asia/Seoul")
    plain = UserFactory(username="plain")
    for user in (seoul, plain):
        record(user, "c:zone", at=moment)
    assert alert_emails_send(delivery=DAILY) == 2
    sent = {message.to[0]: message for message in mail.outbox}
    in_utc = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    in_seoul = f"{moment.astimezone(ZoneInfo('Asia/Seoul')):%Y-%m-%d %H:%M} KST ({in_utc})"
    seoul_message = sent[seoul.email]
    assert in_seoul in seoul_message.body and in_seoul in html_of(seoul_message)
    # Without a zone of their own, UTC alone, as before.
    assert f", {in_utc}\n" in sent[plain.email].body and "KST" not in sent[plain.email].body
