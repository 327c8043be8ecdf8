"""The alerts a comment raises: a reply alerts the author of the comment it answers, and an
`@username` alerts the forecaster it names. Recorded by a task after the comment is
committed; the pipeline's sweep records those whose task was lost. Safe to run twice:
alert_record writes each (user, kind, comment) once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.usernames import username_key
from discussion.models import Comment
from discussion.rules import discussion_visible
from discussion.text import comment_path, mentioned_names
from notifications.alerts import alert_record
from notifications.models import Alert, AlertPreference

# A comment's alerts not recorded this long after it was written are recorded by the sweep.
ALERTS_OVERDUE = timedelta(minutes=5)
# The most comments one sweep hands on.
SWEEP_BATCH = 500


def _excerpt(text: str, length: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def comment_alerts_record(*, comment_id: int, now: datetime | None = None) -> int:
    """Record the reply and mention alerts of one comment; returns how many were new. A
    comment that does not exist (any more) records nothing; a hidden one records nothing
    and is marked done."""
    now = now or timezone.now()
    comment = (
        Comment.objects.select_related("question", "author", "parent").filter(pk=comment_id).first()
    )
    if comment is None:
        return 0
    recorded = 0
    with transaction.atomic():
        if not comment.hidden:
            recorded = _record(comment, now)
        Comment.objects.filter(pk=comment.pk, alerts_recorded_at__isnull=True).update(
            alerts_recorded_at=now
        )
    return recorded


def _record(comment: Comment, now: datetime) -> int:
    question = comment.question
    url = comment_path(comment)
    key = f"comment:{comment.pk}"
    author = comment.author.username
    recorded = 0
    parent = comment.parent
    replied_to: set[int] = set()
    if parent is not None and parent.author_id != comment.author_id:
        replied_to.add(parent.author_id)
        recorded += alert_record(
            users=User.objects.filter(pk=parent.author_id, is_active=True).filter(
                AlertPreference.wanting(Alert.Kind.REPLY)
            ),
            kind=Alert.Kind.REPLY,
            key=key,
            summary=f"{author} replied to your comment on “{question.title}”: "
            f"{_excerpt(comment.body)}",
            url=url,
            question=question,
            at=now,
        )
    keys = {username_key(name) for name in mentioned_names(comment.body)}
    if keys:
        mentioned = (
            User.objects.filter(username_key__in=keys, is_active=True)
            .filter(AlertPreference.wanting(Alert.Kind.MENTION))
            .exclude(pk=comment.author_id)
            # A reply's author already has its reply alert: one comment, one alert.
            .exclude(pk__in=replied_to)
            .exclude(origin=User.Origin.SYSTEM)
        )
        # Only those who may read the discussion: an alert would quote what a question
        # hiding it until you forecast keeps from them.
        readers = [
            user for user in mentioned if discussion_visible(question=question, user=user, now=now)
        ]
        recorded += alert_record(
            users=readers,
            kind=Alert.Kind.MENTION,
            key=key,
            summary=f"{author} mentioned you on “{question.title}”: {_excerpt(comment.body)}",
            url=url,
            question=question,
            at=now,
        )
    return recorded


def comment_alerts_due(*, now: datetime | None = None) -> list[int]:
    """Comments whose alerts were not recorded ALERTS_OVERDUE after they were written (a
    lost message): the sweep records them."""
    now = now or timezone.now()
    return list(
        Comment.objects.filter(
            Q(alerts_recorded_at__isnull=True), created_at__lte=now - ALERTS_OVERDUE
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
