"""`manage.py export_scores [--question SLUG] [--format csv|json] [--output FILE]`:
the analysts' export, `question,user,rule,value,coverage`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from questions.models import Question
from scoring.exports import EXPORT_FORMATS, score_rows, scores_render


class Command(BaseCommand):
    help = "Export scores as CSV or JSON (Brier, 0 best, 2 worst), to stdout or a file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--question", metavar="SLUG", help="Only this question's scores.")
        # Checked in handle, not by argparse `choices`, so a bad value fails
        # like every other error here: CommandError, exit code 1.
        parser.add_argument("--format", dest="fmt", default="csv", help=" | ".join(EXPORT_FORMATS))
        parser.add_argument("--output", type=Path, metavar="FILE", help="Default: stdout.")

    def handle(
        self,
        *args: Any,
        question: str | None,
        fmt: str,
        output: Path | None,
        **options: Any,
    ) -> None:
        if fmt not in EXPORT_FORMATS:
            raise CommandError(f"--format: {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}.")
        selected = None
        if question is not None:
            selected = Question.objects.filter(slug=question).first()
            if selected is None:
                raise CommandError(f"--question: no question with slug {question!r}.")
        rows = list(score_rows(question=selected))
        text = scores_render(iter(rows), fmt=fmt)
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"--output: cannot write {output} ({error.strerror}).") from None
        self.stdout.write(f"Wrote {len(rows)} score rows to {output} ({fmt}).")
