"""Recording alerts. Every writer of an alert goes through `alert_record`, which adds
nothing when the same event was already recorded for that user."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from accounts.models import User
from notifications.models import Alert
from questions.models import Question


def alert_record(
    *,
    users: Iterable[User],
    kind: str,
    key: str,
    summary: str,
    url: str,
    question: Question | None = None,
    at: datetime | None = None,
) -> int:
    """Record one alert per user for the event named by `kind` and `key`. A user who
    already has it is skipped (one INSERT ... ON CONFLICT DO NOTHING), so a task run twice
    records each alert once. Returns how many were new."""
    at = at or timezone.now()
    rows = [
        Alert(
            user=user,
            kind=kind,
            key=key[:120],
            summary=summary[:300],
            url=url,
            question=question,
            created_at=at,
        )
        for user in users
    ]
    if not rows:
        return 0
    already = set(
        Alert.objects.filter(
            kind=kind, key=key[:120], user_id__in=[row.user_id for row in rows]
        ).values_list("user_id", flat=True)
    )
    Alert.objects.bulk_create(rows, ignore_conflicts=True)
    return len({row.user_id for row in rows} - already)
