"""A comment's body as the page shows it: Markdown rendered and sanitised by
common.markdown, then `@username` mentions turned into links to the forecaster's profile.
The mentions are also what the alerts read (`mentioned_names`)."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.html import escape

from common.markdown import markdown_to_html
from discussion.models import Comment

# The most mentions one comment alerts (and links); the rest are plain text.
MAX_MENTIONS = 20

# `@name` not inside a word or an address (`ana@example.org`), the name ending on a letter
# or digit so that "@ana." mentions ana. Names may hold letters of any script, digits and
# `. + - _` (accounts.usernames).
MENTION = re.compile(r"(?<![\w@.+-])@(\w(?:[\w.+-]*\w)?)")
_TAG = re.compile(r"(<[^>]*>)")
# Text inside these is left as it is: a link's words, and code.
_NO_MENTION_TAGS = ("a", "code", "pre")


def profile_path(username: str) -> str:
    return reverse("profiles:forecaster_profile", args=[username])


def comment_path(comment: Comment) -> str:
    """The comment in its place on its question's page."""
    return reverse("questions:detail", args=[comment.question.slug]) + f"#comment-{comment.pk}"


def mentioned_names(body: str) -> list[str]:
    """The names `body` mentions, in order, each once, at most MAX_MENTIONS."""
    names: list[str] = []
    for found in MENTION.finditer(body or ""):
        name = found.group(1)
        if name not in names:
            names.append(name)
        if len(names) >= MAX_MENTIONS:
            break
    return names


def _link_mentions(text: str, budget: list[int]) -> str:
    def link(found: re.Match[str]) -> str:
        if budget[0] <= 0:
            return found.group(0)
        budget[0] -= 1
        name = found.group(1)
        return f'<a class="mention" href="{escape(profile_path(name))}">@{name}</a>'

    return MENTION.sub(link, text)


def body_html(body: str) -> str:
    """The body's sanitised HTML, its mentions linked to the profiles' path."""
    html = markdown_to_html(body)
    if "@" not in html:
        return html
    parts = _TAG.split(html)
    depth = 0
    budget = [MAX_MENTIONS]
    out: list[str] = []
    for part in parts:
        if part.startswith("<"):
            tag = part[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if part[1:] else ""
            if tag in _NO_MENTION_TAGS:
                depth += -1 if part.startswith("</") else 1
            out.append(part)
        elif depth <= 0 and "@" in part:
            out.append(_link_mentions(part, budget))
        else:
            out.append(part)
    return "".join(out)
