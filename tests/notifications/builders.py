"""Builders shared by the tests of the forecasters' emails: questions, forecasts,
resolving and scoring in-process, reading the messages, and a mail server that refuses."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from questions.models import Question
from questions.services import question_resolve
from scoring.services import question_score
from tests.factories import ForecastFactory, QuestionFactory

SITE = "https://foreseer.example.org"


def past_question(**fields) -> Question:
    """Opened ten days ago, so forecasts have whole scored days; closes in three weeks."""
    opened = timezone.now() - timedelta(days=10)
    fields.setdefault("open_time", opened)
    fields.setdefault("scheduled_close_time", opened + timedelta(days=31))
    return QuestionFactory(**fields)


def forecast(user, question, probability: float, days_ago: float):
    return ForecastFactory(
        user=user,
        question=question,
        probability=probability,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def resolve(question, resolver, outcome="yes", score_it=True, **extra):
    """Resolve through the service, then score in-process (the worker's part)."""
    extra.setdefault("known_at", timezone.now() - timedelta(hours=1))
    event = question_resolve(question=question, outcome=outcome, resolved_by=resolver, **extra)
    if score_it:
        question_score(question_id=question.pk)
    question.refresh_from_db()
    return event


def email_to(username: str):
    found = [m for m in mail.outbox if m.to == [f"{username}@example.org"]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


def html_of(message) -> str:
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


def open_question(**fields) -> Question:
    """Opened 60 days ago, closing in 30."""
    opened = timezone.now() - timedelta(days=60)
    fields.setdefault("open_time", opened)
    fields.setdefault("scheduled_close_time", opened + timedelta(days=90))
    return QuestionFactory(**fields)


class RefusingBackend(locmem.EmailBackend):
    """The in-memory backend behind a mail server that answers some addresses with an
    error (`refuse`: address -> exception), or drops the connection after `up_for`
    messages."""

    refuse: dict[str, Exception] = {}
    up_for: int | None = None

    def send_messages(self, messages):
        for message in messages:
            if RefusingBackend.up_for is not None:
                if RefusingBackend.up_for == 0:
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                RefusingBackend.up_for -= 1
            if message.to[0] in RefusingBackend.refuse:
                raise RefusingBackend.refuse[message.to[0]]
        return super().send_messages(messages)
