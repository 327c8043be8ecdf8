"""Services record what happened; the pipeline decides what runs. These tests hold the
event table to the tasks each event starts, and the events to the transaction: nothing
reaches a handler before its transaction commits, and nothing if it rolls back."""

from __future__ import annotations

import logging
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction

from common import after_commit
from common.after_commit import Event
from pipeline import handlers, tasks


def test_every_event_has_a_handler():
    assert set(handlers.HANDLERS) == set(Event)
    for event in Event:
        assert after_commit.handler_for(event) is handlers.HANDLERS[event]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            lambda: after_commit.question_resolved(question_id=7),
            {"score_question": [7], "update_community": [7]},
        ),
        (lambda: after_commit.community_stale(question_id=7), {"update_community": [7]}),
        (lambda: after_commit.scores_stale(question_id=7), {"score_question": [7]}),
        (after_commit.scopes_dirty, {"rebuild_scopes": [None]}),
    ],
    ids=["question_resolved", "community_stale", "scores_stale", "scopes_dirty"],
)
def test_each_event_queues_its_tasks_once_the_transaction_commits(
    db, record, expected, django_capture_on_commit_callbacks
):
    names = ("score_question", "update_community", "rebuild_scopes")
    mocks = {name: mock.MagicMock(name=name) for name in names}
    with mock.patch.multiple(tasks, **mocks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            record()
        for name in names:
            mocks[name].delay.assert_not_called()  # the transaction has not committed
        for callback in callbacks:  # it commits
            callback()
    for name in names:
        calls = [call.args[0] if call.args else None for call in mocks[name].delay.mock_calls]
        assert calls == expected.get(name, []), name


def test_a_rolled_back_transaction_queues_nothing(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        after_commit.question_resolved(question_id=7)
        raise RuntimeError("rolled back")
    assert callbacks == []


def test_a_rescore_fans_out_one_group_of_chunk_tasks(db, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(handlers, "group") as group,
        django_capture_on_commit_callbacks(execute=True),
    ):
        after_commit.rescore_started(run_id=1, chunk_ids=[4, 5, 6])
    signatures = list(group.call_args.args[0])
    assert [signature.args for signature in signatures] == [(4,), (5,), (6,)]
    assert {signature.task for signature in signatures} == {tasks.rescore_chunk.name}
    group.return_value.apply_async.assert_called_once_with()


def test_an_event_without_a_handler_is_logged_not_lost_silently(
    db, caplog, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.delitem(after_commit._handlers, Event.SCOPES_DIRTY)
    with (
        caplog.at_level(logging.ERROR, logger="common.after_commit"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        after_commit.scopes_dirty()
    assert "No handler for the scopes_dirty event" in caplog.text


def test_only_the_pipeline_has_tasks():
    root = Path(settings.BASE_DIR)
    modules = sorted(
        str(path.relative_to(root))
        for path in root.rglob("tasks.py")
        if ".venv" not in path.parts and "tests" not in path.parts
    )
    assert modules == ["pipeline/tasks.py"]
