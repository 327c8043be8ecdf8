"""The question page's discussion section reads its data here, so the page's view need not
know about it: `{% discussion_for question as discussion %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Paginator
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
    paginator = Paginator(question_threads(question=question), THREADS_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get(PAGE_PARAMETER))
    threads = list(page_obj.object_list)
    voted = voted_by(user=user, comments=threads)
    shared = rationales_shared(user=user, question=question)
    data.update(
        {
            "threads": threads,
            "page_obj": page_obj,
            "voted": voted,
            "editable": {
                comment.pk
                for thread in threads
                for comment in (thread, *getattr(thread, "shown_replies", ()))
                if user.is_authenticated
                and comment.author_id == user.pk
                and comment_editable(comment, now=now)
            },
            "shareable": [
                forecast
                for forecast in my_forecasts
                if forecast.rationale.strip() and forecast.pk not in shared
            ][:5],
        }
    )
    return data


@register.filter
def contains(collection: Any, item: Any) -> bool:
    """`item in collection`; False when the collection is missing from the context."""
    try:
        return item in collection
    except TypeError:
        return False
