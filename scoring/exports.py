"""Score exports for analysts: one row per (question, user, rule), columns
`question,user,rule,value,coverage`. Coverage is participation for the daily rules and
the §4 coverage for peer, baseline and log; the community forecast is the user
`community`, and an article's direct claim on a question the user `article:<article-slug>`
(a constant forecast at the midpoint of its implied range: docs/scoring.md). Cells a
spreadsheet would run as a formula (a username starting with "=") are neutralised, as in
every CSV of the site."""

from __future__ import annotations

import json
from collections.abc import Iterator

from common.csv import csv_text
from questions.models import Question
from scoring import registry
from scoring.models import Score

EXPORT_COLUMNS = ("question", "user", "rule", "value", "coverage")
EXPORT_FORMATS = ("csv", "json")


def score_rows(*, question: Question | None = None) -> Iterator[dict[str, object]]:
    """Each score row as one row per rule, the rules in the order of their keys (as this
    export has always listed them)."""
    rules = sorted(registry.rules(), key=lambda rule: rule.key)
    scores = Score.objects.all()
    if question is not None:
        scores = scores.filter(question=question)
    rows = scores.order_by("question__slug", "user__username").values(
        "question__slug",
        "user__username",
        *{column for rule in rules for column in (rule.column, rule.weight)},
    )
    for row in rows.iterator(chunk_size=5_000):
        for rule in rules:
            if row[rule.column] is None:
                continue  # a daily rule without an active day
            yield {
                "question": row["question__slug"],
                "user": row["user__username"],
                "rule": rule.key,
                "value": row[rule.column],
                "coverage": row[rule.weight],
            }


def scores_render(rows: Iterator[dict[str, object]], *, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(list(rows), indent=2) + "\n"
    if fmt == "csv":
        return csv_text(rows, header=list(EXPORT_COLUMNS))
    raise ValueError(f"Unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}.")
