"""Load: gunicorn serving the site from PostgreSQL holding 1,000,000 forecasts (10,000
resolved questions, and 100 open ones, one of them holding 100,000 forecasts), driven by
wrk from the same machine. For each of GET /, the large question's page,
GET /api/questions/ and POST /api/forecasts/ (200 forecasters' tokens in rotation), and
/healthz in the same run: requests per second, p50 and p99, and the ratio to /healthz.

    python bench/load.py [--duration S] [--connections N] [--workers N]

Targets (issue "Hardening"): every page at least 0.5x the requests per second of /healthz
in the same run, and p99 under 100 ms for the POST. Needs wrk (apt-get install wrk).

The server it starts has the forecast rate limit lifted (FORESEER_THROTTLE_FORECASTS=off):
200 tokens sending as fast as wrk can would otherwise spend most POSTs on 429s."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench._django import (
    BENCH_BROKER_URL,
    BENCH_DATABASE_URL,
    ROOT,
    SCALE,
    Timer,
    empty_database,
    ensure_million,
    load_forecasts,
    load_users,
    machine,
    scaled,
)
from bench._synthetic import Synthetic

OPEN_QUESTIONS = 100
LOADERS = 200
TARGET_RATIO = 0.5
TARGET_POST_P99_MS = 100.0


@dataclass(frozen=True)
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def ensure_open_questions() -> list[str]:
    """The open questions the pages list and the POSTs forecast on, with their community
    histories built as the update task would leave them. Loaded once per database."""
    from questions.models import Question
    from scoring.services.community import community_update

    slugs = [f"open-{i}" for i in range(OPEN_QUESTIONS)]
    present = Question.objects.filter(slug__in=slugs).count()
    if present == len(slugs):
        return slugs
    if present:
        # Half loaded (an interrupted run): forecasts are append-only, so start afresh.
        empty_database()
        ensure_million()
    timer = Timer()
    now = datetime.now(tz=UTC)
    opened = now - timedelta(days=200)
    questions = Question.objects.bulk_create(
        Question(
            slug=slug,
            title=f"Open benchmark question {i}",
            resolution_criteria="Synthetic.",
            open_time=opened,
            scheduled_close_time=now + timedelta(days=200),
            scheduled_resolve_time=now + timedelta(days=201),
        )
        for i, slug in enumerate(slugs)
    )
    users = load_users(scaled(20_000), prefix="openforecaster")
    rng = np.random.default_rng(11)
    start, stop = int(opened.timestamp()), int(now.timestamp()) - 3600
    for position, question in enumerate(questions):
        count = scaled(100_000 if position == 0 else 1_000)
        data = Synthetic(
            open_time=np.array([start]),
            scheduled_close=np.array([stop]),
            actual_close=np.array([stop]),
            outcome=np.array([1]),
            question=np.zeros(count, dtype=np.int64),
            user=rng.integers(1, len(users) + 1, count),
            created_at=np.sort(rng.integers(start, stop, count)),
            order=np.arange(count),
            p_yes=np.round(rng.uniform(0.02, 0.98, count), 3),
        )
        load_forecasts(data, question_ids=[question.pk], user_ids=users)
        community_update(question_id=question.pk, full=True)
    print(
        f"loaded {OPEN_QUESTIONS} open questions and built their histories in {timer.seconds:.0f} s"
    )
    return slugs


def ensure_community_states() -> None:
    """The community forecast the update task would store for each of the million data
    set's questions (its median and forecasters at the close), computed in one SQL
    statement: the data set is loaded with COPY, which asks for no update, and building
    10,000 full histories would take hours. Without it the lists would compute medians
    from the forecasts, as they do only for a question whose history was never built."""
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO forecasts_communitystate
                (question_id, pending, built_until, updated_at, version, median, forecasters,
                 extremizing_a)
            SELECT s.question_id, false, MIN(s.closes), now(), 1,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY s.probability), COUNT(*), %s
            FROM (
                SELECT DISTINCT ON (f.question_id, f.user_id) f.question_id, f.probability,
                       LEAST(q.scheduled_close_time, COALESCE(q.known_at, q.scheduled_close_time))
                           AS closes
                FROM forecasts_forecast f JOIN questions_question q ON q.id = f.question_id
                WHERE q.slug LIKE 'q-%%'
                  AND f.created_at < LEAST(q.scheduled_close_time,
                                           COALESCE(q.known_at, q.scheduled_close_time))
                ORDER BY f.question_id, f.user_id, f.created_at DESC, f.id DESC
            ) s
            GROUP BY s.question_id
            ON CONFLICT (question_id) DO NOTHING
            """,
            [settings.FORESEER_EXTREMIZING_A],
        )


def loader_tokens() -> list[str]:
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    users = [
        User.objects.get_or_create(username=f"loader{i}", defaults={"password": "!"})[0]
        for i in range(LOADERS)
    ]
    return [Token.objects.get_or_create(user=user)[0].key for user in users]


