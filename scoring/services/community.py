"""The community forecast's history (SCORING.md §5): forecasts -> `scoring.core.aggregate`
-> CommunityPoint rows, a point at each change, by every method. `forecasts.community`
marks a question's history stale when forecasts arrive; the update here claims the mark
and extends the stored history from the earliest moment that changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.db import insert_arrays
from forecasts.models import CommunityPoint, CommunityState
from forecasts.selectors import community_chart_rows
from questions.models import Question
from scoring.core import aggregate
from scoring.services.scores import forecast_arrays


def _window_end(question: Question) -> datetime:
    """Forecasts stand until the actual close once resolved, else the scheduled close."""
    return question.actual_close_time if question.resolution else question.scheduled_close_time


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class CommunityUpdate:
    points_written: int
    rebuilt_from: datetime | None
    """The moment from which points were recomputed; None for a full rebuild."""


def community_update(*, question_id: int, full: bool = False) -> CommunityUpdate:
    """Bring one question's history up to date (or rebuild it, `full`). Safe to run twice
    or concurrently: the result is always the history the forecasts imply."""
    # Claim what is waiting in a short transaction: from now on a new forecast sets
    # `pending` again and queues another update rather than being missed.
    CommunityState.objects.get_or_create(question_id=question_id)
    with transaction.atomic():
        claimed = CommunityState.objects.select_for_update().get(question_id=question_id)
        CommunityState.objects.filter(question_id=question_id).update(
            pending=False, dirty_since=None
        )
    question = Question.objects.get(pk=question_id)
    a = settings.FORESEER_EXTREMIZING_A
    end = _window_end(question)
    since = _rebuild_from(claimed, question=question, end=end, a=a, full=full)
    while True:
        points = None if since is False else _points(question, end=end, a=a, since=since)
        with transaction.atomic():
            state = CommunityState.objects.select_for_update().get(question_id=question_id)
            if state.version != claimed.version:
                # Another update wrote in between, perhaps from an older view of the
                # forecasts: recompute everything this one was asked to, from its result.
                claimed = state
                since = (
                    None
                    if since is None
                    else _earliest(
                        since, _rebuild_from(state, question=question, end=end, a=a, full=False)
                    )
                )
                continue
            written = 0
            if since is not False:
                stale = CommunityPoint.objects.filter(question_id=question_id)
                if since is not None:
                    stale = stale.filter(at__gte=since)
                stale.delete()
                written = insert_arrays(CommunityPoint, points) if points else 0
            # Thinned here, once per update, not on every view of the question page.
            chart = community_chart_rows(question=question)
            CommunityState.objects.filter(question_id=question_id).update(
                built_until=end,
                extremizing_a=a,
                version=state.version + 1,
                updated_at=timezone.now(),
                chart=chart,
                # The chart keeps the history's last point: the community forecast now.
                median=chart[-1][1] if chart else None,
                forecasters=chart[-1][2] if chart else 0,
            )
        return CommunityUpdate(points_written=written, rebuilt_from=since or None)


def _earliest(
    first: datetime | Literal[False], second: datetime | Literal[False] | None
) -> datetime | Literal[False] | None:
    """The earlier of two rebuild moments (None: everything; False: nothing)."""
    if first is False:
        return second
    if second is False:
        return first
    if second is None:
        return None
    return min(first, second)


def _rebuild_from(
    state: CommunityState, *, question: Question, end: datetime, a: float, full: bool
) -> datetime | Literal[False] | None:
    """From when the history must be recomputed: None for everything, False for
    nothing."""
    if full or state.built_until is None or state.extremizing_a != a:
        return None
    moments = []
    if state.dirty_since is not None:
        moments.append(max(state.dirty_since, question.open_time))
    if state.built_until != end:
        moments.append(min(state.built_until, end))
    if not moments:
        return False
    # Whole seconds, as the points are stored: the point holding the earliest change.
    return min(moments).replace(microsecond=0)


def _points(
    question: Question, *, end: datetime, a: float, since: datetime | None
) -> dict[str, object] | None:
    """The history's columns from `since` (None: all of it); None without forecasts."""
    # Withdrawals end their forecaster's standing forecast: the history drops them there.
    rows = forecast_arrays(question_ids=[question.pk])
    if not (~rows.withdrawn).any():
        return None
    history = aggregate.community_history(
        question=np.zeros(len(rows), dtype=np.int64),
        user=rows.user,
        created_at=rows.created_at,
        order=rows.order,
        p_yes=rows.p_yes,
        withdrawn=rows.withdrawn,
        start=[_epoch(question.open_time)],
        end=[_epoch(end)],
        a=a,
        since=None if since is None else [_epoch(since)],
    )
    return {
        "question_id": question.pk,
        "at": history.time * 1_000_000,
        "forecasters": history.forecasters,
        **{method: history.values[method] for method in aggregate.METHODS},
    }
