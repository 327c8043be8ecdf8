"""Reads for forecasts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from accounts.roles import is_analyst
from forecasts.models import CommunityPoint, Forecast
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
    hidden: bool = False
    """True when the question keeps the community forecast from this viewer until they
    forecast: `median` is then withheld."""

    def hidden_from_viewer(self) -> CommunityForecast:
        return CommunityForecast(median=None, forecasters=self.forecasters, hidden=True)


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


def community_visible(*, question: Question, user: Any, has_forecast: bool, now: datetime) -> bool:
    """Whether `user` may see the question's community forecast. A question may hide it
    until the user has forecast (anti-anchoring); once forecasting is over (closed or
    resolved) everyone sees it, and analysts and staff always do."""
    if not question.hide_community_until_forecast or has_forecast:
        return True
    if question.status_at(now) in (Question.Status.CLOSED, Question.Status.RESOLVED):
        return True
    return is_analyst(user)


def questions_forecast_by(*, user: Any, questions: Sequence[Question]) -> set[int]:
    """Which of `questions` the user has forecast on (one query; none when anonymous)."""
    if not user.is_authenticated or not questions:
        return set()
    return set(
        Forecast.objects.filter(user=user, question__in=[q.pk for q in questions])
        .values_list("question_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class CommunityHistoryPoint:
    x: datetime
    y: float
    forecasters: int


def community_history_for(
    *,
    question: Question,
    method: str,
    since: datetime | None = None,
    until: datetime | None = None,
    max_points: int | None = None,
) -> list[CommunityHistoryPoint]:
    """The stored history of one method, oldest first; each value holds until the next
    point. `max_points` thins it by keeping the last point of each equal slice of time (a
    step line drawn through them shows the value standing at each slice's end)."""
    points = CommunityPoint.objects.filter(question=question)
    if since is not None:
        # The point holding at `since` starts before it.
        holding = points.filter(at__lte=since).order_by("-at").values_list("at", flat=True)[:1]
        points = points.filter(at__gte=Subquery(holding)) if holding.exists() else points
    if until is not None:
        points = points.filter(at__lt=until)
    rows = [
        CommunityHistoryPoint(x=at, y=value, forecasters=n)
        for at, value, n in points.order_by("at").values_list("at", method, "forecasters")
    ]
    if max_points is None or len(rows) <= max_points:
        return rows
    # The first point, then the last point of each of max_points - 1 equal slices of the
    # time after it (the last point of all closes the last slice).
    first, last = rows[0].x.timestamp(), rows[-1].x.timestamp()
    slices = max_points - 1
    width = (last - first) / slices
    kept: dict[int, CommunityHistoryPoint] = {}
    for row in rows[1:]:
        kept[min(slices - 1, int((row.x.timestamp() - first) // width)) if width else 0] = row
    return [rows[0], *kept.values()]


# Points at most in the question page's chart of the community median.
CHART_POINTS = 300


def community_chart_rows(*, question: Question) -> list[list[Any]]:
    """The median's history thinned to CHART_POINTS, as CommunityState.chart keeps it."""
    return [
        [point.x.isoformat(), point.y, point.forecasters]
        for point in community_history_for(
            question=question, method="median", max_points=CHART_POINTS
        )
    ]


def community_chart_for(*, question: Question) -> list[CommunityHistoryPoint]:
    """The median's history thinned for a chart: as the update task stored it beside the
    history (select_related("community_state") makes this free), or thinned from the
    points when nothing is stored yet."""
    try:
        stored = question.community_state.chart
    except ObjectDoesNotExist:
        stored = None
    if stored is None:
        return community_history_for(question=question, method="median", max_points=CHART_POINTS)
    return [
        CommunityHistoryPoint(x=datetime.fromisoformat(at), y=value, forecasters=n)
        for at, value, n in stored
    ]


def community_forecasts_for_viewer(
    *, questions: Sequence[Question], user: Any, now: datetime
) -> dict[int, CommunityForecast]:
    """`community_forecasts` with each question's hide-until-you-forecast rule applied for
    `user`: two more queries at most, however many questions."""
    community = community_forecasts(questions=questions)
    hiding = [q for q in questions if q.hide_community_until_forecast]
    if hiding:
        mine = questions_forecast_by(user=user, questions=hiding)
        for question in hiding:
            if not community_visible(
                question=question, user=user, has_forecast=question.pk in mine, now=now
            ):
                community[question.pk] = community[question.pk].hidden_from_viewer()
    return community
