"""The daily email to staff listing the questions awaiting resolution. It goes through the
outbox the forecasters' emails use: one claim per address and day, one connection, and
the same policy for refused messages and servers that go away."""

from __future__ import annotations

from datetime import timedelta
from smtplib import (
    SMTPDataError,
    SMTPException,
    SMTPRecipientsRefused,
    SMTPSenderRefused,
    SMTPServerDisconnected,
)
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from config.celery import app as celery_app
from notifications import outbox
from notifications.digest import resolution_digest_send
from notifications.models import SentEmail
from pipeline.tasks import send_resolution_digest
from questions.services import question_resolve
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def overdue(slug: str, days: int, **fields):
    close = timezone.now() - timedelta(days=days)
    return QuestionFactory(
        slug=slug,
        title=f"Question {slug}?",
        open_time=close - timedelta(days=20),
        scheduled_close_time=close,
        scheduled_resolve_time=close + timedelta(days=1),
        **fields,
    )


@pytest.fixture
def admins(db):
    return [StaffFactory(username="ada"), StaffFactory(username="grace")]


def test_nothing_is_sent_when_nothing_awaits_resolution(admins, staff):
    QuestionFactory()  # open
    done = overdue("done", 3)
    question_resolve(
        question=done, outcome="yes", known_at=done.scheduled_close_time, resolved_by=staff
    )
    overdue("hidden-draft", 2, published_at=None)
    assert resolution_digest_send() == 0
    assert mail.outbox == []
    assert not SentEmail.objects.exists()


def test_active_staff_with_an_address_get_the_queue_oldest_first(admins, settings):
    settings.FORESEER_SITE_URL = "https://foreseer.example.org"
    StaffFactory(username="no-address", email="")
    StaffFactory(username="left", is_active=False)
    UserFactory(username="forecaster")
    newer, older = overdue("newer", 2), overdue("older", 9)
    ForecastFactory(question=older, created_at=older.open_time + timedelta(days=1))

    assert resolution_digest_send() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.org",
        "grace@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "Foreseer: 2 questions awaiting resolution"
    body = message.body
    assert body.index("Question older?") < body.index("Question newer?")
    assert "Resolve: https://foreseer.example.org/manage/questions/older/resolve/" in body
    assert "The whole queue: https://foreseer.example.org/manage/resolutions/" in body
    assert "Forecasts before the close: 1 from 1 forecaster\n" in body
    assert "(9 days ago)" in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://foreseer.example.org/manage/questions/newer/resolve/"' in html
    assert newer.title in html


def test_it_is_sent_once_a_day(admins):
    overdue("late", 4)
    now = timezone.now()
    assert resolution_digest_send(now=now) == 2
    assert resolution_digest_send(now=now + timedelta(minutes=5)) == 0
    assert len(mail.outbox) == 2
    assert set(SentEmail.objects.values_list("kind", "key")) == {("digest", now.date().isoformat())}
    assert resolution_digest_send(now=now + timedelta(days=1)) == 2
    assert len(mail.outbox) == 4


def test_a_claim_made_by_another_run_is_respected(admins):
    overdue("late", 4)
    now = timezone.now()
    SentEmail.objects.create(user=admins[0], kind="digest", key=now.date().isoformat())
    assert resolution_digest_send(now=now) == 1
    assert [message.to for message in mail.outbox] == [["grace@example.org"]]


def test_a_failed_send_gives_its_claim_back_for_the_retry(admins):
    overdue("late", 4)
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send", side_effect=SMTPException("down")
        ),
        pytest.raises(SMTPException),
    ):
        resolution_digest_send()
    assert not SentEmail.objects.exists()
    assert resolution_digest_send() == 2


def test_the_daily_task_sends_the_digest_and_is_on_the_beat_schedule(admins):
    overdue("late", 4)
    assert send_resolution_digest() == 2
    assert send_resolution_digest() == 0
    assert len(mail.outbox) == 2
    entry = celery_app.conf.beat_schedule["resolution-digest"]
    assert entry["task"] == send_resolution_digest.name


# --- Refusals and outages ------------------------------------------------------------------


class FlakyBackend(locmem.EmailBackend):
    """The in-memory backend behind a mail server that refuses some messages: `refuse`
    maps an address to the error the server answers for it."""

    refuse: dict[str, Exception] = {}

    def send_messages(self, messages):
        for message in messages:
            if message.to[0] in FlakyBackend.refuse:
                raise FlakyBackend.refuse[message.to[0]]
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.refuse = {}
    yield FlakyBackend
    FlakyBackend.refuse = {}


