"""The staff's daily email listing the questions awaiting resolution."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import SentEmail
from questions.selectors import resolution_queue

logger = logging.getLogger(__name__)

# SMTP errors about one message (its recipient, its sender or its content): they are
# not cured by retrying the whole run, and must not keep the other messages from going.
# Anything else (disconnected, refused connection, timeout: all OSErrors) is the server.
_DIGEST_REFUSED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def resolution_digest_send(*, now: datetime | None = None) -> int:
    """Email every active staff user with an address the questions awaiting
    resolution, oldest close first. Nothing is sent when none are waiting.

    Each message is claimed by inserting its SentEmail row (kind "digest", key
    the UTC date) before sending: a second run on the same day, or a second
    worker, finds the row and skips. A message the server refuses (recipient,
    sender or content) is logged and its claim given back, and the others
    still go out; a server that is down or drops the connection gives the
    claim back and raises, so the task's retry sends the rest. Returns the
    number of emails sent."""
    now = now or timezone.now()
    waiting = list(resolution_queue(now=now))
    if not waiting:
        return 0
    site = settings.FORESEER_SITE_URL
    context = {
        "rows": [
            {
                "question": question,
                "overdue": now - question.scheduled_close_time,
                "resolve_url": site + reverse("manage:question_resolve", args=[question.slug]),
                "question_url": site + reverse("questions:detail", args=[question.slug]),
            }
            for question in waiting
        ],
        "count": len(waiting),
        "queue_url": site + reverse("manage:resolutions"),
        "now": now,
    }
    subject = (
        f"Foreseer: {len(waiting)} question{'s' if len(waiting) != 1 else ''} awaiting resolution"
    )
    text_body = render_to_string("notifications/email/resolution_digest.txt", context)
    html_body = render_to_string("notifications/email/resolution_digest.html", context)
    key = now.astimezone(UTC).date().isoformat()
    recipients = User.objects.filter(is_staff=True, is_active=True).exclude(email="")
    sent = 0
    for user in recipients.order_by("pk"):
        try:
            with transaction.atomic():
                claim = SentEmail.objects.create(user=user, kind=SentEmail.Kind.DIGEST, key=key)
        except IntegrityError:
            continue  # already sent today
        message = EmailMultiAlternatives(subject, text_body, to=[user.email])
        message.attach_alternative(html_body, "text/html")
        try:
            message.send()
        except _DIGEST_REFUSED as error:
            # The server refused this one message (its address, mailbox or content): the
            # others still go out. The claim is given back so a later run today may try
            # it again.
            claim.delete()
            logger.warning("Resolution digest to %s refused: %s", user.email, error)
            continue
        except Exception:
            # The server is unreachable or dropped the connection: no one after this
            # user is claimed yet, so the task's retry sends exactly what is missing.
            claim.delete()
            raise
        sent += 1
    logger.info("Resolution digest: %d questions, %d emails", len(waiting), sent)
    return sent
