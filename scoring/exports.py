"""Score exports for analysts: one row per (question, user, rule), columns
`question,user,rule,value,coverage`. Coverage is participation for the daily rules and
the §4 coverage for peer, baseline and log; the community forecast is the user
`community`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from questions.models import Question
from scoring.models import Rule, Score

EXPORT_COLUMNS = ("question", "user", "rule", "value", "coverage")
EXPORT_FORMATS = ("csv", "json")

# rule -> (value column, coverage column), in the order rows are written.
_RULE_COLUMNS = (
    (Rule.ACCURACY, "accuracy", "participation"),
    (Rule.BASELINE, "baseline", "coverage"),
    (Rule.DAILY_BRIER, "daily_brier", "participation"),
    (Rule.LOG, "log_score", "coverage"),
    (Rule.PEER, "peer", "coverage"),
)


def score_rows(*, question: Question | None = None) -> Iterator[dict[str, object]]:
    scores = Score.objects.all()
    if question is not None:
        scores = scores.filter(question=question)
    rows = scores.order_by("question__slug", "user__username").values(
        "question__slug",
        "user__username",
        *{column for _, value, coverage in _RULE_COLUMNS for column in (value, coverage)},
    )
    for row in rows.iterator(chunk_size=5_000):
        for rule, value, coverage in _RULE_COLUMNS:
            if row[value] is None:
                continue  # a daily rule without an active day
            yield {
                "question": row["question__slug"],
                "user": row["user__username"],
                "rule": rule.value,
                "value": row[value],
                "coverage": row[coverage],
            }


def scores_render(rows: Iterator[dict[str, object]], *, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(list(rows), indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    raise ValueError(f"Unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}.")