def post_script(folder: Path, *, tokens: list[str], slugs: list[str]) -> Path:
    """A wrk script: each request a forecast by the next token on the next open question."""
    quoted = ", ".join(f'"{token}"' for token in tokens)
    questions = ", ".join(f'"{slug}"' for slug in slugs)
    script = folder / "post.lua"
    script.write_text(
        f"tokens = {{{quoted}}}\n"
        f"slugs = {{{questions}}}\n"
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  local token = tokens[(counter % #tokens) + 1]\n"
        "  local slug = slugs[(counter * 7 % #slugs) + 1]\n"
        '  local body = string.format(\'{"question": "%s", "probability": %.2f}\',\n'
        "                             slug, 0.1 + (counter % 80) / 100)\n"
        "  return wrk.format('POST', '/api/forecasts/', {['Content-Type'] = 'application/json',\n"
        "                    ['Authorization'] = 'Token ' .. token}, body)\n"
        "end\n"
    )
    return script


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    port: int, workers: int, log: Path, *, page_cache: bool
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": BENCH_DATABASE_URL,
        "CELERY_BROKER_URL": BENCH_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # The benchmark measures how fast the site stores forecasts, so it submits as fast
        # as wrk can send, far past the per-user rate a person gets (120 a minute): with
        # the limit on, most POSTs would be cheap 429s and the figures would time the
        # throttle. The limit is lifted for this server only.
        "FORESEER_THROTTLE_FORECASTS": "off",
        # --no-page-cache measures what a page costs to render (the anonymous page cache
        # off); by default the site runs as deployed.
        **({} if page_cache else {"FORESEER_ANONYMOUS_CACHE_SECONDS": "0"}),
    }
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--timeout", "60", "--error-logfile", str(log),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    stop_gunicorn(server)
    raise SystemExit(f"gunicorn did not answer:\n{log.read_text()}")


def stop_gunicorn(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(
    name: str, url: str, *, duration: int, connections: int, script: Path | None = None
) -> Result:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Result(name, rate, p50, p99, int(errors.group(1)) if errors else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    # gunicorn's own advice for sync workers: two per core and one more (a request that
    # waits on PostgreSQL's commit leaves its core to another worker).
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--no-page-cache",
        dest="page_cache",
        action="store_false",
        help="render every page (FORESEER_ANONYMOUS_CACHE_SECONDS=0)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("The load benchmark needs wrk: apt-get install wrk")

    print(f"machine: {machine()}")
    ensure_million()
    slugs = ensure_open_questions()
    ensure_community_states()
    tokens = loader_tokens()
    from config.celery import app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        script = post_script(Path(folder), tokens=tokens, slugs=slugs)
        server = start_gunicorn(
            port, args.workers, Path(folder) / "gunicorn.log", page_cache=args.page_cache
        )
        try:
            targets = [
                ("/healthz", f"{base}/healthz", None),
                ("GET /", f"{base}/", None),
                ("a question page (100,000 forecasts)", f"{base}/questions/{slugs[0]}/", None),
                ("GET /api/questions/", f"{base}/api/questions/", None),
                ("POST /api/forecasts/", base, script),
            ]
            for _, url, lua in targets:  # warm the workers and the database's caches
                run_wrk("warm", url, duration=1, connections=4, script=lua)
            results = [
                run_wrk(name, url, duration=args.duration, connections=args.connections, script=lua)
                for name, url, lua in targets
            ]
        finally:
            stop_gunicorn(server)
            # The POSTs queued community updates no worker is here to run.
            with app.connection_for_write() as conn:
                conn.default_channel.queue_purge(app.conf.task_default_queue)

    healthz = results[0].requests_per_second
    print(
        f"gunicorn {args.workers} sync workers, wrk 2 threads x {args.connections} connections, "
        f"{args.duration} s each, scale {SCALE:g}, anonymous page cache "
        f"{'on' if args.page_cache else 'off'}"
    )
    print(f"{'endpoint':<40} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'x healthz':>10}  errors")
    for result in results:
        ratio = result.requests_per_second / healthz if healthz else 0.0
        print(
            f"{result.name:<40} {result.requests_per_second:>9.1f} {result.p50_ms:>8.1f} "
            f"{result.p99_ms:>8.1f} {ratio:>10.2f}  {result.errors}"
        )
    slow = [r.name for r in results[1:] if r.requests_per_second < TARGET_RATIO * healthz]
    post = results[-1]
    print(
        f"targets: every endpoint >= {TARGET_RATIO}x /healthz: "
        f"{'met' if not slow else 'missed by ' + ', '.join(slow)}; POST p99 < "
        f"{TARGET_POST_P99_MS:.0f} ms: {'met' if post.p99_ms < TARGET_POST_P99_MS else 'missed'}"
    )


if __name__ == "__main__":
    main()
