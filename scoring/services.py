"""The one adapter between the database and `scoring.core`: query -> arrays ->
core -> bulk writes. Scores are derived data: every run rebuilds a question's
rows from its forecasts and replaces them in one transaction, so running it
twice leaves identical rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from forecasts.models import Forecast
from questions.models import Question, ResolutionEvent
from scoring.core import BinaryForecasts, daily_brier_scores
from scoring.models import QuestionScoring, Rule, Score


@dataclass(frozen=True)
class ScoringOutcome:
    question_id: int
    forecasts_scored: int
    users_scored: int
    rows_written: int


def _epoch_seconds(moment) -> int:  # type: ignore[no-untyped-def]
    return int(moment.timestamp())


def question_forecast_arrays(*, question: Question) -> BinaryForecasts:
    # The core works in whole seconds; rows come sorted by the exact time (then
    # id), and that rank is the tie-break, so two forecasts within one second
    # keep their real order.
    rows = (
        Forecast.objects.filter(question=question)
        .order_by("created_at", "id")
        .values_list("user_id", "created_at", "probability")
    )
    users, created, probabilities = [], [], []
    for user_id, created_at, probability in rows.iterator(chunk_size=10_000):
        users.append(user_id)
        created.append(created_at.timestamp())
        probabilities.append(probability)
    return BinaryForecasts.from_arrays(
        user=users,
        created_at=np.floor(np.asarray(created, dtype=np.float64)).astype(np.int64),
        p_yes=probabilities,
        order=np.arange(len(users)),
    )


def question_score(*, question_id: int) -> ScoringOutcome:
    """Rebuild every score of one question from its forecasts and resolution."""
    with transaction.atomic():
        # Serialise scorers of the same question: a correction arriving while a
        # previous run is writing waits for it, then overwrites it.
        question = Question.objects.select_for_update().get(pk=question_id)
        latest_event = (
            ResolutionEvent.objects.filter(question=question).order_by("-created_at", "-id").first()
        )
        Score.objects.filter(question=question).delete()
        rows: list[Score] = []
        forecasts_scored = users_scored = 0
        if question.is_scorable and question.type == Question.Type.BINARY:
            forecasts = question_forecast_arrays(question=question)
            result = daily_brier_scores(
                forecasts,
                open_time=_epoch_seconds(question.open_time),
                actual_close=_epoch_seconds(question.actual_close_time),
                outcome=1 if question.resolution == Question.Resolution.YES else 0,
            )
            for index, user_id in enumerate(result.users.tolist()):
                coverage = float(result.participation[index])
                rows.append(
                    Score(
                        question=question,
                        user_id=user_id,
                        rule=Rule.DAILY_BRIER,
                        value=float(result.daily_brier[index]),
                        coverage=coverage,
                    )
                )
                rows.append(
                    Score(
                        question=question,
                        user_id=user_id,
                        rule=Rule.ACCURACY,
                        value=float(result.accuracy[index]),
                        coverage=coverage,
                    )
                )
            forecasts_scored = len(forecasts.user)
            users_scored = len(result.users)
        Score.objects.bulk_create(rows, batch_size=5_000)
        QuestionScoring.objects.update_or_create(
            question=question,
            defaults={
                "resolution_event": latest_event,
                "scored_at": timezone.now(),
                "forecasts_scored": forecasts_scored,
                "users_scored": users_scored,
            },
        )
    return ScoringOutcome(question.pk, forecasts_scored, users_scored, len(rows))


def questions_needing_scores() -> list[int]:
    """Resolved questions whose scores are missing or older than their latest
    resolution event: what the sweep rescores after a lost task."""
    latest_event = (
        ResolutionEvent.objects.filter(question=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    return list(
        Question.objects.resolved()
        .annotate(latest_event_id=Subquery(latest_event))
        .filter(
            Q(scoring__isnull=True)
            | Q(scoring__resolution_event__isnull=True)
            | ~Q(scoring__resolution_event_id=F("latest_event_id"))
        )
        .values_list("pk", flat=True)
        .order_by("pk")
    )
