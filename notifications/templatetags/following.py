"""The follow button on a question page and the following link in the site's header:
template tags, so the pages app shows them without importing this app."""

from __future__ import annotations

from typing import Any

from django import template

from notifications.selectors import follow_state, unread_alert_count

register = template.Library()


@register.inclusion_tag("notifications/_follow_button.html", takes_context=True)
def follow_button(context: template.Context, question: Any) -> dict[str, Any]:
    """Follow or stop following, and why you follow (you forecast, or you chose to)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "question": question,
        "state": follow_state(user=user, question=question),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("notifications/_following_link.html", takes_context=True)
def following_link(context: template.Context) -> dict[str, Any]:
    """The header's link to the following page, with the unread alerts counted."""
    request = context.get("request")
    user = getattr(request, "user", None)
    current = getattr(getattr(request, "resolver_match", None), "namespace", "")
    return {"unread": unread_alert_count(user=user), "current": current == "following"}
