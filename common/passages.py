"""Finding a quoted passage in an article's text, and marking passages in it for a page.
Everything here escapes what it is given: article text and passages come from imports
and must never reach the page as raw HTML."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Characters an editor may have typed differently when copying a passage.
_EQUIVALENT = {
    "'": "['‘’]",
    "‘": "['‘’]",
    "’": "['‘’]",
    '"': '["“”]',
    "“": '["“”]',
    "”": '["“”]',
    "-": "[-–—]",
    "–": "[-–—]",
    "—": "[-–—]",
}


def _passage_pattern(passage: str) -> re.Pattern[str] | None:
    words = passage.split()
    if not words:
        return None
    parts = ["".join(_EQUIVALENT.get(char, re.escape(char)) for char in word) for word in words]
    return re.compile(r"\s+".join(parts))


def locate_passage(text: str, passage: str) -> tuple[int, int] | None:
    """Where `passage` sits in `text`: verbatim first, then allowing for
    re-wrapped lines and straight/curly quotes and dashes."""
    passage = (passage or "").strip()
    if not passage:
        return None
    start = text.find(passage)
    if start >= 0:
        return start, start + len(passage)
    pattern = _passage_pattern(passage)
    match = pattern.search(text) if pattern else None
    return match.span() if match else None


@dataclass(frozen=True)
class PassageMark:
    slug: str
    passage: str
    url: str = ""
    label: str = ""


@dataclass(frozen=True)
class HighlightedText:
    html: SafeString
    located: frozenset[str]


def highlight_passages(text: str, marks: Sequence[PassageMark]) -> HighlightedText:
    """`text` escaped, with each passage wrapped in <mark id="passage-<slug>">.

    Questions that quote the same passage get nested marks, so every question
    has its own anchor; a passage inside another nests too. Two passages that
    cross each other cannot both be marked: the later one is left out of
    `located` and the page says so.
    """
    spans: dict[tuple[int, int], list[PassageMark]] = defaultdict(list)
    for mark in marks:
        span = locate_passage(text, mark.passage)
        if span is not None:
            spans[span].append(mark)

    accepted: list[tuple[int, int]] = []
    stack: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        while stack and stack[-1][1] <= start:
            stack.pop()
        if stack and end > stack[-1][1]:
            continue  # crosses an enclosing passage: HTML cannot nest it
        accepted.append((start, end))
        stack.append((start, end))

    opens: dict[int, list[str]] = defaultdict(list)
    closes: dict[int, list[str]] = defaultdict(list)
    for span in accepted:
        group = spans[span]
        opening = "".join(
            format_html('<mark class="passage" id="passage-{}">', mark.slug) for mark in group
        )
        closing = "</mark>" * len(group) + "".join(
            format_html(' <a class="passage-ref" href="{}">[{}]</a>', mark.url, mark.label)
            for mark in group
            if mark.url
        )
        opens[span[0]].append(opening)
        # Inner passages were accepted after the ones enclosing them and must close first.
        closes[span[1]].insert(0, closing)

    pieces: list[str] = []
    position = 0
    for boundary in sorted({*opens, *closes}):
        pieces.append(str(escape(text[position:boundary])))
        pieces.extend(closes.get(boundary, ()))
        pieces.extend(opens.get(boundary, ()))
        position = boundary
    pieces.append(str(escape(text[position:])))
    located = frozenset(mark.slug for span in accepted for mark in spans[span])
    # Safe: every piece of `text` went through escape(); the tags are built by format_html.
    return HighlightedText(html=mark_safe("".join(pieces)), located=located)
