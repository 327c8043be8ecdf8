"""Reads of score rows, and of the system user the community forecast is scored as."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from questions.models import Question
from scoring.models import Score

COMMUNITY_USERNAME = "community"


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
    first: every rule, participation and coverage."""
    rows = (
        Score.objects.filter(question=question)
        .select_related("user")
        .order_by("-peer", "user__username")
    )
    return [
        {
            "user": score.user.username,
            "is_community": score.user.origin == User.Origin.SYSTEM,
            "forecasts": score.forecasts,
            "daily_brier": score.daily_brier,
            "accuracy": score.accuracy,
            "participation": score.participation,
            "active_days": score.active_days,
            "peer": score.peer,
            "baseline": score.baseline,
            "log": score.log_score,
            "coverage": score.coverage,
        }
        for score in rows
    ]


def scores_for_user(*, user: User) -> QuerySet[Score]:
    return (
        Score.objects.filter(user=user)
        .select_related("question")
        .order_by("-question__resolution_set_at", "question_id")
    )
