"""What services record happened; the pipeline decides what runs.

A service never starts background work itself. Inside its transaction it calls one of
the functions below, which hands the event on only once that transaction commits (at
once when there is none), so a worker never reads rows that are not there yet, nor works
for rows that were rolled back. Which tasks an event starts is the pipeline's business:
`pipeline.handlers` registers a handler for every event when the app loads, in the manner
of Zulip's `queue_event_on_commit`. Each event has a sweep in the pipeline that repairs
it if its message is lost, so a handler may fail without losing work for good.

    after_commit.question_resolved(question_id=question.pk)

A handler runs after the commit, so whatever it raises (a broker that refuses or does not
answer) would turn a saved write into an error page, and a client that retries it would
save it twice. The dispatcher below is the one place that catches: it logs the event and
its payload, and leaves the work to the sweep. After a failure it does not try again for
`PAUSE_SECONDS`, so a write that records many events (an import) or a burst of requests
during an outage waits for the broker once, not once per event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


class Event(StrEnum):
    QUESTION_RESOLVED = "question_resolved"
    """A question was resolved or its resolution corrected (a new ResolutionEvent)."""
    COMMUNITY_STALE = "community_stale"
    """A question's community history was marked pending (CommunityState.pending)."""
    SCORES_STALE = "scores_stale"
    """A resolved question's forecasts changed (an import), so its scores are out of date."""
    SCOPES_DIRTY = "scopes_dirty"
    """Leaderboard and calibration scopes were marked dirty (MaterializedScope.dirty)."""
    RESCORE_STARTED = "rescore_started"
    """A fanned-out rescore was created with its chunks (RescoreRun, RescoreChunk)."""
    PROVENANCE_CHANGED = "provenance_changed"
    """Questions quoting an article were written (an import): their claims must follow."""
    COMMENT_POSTED = "comment_posted"
    """A comment was posted (Comment.alerts_recorded_at is unset until its reply and
    mention alerts are recorded)."""
    CLARIFICATION_ADDED = "clarification_added"
    """A clarification was appended to a question: its followers are alerted."""


Payload = Mapping[str, Any]
Handler = Callable[[Payload], None]

_handlers: dict[Event, Handler] = {}

PAUSE_SECONDS = 5.0
"""How long after a handler failed the dispatcher leaves further events to the sweeps."""
_paused_until = 0.0


def register(event: Event, handler: Handler) -> None:
    """Called by the pipeline when it loads: `handler(payload)` runs after each commit
    that recorded `event`."""
    _handlers[event] = handler


def handler_for(event: Event) -> Handler | None:
    return _handlers.get(event)


def pause_clear() -> None:
    """Try the handlers again from the next event on (the tests call it between tests)."""
    global _paused_until
    _paused_until = 0.0


def _dispatch(event: Event, payload: Payload) -> None:
    global _paused_until
    handler = _handlers.get(event)
    if handler is None:
        # Only when the pipeline app is not installed; its sweeps would repair this.
        logger.error("No handler for the %s event %r: nothing was queued.", event, payload)
        return
    context = {"after_commit_event": event.value, "after_commit_payload": dict(payload)}
    if time.monotonic() < _paused_until:
        logger.warning(
            "Not queueing the work of the %s event %r: a handler failed less than %s s ago; "
            "the sweep will queue it.",
            event,
            dict(payload),
            PAUSE_SECONDS,
            extra=context,
        )
        return
    try:
        handler(payload)
    except Exception:
        # The write is committed: the request must still succeed. Every event has a sweep
        # that finds its work from the rows (docs/lifecycle.md).
        _paused_until = time.monotonic() + PAUSE_SECONDS
        logger.exception(
            "Could not queue the work of the %s event %r; the sweep will queue it.",
            event,
            dict(payload),
            extra=context,
        )


def _record(event: Event, **payload: Any) -> None:
    transaction.on_commit(partial(_dispatch, event, payload))


def question_resolved(*, question_id: int) -> None:
    _record(Event.QUESTION_RESOLVED, question_id=question_id)


def community_stale(*, question_id: int) -> None:
    _record(Event.COMMUNITY_STALE, question_id=question_id)


def scores_stale(*, question_id: int) -> None:
    _record(Event.SCORES_STALE, question_id=question_id)


def scopes_dirty() -> None:
    _record(Event.SCOPES_DIRTY)


def provenance_changed(*, question_ids: list[int]) -> None:
    _record(Event.PROVENANCE_CHANGED, question_ids=sorted(set(question_ids)))


def clarification_added(*, clarification_id: int) -> None:
    _record(Event.CLARIFICATION_ADDED, clarification_id=clarification_id)


def rescore_started(*, run_id: int, chunk_ids: list[int]) -> None:
    _record(Event.RESCORE_STARTED, run_id=run_id, chunk_ids=list(chunk_ids))


def comment_posted(*, comment_id: int) -> None:
    _record(Event.COMMENT_POSTED, comment_id=comment_id)
