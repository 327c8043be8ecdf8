"""Every benchmark in bench/ runs to the end at a tiny size, so none rots between the
times its figures are measured (`make bench`, recorded in docs/benchmarks.md). Nothing
here is timed: the scripts print figures, and these tests only check that they do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPTS = sorted(path.name for path in (ROOT / "bench").glob("[!_]*.py"))

# The flags that make each script small; the database scripts also read BENCH_SCALE.
TINY = {
    "core_rules.py": ["--forecasts", "3000", "--questions", "60", "--users", "200",
                      "--repeat", "1"],
    "endpoints.py": ["--requests", "3"],
    "question_100k.py": ["--forecasts", "400", "--users", "80", "--repeat", "2"],
    "rescore_1m.py": ["--chunk-size", "4"],
    "submit.py": ["--requests", "3"],
}  # fmt: skip
# What each prints when it reaches the end.
LAST_WORDS = {
    "core_rules.py": "largest difference",
    "endpoints.py": "scores of one question",
    "question_100k.py": "community history rebuilt from scratch",
    "rescore_1m.py": "rebuilt alone",
    "submit.py": "queries per submission",
}
NEEDS_DATABASE = {"endpoints.py", "question_100k.py", "rescore_1m.py", "submit.py"}
NEEDS_WORKER = {"rescore_1m.py"}


def test_every_script_has_a_tiny_run():
    assert sorted(TINY) == SCRIPTS
    assert sorted(LAST_WORDS) == SCRIPTS


def _bench_name(settings) -> str:
    """Named after this run's test database (TEST_DATABASE_NAME), so two test runs sharing
    a PostgreSQL and a Redis never share the benchmarks' database or queue."""
    return settings.DATABASES["default"].get("TEST", {}).get("NAME") or "foreseer"


def _bench_database_url(settings) -> str:
    """A database of the test server's own for the benchmarks, never the developer's
    benchmark database (whose million rows the real runs reuse)."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    return parts._replace(path=f"/{_bench_name(settings)}_bench_tiny").geturl()


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_benchmark_runs_at_a_tiny_size(script, request, settings):
    env = {**os.environ, "BENCH_SCALE": "0.001", "PYTHONPATH": str(ROOT)}
    if script in NEEDS_DATABASE:
        request.getfixturevalue("require_postgres")
        env["BENCH_DATABASE_URL"] = _bench_database_url(settings)
        env.pop("DJANGO_SETTINGS_MODULE", None)
    if script in NEEDS_WORKER:
        broker = request.getfixturevalue("require_redis")
        env["BENCH_BROKER_URL"] = urlsplit(broker)._replace(path="/9").geturl()
        env["CELERY_TASK_DEFAULT_QUEUE"] = f"{_bench_name(settings)}-bench"
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
