"""No reminder for a withdrawn forecast; a reaffirm makes a forecast fresh again; the
resolution email says a forecast was withdrawn before the close."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from forecasts.services import forecast_reaffirm, forecast_withdraw
from notifications.reminders import forecast_reminders_send
from notifications.resolution import resolution_emails_send
from tests.notifications.builders import forecast, open_question, resolve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]


def test_a_withdrawn_forecast_is_not_reminded_of(forecasters):
    alice, _ = forecasters
    question = open_question(title="Will C happen?")
    forecast(alice, question, 0.7, days_ago=40)
    forecast_withdraw(
        user=alice, question=question, origin="web", now=timezone.now() - timedelta(days=35)
    )
    assert forecast_reminders_send() == 0
    assert mail.outbox == []


def test_a_reaffirmed_forecast_is_fresh(forecasters):
    alice, _ = forecasters
    question = open_question(title="Will C happen?")
    forecast(alice, question, 0.7, days_ago=40)
    forecast_reaffirm(user=alice, question=question, origin="web")
    assert forecast_reminders_send() == 0


def test_the_resolution_email_says_the_forecast_was_withdrawn(forecasters, staff):
    alice, bob = forecasters
    question = open_question(title="Will C happen?")
    forecast(alice, question, 0.7, days_ago=40)
    forecast(bob, question, 0.2, days_ago=40)
    forecast_withdraw(
        user=alice, question=question, origin="web", now=timezone.now() - timedelta(days=35)
    )
    resolve(question, staff)
    resolution_emails_send(question_id=question.pk)
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "You had withdrawn your forecast before the close." in bodies["alice@example.org"]
    assert "Your last forecast before the close: 20% yes." in bodies["bob@example.org"]
