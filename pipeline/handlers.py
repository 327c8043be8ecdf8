"""What runs when a service records an event (`common.after_commit`). Each handler only
queues tasks: it runs in the request (or task) whose transaction just committed."""

from __future__ import annotations

from celery import group

from common import after_commit
from common.after_commit import Event, Payload
from pipeline import tasks


def on_question_resolved(payload: Payload) -> None:
    question_id = payload["question_id"]
    # Scoring is followed by the resolution emails (see tasks.score_question); the
    # community history is cut at the new actual close.
    tasks.score_question.delay(question_id)
    tasks.update_community.delay(question_id)


def on_community_stale(payload: Payload) -> None:
    tasks.update_community.delay(payload["question_id"])


def on_scores_stale(payload: Payload) -> None:
    tasks.score_question.delay(payload["question_id"])


def on_scopes_dirty(payload: Payload) -> None:
    tasks.rebuild_scopes.delay()


def on_rescore_started(payload: Payload) -> None:
    group(tasks.rescore_chunk.s(chunk_id) for chunk_id in payload["chunk_ids"]).apply_async()


def on_provenance_changed(payload: Payload) -> None:
    tasks.sync_provenance.delay(payload["question_ids"])


def on_comment_posted(payload: Payload) -> None:
    tasks.comment_alerts.delay(payload["comment_id"])


def on_clarification_added(payload: Payload) -> None:
    tasks.record_clarification_alerts.delay(payload["clarification_id"])


HANDLERS = {
    Event.QUESTION_RESOLVED: on_question_resolved,
    Event.COMMUNITY_STALE: on_community_stale,
    Event.SCORES_STALE: on_scores_stale,
    Event.SCOPES_DIRTY: on_scopes_dirty,
    Event.RESCORE_STARTED: on_rescore_started,
    Event.PROVENANCE_CHANGED: on_provenance_changed,
    Event.COMMENT_POSTED: on_comment_posted,
    Event.CLARIFICATION_ADDED: on_clarification_added,
}


def register_handlers() -> None:
    for event, handler in HANDLERS.items():
        after_commit.register(event, handler)
