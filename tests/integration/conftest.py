"""A real Celery worker process for the integration tests.

The worker runs the project's code against the *test* database and the
broker in CELERY_BROKER_URL. It consumes a queue of its own, to which this
process routes the scoring and community tasks, so it never takes a message meant for a
development worker on the same Redis; the queue is purged before the worker
starts, so no message left over from an interrupted run reaches it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

WORKER_READY_SECONDS = 30
TEST_QUEUE = "foreseer-test-scoring"


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the database this test process uses (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    name = quote(settings_dict["NAME"], safe="")
    return f"postgres://{credentials}{host}{port}/{name}"


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log_path: Path
    queue: str

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, predicate: Callable[[], bool], *, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.process.poll() is not None:
                pytest.fail(
                    f"the worker exited ({self.process.returncode}) before {what}:\n{self.log()}"
                )
            time.sleep(0.2)
        pytest.fail(f"timed out after {seconds} s waiting for {what}; worker log:\n{self.log()}")


def _queue_purge(queue: str) -> None:
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def _stop(process: subprocess.Popen) -> None:
    """Warm shutdown, then kill the whole process group if it does not stop."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


@pytest.fixture
def celery_worker_process(
    require_postgres, require_redis, transactional_db, tmp_path
) -> Iterator[WorkerProcess]:
    """Start `celery -A config worker` on the test database; stop it afterwards.

    Depends on `transactional_db`, so it is torn down (the worker stopped and
    its connections closed) before the database is flushed.
    """
    queue = TEST_QUEUE
    previous_routes = celery_app.conf.task_routes
    # Setting task_routes through conf.update rebuilds the router of this process.
    celery_app.conf.update(
        task_routes={
            "pipeline.tasks.*": {"queue": queue},
        }
    )
    _queue_purge(queue)

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "FORESEER_VAR_DIR": str(tmp_path / "var"),
        # Tasks the worker queues itself (the table rebuild after scoring) stay on its queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-l",
        "info",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "-Q",
        queue,
        "-n",
        f"{queue}-{uuid.uuid4().hex[:8]}@%h",
        # No waiting for other workers to answer at start-up: ready in ~1 s less.
        "--without-mingle",
        "--without-gossip",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own process group: teardown can stop everything it started.
            start_new_session=True,
        )
    worker = WorkerProcess(process=process, log_path=log_path, queue=queue)
    try:
        worker.wait_for(
            lambda: " ready." in worker.log(),
            seconds=WORKER_READY_SECONDS,
            what="the worker to be ready",
        )
        yield worker
    finally:
        _stop(process)
        celery_app.conf.update(task_routes=previous_routes)
        _queue_purge(queue)
        # Shown by pytest when the test failed ("Captured stdout teardown").
        print(f"--- worker log ({log_path}) ---\n{worker.log()}")
