"""A full rescore fanned out over Celery: the resolved questions cut into chunks, one task
per chunk, so more workers finish sooner. Each chunk is finished with a conditional UPDATE,
so a chunk task that runs twice (a redelivered or re-sent message) counts once: a copy that
arrives after the chunk finished does nothing, one that runs beside it rescores the same
questions again, harmlessly. The task that finishes the last chunk marks every scope for a
rebuild.

A message can be lost (a worker killed mid-chunk: Redis gives the message back only after
its visibility timeout, an hour; a broker restart without its append-only file). So each
chunk records when it was sent and taken, and `rescore_chunks_resend` finds the runs in
which nothing has moved for FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS, for the sweep to send
their unfinished chunks again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from common import after_commit
from questions.models import Question
from scoring.models import MaterializedScope, RescoreChunk, RescoreRun
from scoring.services.scores import ScoringOutcome, questions_score, scopes_mark_dirty

logger = logging.getLogger(__name__)

# A chunk sent this many times without finishing fails on every attempt (a bug, or data it
# cannot score): the sweep stops sending it, and says so once, rather than loop forever.
CHUNK_MAX_SENDS = 5


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
        now = timezone.now()
        chunks = [question_ids[i : i + chunk_size] for i in range(0, len(question_ids), chunk_size)]
        run = RescoreRun.objects.create(
            chunks_total=len(chunks),
            questions=len(question_ids),
            finished_at=None if chunks else now,
        )
        # Sent on commit; if that send is lost, the sweep sends them again.
        created = RescoreChunk.objects.bulk_create(
            [RescoreChunk(run=run, question_ids=ids, sent_at=now) for ids in chunks]
        )
        if created:
            after_commit.rescore_started(run_id=run.pk, chunk_ids=[chunk.pk for chunk in created])
    return run


@dataclass(frozen=True)
class ChunkOutcome:
    scoring: ScoringOutcome
    counted: bool
    run_finished: bool


NOTHING_SCORED = ScoringOutcome(questions=0, forecasts_scored=0, users_scored=0, rows_written=0)


def rescore_chunk_run(*, chunk_id: int) -> ChunkOutcome:
    chunk = RescoreChunk.objects.get(pk=chunk_id)
    if chunk.finished_at is not None:
        # A second copy of its message (redelivered, or re-sent while the first was only
        # slow): the work is done and counted.
        return ChunkOutcome(scoring=NOTHING_SCORED, counted=False, run_finished=False)
    # Taken: committed at once, so the sweep sees the run move and leaves it alone.
    RescoreChunk.objects.filter(pk=chunk_id, finished_at__isnull=True).update(
        started_at=timezone.now()
    )
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


def rescore_chunks_resend(*, now: datetime | None = None) -> list[int]:
    """The chunks to send again: the unfinished chunks of every run in which nothing has
    moved (no chunk sent, taken or finished) for FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS.

    A chunk takes a second or so, so a run that quiet has lost a message: its worker was
    killed, or the broker lost it. Judging the run rather than each chunk keeps the sweep
    from re-sending chunks that are only queued behind their run's others. Each chunk is
    claimed with a conditional UPDATE (a new `sent_at`, one more send), so two sweeps never
    both send it, and the next re-send waits for another quiet timeout. The caller sends
    the ids returned; if that send is lost too, the run stays quiet and the next sweep
    tries again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS)
    moving = RescoreChunk.objects.filter(run=OuterRef("pk")).filter(
        Q(sent_at__gte=cutoff) | Q(started_at__gte=cutoff) | Q(finished_at__gte=cutoff)
    )
    stalled = RescoreRun.objects.filter(finished_at__isnull=True, created_at__lt=cutoff).filter(
        ~Exists(moving)
    )
    candidates = RescoreChunk.objects.filter(
        run__in=stalled, finished_at__isnull=True, sends__lt=CHUNK_MAX_SENDS
    ).order_by("pk")
    claimed = []
    for chunk in candidates.only("pk", "run_id", "sends"):
        # Every send adds one to `sends`: matching the count read is the claim.
        if not RescoreChunk.objects.filter(
            pk=chunk.pk, sends=chunk.sends, finished_at__isnull=True
        ).update(sent_at=now, sends=F("sends") + 1):
            continue  # another sweep claimed it, or it finished meanwhile
        claimed.append(chunk.pk)
        sends = chunk.sends + 1
        if sends == CHUNK_MAX_SENDS:
            logger.error(
                "Rescore run %s: chunk %s sent a last time (send %d of %d); if it fails "
                "again, look at the worker's log, fix the cause and start a new run.",
                chunk.run_id,
                chunk.pk,
                sends,
                CHUNK_MAX_SENDS,
            )
        else:
            logger.warning(
                "Rescore run %s: nothing moved for %.0f s; chunk %s sent again (send %d).",
                chunk.run_id,
                settings.FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS,
                chunk.pk,
                sends,
            )
    return claimed
