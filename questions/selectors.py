"""Reads for the staff pages and the digest: the resolution queue, what a
resolution will do before it is confirmed, drafts. Each returns rows with
their counts already attached, so a page costs the same number of queries
however many questions, forecasts or forecasters it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from forecasts.models import Forecast
from questions.models import Clarification, Question, ResolutionEvent, Tag

SCORED_OUTCOMES = (Question.Resolution.YES, Question.Resolution.NO)


def _count_subquery(queryset: QuerySet[object], column: str, *, distinct: bool = False) -> Coalesce:
    """COUNT over `queryset` (rows of one question, filtered on OuterRef("pk"))
    as a scalar subquery: no GROUP BY over the outer rows, and the question
    index serves it. A question without rows gets 0, not NULL."""
    counted = (
        queryset.order_by()
        .values("question")
        .annotate(total=Count(column, distinct=distinct))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _forecasts_before_close() -> QuerySet[Forecast]:
    # Unresolved questions close at their scheduled close: a forecast made at
    # that instant or later is not scored (SCORING.md §1).
    return Forecast.objects.filter(
        question=OuterRef("pk"), created_at__lt=OuterRef("scheduled_close_time")
    )


def resolution_queue(*, now: datetime | None = None) -> QuerySet[Question]:
    """Published questions past their scheduled close and not resolved, the
    longest waiting first, with `forecast_count` and `forecaster_count` (made
    before the close) in the same query."""
    now = now or timezone.now()
    return (
        Question.objects.published()
        .closed(now)
        .select_related("article")
        .annotate(
            forecast_count=_count_subquery(_forecasts_before_close(), "id"),
            forecaster_count=_count_subquery(_forecasts_before_close(), "user", distinct=True),
        )
        .order_by("scheduled_close_time", "id")
    )


def recently_resolved(*, limit: int = 20) -> list[Question]:
    """The latest resolutions and corrections, for a second look: each with
    `event_count` and `resolved_by` (who entered the resolution in force)."""
    events = ResolutionEvent.objects.filter(question=OuterRef("pk"))
    latest_by = events.order_by("-created_at", "-id").values("created_by__username")[:1]
    return list(
        Question.objects.published()
        .resolved()
        .annotate(
            event_count=_count_subquery(events, "id"),
            resolved_by=Subquery(latest_by),
        )
        .order_by("-resolution_set_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class ResolutionPreview:
    """What confirming a resolution will do, for the confirmation step."""

    outcome: str
    outcome_label: str
    known_at: datetime
    cutoff: datetime
    closes_early: bool
    forecasts: int
    forecasters: int
    previous_outcome: str
    previous_outcome_label: str
    previous_known_at: datetime | None

    @property
    def scores(self) -> bool:
        return self.outcome in SCORED_OUTCOMES

    @property
    def is_correction(self) -> bool:
        return bool(self.previous_outcome)

    @property
    def previously_scored(self) -> bool:
        return self.previous_outcome in SCORED_OUTCOMES

    @property
    def outcome_changes(self) -> bool:
        return self.outcome != self.previous_outcome

    @property
    def known_at_changes(self) -> bool:
        return self.known_at != self.previous_known_at


def resolution_preview(
    *, question: Question, outcome: str, known_at: datetime
) -> ResolutionPreview:
    """The forecasts a resolution would score: those made before the earlier
    of the scheduled close and `known_at`, counted in one query."""
    cutoff = min(known_at, question.scheduled_close_time)
    counts = Forecast.objects.filter(question=question, created_at__lt=cutoff).aggregate(
        forecasts=Count("id"), forecasters=Count("user", distinct=True)
    )
    return ResolutionPreview(
        outcome=outcome,
        outcome_label=Question.Resolution(outcome).label,
        known_at=known_at,
        cutoff=cutoff,
        closes_early=known_at < question.scheduled_close_time,
        forecasts=counts["forecasts"],
        forecasters=counts["forecasters"],
        previous_outcome=question.resolution,
        previous_outcome_label=question.get_resolution_display() if question.resolution else "",
        previous_known_at=question.known_at,
    )


def forecast_counts_before_close(*, question: Question) -> dict[str, int]:
    """Forecasts and forecasters before the scheduled close, in one query."""
    return Forecast.objects.filter(
        question=question, created_at__lt=question.scheduled_close_time
    ).aggregate(forecasts=Count("id"), forecasters=Count("user", distinct=True))


def resolution_events_for(*, question: Question) -> list[ResolutionEvent]:
    """The whole audit trail, newest (the one in force) first."""
    return list(
        question.resolution_events.select_related("created_by").order_by("-created_at", "-id")
    )


def clarifications_for(*, question: Question) -> list[Clarification]:
    return list(question.clarifications.select_related("created_by").order_by("created_at", "id"))


def drafts_for_authoring() -> QuerySet[Question]:
    """Every draft, the most recently edited first, with what the list shows."""
    return (
        Question.objects.drafts()
        .select_related("article")
        .prefetch_related("tags")
        .order_by("-updated_at", "-id")
    )


def recently_published(*, limit: int = 20) -> list[Question]:
    """The latest published questions, each with `clarification_count`."""
    clarifications = Clarification.objects.filter(question=OuterRef("pk"))
    return list(
        Question.objects.published()
        .annotate(clarification_count=_count_subquery(clarifications, "id"))
        .order_by("-published_at", "-id")[:limit]
    )


def tags_in_use() -> list[str]:
    """The slugs of tags on at least one published question, for filter choices: a
    tag only a draft carries would tell everyone what staff are drafting."""
    published = Question.objects.published().filter(tags=OuterRef("pk"))
    return list(
        Tag.objects.filter(Exists(published)).order_by("slug").values_list("slug", flat=True)
    )
