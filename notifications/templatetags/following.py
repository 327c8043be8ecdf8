"""The follow button on a question page and the following link in the site's header:
template tags, so the pages app shows them without importing this app."""

from __future__ import annotations

from typing import Any

from django import template

from notifications.selectors import follow_state

register = template.Library()


@register.inclusion_tag("notifications/_follow_button.html", takes_context=True)
def follow_button(context: template.Context, question: Any) -> dict[str, Any]:
    """Follow or stop following, and why you follow (you forecast, or you chose to)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    # The question page already read the user's forecasts there: one query fewer.
    forecasts = context.get("my_forecasts")
    return {
        "question": question,
        "state": follow_state(
            user=user,
            question=question,
            has_forecast=None if forecasts is None else bool(forecasts),
        ),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("notifications/_following_link.html", takes_context=True)
def following_link(context: template.Context) -> dict[str, Any]:
    """The header's link to the following page. It costs every page no query: the unread
    alerts are counted on the page itself."""
    request = context.get("request")
    current = getattr(getattr(request, "resolver_match", None), "namespace", "")
    return {"current": current == "following"}
