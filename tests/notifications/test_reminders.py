"""The reminder to a forecaster whose forecasts on open questions have gone stale. Sent
through Django's in-memory backend (mail.outbox)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import SentEmail
from notifications.reminders import forecast_reminders_send
from notifications.unsubscribe import unsubscribe_target
from pipeline.tasks import send_forecast_reminders
from questions.services import question_resolve
from tests.factories import UserFactory
from tests.notifications.builders import SITE, forecast, html_of, open_question

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]


def test_one_reminder_lists_every_stale_forecast(forecasters):
    alice, bob = forecasters
    first = open_question(slug="first", title="Will A & B sign a treaty?")
    second = open_question(slug="second", title="Will C happen?")
    forecast(alice, first, 0.25, days_ago=40)
    forecast(alice, second, 0.7, days_ago=31)
    forecast(bob, first, 0.45, days_ago=10)  # fresh: bob is not reminded
    forecast(bob, second, 0.5, days_ago=2)

    assert forecast_reminders_send() == 1
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "2 of your forecasts are 30+ days old"
    body = message.body
    assert "Your forecasts on these 2 open questions have not changed for 30 days" in body
    assert "Will A & B sign a treaty?" in body
    assert "Your forecast: 25% yes" in body and "(40 days ago)" in body
    assert "Your forecast: 70% yes" in body and "(31 days ago)" in body
    # The community medians: (25%, 45%) and (70%, 50%).
    assert "Community forecast now: 35% yes, from 2 forecasters" in body
    assert "Community forecast now: 60% yes, from 2 forecasters" in body
    assert f"{SITE}/questions/first/" in body and f"{SITE}/questions/second/" in body
    assert f"{SITE}/accounts/settings/" in body
    unsubscribe = re.search(rf"{SITE}/accounts/unsubscribe/[^/\s]+/", body).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    target = unsubscribe_target(token=unsubscribe.rstrip("/").rsplit("/", 1)[1])
    assert (target.user, target.kind) == (alice, "reminder")
    # The first question closes first, so it is listed first.
    assert body.index("Will A & B") < body.index("Will C happen?")
    assert 'href="' + SITE + '/questions/first/"' in html_of(message)


def test_a_single_stale_forecast_is_named_in_the_subject(forecasters):
    alice, _ = forecasters
    forecast(alice, open_question(title="Will C happen?"), 0.7, days_ago=35)
    assert forecast_reminders_send() == 1
    assert mail.outbox[0].subject == "Your forecast on “Will C happen?” is 30+ days old"


def test_each_stale_forecast_is_reminded_once(forecasters):
    alice, _ = forecasters
    question = open_question(scheduled_close_time=timezone.now() + timedelta(days=200))
    old = forecast(alice, question, 0.3, days_ago=45)
    assert forecast_reminders_send() == 1
    assert forecast_reminders_send() == 0
    assert send_forecast_reminders() == 0
    assert SentEmail.objects.get().key == f"forecast:{old.pk}"

    # Alice updates: nothing until the update is stale in turn.
    update = forecast(alice, question, 0.4, days_ago=0)
    assert forecast_reminders_send() == 0
    assert forecast_reminders_send(now=timezone.now() + timedelta(days=29)) == 0
    assert forecast_reminders_send(now=timezone.now() + timedelta(days=31)) == 1
    assert forecast_reminders_send(now=timezone.now() + timedelta(days=32)) == 0
    assert len(mail.outbox) == 2
    assert "Your forecast: 40% yes" in mail.outbox[1].body
    assert set(SentEmail.objects.values_list("key", flat=True)) == {
        f"forecast:{old.pk}",
        f"forecast:{update.pk}",
    }


def test_only_the_latest_forecast_counts(forecasters):
    alice, _ = forecasters
    question = open_question()
    forecast(alice, question, 0.3, days_ago=50)
    forecast(alice, question, 0.35, days_ago=5)
    assert forecast_reminders_send() == 0


def test_reminders_skip_closed_resolved_and_draft_questions_and_unwilling_users(
    forecasters, resolver
):
    alice, _ = forecasters
    closed = open_question(scheduled_close_time=timezone.now() - timedelta(hours=1))
    resolved = open_question()
    draft = open_question(published_at=None)
    for question in (closed, resolved, draft):
        forecast(alice, question, 0.3, days_ago=40)
    question_resolve(
        question=resolved,
        outcome="no",
        known_at=timezone.now() - timedelta(hours=2),
        resolved_by=resolver,
    )
    live = open_question()
    for user in (
        UserFactory(email_reminders=False),
        UserFactory(is_active=False),
        UserFactory(email=""),
    ):
        forecast(user, live, 0.5, days_ago=40)
    assert forecast_reminders_send() == 0
    assert mail.outbox == []


def test_reminders_can_be_turned_off(forecasters, settings):
    alice, _ = forecasters
    forecast(alice, open_question(), 0.3, days_ago=400)
    settings.FORESEER_REMINDER_DAYS = 0
    assert forecast_reminders_send() == 0
    settings.FORESEER_REMINDER_DAYS = 500
    assert forecast_reminders_send() == 0
    settings.FORESEER_REMINDER_DAYS = 300
    assert forecast_reminders_send() == 1


def test_reminder_queries_do_not_grow_with_users_questions_or_forecasts():
    def run(users: int, questions: int) -> int:
        made = [open_question() for _ in range(questions)]
        for _ in range(users):
            user = UserFactory()
            for question in made:
                forecast(user, question, 0.4, days_ago=60)
                forecast(user, question, 0.5, days_ago=45)
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            sent = forecast_reminders_send()
        assert len(mail.outbox) == sent
        return len(queries.captured_queries)

    small = run(users=1, questions=1)
    large = run(users=7, questions=5)
    assert small == large
    # Every email of the large run lists the five questions of that run.
    assert all(m.body.count("Update it:") >= 5 for m in mail.outbox)
