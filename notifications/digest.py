"""The staff's daily email listing the questions awaiting resolution."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forecasts.selectors import resolution_queue
from notifications.links import site_url
from notifications.messages import email_message
from notifications.models import SentEmail
from notifications.outbox import Outgoing, outbox_send

logger = logging.getLogger(__name__)


def resolution_digest_send(*, now: datetime | None = None) -> int:
    """Email every active staff user with an address the questions awaiting
    resolution, oldest close first. Nothing is sent when none are waiting.

    Sent through the outbox, keyed `digest` and the UTC date: a second run on the
    same day, or a second worker, finds the claim and skips. A message the server
    refuses (recipient, sender or content) is logged and its claim given back, and
    the others still go out; a server that is down or drops the connection gives
    back the claims not yet sent and raises, so the task's retry sends the rest.
    Returns the number of emails sent."""
    now = now or timezone.now()
    waiting = list(resolution_queue(now=now))
    if not waiting:
        return 0
    context = {
        "rows": [
            {
                "question": question,
                "overdue": now - question.scheduled_close_time,
                "resolve_url": site_url(reverse("manage:question_resolve", args=[question.slug])),
                "question_url": site_url(reverse("questions:detail", args=[question.slug])),
            }
            for question in waiting
        ],
        "count": len(waiting),
        "queue_url": site_url(reverse("manage:resolutions")),
        "now": now,
    }
    subject = (
        f"Foreseer: {len(waiting)} question{'s' if len(waiting) != 1 else ''} awaiting resolution"
    )
    key = now.astimezone(UTC).date().isoformat()
    recipients = (
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .exclude(
            Exists(
                SentEmail.objects.filter(user=OuterRef("pk"), kind=SentEmail.Kind.DIGEST, key=key)
            )
        )
        .order_by("pk")
    )

    def outgoing_to(user: User) -> Outgoing:
        return Outgoing(
            user=user,
            keys=[key],
            build=lambda _keys: email_message(
                user=user,
                kind=SentEmail.Kind.DIGEST,
                subject=subject,
                template="resolution_digest",
                context=context,
            ),
        )

    sent = outbox_send(
        kind=SentEmail.Kind.DIGEST,
        outgoing=[outgoing_to(user) for user in recipients],
        label="Resolution digest",
    )
    logger.info("Resolution digest: %d questions, %d emails", len(waiting), sent)
    return sent
