"""Django on a benchmark database of its own, and the data the database benchmarks share.

Import this module before anything from the project: it points DATABASE_URL at
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/foreseer_bench), creates
that database if it is missing, applies the migrations and sets Django up. The data are
written with COPY (users, forecasts) and bulk inserts (questions), not through the
services: the benchmarks time scoring, not loading.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/foreseer_bench"
)
BENCH_BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7")
# Every data size is multiplied by this: the test suite runs each benchmark at a tiny
# scale (BENCH_SCALE=0.001) so none rots; the figures in docs/benchmarks.md are at 1.
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
os.environ["CELERY_BROKER_URL"] = BENCH_BROKER_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("FORESEER_VAR_DIR", str(ROOT / "var" / "bench"))


def _create_database() -> None:
    import psycopg

    parts = urlsplit(BENCH_DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


try:
    _create_database()
except Exception as error:  # any failure here means no benchmark database
    sys.exit(f"The database benchmarks need PostgreSQL at {BENCH_DATABASE_URL}: {error}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

import numpy as np  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.usernames import username_key  # noqa: E402
from common.db import insert_rows  # noqa: E402
from forecasts.models import CommunityPoint, CommunityState, Forecast  # noqa: E402
from questions.models import Question, ResolutionEvent, Tag  # noqa: E402

if TYPE_CHECKING:
    from bench._synthetic import Synthetic


def machine() -> str:
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            names = [line.split(":", 1)[1].strip() for line in info if "model name" in line]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, PostgreSQL {server}"
    )


# The trigger that refuses TRUNCATE on forecasts (forecasts migration 0005).
TRUNCATE_GUARD = "forecasts_forecast_no_truncate"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def empty_database() -> None:
    """Remove every row the benchmarks write.

    Forecasts are append-only: the database refuses UPDATE, DELETE and TRUNCATE on them
    (forecasts migrations 0002 and 0005). This is the benchmarks' own database, emptied
    and refilled on every run, so the TRUNCATE guard is lifted here, for this one
    statement, inside its transaction: ALTER TABLE locks the table until the COMMIT,
    which comes after the trigger is enabled again, so no other session ever sees the
    table unguarded."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE forecasts_forecast DISABLE TRIGGER {TRUNCATE_GUARD}")
        cursor.execute(
            "TRUNCATE forecasts_forecast, forecasts_communitypoint, forecasts_communitystate, "
            "scoring_score, scoring_questionscoring, scoring_leaderboardentry, "
            "scoring_calibrationreport, scoring_materializedscope, scoring_rescorechunk, "
            "scoring_rescorerun, questions_resolutionevent, questions_question_tags, "
            "questions_question_projects, questions_question, questions_tag, "
            "authtoken_token, accounts_user_groups, accounts_user_user_permissions, "
            "django_admin_log, accounts_user RESTART IDENTITY CASCADE"
        )
        cursor.execute(f"ALTER TABLE forecasts_forecast ENABLE TRIGGER {TRUNCATE_GUARD}")


def scaled(size: int) -> int:
    """`size` at the run's BENCH_SCALE, never below 1."""
    return max(1, round(size * SCALE))


def when(seconds: np.ndarray) -> list[datetime]:
    return [datetime.fromtimestamp(int(t), tz=UTC) for t in seconds.tolist()]


