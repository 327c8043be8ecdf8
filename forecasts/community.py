"""The community forecast's history is derived data (scoring.services.community rebuilds
it); here is what forecasts do to it. Updating is coalesced per question and kept off the
submission path: submitting a forecast only flips `CommunityState.pending` with a
conditional UPDATE and, if it was not already pending, queues an update once the forecast
commits. The update extends the stored history from the earliest moment that changed (the
earliest new forecast, or a moved close), so the cost of a new forecast does not grow with
the question's past.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from common import after_commit
from forecasts.models import CommunityState, Forecast
from questions.models import Question


def community_request(*, question_id: int, since: datetime, now: datetime | None = None) -> bool:
    """Note that the question's history changed from `since` (a new forecast's time) and
    ask for an update unless one is already pending; True if this call asked. Call it
    inside the transaction that writes the forecasts: at most three small queries,
    whatever the number of forecasts, and the update is queued only once that commits."""
    now = now or timezone.now()
    lowered = Least(Coalesce(F("dirty_since"), Value(since)), Value(since))
    states = CommunityState.objects.filter(question_id=question_id)
    if states.filter(pending=True).update(dirty_since=lowered):
        return False  # the queued update will see this change too
    if not states.filter(pending=False).update(pending=True, requested_at=now, dirty_since=lowered):
        _, created = CommunityState.objects.get_or_create(
            question_id=question_id,
            defaults={"pending": True, "requested_at": now, "dirty_since": since},
        )
        if not created:
            # Created by a concurrent request in between; lower its mark and leave the
            # queueing to whoever created it.
            states.update(dirty_since=lowered)
            return False
    after_commit.community_stale(question_id=question_id)
    return True


def community_sweep(*, now: datetime | None = None) -> list[int]:
    """The safety net: updates requested long ago whose message was lost, histories built
    with another extremizing a or to another end than the question's window now has (a
    resolution's update was lost), and questions with forecasts but no history yet. Marks
    each pending again and returns their ids, for the caller to queue their updates."""
    now = now or timezone.now()
    overdue = now - timedelta(seconds=settings.FORESEER_RESCORE_SWEEP_SECONDS)
    stuck = CommunityState.objects.filter(pending=True, requested_at__lt=overdue)
    stale_a = CommunityState.objects.exclude(extremizing_a=settings.FORESEER_EXTREMIZING_A)
    missing = Question.objects.filter(
        Exists(Forecast.objects.filter(question=OuterRef("pk"))),
        community_state__isnull=True,
    )
    # A resolved question's history ends at its actual close, the earlier of the scheduled
    # close and the time the outcome became known.
    resolved_end = Least(F("question__scheduled_close_time"), F("question__known_at"))
    moved_end = (
        CommunityState.objects.filter(built_until__isnull=False, question__known_at__isnull=False)
        .exclude(question__resolution="")
        .exclude(built_until=resolved_end)
    )
    ids = sorted(
        set(stuck.values_list("question_id", flat=True))
        | set(stale_a.values_list("question_id", flat=True))
        | set(moved_end.values_list("question_id", flat=True))
        | set(missing.values_list("pk", flat=True))
    )
    CommunityState.objects.filter(question_id__in=ids).update(pending=True, requested_at=now)
    return ids
