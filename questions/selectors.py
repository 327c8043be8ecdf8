"""Reads of questions for the staff pages and the filters: recent resolutions, drafts,
clarifications, tags. Each returns rows with their counts already attached, so a page
costs the same number of queries however many questions it shows. What counts forecasts
(the resolution queue, a resolution's preview) is in `forecasts.selectors`."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from common.db import count_subquery
from questions.models import Clarification, Question, ResolutionEvent, Tag

SCORED_OUTCOMES = (Question.Resolution.YES, Question.Resolution.NO)


def recently_resolved(*, limit: int = 20) -> list[Question]:
    """The latest resolutions and corrections, for a second look: each with
    `event_count` and `resolved_by` (who entered the resolution in force)."""
    events = ResolutionEvent.objects.filter(question=OuterRef("pk"))
    latest_by = events.order_by("-created_at", "-id").values("created_by__username")[:1]
    return list(
        Question.objects.published()
        .resolved()
        .annotate(
            event_count=count_subquery(events, "id"),
            resolved_by=Subquery(latest_by),
        )
        .order_by("-resolution_set_at", "-id")[:limit]
    )


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
        .annotate(clarification_count=count_subquery(clarifications, "id"))
        .order_by("-published_at", "-id")[:limit]
    )


def tags_in_use() -> list[str]:
    """The slugs of tags on at least one published question, for filter choices: a
    tag only a draft carries would tell everyone what staff are drafting."""
    published = Question.objects.published().filter(tags=OuterRef("pk"))
    return list(
        Tag.objects.filter(Exists(published)).order_by("slug").values_list("slug", flat=True)
    )
