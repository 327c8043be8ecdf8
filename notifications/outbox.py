"""The one way an email leaves: claimed, sent, or released for a retry.

Each message is recorded as a `SentEmail` row, keyed by what it is about (a resolution
event, a forecast, a day), and the row is inserted *before* the message is sent: the unique
constraint on (user, kind, key) then lets exactly one run send it, however many copies of
a task run at once. If sending fails, the row is deleted again so a retry can send it."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction

from accounts.models import User
from notifications.models import SentEmail

logger = logging.getLogger(__name__)

# Rows claimed per INSERT. Claims are held while their messages go out, so a worker killed
# mid-batch loses at most this many messages (never sends one twice).
CLAIM_BATCH = 100

# SMTP errors about one message (its recipient, its sender or its content): the server
# is still there, so they must not keep the other messages from going out. Anything else
# (disconnected, connection refused, timed out: all OSErrors) is about the server.
REFUSED_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


@dataclass
class Outgoing:
    """One message to one user, standing for one or more `SentEmail` keys. `build` gets
    the keys that were claimed (a concurrent run may have taken some) and returns the
    message, or None when nothing is left to say."""

    user: User
    keys: list[str]
    build: Callable[[list[str]], EmailMultiAlternatives | None]


def outbox_send(*, kind: str, outgoing: Sequence[Outgoing], label: str) -> int:
    """Claim and send, a batch at a time, over one SMTP connection; return how many
    messages were sent. `label` names the messages in the log.

    The one policy for every kind of email: a message the server refuses only skips
    itself: it is logged, its claim is released and the others are sent; then the first
    such error is raised, so the task's retry tries the refused ones again (a refusal may
    be a full mailbox, and the retries give up after the pipeline's last attempt). Any
    other failure (the server is down, or drops the connection) releases every unsent
    claim of the batch and raises at once, so the task's retry sends what is left."""
    sent = 0
    refused: list[Exception] = []
    with get_connection() as connection:
        for batch in _chunks(outgoing, CLAIM_BATCH):
            claims = _claim(
                kind=kind, wanted=[(item.user.pk, key) for item in batch for key in item.keys]
            )
            claimed_keys: dict[int, list[SentEmail]] = {}
            for row in claims:
                claimed_keys.setdefault(row.user_id, []).append(row)
            pending = [item for item in batch if item.user.pk in claimed_keys]
            for position, item in enumerate(pending):
                rows = claimed_keys[item.user.pk]
                try:
                    message = item.build([row.key for row in rows])
                    if message is not None:
                        message.connection = connection
                        message.send()
                        sent += 1
                except REFUSED_MESSAGE_ERRORS as error:
                    _release(rows)
                    logger.warning("%s to %s refused: %s", label, item.user.email, error)
                    refused.append(error)
                except Exception:
                    _release(
                        [row for later in pending[position:] for row in claimed_keys[later.user.pk]]
                    )
                    raise
    if refused:
        raise refused[0]
    return sent


def _claim(*, kind: str, wanted: list[tuple[int, str]]) -> list[SentEmail]:
    """Insert the rows for messages about to be sent; return those this run inserted."""
    if not wanted:
        return []
    try:
        with transaction.atomic():
            return SentEmail.objects.bulk_create(
                [SentEmail(user_id=user_id, kind=kind, key=key) for user_id, key in wanted]
            )
    except IntegrityError:
        pass
    # Another run claimed some of them between our read and our insert: take the rest
    # one by one (rare, so not worth batching).
    claimed = []
    for user_id, key in wanted:
        try:
            with transaction.atomic():
                claimed.append(SentEmail.objects.create(user_id=user_id, kind=kind, key=key))
        except IntegrityError:
            continue
    return claimed


def _release(rows: list[SentEmail]) -> None:
    SentEmail.objects.filter(pk__in=[row.pk for row in rows]).delete()


def _chunks(items: Sequence[Outgoing], size: int) -> Iterator[Sequence[Outgoing]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
