"""Recording alerts. Every writer of an alert goes through `alert_record`, which adds
nothing when the same event was already recorded for that user."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from common.templatetags.foreseer import percent
from forecasts.models import CommunityState, Forecast
from notifications.models import Alert, AlertPreference, Follow
from notifications.resolution import (
    RESOLUTION_NEWS_MAX_AGE,
    latest_resolution_events,
    resolution_headline,
)
from notifications.selectors import followers_of
from questions.models import Clarification, Question, ResolutionEvent


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


# --- The alerts of a question's followers ----------------------------------------------------

# A clarification or resolution is news for a week: the sweep records what a lost message
# left unrecorded within that time, and no later.
ALERT_NEWS_MAX_AGE = RESOLUTION_NEWS_MAX_AGE


def _question_url(question: Question, anchor: str = "") -> str:
    return reverse("questions:detail", args=[question.slug]) + anchor


def clarification_alerts_record(*, clarification_id: int) -> int:
    """Alert the followers of a clarified question (not its author); returns how many
    alerts were new. Keyed by the clarification: running twice records nothing more."""
    clarification = (
        Clarification.objects.filter(pk=clarification_id).select_related("question").first()
    )
    if clarification is None or clarification.question.is_draft:
        return 0
    question = clarification.question
    users = (
        followers_of(question=question)
        .filter(AlertPreference.wanting(Alert.Kind.CLARIFICATION))
        .exclude(pk=clarification.created_by_id)
        .only("pk")
    )
    return alert_record(
        users=list(users),
        kind=Alert.Kind.CLARIFICATION,
        key=f"clarification:{clarification.pk}",
        summary=f"Clarified: {question.title}",
        url=_question_url(question, "#clarifications"),
        question=question,
        at=clarification.created_at,
    )


def resolution_alerts_record(*, question_id: int, now: datetime | None = None) -> int:
    """Alert the followers of a resolved question of its resolution (or correction),
    keyed by the resolution event as its email is; returns how many alerts were new.

    The forecasters who get the resolution email (they forecast before the close and
    keep `email_on_resolution`) have theirs marked emailed at once: that email carries
    the news, so no alert email repeats it. The alert still shows on their following
    page."""
    now = now or timezone.now()
    question = Question.objects.filter(pk=question_id).first()
    if question is None or not question.resolution:
        return 0
    latest, previous = latest_resolution_events(question)
    if latest is None or latest.outcome != question.resolution:
        return 0
    if latest.created_at < now - ALERT_NEWS_MAX_AGE:
        return 0
    summary = resolution_headline(question, latest, previous)
    key = f"event:{latest.pk}"
    users = (
        followers_of(question=question)
        .filter(AlertPreference.wanting(Alert.Kind.RESOLUTION))
        .only("pk")
    )
    with transaction.atomic():
        new = alert_record(
            users=list(users),
            kind=Alert.Kind.RESOLUTION,
            key=key,
            summary=summary,
            url=_question_url(question),
            question=question,
            at=latest.created_at,
        )
        emailed = Forecast.objects.filter(
            question=question, user=OuterRef("user"), created_at__lt=question.actual_close_time
        )
        Alert.objects.filter(
            kind=Alert.Kind.RESOLUTION,
            key=key,
            emailed_at__isnull=True,
            user__email_on_resolution=True,
        ).exclude(user__email="").filter(Exists(emailed)).update(emailed_at=now)
    return new


def community_move_alerts_record(*, question_id: int, now: datetime | None = None) -> int:
    """After the community forecast is rebuilt: alert each follower for whom it moved at
    least their threshold since the value of their last such alert; returns how many
    alerts were new.

    Each follower's baseline (`Follow.alerted_median`) moves only when they are alerted,
    so small drifts add up until one crosses the threshold; a follower without a baseline
    gets today's median as one, and no alert. Only while the question is open (a closed
    question's forecast no longer moves). A question that hides its community forecast
    until one forecasts alerts only the followers who have forecast on it: the others may
    not see the value. The key names the community's version, so one rebuild alerts once."""
    now = now or timezone.now()
    state = (
        CommunityState.objects.filter(question_id=question_id).select_related("question").first()
    )
    if state is None or state.median is None:
        return 0
    question, median = state.question, state.median
    if question.is_draft or question.status_at(now) != Question.Status.OPEN:
        return 0
    followers = followers_of(question=question).filter(
        AlertPreference.wanting(Alert.Kind.COMMUNITY_MOVE)
    )
    if question.hide_community_until_forecast:
        followers = followers.filter(
            Exists(Forecast.objects.filter(question=question, user=OuterRef("pk")))
        )
    thresholds = dict(
        followers.values_list("pk", "alert_preference__community_move_threshold").order_by("pk")
    )
    if not thresholds:
        return 0
    moved: dict[str, list[int]] = defaultdict(list)
    with transaction.atomic():
        follows = {
            follow.user_id: follow
            for follow in Follow.objects.select_for_update()
            .filter(question=question, user_id__in=list(thresholds))
            .order_by("pk")
        }
        new_rows, changed = [], []
        for user_id, threshold in thresholds.items():
            follow = follows.get(user_id)
            if follow is None:
                new_rows.append(
                    Follow(
                        user_id=user_id,
                        question=question,
                        alerted_median=median,
                        created_at=now,
                        updated_at=now,
                    )
                )
                continue
            baseline = follow.alerted_median
            points = threshold or AlertPreference.DEFAULT_THRESHOLD
            if baseline is not None and round(abs(median - baseline) * 100, 6) < points:
                continue
            if baseline is not None:
                moved[percent(baseline)].append(user_id)
            follow.alerted_median, follow.updated_at = median, now
            changed.append(follow)
        Follow.objects.bulk_create(new_rows, ignore_conflicts=True)
        Follow.objects.bulk_update(changed, ["alerted_median", "updated_at"])
        users = User.objects.in_bulk([pk for ids in moved.values() for pk in ids])
        return sum(
            alert_record(
                users=[users[pk] for pk in ids],
                kind=Alert.Kind.COMMUNITY_MOVE,
                key=f"move:{question.pk}:{state.version}",
                summary=f"Community forecast moved from {before} to {percent(median)}: "
                f"{question.title}",
                url=_question_url(question),
                question=question,
                at=now,
            )
            for before, ids in sorted(moved.items())
        )


def alerts_sweep(*, now: datetime | None = None) -> int:
    """The alerts' safety net: the clarifications and resolutions of the last week are
    recorded again for their followers (a message lost between the write and the worker
    left them unrecorded); the keys make this add only what is missing. Returns how many
    alerts were new."""
    now = now or timezone.now()
    since = now - ALERT_NEWS_MAX_AGE
    recorded = 0
    for clarification_id in Clarification.objects.filter(created_at__gte=since).values_list(
        "pk", flat=True
    ):
        recorded += clarification_alerts_record(clarification_id=clarification_id)
    resolved = (
        ResolutionEvent.objects.filter(created_at__gte=since)
        .values_list("question_id", flat=True)
        .distinct()
    )
    for question_id in sorted(set(resolved)):
        recorded += resolution_alerts_record(question_id=question_id, now=now)
    return recorded