def load_users(count: int, *, prefix: str = "forecaster") -> list[int]:
    now = datetime.now(tz=UTC)
    fields = (
        "username", "password", "email", "first_name", "last_name", "is_staff",
        "is_superuser", "is_active", "date_joined", "origin", "email_on_resolution",
        "email_reminders", "username_key", "display_name", "bio", "profile_public",
        "calibration_public", "time_zone",
    )  # fmt: skip
    # COPY writes every column it is given and no default: a new NOT NULL column of the
    # user model must be added here too (the tiny runs in the test suite catch it).
    rows = (
        (f"{prefix}{i}", "!", f"{prefix}{i}@example.org", "", "", False, False, True, now,
         User.Origin.IMPORT, False, False, username_key(f"{prefix}{i}"), "", "", True, False,
         "")
        for i in range(count)
    )  # fmt: skip
    with transaction.atomic():
        insert_rows(User, fields, rows)
    return list(
        User.objects.filter(username__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    )


def load_questions(data: Synthetic, *, slug_prefix: str = "q", tags: int = 12) -> list[int]:
    """Questions resolved per `data` (bench._synthetic.Synthetic), with tags, and one
    resolution event each."""
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "password": "!"}
    )
    tag_rows = [Tag.objects.get_or_create(slug=f"topic-{i}")[0] for i in range(tags)]
    opens, closes = when(data.open_time), when(data.scheduled_close)
    known = when(data.actual_close)
    now = datetime.now(tz=UTC)
    with transaction.atomic():
        questions = Question.objects.bulk_create(
            [
                Question(
                    slug=f"{slug_prefix}-{i}",
                    title=f"Benchmark question {i}",
                    resolution_criteria="Synthetic.",
                    open_time=opens[i],
                    scheduled_close_time=closes[i],
                    scheduled_resolve_time=closes[i],
                    resolution="yes" if data.outcome[i] else "no",
                    known_at=known[i],
                    resolution_set_at=now,
                )
                for i in range(len(opens))
            ],
            batch_size=2_000,
        )
        ResolutionEvent.objects.bulk_create(
            [
                ResolutionEvent(
                    question=q, outcome=q.resolution, known_at=q.known_at, created_by=admin
                )
                for q in questions
            ],
            batch_size=2_000,
        )
        through = Question.tags.through
        through.objects.bulk_create(
            [
                through(question_id=q.pk, tag_id=tag_rows[i % tags].pk)
                for i, q in enumerate(questions)
            ],
            batch_size=5_000,
        )
    return [q.pk for q in questions]


def load_forecasts(data: Synthetic, *, question_ids: list[int], user_ids: list[int]) -> int:
    qids = np.asarray(question_ids)[data.question]
    uids = np.asarray(user_ids)[data.user - 1]
    created = when(data.created_at)
    rows = (
        (int(u), int(q), float(p), t, "", "import", False)
        for q, u, p, t in zip(qids, uids, data.p_yes.tolist(), created, strict=True)
    )
    with transaction.atomic():
        written = insert_rows(
            Forecast, ("user_id", "question_id", "probability", "created_at", "rationale",
                       "origin", "reaffirmed"), rows,
        )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return written


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start


__all__ = [
    "BENCH_BROKER_URL",
    "BENCH_DATABASE_URL",
    "CommunityPoint",
    "CommunityState",
    "Timer",
    "empty_database",
    "load_forecasts",
    "load_questions",
    "load_users",
    "machine",
    "peak_rss_mb",
    "scaled",
]


MILLION = {"forecasts": 1_000_000, "questions": 10_000, "users": 10_000}


def million() -> dict[str, int]:
    """The million-forecast data set's sizes at the run's BENCH_SCALE."""
    return {name: scaled(size) for name, size in MILLION.items()}


def ensure_million() -> None:
    """The million-forecast data set (bench._synthetic, default sizes), loaded unless the
    benchmark database already holds exactly it."""
    from bench._synthetic import synthetic

    sizes = million()
    # Counted on the data set's own questions (q-...): the load benchmark adds open ones.
    if (
        Forecast.objects.filter(question__slug__startswith="q-").count() == sizes["forecasts"]
        and Question.objects.filter(slug__startswith="q-").count() == sizes["questions"]
    ):
        return
    timer = Timer()
    empty_database()
    data = synthetic(**sizes)
    users = load_users(sizes["users"])
    questions = load_questions(data)
    load_forecasts(data, question_ids=questions, user_ids=users)
    print(f"loaded {sizes['forecasts']:,} forecasts in {timer.seconds:.0f} s")


def start_worker(log_path: Path) -> subprocess.Popen[bytes]:
    """A real Celery worker (one process, solo pool) on the benchmark database and
    broker, after purging the broker's queue (CELERY_TASK_DEFAULT_QUEUE, "celery" unless
    set: the test suite gives each run its own)."""
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
        "--pool", "solo", "--concurrency", "1", "--without-mingle", "--without-gossip",
        "-n", f"bench-{os.getpid()}@%h",
    ]  # fmt: skip
    log = log_path.open("wb")
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while " ready." not in log_path.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the worker did not start:\n{log_path.read_text()}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    import signal

    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def peak_rss_of(pid: int) -> float:
    """Peak resident memory (VmHWM) of a running process, in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")
