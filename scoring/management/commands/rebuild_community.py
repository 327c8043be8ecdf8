"""`manage.py rebuild_community [--question SLUG]`: rebuild community forecast histories
in this process (every question with forecasts by default), with a progress bar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef
from tqdm import tqdm

from forecasts.models import Forecast
from questions.models import Question
from scoring.management.progress import progress_stream
from scoring.services.community import community_update


class Command(BaseCommand):
    help = "Rebuild the community forecast's history, a point at each change, by every method."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--question", metavar="SLUG", help="Only this question.")

    def handle(self, *args: Any, question: str | None, **options: Any) -> None:
        questions = Question.objects.filter(
            Exists(Forecast.objects.filter(question=OuterRef("pk")))
        )
        if question is not None:
            if not Question.objects.filter(slug=question).exists():
                raise CommandError(f"--question: no question with slug {question!r}.")
            questions = Question.objects.filter(slug=question)
        ids = list(questions.order_by("pk").values_list("pk", flat=True))
        points = 0
        for question_id in tqdm(ids, desc="Community", unit="question", file=progress_stream(self)):
            points += community_update(question_id=question_id, full=True).points_written
        self.stdout.write(
            f"Rebuilt the community history of {len(ids)} questions: {points} points."
        )
