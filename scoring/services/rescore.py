"""A full rescore fanned out over Celery: the resolved questions cut into chunks, one task
per chunk, so more workers finish sooner. Each chunk is finished with a conditional UPDATE,
so a chunk task that runs twice (a redelivered message) rescores again, harmlessly, but
counts once; the task that finishes the last chunk marks every scope for a rebuild."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from common import after_commit
from questions.models import Question
from scoring.models import MaterializedScope, RescoreChunk, RescoreRun
from scoring.services.scores import ScoringOutcome, questions_score, scopes_mark_dirty


def rescore_run_start(
    *, chunk_size: int | None = None, question_ids: list[int] | None = None
) -> RescoreRun:
    """Create a run over every resolved question (or the given ones); its chunks are
    queued once the run is committed."""
    if chunk_size is None:
        chunk_size = settings.FORESEER_RESCORE_CHUNK_QUESTIONS
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    if question_ids is None:
        question_ids = list(Question.objects.resolved().order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        chunks = [question_ids[i : i + chunk_size] for i in range(0, len(question_ids), chunk_size)]
        run = RescoreRun.objects.create(
            chunks_total=len(chunks),
            questions=len(question_ids),
            finished_at=None if chunks else timezone.now(),
        )
        created = RescoreChunk.objects.bulk_create(
            [RescoreChunk(run=run, question_ids=ids) for ids in chunks]
        )
        if created:
            after_commit.rescore_started(run_id=run.pk, chunk_ids=[chunk.pk for chunk in created])
    return run


@dataclass(frozen=True)
class ChunkOutcome:
    scoring: ScoringOutcome
    counted: bool
    run_finished: bool


def rescore_chunk_run(*, chunk_id: int) -> ChunkOutcome:
    chunk = RescoreChunk.objects.get(pk=chunk_id)
    outcome = questions_score(question_ids=chunk.question_ids)
    with transaction.atomic():
        now = timezone.now()
        counted = bool(
            RescoreChunk.objects.filter(pk=chunk_id, finished_at__isnull=True).update(
                finished_at=now
            )
        )
        finished = False
        if counted:
            RescoreRun.objects.filter(pk=chunk.run_id).update(chunks_done=F("chunks_done") + 1)
            finished = bool(
                RescoreRun.objects.filter(
                    pk=chunk.run_id, chunks_done=F("chunks_total"), finished_at__isnull=True
                ).update(finished_at=now)
            )
        if finished:
            # Every scope, including those whose questions were all deleted since.
            scopes = set(MaterializedScope.objects.values_list("scope", flat=True)) | {"all"}
            scopes_mark_dirty(scopes=scopes, now=now)
    return ChunkOutcome(scoring=outcome, counted=counted, run_finished=finished)
