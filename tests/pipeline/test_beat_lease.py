"""Exactly one beat sends: the beat that holds the lease in Redis sends the schedule, a
second one stands by, sending nothing, and takes over when the first stops (at once if it
stopped cleanly, when the lease expires if it died)."""

from __future__ import annotations

import logging
import time
import uuid
from types import SimpleNamespace
from unittest import mock

import pytest
import redis
from celery.beat import PersistentScheduler

from config.celery import app
from pipeline.beat import RENEW_SECONDS, BeatLease, SingleBeatScheduler, beat_lease


@pytest.fixture
def key(require_redis):
    name = f"foreseer:test-beat-lease:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(require_redis)
    yield name
    client.delete(name)


def lease(url: str, key: str, holder: str, seconds: float = 60) -> BeatLease:
    return BeatLease(redis.Redis.from_url(url), key=key, holder=holder, seconds=seconds)


@pytest.mark.redis
def test_one_holder_at_a_time(require_redis, key):
    first = lease(require_redis, key, "beat-1")
    second = lease(require_redis, key, "beat-2")
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewed
    assert second.held_by() == "beat-1"
    second.release()  # not its lease: nothing happens
    assert second.held_by() == "beat-1"
    first.release()
    assert second.hold()
    assert not first.hold()


@pytest.mark.redis
def test_a_lease_not_renewed_expires_and_the_standby_takes_over(require_redis, key):
    died = lease(require_redis, key, "beat-1", seconds=0.3)
    standby = lease(require_redis, key, "beat-2", seconds=0.3)
    assert died.hold()
    assert not standby.hold()
    time.sleep(0.5)
    assert standby.hold()


@pytest.fixture
def scheduler(tmp_path):
    with mock.patch("pipeline.beat.beat_lease", return_value=None):
        made = SingleBeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    yield made
    made.close()


@pytest.mark.redis
def test_a_standby_beat_sends_nothing_until_it_holds_the_lease(
    scheduler, require_redis, key, caplog
):
    active = lease(require_redis, key, "beat-1")
    assert active.hold()
    scheduler.lease = lease(require_redis, key, "beat-2")
    with (
        mock.patch.object(PersistentScheduler, "tick", return_value=5.0) as send_due,
        caplog.at_level(logging.INFO, logger="pipeline.beat"),
    ):
        assert scheduler.tick() == RENEW_SECONDS
        assert scheduler.tick() == RENEW_SECONDS
        send_due.assert_not_called()
        assert caplog.text.count("standing by") == 1  # said once, not every tick
        assert "held by beat-1" in caplog.text

        active.release()  # the active beat stopped
        assert scheduler.tick() == 5.0
        send_due.assert_called_once()
        assert "holds the lease" in caplog.text
    assert scheduler.lease.held_by() == "beat-2"
    scheduler.close()  # hands the lease back
    assert active.hold()


def test_the_scheduler_wakes_often_enough_to_renew_the_lease(scheduler):
    with mock.patch.object(PersistentScheduler, "tick", return_value=300.0):
        assert scheduler.tick() == RENEW_SECONDS  # no lease (file-system broker): sends


def test_a_redis_that_does_not_answer_means_sending_nothing(scheduler, caplog):
    scheduler.lease = mock.Mock(spec=BeatLease, key="k")
    scheduler.lease.hold.side_effect = redis.ConnectionError("refused")
    with mock.patch.object(PersistentScheduler, "tick") as send_due:
        assert scheduler.tick() == RENEW_SECONDS
    send_due.assert_not_called()
    assert "cannot renew the beat lease" in caplog.text


def celery_app(broker_url: str, queue: str) -> SimpleNamespace:
    return SimpleNamespace(conf=SimpleNamespace(broker_url=broker_url, task_default_queue=queue))


def test_the_lease_belongs_to_the_broker_and_queue():
    on_redis = beat_lease(celery_app("redis://127.0.0.1:6379/12", "foreseer-a"))
    assert on_redis is not None
    assert on_redis.key == "foreseer:beat-lease:foreseer-a"
    assert on_redis.client.connection_pool.connection_kwargs["db"] == 12
    # The file-system broker serves one machine, and `make run` embeds its only beat.
    assert beat_lease(celery_app("filesystem://", "celery")) is None


def test_the_project_runs_this_scheduler():
    assert app.conf.beat_scheduler == "pipeline.beat:SingleBeatScheduler"
