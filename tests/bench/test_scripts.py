"""Every benchmark in bench/ runs to the end at a tiny size, so none rots between the
times its figures are measured (`make bench`, recorded in docs/benchmarks.md). Nothing
here is timed: the scripts print figures, and these tests only check that they do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.conftest import skip_or_fail

ROOT = Path(settings.BASE_DIR)
SCRIPTS = sorted(path.name for path in (ROOT / "bench").glob("[!_]*.py"))

# The flags that make each script small; the database scripts also read BENCH_SCALE.
TINY = {
    "core_rules.py": ["--forecasts", "3000", "--questions", "60", "--users", "200",
                      "--repeat", "1"],
    "endpoints.py": ["--requests", "3"],
    "load.py": ["--duration", "1", "--connections", "2", "--workers", "1"],
    "question_100k.py": ["--forecasts", "400", "--users", "80", "--repeat", "2"],
    "rescore_1m.py": ["--chunk-size", "4"],
    "submit.py": ["--requests", "3"],
}  # fmt: skip
# What each prints when it reaches the end.
LAST_WORDS = {
    "core_rules.py": "largest difference",
    "endpoints.py": "scores of one question",
    "load.py": "targets:",
    "question_100k.py": "community history rebuilt from scratch",
    "rescore_1m.py": "rebuilt alone",
    "submit.py": "queries per submission",
}
NEEDS_DATABASE = {"endpoints.py", "load.py", "question_100k.py", "rescore_1m.py", "submit.py"}
NEEDS_WORKER = {"rescore_1m.py"}
NEEDS_WRK = {"load.py"}


def test_every_script_has_a_tiny_run():
    assert sorted(TINY) == SCRIPTS
    assert sorted(LAST_WORDS) == SCRIPTS


def _bench_database_url() -> str:
    """A database of the test server's own for the benchmarks, never the developer's
    benchmark database (whose million rows the real runs reuse). A run with a
    TEST_DATABASE_NAME of its own (config/settings/test.py) gets its own benchmark
    database too, as the benchmarks empty theirs when they start."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    prefix = os.environ.get("TEST_DATABASE_NAME") or "foreseer"
    return parts._replace(path=f"/{prefix}_bench_tiny").geturl()


@pytest.fixture(scope="module")
def fresh_bench_database() -> Iterator[str]:
    """The tiny benchmark database, dropped first: it outlives test runs, and one built by
    an older schema (a renamed migration, another checkout) would fail to migrate."""
    import psycopg

    url = _bench_database_url()
    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            name = parts.path.lstrip("/")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error:
        pass  # no server: the tests that need it skip (or fail) on their own
    yield url


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_benchmark_runs_at_a_tiny_size(script, request, settings):
    env = {**os.environ, "BENCH_SCALE": "0.001", "PYTHONPATH": str(ROOT)}
    if script in NEEDS_DATABASE:
        request.getfixturevalue("require_postgres")
        env["BENCH_DATABASE_URL"] = request.getfixturevalue("fresh_bench_database")
        env.pop("DJANGO_SETTINGS_MODULE", None)
    if script in NEEDS_WRK and shutil.which("wrk") is None:
        skip_or_fail("needs wrk (apt-get install wrk)", variable="REQUIRE_SERVICES")
    if script in NEEDS_WORKER or script in NEEDS_WRK:
        broker = request.getfixturevalue("require_redis")
        env["BENCH_BROKER_URL"] = urlsplit(broker)._replace(path="/9").geturl()
        # A queue of this run's own: two test runs sharing a Redis never share messages.
        prefix = os.environ.get("TEST_DATABASE_NAME") or "foreseer"
        env["CELERY_TASK_DEFAULT_QUEUE"] = f"{prefix}-bench"
    done = subprocess.run(
        [sys.executable, f"bench/{script}", *TINY[script]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert LAST_WORDS[script] in done.stdout, done.stdout
