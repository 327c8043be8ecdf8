"""Reads for forecasts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.db.models import Exists, OuterRef, Q, QuerySet

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


def forecasts_of_user(*, user: User, question: Question | None = None) -> QuerySet[Forecast]:
    forecasts = Forecast.objects.filter(user=user).select_related("question")
    if question is not None:
        forecasts = forecasts.filter(question=question)
    return forecasts.order_by("-created_at", "-id")
