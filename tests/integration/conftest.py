"""Real Celery processes for the integration tests: one worker (`celery_worker_process`),
or two workers and a beat (`celery_cluster`).

They run the project's code against the *test* database and the broker in
CELERY_BROKER_URL. They consume a queue of their own, to which this process routes the
pipeline's tasks, so they never take a message meant for a development worker on the same
Redis; the queue is purged before they start, so no message left over from an interrupted
run reaches them.
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
import redis
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


def _stop(*processes: subprocess.Popen) -> None:
    """Warm shutdown (all asked at once), then kill each whole process group that does not
    stop."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@contextlib.contextmanager
def _test_queue() -> Iterator[str]:
    """Route every pipeline task this process sends to the test queue, emptied before and
    after."""
    queue = TEST_QUEUE
    previous_routes = celery_app.conf.task_routes
    # Setting task_routes through conf.update rebuilds the router of this process.
    celery_app.conf.update(
        task_routes={
            "pipeline.tasks.*": {"queue": queue},
        }
    )
    _queue_purge(queue)
    try:
        yield queue
    finally:
        celery_app.conf.update(task_routes=previous_routes)
        _queue_purge(queue)


def _environment(queue: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "FORESEER_VAR_DIR": str(tmp_path / "var"),
        # Tasks the worker queues itself (the table rebuild after scoring) stay on its queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def _worker_command(queue: str, name: str) -> list[str]:
    return [
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
        f"{name}-{uuid.uuid4().hex[:8]}@%h",
        # No waiting for other workers to answer at start-up: ready in ~1 s less.
        "--without-mingle",
        "--without-gossip",
    ]


def _spawn(command: list[str], env: dict[str, str], log_path: Path, queue: str) -> WorkerProcess:
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
    return WorkerProcess(process=process, log_path=log_path, queue=queue)


@pytest.fixture
def celery_worker_process(
    require_postgres, require_redis, transactional_db, tmp_path
) -> Iterator[WorkerProcess]:
    """Start `celery -A config worker` on the test database; stop it afterwards.

    Depends on `transactional_db`, so it is torn down (the worker stopped and
    its connections closed) before the database is flushed.
    """
    with _test_queue() as queue:
        worker = _spawn(
            _worker_command(queue, queue),
            _environment(queue, tmp_path),
            tmp_path / "worker.log",
            queue,
        )
        try:
            worker.wait_for(
                lambda: " ready." in worker.log(),
                seconds=WORKER_READY_SECONDS,
                what="the worker to be ready",
            )
            yield worker
        finally:
            _stop(worker.process)
            # Shown by pytest when the test failed ("Captured stdout teardown").
            print(f"--- worker log ({worker.log_path}) ---\n{worker.log()}")


@dataclass
class CeleryCluster:
    workers: list[WorkerProcess]
    beat: WorkerProcess

    @property
    def processes(self) -> list[WorkerProcess]:
        return [*self.workers, self.beat]

    def wait_for(self, predicate: Callable[[], bool], *, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate():
                return
            for each in self.processes:
                if each.process.poll() is not None:
                    pytest.fail(
                        f"{each.log_path.stem} exited ({each.process.returncode}) before "
                        f"{what}:\n{each.log()}"
                    )
            time.sleep(0.2)
        pytest.fail(f"timed out after {seconds} s waiting for {what}; logs:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(f"--- {each.log_path.name} ---\n{each.log()}" for each in self.processes)


# What the cluster's processes are told: the ordinary sweeps (and the close) every minute,
# so none runs during a test, and a chunk timeout of two seconds, so the chunk sweep
# (which runs as often as that timeout) heals a stalled rescore within a few seconds.
CLUSTER_SWEEP_SECONDS = 60
CLUSTER_CHUNK_TIMEOUT_SECONDS = 2


@pytest.fixture
def celery_cluster(
    require_postgres, require_redis, transactional_db, tmp_path
) -> Iterator[CeleryCluster]:
    """Two `celery worker` processes and one `celery beat`, as a deployment scaled out runs
    them: one database, one broker, one queue."""
    with _test_queue() as queue:
        env = _environment(
            queue,
            tmp_path,
            FORESEER_RESCORE_SWEEP_SECONDS=str(CLUSTER_SWEEP_SECONDS),
            FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS=str(CLUSTER_CHUNK_TIMEOUT_SECONDS),
        )
        # A beat of an interrupted run may have left its lease behind: it is this run's.
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(f"foreseer:beat-lease:{queue}")
        started = []
        try:
            for name in ("worker-1", "worker-2"):
                started.append(
                    _spawn(_worker_command(queue, name), env, tmp_path / f"{name}.log", queue)
                )
            beat_command = [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "info",
                "--schedule",
                str(tmp_path / "celerybeat-schedule"),
                # Wake every second, so a task is sent within a second of falling due.
                "--max-interval",
                "1",
            ]
            started.append(_spawn(beat_command, env, tmp_path / "beat.log", queue))
            cluster = CeleryCluster(workers=started[:2], beat=started[2])
            cluster.wait_for(
                lambda: (
                    all(" ready." in worker.log() for worker in cluster.workers)
                    and "holds the lease" in cluster.beat.log()
                ),
                seconds=WORKER_READY_SECONDS,
                what="the workers to be ready and beat to hold the lease",
            )
            yield cluster
        finally:
            _stop(*(each.process for each in started))
            for each in started:
                print(f"--- {each.log_path.name} ---\n{each.log()}")
