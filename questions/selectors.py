"""Reads of questions for the staff pages, the filters and the lists: recent resolutions,
drafts, clarifications, tags, the text search and the open-first order. Each returns rows
with their counts already attached, so a page costs the same number of queries however
many questions it shows. What counts or joins forecasts (the resolution queue, a
resolution's preview, the question list's sorts) is in `forecasts.selectors`."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from common.db import count_subquery
from questions.models import Article, Clarification, Question, ResolutionEvent, Tag

_Questions = TypeVar("_Questions", bound=QuerySet[Question])

SCORED_OUTCOMES = (Question.Resolution.YES, Question.Resolution.NO)
# The search's limits, checked where the text comes in (`questions.forms.
# QuestionSearchField`, for the web list and the API alike). A longer text is a pasted
# paragraph, and each word adds three LIKE conditions over the question's text.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10


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


def latest_resolution_event_id(*, question: Question) -> int:
    """The id of the resolution event in force (the newest), 0 when there is none: what
    a resolve form records as reviewed, and `question_resolve` checks under its lock."""
    return (
        question.resolution_events.order_by("-created_at", "-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


def clarifications_for(*, question: Question) -> list[Clarification]:
    return list(question.clarifications.select_related("created_by").order_by("created_at", "id"))


def drafts_for_authoring() -> QuerySet[Question]:
    """Every draft, the most recently edited first, with what the list shows."""
    return (
        Question.objects.drafts()
        .select_related("article__outlet")
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


def articles_in_use() -> list[tuple[str, str]]:
    """(slug, title) of the articles with at least one published question, by title, for
    filter choices: like `tags_in_use`, an article only drafts come from stays unnamed."""
    published = Question.objects.published().filter(article=OuterRef("pk"))
    return list(
        Article.objects.filter(Exists(published))
        .order_by("title", "slug")
        .values_list("slug", "title")
    )


# --- The lists: text search and the open-first order ------------------------------------


def questions_search(*, questions: _Questions, text: str) -> _Questions:
    """The questions holding every word of `text` (split on whitespace) in their title,
    background or resolution criteria, ignoring case; a word is matched as it is, never
    as a LIKE pattern. Empty text keeps every question. The web list and the API both
    search through here, so the same words find the same questions; both take the text
    through `QuestionSearchField`, which holds it to SEARCH_MAX_WORDS words."""
    for word in text.split():
        questions = questions.filter(
            Q(title__icontains=word)
            | Q(background__icontains=word)
            | Q(resolution_criteria__icontains=word)
        )
    return questions


def _status_rank(now: datetime) -> Case:
    """The SQL form of `Question.status_at`, as a sort key: open, upcoming,
    closed, resolved."""
    return Case(
        When(~Q(resolution=""), then=Value(3)),
        When(open_time__gt=now, then=Value(1)),
        When(scheduled_close_time__gt=now, then=Value(0)),
        default=Value(2),
        output_field=IntegerField(),
    )


def questions_open_first(*, questions: QuerySet[Question], now: datetime) -> QuerySet[Question]:
    """`questions` open first, then upcoming, closed and resolved, each closing soonest
    first (the id breaks ties, so pages never overlap)."""
    return questions.annotate(status_rank=_status_rank(now)).order_by(
        "status_rank", "scheduled_close_time", "id"
    )
