"""`manage.py rescore`: rebuild scores, in this process or fanned out over the workers.

    rescore                          every resolved question, here, in chunks
    rescore --question SLUG          one question
    rescore --stale-only             only questions whose scores are missing or stale
    rescore --fan-out                every resolved question as a Celery group of chunk
                                     tasks; shows the run's progress until it finishes
    rescore --fan-out --no-wait      queue the run and return its id

Scores are derived data, so running this any number of times leaves the same rows. In
this process the leaderboards and calibration are rebuilt at the end too; with --fan-out
the worker that finishes the last chunk queues that rebuild."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from questions.models import Question
from scoring.management.progress import progress_stream
from scoring.services import (
    questions_needing_scores,
    questions_score,
    rescore_run_start,
    scopes_rebuild_dirty,
)


class Command(BaseCommand):
    help = "Rebuild the scores of resolved questions (all, one, or only the stale ones)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--question", metavar="SLUG", help="Only this question.")
        parser.add_argument(
            "--stale-only",
            action="store_true",
            help="Only questions whose scores are missing or older than their resolution.",
        )
        parser.add_argument(
            "--fan-out",
            action="store_true",
            help="Queue the work as a group of Celery tasks (one per chunk of questions), "
            "so every running worker takes a share.",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=None,
            metavar="N",
            help="Questions per chunk (default FORESEER_RESCORE_CHUNK_QUESTIONS).",
        )
        parser.add_argument(
            "--no-wait", action="store_true", help="With --fan-out: do not follow progress."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=3600.0,
            help="With --fan-out: seconds to follow progress before giving up (default 3600).",
        )

    def handle(
        self,
        *args: Any,
        question: str | None,
        stale_only: bool,
        fan_out: bool,
        chunk_size: int | None,
        no_wait: bool,
        timeout: float,
        **options: Any,
    ) -> None:
        if chunk_size is None:
            chunk_size = settings.FORESEER_RESCORE_CHUNK_QUESTIONS
        if chunk_size < 1:
            raise CommandError("--chunk-size: must be at least 1.")
        question_ids = self._question_ids(question, stale_only=stale_only)
        if fan_out:
            self._fan_out(question_ids, chunk_size=chunk_size, wait=not no_wait, timeout=timeout)
            return
        forecasts = users = rows = 0
        # tqdm writes carriage returns; the command's stderr wrapper would add a
        # newline to each write, so the bar goes to the underlying stream.
        with tqdm(
            total=len(question_ids), desc="Rescoring", unit="question", file=progress_stream(self)
        ) as bar:
            for start in range(0, len(question_ids), chunk_size):
                chunk = question_ids[start : start + chunk_size]
                outcome = questions_score(question_ids=chunk)
                forecasts += outcome.forecasts_scored
                users += outcome.users_scored
                rows += outcome.rows_written
                bar.update(len(chunk))
        rebuilt = scopes_rebuild_dirty()
        self.stdout.write(
            f"Rescored {len(question_ids)} questions: {forecasts} forecasts, "
            f"{users} user scores, {rows} score rows; rebuilt {len(rebuilt)} leaderboard "
            "and calibration scopes."
        )

    def _fan_out(
        self, question_ids: list[int], *, chunk_size: int, wait: bool, timeout: float
    ) -> None:
        run = rescore_run_start(chunk_size=chunk_size, question_ids=question_ids)
        self.stdout.write(
            f"Rescore run {run.pk}: {run.questions} questions in {run.chunks_total} chunks "
            "queued for the workers."
        )
        if not wait or run.chunks_total == 0:
            return
        deadline = time.monotonic() + timeout
        with tqdm(
            total=run.chunks_total, desc=f"Run {run.pk}", unit="chunk", file=progress_stream(self)
        ) as bar:
            resent = 0
            while True:
                run.refresh_from_db()
                bar.update(run.chunks_done - bar.n)
                # A lost message is sent again by the sweep (rescore_chunks_sweep).
                now_resent = run.chunks.filter(sends__gt=1).count()
                if now_resent != resent:
                    resent = now_resent
                    bar.set_postfix_str(f"{resent} chunks re-sent after a stall")
                if run.finished_at is not None:
                    break
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"Run {run.pk} has {run.chunks_done} of {run.chunks_total} chunks done "
                        f"after {timeout:.0f} s; it goes on in the workers (is one running?)."
                    )
                time.sleep(0.5)
        elapsed = (run.finished_at - run.created_at).total_seconds()
        self.stdout.write(
            f"Run {run.pk} finished: {run.questions} questions in {elapsed:.1f} s. "
            "Leaderboards and calibration are being rebuilt by a worker."
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
