"""The filters the discussion's templates use: a comment's rendered body, membership."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from discussion.text import body_html

register = template.Library()


@register.filter
def comment_html(body: str) -> SafeString:
    """A comment's body, rendered, sanitised and its mentions linked."""
    return mark_safe(body_html(body))


@register.filter
def contains(collection: Any, item: Any) -> bool:
    """`item in collection`; False when the collection is missing from the context."""
    try:
        return item in collection
    except TypeError:
        return False
