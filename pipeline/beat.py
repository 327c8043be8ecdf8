"""The periodic tasks: the close, the sweeps that repair lost messages, the daily emails
and the pruning of old idempotency keys. Every one of them is safe to run twice, or late.
And the scheduler that makes sure only one beat sends them, however many are started."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from typing import Any

import redis
from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from django.conf import settings

logger = logging.getLogger(__name__)


def beat_schedule() -> dict[str, dict[str, Any]]:
    sweep = settings.FORESEER_RESCORE_SWEEP_SECONDS
    return {
        "close-due-questions": {"task": "pipeline.tasks.close_due_questions", "schedule": 60.0},
        "rescore-stale-questions": {
            "task": "pipeline.tasks.rescore_stale_questions",
            "schedule": sweep,
        },
        # A stalled fanned-out rescore is noticed within a chunk timeout of going quiet.
        "rescore-chunks-sweep": {
            "task": "pipeline.tasks.rescore_chunks_sweep",
            "schedule": min(sweep, settings.FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS),
        },
        "community-sweep": {"task": "pipeline.tasks.community_sweep", "schedule": sweep},
        "provenance-sweep": {"task": "pipeline.tasks.provenance_sweep", "schedule": sweep},
        "resolution-emails-sweep": {
            "task": "pipeline.tasks.resolution_emails_sweep",
            "schedule": sweep,
        },
        "comment-alerts-sweep": {
            "task": "pipeline.tasks.comment_alerts_sweep",
            "schedule": sweep,
        },
        "alerts-sweep": {"task": "pipeline.tasks.alerts_sweep", "schedule": sweep},
        # The alerts of those who want them at once; each alert is emailed once.
        "alert-emails": {
            "task": "pipeline.tasks.send_alert_emails",
            "schedule": settings.FORESEER_ALERT_EMAIL_SECONDS,
        },
        "alert-digest": {
            "task": "pipeline.tasks.send_alert_digest",
            "schedule": crontab(hour=7, minute=30),
        },
        # Daily emails; each is keyed so a second run the same day sends nothing.
        "forecast-reminders": {
            "task": "pipeline.tasks.send_forecast_reminders",
            "schedule": crontab(hour=8, minute=0),
        },
        "resolution-digest": {
            "task": "pipeline.tasks.send_resolution_digest",
            "schedule": crontab(hour=7, minute=0),
        },
        "prune-forecast-requests": {
            "task": "pipeline.tasks.prune_forecast_requests",
            "schedule": crontab(hour=3, minute=30),
        },
    }


# --- Exactly one beat sends -----------------------------------------------------------------

# The lease outlives a few missed renewals (a beat paused by a slow disk or a busy host);
# a beat renews it on every tick, and ticks at least this often.
LEASE_SECONDS = 60
RENEW_SECONDS = 15


class BeatLease:
    """A lease in Redis that one beat at a time holds: the beat that holds it sends the
    periodic tasks, any other stands by and takes over once the holder stops renewing it
    (stopped cleanly, it hands it back at once). Acquiring and renewing are one atomic
    script, so two beats can never both believe they hold it."""

    _HOLD = """
        if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        if redis.call('get', KEYS[1]) == ARGV[1] then
            redis.call('pexpire', KEYS[1], ARGV[2])
            return 1
        end
        return 0
    """
    _RELEASE = """
        if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
        return 0
    """

    def __init__(
        self, client: redis.Redis, *, key: str, holder: str, seconds: float = LEASE_SECONDS
    ) -> None:
        self.client = client
        self.key = key
        self.holder = holder
        self.milliseconds = int(seconds * 1000)

    def hold(self) -> bool:
        """Take the lease, or renew it if it is ours; False if another holds it."""
        client: Any = self.client
        return bool(client.eval(self._HOLD, 1, self.key, self.holder, self.milliseconds))

    def held_by(self) -> str | None:
        client: Any = self.client
        value = client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def release(self) -> None:
        client: Any = self.client
        client.eval(self._RELEASE, 1, self.key, self.holder)


def beat_lease(app: Celery) -> BeatLease | None:
    """The lease of this deployment's beat: one per broker and default queue, so two test
    runs or deployments sharing a Redis each have their own. None on the file-system
    broker, which serves one machine (`make run`, whose worker embeds the only beat)."""
    url = str(app.conf.broker_url or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return BeatLease(
        client, key=f"foreseer:beat-lease:{app.conf.task_default_queue}", holder=holder
    )


class SingleBeatScheduler(PersistentScheduler):
    """Celery's scheduler, sending only while this beat holds the lease (`BeatLease`). Run
    a second beat by mistake (`--scale beat=2`, a stale container left behind by an
    upgrade) and it logs that it stands by and sends nothing; every periodic task is safe
    to run twice, but twice is waste, and the sweeps' claims are simpler to reason about
    with one sender. Configured as CELERY_BEAT_SCHEDULER."""

    # Wake at least this often, to renew the lease well within its life.
    max_interval = RENEW_SECONDS
    lease: BeatLease | None = None
    holding: bool | None = None

    def setup_schedule(self) -> None:
        super().setup_schedule()
        self.lease = beat_lease(self.app)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.may_send():
            return RENEW_SECONDS
        return min(super().tick(*args, **kwargs), RENEW_SECONDS)

    def may_send(self) -> bool:
        if self.lease is None:
            return True
        try:
            held = self.lease.hold()
            holder = None if held else self.lease.held_by()
        except redis.RedisError as error:
            # The broker is Redis: while it does not answer, nothing could be sent anyway.
            logger.warning("beat: cannot renew the beat lease (%s); sending nothing", error)
            return False
        if held != self.holding:
            if held:
                logger.info(
                    "beat: holds the lease %s; this beat sends the schedule", self.lease.key
                )
            else:
                logger.warning(
                    "beat: standing by, sending nothing: the lease %s is held by %s (another "
                    "beat). Run exactly one beat.",
                    self.lease.key,
                    holder,
                )
            self.holding = held
        return held

    def close(self) -> None:
        if self.lease is not None and self.holding:
            # Handed back, a standby takes over at its next tick; if Redis does not answer,
            # the lease expires on its own.
            with contextlib.suppress(redis.RedisError):
                self.lease.release()
        super().close()
