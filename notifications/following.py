"""The writes a forecaster makes about following: follow or stop following a question,
their alert preferences, and marking their alerts and followed questions as seen."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forecasts.models import CommunityState, Forecast
from notifications.models import Alert, AlertPreference, Follow
from notifications.selectors import questions_followed
from questions.models import Question

# Rows written per statement when marking many followed questions as seen.
SEEN_BATCH = 500

PREFERENCE_TOGGLES = ("clarification", "community_move", "resolution", "replies")


def follow_set(*, user: User, question: Question, following: bool) -> Follow:
    """Follow `question` (True) or stop following it (False), whether or not `user` has
    forecast on it: the choice outranks the forecast. A question followed anew starts its
    "moved" baseline at the community median of now, so only later moves alert; on a
    question that hides that median from `user` (until they forecast) it starts when they
    can see it, at the first move measured after their forecast."""
    if question.is_draft:
        raise ValidationError({"question": ["This question is not published yet."]})
    if not isinstance(following, bool):
        raise ValidationError({"following": ["Must be true or false."]})
    median = (
        CommunityState.objects.filter(question=question).values_list("median", flat=True).first()
    )
    if (
        question.hide_community_until_forecast
        and not Forecast.objects.filter(user=user, question=question).exists()
    ):
        median = None
    now = timezone.now()
    with transaction.atomic():
        follow, created = Follow.objects.select_for_update().get_or_create(
            user=user,
            question=question,
            defaults={"following": following, "alerted_median": median, "created_at": now},
        )
        if not created:
            follow.following = following
            fields = ["following", "updated_at"]
            if follow.alerted_median is None:
                follow.alerted_median = median
                fields.append("alerted_median")
            follow.save(update_fields=fields)
    return follow


def alert_preferences_update(*, user: User, changes: Mapping[str, Any]) -> AlertPreference:
    """Change some of the user's alert preferences (the row is made on the first change).
    `changes` may hold `community_move_threshold` (a whole number of percentage points
    from 1 to 50, or None for off), `delivery` ("immediate", "daily" or "off") and the
    toggles `clarification`, `community_move`, `resolution`, `replies` (booleans). Every
    bad value is reported by field, and nothing is saved then."""
    errors: dict[str, list[str]] = {}
    known = {"community_move_threshold", "delivery", *PREFERENCE_TOGGLES}
    for name in sorted(set(changes) - known):
        errors[name] = ["Not an alert preference."]
    clean: dict[str, Any] = {}
    if "community_move_threshold" in changes:
        value = changes["community_move_threshold"]
        low, high = AlertPreference.MIN_THRESHOLD, AlertPreference.MAX_THRESHOLD
        if value is None or value == "off":
            clean["community_move_threshold"] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors["community_move_threshold"] = [
                f"A whole number of percentage points from {low} to {high}, or null for off."
            ]
        else:
            clean["community_move_threshold"] = value
    if "delivery" in changes:
        if changes["delivery"] not in AlertPreference.Delivery.values:
            choices = ", ".join(f'"{value}"' for value in AlertPreference.Delivery.values)
            errors["delivery"] = [f"One of {choices}."]
        else:
            clean["delivery"] = changes["delivery"]
    for name in PREFERENCE_TOGGLES:
        if name in changes:
            if not isinstance(changes[name], bool):
                errors[name] = ["Must be true or false."]
            else:
                clean[name] = changes[name]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        preference, _ = AlertPreference.objects.select_for_update().get_or_create(user=user)
        for name, value in clean.items():
            setattr(preference, name, value)
        preference.save()
    return preference


def alert_delivery_off(*, user: User) -> bool:
    """Stop every alert email (the one-click unsubscribe); True if any was on."""
    with transaction.atomic():
        preference, _ = AlertPreference.objects.select_for_update().get_or_create(user=user)
        if preference.delivery == AlertPreference.Delivery.OFF:
            return False
        preference.delivery = AlertPreference.Delivery.OFF
        preference.save(update_fields=["delivery", "updated_at"])
    return True


def alerts_mark_read(
    *, user: User, ids: list[int] | None = None, now: datetime | None = None
) -> int:
    """Mark the user's unread alerts read (only those of `ids` when given); returns how
    many were unread."""
    unread = Alert.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now or timezone.now())


def following_mark_seen(*, user: User, now: datetime | None = None) -> int:
    """The following page's "Mark all as seen": every alert is read, and each followed
    question's changes are measured from now on (its time and community median).
    Returns how many alerts were unread."""
    now = now or timezone.now()
    rows = list(
        questions_followed(user=user).order_by("pk").values_list("pk", "community_state__median")
    )
    with transaction.atomic():
        unread = alerts_mark_read(user=user, now=now)
        for start in range(0, len(rows), SEEN_BATCH):
            Follow.objects.bulk_create(
                [
                    Follow(
                        user=user,
                        question_id=question_id,
                        seen_at=now,
                        seen_median=median,
                        created_at=now,
                        updated_at=now,
                    )
                    for question_id, median in rows[start : start + SEEN_BATCH]
                ],
                update_conflicts=True,
                unique_fields=["user", "question"],
                update_fields=["seen_at", "seen_median", "updated_at"],
            )
    return unread