@pytest.fixture
def four_admins(db):
    return [StaffFactory(username=name) for name in ("ada", "bob", "cy", "dee")]


@pytest.mark.parametrize(
    "error",
    [
        SMTPRecipientsRefused({"bob@example.org": (550, b"5.1.1 No such user")}),
        SMTPDataError(554, b"5.7.1 Message rejected"),
        SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "foreseer@localhost"),
    ],
    ids=["recipient", "data", "sender"],
)
def test_a_refused_message_is_logged_and_the_others_still_get_theirs(
    four_admins, flaky, error, caplog
):
    overdue("late", 4)
    flaky.refuse = {"bob@example.org": error}

    # The others are sent first; then the refusal is raised for the task's retry, the
    # same policy as every other email.
    with pytest.raises(type(error)):
        resolution_digest_send()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "cy@example.org",
        "dee@example.org",
    ]
    # bob's claim was given back: a later run today sends his once the server takes it.
    assert sorted(SentEmail.objects.values_list("user__username", flat=True)) == [
        "ada",
        "cy",
        "dee",
    ]
    assert "Resolution digest to bob@example.org refused" in caplog.text
    flaky.refuse = {}
    assert resolution_digest_send() == 1
    assert mail.outbox[-1].to == ["bob@example.org"]


def test_a_server_outage_mid_run_leaves_the_unsent_for_the_retry(four_admins, flaky):
    overdue("late", 4)
    real_send = locmem.EmailBackend.send_messages
    calls = []

    def goes_down_after_two(backend, messages):
        calls.append(messages[0].to[0])
        if len(calls) > 2:
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(backend, messages)

    with (
        mock.patch.object(FlakyBackend, "send_messages", goes_down_after_two),
        pytest.raises(SMTPServerDisconnected),
    ):
        resolution_digest_send()
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "bob@example.org"]
    assert sorted(SentEmail.objects.values_list("user__username", flat=True)) == ["ada", "bob"]

    # The retry sends the other two, and only them.
    assert resolution_digest_send() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "bob@example.org",
        "cy@example.org",
        "dee@example.org",
    ]


def test_a_refused_address_keeps_its_policy_when_the_server_then_goes_down(
    four_admins, flaky, caplog
):
    """bob is refused and the connection drops at cy: bob's claim is released as refused,
    cy's and dee's as unsent, and the outage is raised so the task retries."""
    overdue("late", 4)
    flaky.refuse = {
        "bob@example.org": SMTPRecipientsRefused({"bob@example.org": (550, b"5.1.1 No such")}),
        "cy@example.org": SMTPServerDisconnected("Connection unexpectedly closed"),
    }
    with pytest.raises(SMTPServerDisconnected):
        resolution_digest_send()
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert list(SentEmail.objects.values_list("user__username", flat=True)) == ["ada"]
    assert "Resolution digest to bob@example.org refused" in caplog.text

    flaky.refuse = {}
    assert resolution_digest_send() == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.org",
        "bob@example.org",
        "cy@example.org",
        "dee@example.org",
    ]


def test_claims_go_through_the_shared_outbox(admins):
    """Another worker claims ada's digest between this run's read and its insert: the
    outbox's claim takes only grace's, as it does for the forecasters' emails."""
    overdue("late", 4)
    now = timezone.now()
    real_claim = outbox._claim
    kinds = []

    def another_run_claims_first(*, kind, wanted):
        kinds.append(kind)
        SentEmail.objects.create(user=admins[0], kind="digest", key=now.date().isoformat())
        return real_claim(kind=kind, wanted=wanted)

    with mock.patch.object(outbox, "_claim", side_effect=another_run_claims_first):
        assert resolution_digest_send(now=now) == 1
    assert kinds == ["digest"]
    assert [message.to for message in mail.outbox] == [["grace@example.org"]]


class CountingBackend(locmem.EmailBackend):
    """The in-memory backend, counting the connections made."""

    made = 0

    def __init__(self, *args, **kwargs):
        CountingBackend.made += 1
        super().__init__(*args, **kwargs)


def test_one_connection_carries_every_staff_digest(four_admins, settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.made = 0
    overdue("late", 4)
    assert resolution_digest_send() == 4
    assert CountingBackend.made == 1


def test_the_digest_has_no_unsubscribe_link(admins):
    """Staff get it for their role, not by a preference, so there is nothing to turn off."""
    overdue("late", 4)
    assert resolution_digest_send() == 2
    message = mail.outbox[0]
    assert "List-Unsubscribe" not in message.extra_headers
    assert "unsubscribe" not in message.body.lower()
    assert "unsubscribe" not in message.alternatives[0][0].lower()
