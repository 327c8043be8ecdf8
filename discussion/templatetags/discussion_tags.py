"""The question page's discussion section reads its data here, so the page's view need not
know about it: `{% discussion_for question as discussion %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from discussion.forms import CommentForm, HideForm
from discussion.rules import comment_editable
from discussion.selectors import (
    discussion_access,
    question_threads,
    rationales_shared,
    voted_by,
)
from discussion.text import body_html, profile_path
from questions.models import Question

register = template.Library()

THREADS_PER_PAGE = 20
PAGE_PARAMETER = "comments_page"


@register.filter
def comment_html(body: str) -> SafeString:
    """A comment's body, rendered, sanitised and its mentions linked."""
    return mark_safe(body_html(body))


@register.filter
def profile_url(username: str) -> str:
    return profile_path(username)


@register.simple_tag(takes_context=True)
def discussion_for(context: template.Context, question: Question) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    now = timezone.now()
    my_forecasts = context.get("my_forecasts") or []
    access = discussion_access(
        question=question, user=user, now=now, has_forecast=bool(my_forecasts) or None
    )
    data: dict[str, Any] = {
        "visible": access.visible,
        "can_write": user.is_authenticated and access.visible and not question.is_draft,
        "comment_form": CommentForm(),
        "hide_form": HideForm(),
        "page_parameter": PAGE_PARAMETER,
    }
    if not access.visible:
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


@register.filter
def contains(collection: Any, item: Any) -> bool:
    """`item in collection`; False when the collection is missing from the context."""
    try:
        return item in collection
    except TypeError:
        return False
