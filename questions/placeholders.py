"""The placeholders a question's title, criteria and fine print may use, filled from
the question's own window: `{open_date}`, `{close_date}` (ISO dates) and
`{open_year}`, `{close_year}`. Question files (questions.imports) and drafts written
on the staff pages (questions.services) fill them by the same rule, so a text is
never published with a placeholder in it."""

from __future__ import annotations

import re
from datetime import datetime

# The fields that may hold placeholders.
TEMPLATED_FIELDS = ("title", "resolution_criteria", "fine_print")
PLACEHOLDERS_ALLOWED = (
    "only {open_date}, {close_date}, {open_year} and {close_year} may stand in braces"
)

# `{name}` stands for a placeholder; `{{` and `}}` for a brace. Nothing else in braces is
# read: no attribute access, indexing or format spec, as str.format would allow (a title
# `{open_date.foo}` or `{open_date:>30000000}`).
_BRACES = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def placeholders_render(text: str, values: dict[str, str]) -> str:
    """`text` with each `{name}` of `values` replaced; ValueError naming the first thing in
    braces that is not one of them, or a lone brace."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        if name is not None and name in values:
            return values[name]
        shown = token if len(token) <= 40 else token[:37] + "...}"
        raise ValueError(f"{shown!r} is not a placeholder")

    return _BRACES.sub(replace, text)


def window_placeholders(open_time: datetime, close_time: datetime) -> dict[str, str]:
    return {
        "open_date": open_time.date().isoformat(),
        "close_date": close_time.date().isoformat(),
        "open_year": str(open_time.year),
        "close_year": str(close_time.year),
    }
