"""Reads for forecasts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.models import User
from forecasts.models import Forecast
from questions.models import Question


def standing_forecasts(*, question: Question, before: datetime | None = None) -> QuerySet[Forecast]:
    """Each user's latest forecast on `question`, counting only forecasts made
    strictly before `before` when given (a forecast made at the close does not
    stand: SCORING.md §1)."""
    forecasts = Forecast.objects.filter(question=question)
    if before is not None:
        forecasts = forecasts.filter(created_at__lt=before)
    newer = Forecast.objects.filter(question=question, user=OuterRef("user")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    if before is not None:
        newer = newer.filter(created_at__lt=before)
    return forecasts.filter(~Exists(newer))


@dataclass(frozen=True)
class CommunityForecast:
    median: float | None
    forecasters: int


def community_forecast(*, question: Question, before: datetime | None = None) -> CommunityForecast:
    """The median of each forecaster's standing probability (SCORING.md §5: the
    mean of the two middle values for an even count)."""
    values = list(
        standing_forecasts(question=question, before=before).values_list("probability", flat=True)
    )
    return CommunityForecast(median=median(values) if values else None, forecasters=len(values))


# SCORING.md §1: a forecast made at or after the actual close (the earlier of
# the scheduled close and `known_at`) does not stand.
_BEFORE_CLOSE = Q(created_at__lt=F("question__scheduled_close_time")) & (
    Q(question__known_at__isnull=True) | Q(created_at__lt=F("question__known_at"))
)


def community_forecasts(*, questions: Sequence[Question]) -> dict[int, CommunityForecast]:
    """The community median and forecaster count of each question, by id: the
    many-questions form of `community_forecast(question=q,
    before=q.actual_close_time)`, one query for a whole page of questions."""
    ids = [question.pk for question in questions]
    result = {question_id: CommunityForecast(median=None, forecasters=0) for question_id in ids}
    if not ids:
        return result
    newer = (
        Forecast.objects.filter(question=OuterRef("question"), user=OuterRef("user"))
        .filter(_BEFORE_CLOSE)
        .filter(
            Q(created_at__gt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
        )
    )
    standing = (
        Forecast.objects.filter(question_id__in=ids)
        .filter(_BEFORE_CLOSE)
        .filter(~Exists(newer))
        .order_by()
        .values_list("question_id", "probability")
    )
    by_question: dict[int, list[float]] = defaultdict(list)
    for question_id, probability in standing:
        by_question[question_id].append(probability)
    for question_id, values in by_question.items():
        result[question_id] = CommunityForecast(median=median(values), forecasters=len(values))
    return result


def forecasts_of_user(*, user: User, question: Question | None = None) -> QuerySet[Forecast]:
    forecasts = Forecast.objects.filter(user=user).select_related("question")
    if question is not None:
        forecasts = forecasts.filter(question=question)
    return forecasts.order_by("-created_at", "-id")
