"""Template tags about questions."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from questions.models import Question

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> SafeString:
    """A question's status as a badge, labelled as `Question.Status` labels it."""
    label = Question.Status(status).label if status in Question.Status.values else status
    return format_html('<span class="badge badge-{}">{}</span>', status, label)
