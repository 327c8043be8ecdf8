"""Reads of score rows, and of the system user the community forecast is scored as."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from accounts.usernames import COMMUNITY_USERNAME as COMMUNITY_USERNAME  # declared there
from forecasts.models import Forecast
from questions.models import Question
from scoring import registry
from scoring.models import Score


def community_user_id() -> int | None:
    """The id of the system user the community forecast is scored as (a data migration
    creates it; scoring creates it again if a test database was emptied), or None."""
    return (
        User.objects.filter(username=COMMUNITY_USERNAME, origin=User.Origin.SYSTEM)
        .values_list("pk", flat=True)
        .first()
    )


def scores_for_question(*, question: Question) -> list[dict[str, Any]]:
    """One entry per scored forecaster (and the community forecast), best peer score
    first: every rule (by its key), participation and coverage."""
    rows = (
        Score.objects.filter(question=question)
        .select_related("user")
        .order_by(f"-{registry.PEER.column}", "user__username")
    )
    return [
        {
            "user": score.user.username,
            "is_community": score.user.origin == User.Origin.SYSTEM,
            "forecasts": score.forecasts,
            "participation": score.participation,
            "active_days": score.active_days,
            "coverage": score.coverage,
            **{rule.key: score.value(rule) for rule in registry.rules()},
        }
        for score in rows
    ]


def scores_for_user(*, user: User) -> QuerySet[Score]:
    return (
        Score.objects.filter(user=user)
        .select_related("question")
        .order_by("-question__resolution_set_at", "question_id")
    )


def questions_forecast_unscored(*, user: User, tag: str = "") -> list[Question]:
    """Resolved questions the user forecast on without a score of theirs (annulled or
    ambiguous, scoring not run yet, or every forecast came after the close), the latest
    resolution first; optionally only those tagged `tag`."""
    unscored = (
        Question.objects.resolved()
        .filter(Exists(Forecast.objects.filter(user=user, question=OuterRef("pk"))))
        .exclude(Exists(Score.objects.filter(user=user, question=OuterRef("pk"))))
    )
    if tag:
        unscored = unscored.filter(tags__slug=tag)
    return list(unscored.order_by("-resolution_set_at", "id"))
