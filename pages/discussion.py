"""The question page's discussion section: what the viewer may read and write there, read
through the discussion's selectors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest

from discussion.forms import CommentForm
from discussion.models import MAX_REASON_CHARS
from discussion.rules import HIDDEN_UNTIL_FORECAST, comment_editable, discussion_visible
from discussion.selectors import (
    question_threads,
    rationales_shared,
    voted_by,
)
from forecasts.models import Forecast
from questions.models import Question

THREADS_PER_PAGE = 20
PAGE_PARAMETER = "comments_page"


def discussion_section(
    *, request: HttpRequest, question: Question, my_forecasts: list[Forecast], now: datetime
) -> dict[str, Any]:
    """What the question page's discussion section shows the viewer: whether they may read
    and write, a page of threads with their votes, the comments they may still edit, and
    the rationales they have not shared yet."""
    user = request.user
    visible = discussion_visible(
        question=question, user=user, now=now, has_forecast=bool(my_forecasts)
    )
    data: dict[str, Any] = {
        "visible": visible,
        "hidden_note": HIDDEN_UNTIL_FORECAST,
        "can_write": user.is_authenticated and visible and not question.is_draft,
        "comment_form": CommentForm(),
        "max_reason_chars": MAX_REASON_CHARS,
        "page_parameter": PAGE_PARAMETER,
    }
    if not visible:
        return data
    number = _page_number(request.GET.get(PAGE_PARAMETER))
    start = (number - 1) * THREADS_PER_PAGE
    # One more than a page: whether there is a next page, without counting every thread.
    threads = list(question_threads(question=question)[start : start + THREADS_PER_PAGE + 1])
    has_next = len(threads) > THREADS_PER_PAGE
    threads = threads[:THREADS_PER_PAGE]
    voted = voted_by(user=user, comments=threads)
    with_rationale = [forecast for forecast in my_forecasts if forecast.rationale.strip()]
    shared = rationales_shared(user=user, question=question) if with_rationale else set()
    data.update(
        {
            "threads": threads,
            "page": {
                "number": number,
                "previous": number - 1 if number > 1 else None,
                "next": number + 1 if has_next else None,
            },
            "voted": voted,
            "editable": {
                comment.pk
                for thread in threads
                for comment in (thread, *getattr(thread, "shown_replies", ()))
                if user.is_authenticated
                and comment.author_id == user.pk
                and comment_editable(comment, now=now)
            },
            "shareable": [f for f in with_rationale if f.pk not in shared][:5],
        }
    )
    return data


def _page_number(raw: str | None) -> int:
    """The page of threads asked for; anything but a whole number from 1 is the first."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) < 7:
        return max(1, int(raw))
    return 1
