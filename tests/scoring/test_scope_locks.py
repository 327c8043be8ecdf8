"""Two rebuilds of one scope at once (two workers: one claimed the scope's dirty mark, a
second claimed the mark scoring set again meanwhile) take turns on the scope's lock: both
succeed, and the rows are a single rebuild's. Without the lock the later one's insert met
the earlier one's rows on `leaderboard_unique_scope_rule_user`."""

from __future__ import annotations

import json
import threading
import time
from unittest import mock

import pytest
from django.db import connections, transaction

from common.db import advisory_xact_lock, lock_id
from scoring.models import CalibrationReport, LeaderboardEntry, MaterializedScope
from scoring.scopes import Scope
from scoring.services import leaderboards as leaderboard_service
from scoring.services import question_score, scope_rebuild, scopes_rebuild_dirty
from tests.factories import StaffFactory, example_b_question

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def tables() -> tuple[list, list]:
    entries = sorted(
        LeaderboardEntry.objects.values_list(
            "scope", "rule", "user_id", "rank", "value", "ci_low", "ci_high", "questions"
        ),
        key=repr,
    )
    reports = sorted(
        (scope, weighting, closed_only, json.dumps(payload, sort_keys=True))
        for scope, weighting, closed_only, payload in CalibrationReport.objects.values_list(
            "scope", "weighting", "closed_only", "payload"
        )
    )
    return entries, reports


@pytest.fixture
def scored(require_postgres, settings):
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 50
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 1
    from datetime import UTC, datetime

    from questions.services import question_resolve

    question, _ = example_b_question(slug="locked-b")
    with mock.patch("pipeline.tasks.score_question.delay"):
        question_resolve(
            question=question,
            outcome="yes",
            known_at=datetime(2016, 11, 8, tzinfo=UTC),
            resolved_by=StaffFactory(username="resolver"),
        )
    question_score(question_id=question.pk)
    return question


def test_two_rebuilds_of_one_scope_at_once_take_turns(scored):
    scopes_rebuild_dirty()
    single = tables()
    assert single[0] and single[1]

    # Each rebuild pauses between deleting the old rows and inserting the new ones, so
    # without the lock the two would interleave every time.
    compute = leaderboard_service.rule_tables

    def slow_rule_tables(*args, **kwargs):
        time.sleep(0.3)
        return compute(*args, **kwargs)

    start = threading.Barrier(2)
    errors: list[BaseException] = []
    finished: list[float] = []

    def rebuild() -> None:
        try:
            start.wait()
            scope_rebuild(scope=Scope.parse("all"))
            finished.append(time.monotonic())
        except BaseException as error:  # reported below, with the other thread's
            errors.append(error)
        finally:
            connections.close_all()

    with mock.patch.object(leaderboard_service, "rule_tables", slow_rule_tables):
        began = time.monotonic()
        threads = [threading.Thread(target=rebuild) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert len(finished) == 2
    # Taking turns: the second started its pause only once the first had finished.
    assert max(finished) - began >= 0.6
    assert tables() == single
    assert not MaterializedScope.objects.filter(scope="all", built_at=None).exists()


def other_session_takes(name: str) -> bool:
    """Whether another session (a thread's own connection) could take the lock now."""
    taken: list[bool] = []

    def attempt() -> None:
        try:
            with transaction.atomic(), connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id(name)])
                taken.append(cursor.fetchone()[0])
        finally:
            connections.close_all()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(timeout=30)
    return taken == [True]


def test_the_lock_is_held_until_the_transaction_ends(require_postgres):
    name = "foreseer:test-lock"
    with transaction.atomic():
        advisory_xact_lock(name)
        assert not other_session_takes(name)
        assert other_session_takes("foreseer:another-lock")
    # Released at commit, with nothing to undo by hand.
    assert other_session_takes(name)


def test_the_lock_needs_a_transaction(db):
    with pytest.raises(RuntimeError, match="transaction"):
        advisory_xact_lock("foreseer:test-lock")
