"""Reads for following and alerts: who follows what (derived from the choices and the
forecasts, see `Follow`), each forecaster's alert preferences, and the following page's
rows. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.models import User
from discussion.models import Comment
from forecasts.models import Forecast
from forecasts.selectors import community_forecasts_for_viewer, questions_forecast_by
from notifications.models import Alert, AlertPreference, Follow
from questions.models import Clarification, Question

# The newest alerts the following page and an email list at most.
ALERTS_SHOWN = 50


def _follows_question(*, user: Any, question: Any) -> Q:
    """The condition "`user` follows `question`", each given as a value or an OuterRef."""
    chosen = Follow.objects.filter(user=user, question=question)
    forecast = Forecast.objects.filter(user=user, question=question)
    return Q(Exists(chosen.filter(following=True))) | (
        Q(Exists(forecast)) & ~Q(Exists(chosen.filter(following=False)))
    )


def questions_followed(*, user: User) -> QuerySet[Question]:
    """The published questions `user` follows, chosen or through a forecast: one query,
    its order left to the caller (page it: a prolific forecaster follows many)."""
    return Question.objects.published().filter(
        _follows_question(user=user, question=OuterRef("pk"))
    )


def followers_of(*, question: Question) -> QuerySet[User]:
    """The active people who follow `question`, chosen or through a forecast: one query.
    The system accounts (imports, the article's claims) follow nothing."""
    return (
        User.objects.filter(is_active=True)
        .exclude(origin=User.Origin.SYSTEM)
        .filter(_follows_question(user=OuterRef("pk"), question=question))
    )


@dataclass(frozen=True)
class FollowState:
    following: bool
    forecast: bool
    """Whether the user has forecast on the question (which follows it unless they chose
    otherwise)."""
    chosen: bool | None
    """The user's own choice: True to follow, False to stop, None for none."""

    @property
    def automatic(self) -> bool:
        """Following only because they forecast."""
        return self.following and self.forecast and self.chosen is None


def follow_state(
    *, user: Any, question: Question, has_forecast: bool | None = None
) -> FollowState | None:
    """Whether `user` follows `question` and why; None when anonymous. One query, and one
    more unless the caller knows whether the user forecast there (`has_forecast`)."""
    if not getattr(user, "is_authenticated", False):
        return None
    chosen = (
        Follow.objects.filter(user=user, question=question)
        .values_list("following", flat=True)
        .first()
    )
    forecast = (
        Forecast.objects.filter(user=user, question=question).exists()
        if has_forecast is None
        else has_forecast
    )
    following = chosen is True or (forecast and chosen is not False)
    return FollowState(following=following, forecast=forecast, chosen=chosen)


def alert_preferences_for(*, user: User) -> AlertPreference:
    """The user's preferences, or the defaults (unsaved) when they never changed them."""
    found = AlertPreference.objects.filter(user=user).first()
    return found if found is not None else AlertPreference(user=user)


def about_a_hidden_comment() -> Q:
    """Alerts of a reply or mention whose comment a moderator has since hidden: their
    summary quotes it, so they are neither listed nor emailed."""
    hidden = (
        Comment.objects.filter(hidden=True)
        .annotate(
            alert_key=Concat(Value("comment:"), Cast("pk", CharField()), output_field=CharField())
        )
        .filter(alert_key=OuterRef("key"))
    )
    return Q(kind__in=[Alert.Kind.REPLY, Alert.Kind.MENTION]) & Q(Exists(hidden))


def alerts_of(*, user: User) -> QuerySet[Alert]:
    """The user's alerts, newest first (page or cap them), but those quoting a comment a
    moderator hid."""
    return (
        Alert.objects.filter(user=user)
        .exclude(about_a_hidden_comment())
        .select_related("question")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class FollowedRow:
    """A followed question on the following page, with what changed since the follower
    last marked it as seen (or, never marked, since they began following)."""

    question: Question
    chosen: bool | None
    forecast: bool
    since: datetime | None
    new_clarifications: int
    median_then: float | None
    median_now: float | None
    community_hidden: bool
    resolved_since: bool

    @property
    def move_points(self) -> float | None:
        """The community median's move since then, in percentage points."""
        if self.community_hidden or self.median_then is None or self.median_now is None:
            return None
        return round((self.median_now - self.median_then) * 100, 1)

    @property
    def automatic(self) -> bool:
        return self.forecast and self.chosen is None


def followed_rows(
    *, user: User, questions: list[Question], now: datetime | None = None
) -> list[FollowedRow]:
    """The following page's rows for one page of `questions_followed`: four queries
    however many questions, and one more when some of them hide their community forecast
    until you forecast (and one when some have no community history built yet)."""
    now = now or timezone.now()
    if not questions:
        return []
    ids = [question.pk for question in questions]
    follows = {
        row.question_id: row for row in Follow.objects.filter(user=user, question_id__in=ids)
    }
    forecast = questions_forecast_by(user=user, questions=questions)
    community = community_forecasts_for_viewer(questions=questions, user=user, now=now)
    # Clarifications since each question's own moment: counted in one query by fetching
    # the (few) clarifications of these questions' times.
    since_of = {pk: (follows[pk].seen_at if pk in follows else None) for pk in ids}
    counts: dict[int, int] = {}
    clarified = (
        Clarification.objects.filter(question_id__in=ids)
        .values("question_id", "created_at")
        .order_by()
    )
    for row in clarified:
        since = since_of[row["question_id"]]
        if since is None or row["created_at"] > since:
            counts[row["question_id"]] = counts.get(row["question_id"], 0) + 1
    rows = []
    for question in questions:
        follow = follows.get(question.pk)
        since = follow.seen_at if follow else None
        crowd = community[question.pk]
        then = None
        if follow is not None and not crowd.hidden:
            then = follow.seen_median if follow.seen_at else follow.alerted_median
        rows.append(
            FollowedRow(
                question=question,
                chosen=follow.following if follow else None,
                forecast=question.pk in forecast,
                since=since,
                new_clarifications=counts.get(question.pk, 0),
                median_then=then,
                median_now=crowd.median,
                community_hidden=crowd.hidden,
                resolved_since=bool(question.resolution)
                and (
                    since is None
                    or (
                        question.resolution_set_at is not None
                        and question.resolution_set_at > since
                    )
                ),
            )
        )
    return rows
