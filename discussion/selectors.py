"""Reads of the discussion: a question's threads and the rationale feed. Each costs a
fixed number of queries however many comments, replies or authors a page shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.roles import is_analyst
from discussion.models import Comment, CommentVote
from discussion.rules import discussion_visible
from forecasts.models import Forecast
from questions.models import Question

# Replies shown under one comment; a thread longer than this says how many more it has
# (`replies_not_shown`).
MAX_REPLIES_SHOWN = 100

SORT_NEWEST = "newest"
SORT_UPVOTED = "upvoted"
SORTS = (SORT_NEWEST, SORT_UPVOTED)
ORDERINGS = {
    SORT_NEWEST: ("-created_at", "-id"),
    SORT_UPVOTED: ("-upvotes", "-created_at", "-id"),
}


def _comments() -> QuerySet[Comment]:
    return Comment.objects.select_related("author", "forecast", "question")


def question_threads(*, question: Question) -> QuerySet[Comment]:
    """The question's top-level comments, oldest first, each with its replies (oldest
    first, at most MAX_REPLIES_SHOWN) prefetched: page it, then read `.shown_replies`,
    `.replies_count` (all of them) and `.replies_not_shown` (those beyond the first
    MAX_REPLIES_SHOWN). Hidden comments stay in place; the page shows them as such."""
    return (
        _comments()
        .filter(question=question, parent__isnull=True)
        .annotate(replies_count=Count("replies"))
        .annotate(
            replies_not_shown=Greatest(F("replies_count") - Value(MAX_REPLIES_SHOWN), Value(0))
        )
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=_comments().order_by("created_at", "id")[:MAX_REPLIES_SHOWN],
                to_attr="shown_replies",
            )
        )
        .order_by("created_at", "id")
    )


def comment_with_related(*, comment_id: int) -> Comment | None:
    return _comments().filter(pk=comment_id).first()


@dataclass(frozen=True)
class ReadableComment:
    comment: Comment
    # Whether `user` may read the comment's discussion (discussion.rules).
    readable: bool


def readable_comment(
    *, user: Any, comment_id: int, now: datetime | None = None
) -> ReadableComment | None:
    """The comment with its author, forecast and question, and whether the user may read
    its discussion; None when there is no such comment or its question is a draft, which
    only staff see (as Question.objects.visible_to)."""
    comment = comment_with_related(comment_id=comment_id)
    if comment is None or (comment.question.is_draft and not getattr(user, "is_staff", False)):
        return None
    readable = discussion_visible(question=comment.question, user=user, now=now or timezone.now())
    return ReadableComment(comment=comment, readable=readable)


def voted_by(*, user: Any, comments: Sequence[Comment]) -> set[int]:
    """Which of `comments` (and their prefetched replies) `user` upvoted: one query."""
    if not getattr(user, "is_authenticated", False) or not comments:
        return set()
    ids = [c.pk for c in comments]
    for comment in comments:
        ids.extend(reply.pk for reply in getattr(comment, "shown_replies", ()))
    return set(
        CommentVote.objects.filter(user=user, comment_id__in=ids).values_list(
            "comment_id", flat=True
        )
    )


def rationales_shared(*, user: Any, question: Question) -> set[int]:
    """The ids of `user`'s forecasts on `question` whose rationale is already shared."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        Comment.objects.filter(
            author=user, question=question, rationale_of__isnull=False
        ).values_list("rationale_of_id", flat=True)
    )


def _visible_questions(user: Any, now: datetime) -> Q:
    """The questions whose discussion `user` may read (the rule of discussion.rules, as a
    filter): published, and not hiding it from them."""
    if getattr(user, "is_staff", False) or is_analyst(user):
        return Q(question__published_at__isnull=False)
    shown = (
        Q(question__hide_community_until_forecast=False)
        | ~Q(question__resolution="")
        | Q(question__scheduled_close_time__lte=now)
    )
    if getattr(user, "is_authenticated", False):
        shown |= Q(Exists(Forecast.objects.filter(user=user, question=OuterRef("question_id"))))
    return Q(question__published_at__isnull=False) & shown


def rationale_feed(
    *,
    user: Any,
    sort: str = SORT_NEWEST,
    question: Question | None = None,
    now: datetime | None = None,
) -> QuerySet[Comment]:
    """Shared rationales, across questions or on one, newest or most upvoted first; page
    it. Only those the viewer may read, and none a moderator hid (staff see those too)."""
    now = now or timezone.now()
    comments = (
        _comments()
        .select_related("question")
        .filter(rationale_of__isnull=False)
        .filter(_visible_questions(user, now))
    )
    if not getattr(user, "is_staff", False):
        comments = comments.filter(hidden=False)
    if question is not None:
        comments = comments.filter(question=question)
    return comments.order_by(*ORDERINGS[sort])
