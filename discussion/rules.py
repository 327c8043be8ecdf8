"""Who may see a question's discussion. Shared by the selectors (what to show) and the
services (what to accept), so the two cannot drift."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from discussion.models import Comment
from forecasts.models import Forecast
from forecasts.selectors import community_visible
from questions.models import Question

HIDDEN_UNTIL_FORECAST = (
    "The discussion of this question is hidden until you forecast, as its community "
    "forecast is, so your first forecast is your own."
)


def discussion_visible(
    *, question: Question, user: Any, now: datetime, has_forecast: bool | None = None
) -> bool:
    """Whether `user` may read the question's comments: as for its community forecast, a
    question that hides that until you forecast hides its discussion too (until it closes;
    staff and analysts always see it). `has_forecast` spares a query when known."""
    if not question.hide_community_until_forecast:
        return True
    if has_forecast is None:
        has_forecast = bool(
            getattr(user, "is_authenticated", False)
            and Forecast.objects.filter(user=user, question=question).exists()
        )
    return community_visible(question=question, user=user, has_forecast=has_forecast, now=now)


def comment_editable(comment: Comment, *, now: datetime) -> bool:
    """Whether the comment is still within its author's edit window (and not hidden)."""
    return not comment.hidden and now <= comment.created_at + settings.FORESEER_COMMENT_EDIT_WINDOW
