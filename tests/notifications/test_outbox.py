"""The outbox every email goes through: a claim row before each message, one SMTP
connection per run, and the policy for refused messages and servers that go away."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from notifications import outbox
from notifications.models import SentEmail
from notifications.outbox import Outgoing, _claim, outbox_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_claim_takes_only_the_rows_nobody_holds(forecasters):
    alice, bob = forecasters
    SentEmail.objects.create(user=alice, kind="reminder", key="forecast:1")
    claimed = _claim(kind="reminder", wanted=[(alice.pk, "forecast:1"), (bob.pk, "forecast:2")])
    assert [(row.user_id, row.key) for row in claimed] == [(bob.pk, "forecast:2")]
    assert SentEmail.objects.count() == 2


def note_to(user, built: list[EmailMultiAlternatives] | None = None) -> Outgoing:
    """One message to `user`, keyed `note`; the messages built are kept in `built`."""

    def build(keys: list[str]) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(subject="A note", body=", ".join(keys), to=[user.email])
        if built is not None:
            built.append(message)
        return message

    return Outgoing(user=user, keys=["note"], build=build)


def send(outgoing: list[Outgoing]) -> int:
    return outbox_send(kind="reminder", outgoing=outgoing, label="Test note")


def claimed_by() -> list[str]:
    return sorted(SentEmail.objects.values_list("user__username", flat=True))


@pytest.fixture
def five(db):
    return [UserFactory(username=name) for name in ("ann", "ben", "cat", "dov", "eve")]


def test_every_message_of_a_run_shares_one_connection(five):
    built: list[EmailMultiAlternatives] = []
    assert send([note_to(user, built) for user in five]) == 5
    assert len(mail.outbox) == 5
    assert len({id(message.connection) for message in built}) == 1
    assert claimed_by() == ["ann", "ben", "cat", "dov", "eve"]


def test_build_gets_only_the_keys_this_run_claimed(five):
    ann = five[0]
    SentEmail.objects.create(user=ann, kind="reminder", key="a")
    seen: list[list[str]] = []

    def build(keys: list[str]) -> EmailMultiAlternatives | None:
        seen.append(keys)
        return None  # nothing left worth saying: claimed, but not counted as sent

    assert send([Outgoing(user=ann, keys=["a", "b"], build=build)]) == 0
    assert seen == [["b"]]
    assert mail.outbox == []


def test_a_refused_message_releases_only_its_claim(five, refusing, caplog):
    error = smtplib.SMTPRecipientsRefused({"cat@example.org": (550, b"5.1.1 No such user")})
    refusing.refuse = {"cat@example.org": error}
    outgoing = [note_to(user) for user in five]

    # The others go out first; then the refusal is raised, for the task's retry.
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(outgoing)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ann@example.org",
        "ben@example.org",
        "dov@example.org",
        "eve@example.org",
    ]
    assert claimed_by() == ["ann", "ben", "dov", "eve"]
    assert "Test note to cat@example.org refused" in caplog.text


def test_a_dropped_connection_releases_the_unsent_claims_and_raises(five, refusing):
    refusing.up_for = 2
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send([note_to(user) for user in five])
    assert [m.to[0] for m in mail.outbox] == ["ann@example.org", "ben@example.org"]
    assert claimed_by() == ["ann", "ben"]

    refusing.up_for = None
    assert send([note_to(user) for user in five]) == 3
    assert claimed_by() == ["ann", "ben", "cat", "dov", "eve"]


def test_claims_are_made_a_batch_at_a_time(five, refusing):
    """A server lost in the second batch: the first batch stays sent, the rest of the
    second is released, and the third was never claimed."""
    refusing.up_for = 3
    real_claim = outbox._claim
    batches: list[int] = []

    def counting_claim(*, kind, wanted):
        batches.append(len(wanted))
        return real_claim(kind=kind, wanted=wanted)

    with (
        mock.patch.object(outbox, "CLAIM_BATCH", 2),
        mock.patch.object(outbox, "_claim", side_effect=counting_claim),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        send([note_to(user) for user in five])
    assert batches == [2, 2]
    assert claimed_by() == ["ann", "ben", "cat"]
