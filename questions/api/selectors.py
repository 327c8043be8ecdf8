"""Reads the question endpoints need in bulk.

`community_forecasts` is the many-questions form of
`forecasts.selectors.community_forecast(question=q, before=q.actual_close_time)`:
one query for a whole page of questions, so the list costs the same number of
queries for 3 questions as for 50.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from statistics import median

from django.db.models import Exists, F, OuterRef, Q

from forecasts.models import Forecast
from forecasts.selectors import CommunityForecast
from questions.models import Question

# SCORING.md §1: a forecast made at or after the actual close (the earlier of
# the scheduled close and `known_at`) does not stand.
_BEFORE_CLOSE = Q(created_at__lt=F("question__scheduled_close_time")) & (
    Q(question__known_at__isnull=True) | Q(created_at__lt=F("question__known_at"))
)


def community_forecasts(*, questions: Sequence[Question]) -> dict[int, CommunityForecast]:
    """The community median and forecaster count of each question, by id."""
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
