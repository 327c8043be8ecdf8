"""Formatting shared by the web pages and the emails: probabilities, scores, times (the
viewer's and UTC) and question texts written in Markdown. Everything here escapes or
sanitises what it is given."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from common.markdown import markdown_to_html

register = template.Library()


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """A probability (0..1) as a percentage without trailing zeros: 0.625 -> 62.5%."""
    if value is None or value == "":
        return "—"
    text = f"{float(value) * 100:.{int(places)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


@register.filter
def percent_range(low: Any, high: Any) -> str:
    """A range of probabilities with one percent sign, as the track records and the
    likelihood tables write it: (0.55, 0.8) -> 55–80%; a range of one value is that value."""
    if low is None or low == "" or high is None or high == "":
        return "—"
    first, last = percent(low), percent(high)
    return first if first == last else f"{first.removesuffix('%')}–{last}"


# A Markdown heading's marker at the start of a line ("# Title", "## Section").
_HEADING_MARKER = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)


@register.filter
def without_heading_marks(value: Any) -> str:
    """Stored text as a reader sees it: "# The Alliance" shows as "The Alliance". For an
    excerpt around a passage only; the article's full text stays as stored, since its
    offsets and what a reader selects from it must match the stored text."""
    return _HEADING_MARKER.sub("", str(value or ""))


@register.filter(is_safe=True)
def markdown(value: Any) -> SafeString:
    """A question text written in Markdown (background, criteria, fine print, a
    clarification) as sanitised HTML: the one way pages and emails show these texts."""
    # Safe to mark: markdown_to_html escapes raw HTML and nh3 keeps only an allowlist.
    return mark_safe(markdown_to_html(None if value is None else str(value)))


# Where a sentence ends: its stop (and a closing quote or bracket) before a space and a
# capital, or a blank line (a paragraph or a heading).
_SENTENCE_END = re.compile(r"(?:[.!?…][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|\n\s*\n)")
# The most a snippet reaches back for the start of its passage's sentence; beyond it, the
# passage starts the snippet after an ellipsis.
SNIPPET_LEAD_WORDS = 25


@register.filter
def from_sentence_start(passage: Any, text: Any) -> str:
    """A passage as a snippet that starts where a sentence does: a passage quoted from
    the middle of a sentence ("coinciding with a rise in ...") gets the start of its
    sentence from the article's text, or an ellipsis when that is far back or the
    passage is not found in the text. Whitespace is collapsed (the text keeps the hard
    line breaks of its source)."""
    passage = " ".join(str(passage or "").split())
    text = str(text or "")
    if not passage or (not passage[0].islower() and passage[0] not in ",;:–—-)"):
        return passage
    pattern = r"\s+".join(re.escape(word) for word in passage.split())
    found = re.search(pattern, text)
    if found is None:
        return f"… {passage}"
    before = text[: found.start()]
    ends = list(_SENTENCE_END.finditer(before))
    lead = " ".join(before[ends[-1].end() if ends else 0 :].split())
    if not lead or len(lead.split()) > SNIPPET_LEAD_WORDS:
        return f"… {passage}"
    lead = _HEADING_MARKER.sub("", lead)
    return f"{lead} {passage}"


@register.filter
def score(value: Any, places: int = 3) -> str:
    """A score with a fixed number of decimals; a missing score is a dash."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.{int(places)}f}"


@register.filter
def signed(value: Any, places: int = 3) -> str:
    """An Accuracy score with its sign, so "better than the crowd" reads at a glance."""
    if value is None or value == "":
        return "—"
    return f"{float(value):+.{int(places)}f}"


@register.filter
def utc(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    """Times are stored and shown in UTC, whatever the server's zone."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime(fmt)


@register.simple_tag
def when(value: datetime | None) -> SafeString:
    """A <time> element in the viewer's zone (the active one: see
    accounts.middleware), its zone's abbreviation after it; the UTC instant is its
    machine-readable value and its title, shown on hover."""
    if value is None:
        return mark_safe("—")
    moment = value.astimezone(UTC)
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{} {}</time>',
        moment.isoformat(),
        utc(value),
        local.strftime("%Y-%m-%d %H:%M"),
        local.tzname() or "UTC",
    )


@register.filter
def local_and_utc(value: datetime | None) -> str:
    """A time in the active zone (an email's recipient's) with UTC in brackets; UTC alone
    when the zone is UTC."""
    if value is None:
        return "—"
    moment = value.astimezone(UTC)
    local = timezone.localtime(value)
    if local.utcoffset() == moment.utcoffset():
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({moment:%Y-%m-%d %H:%M} UTC)"


@register.simple_tag
def utc_time(value: datetime | None) -> SafeString:
    """A <time> element whose machine-readable value is the ISO 8601 instant."""
    if value is None:
        return mark_safe("—")
    moment = value.astimezone(UTC)
    return format_html(
        '<time datetime="{}">{}</time>', moment.isoformat(), moment.strftime("%Y-%m-%d %H:%M UTC")
    )
