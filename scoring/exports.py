"""Score exports for analysts: `question,user,rule,value,coverage`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from questions.models import Question
from scoring.models import Score

EXPORT_COLUMNS = ("question", "user", "rule", "value", "coverage")
EXPORT_FORMATS = ("csv", "json")


def score_rows(*, question: Question | None = None) -> Iterator[dict[str, object]]:
    scores = Score.objects.all()
    if question is not None:
        scores = scores.filter(question=question)
    rows = scores.order_by("question__slug", "user__username", "rule").values_list(
        "question__slug", "user__username", "rule", "value", "coverage"
    )
    for values in rows.iterator(chunk_size=5_000):
        yield dict(zip(EXPORT_COLUMNS, values, strict=True))


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
