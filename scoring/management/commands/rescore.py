"""`manage.py rescore [--question SLUG] [--stale-only]`: rebuild scores in this
process. Scores are derived data, so running this any number of times leaves
the same rows; it is the manual form of the worker's sweep."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from questions.models import Question
from scoring.services import question_score, questions_needing_scores


class Command(BaseCommand):
    help = "Rebuild the scores of resolved questions (all, one, or only the stale ones)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--question", metavar="SLUG", help="Only this question.")
        parser.add_argument(
            "--stale-only",
            action="store_true",
            help="Only questions whose scores are missing or older than their resolution.",
        )

    def handle(self, *args: Any, question: str | None, stale_only: bool, **options: Any) -> None:
        question_ids = self._question_ids(question, stale_only=stale_only)
        forecasts = users = rows = 0
        # tqdm writes carriage returns; the command's stderr wrapper would add a
        # newline to each write, so the bar goes to the underlying stream.
        for question_id in tqdm(
            question_ids, desc="Rescoring", unit="question", file=self.stderr._out
        ):
            outcome = question_score(question_id=question_id)
            forecasts += outcome.forecasts_scored
            users += outcome.users_scored
            rows += outcome.rows_written
        self.stdout.write(
            f"Rescored {len(question_ids)} questions: {forecasts} forecasts, "
            f"{users} user scores, {rows} score rows."
        )

    def _question_ids(self, slug: str | None, *, stale_only: bool) -> list[int]:
        stale = set(questions_needing_scores()) if stale_only else None
        if slug is None:
            if stale is not None:
                return sorted(stale)
            return list(Question.objects.resolved().order_by("pk").values_list("pk", flat=True))
        question = Question.objects.filter(slug=slug).first()
        if question is None:
            raise CommandError(f"--question: no question with slug {slug!r}.")
        if not question.resolution:
            raise CommandError(f"--question: {slug!r} is not resolved; there is nothing to score.")
        if stale is not None and question.pk not in stale:
            return []
        return [question.pk]
