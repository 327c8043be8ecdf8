"""Shared fixtures, and the rule for tests that need real services: they skip
with a reason when PostgreSQL, Redis or Chromium is missing, unless
REQUIRE_SERVICES=1 / REQUIRE_BROWSER=1, which turn the skip into a failure."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from django.test import Client
from rest_framework.test import APIClient

from common import after_commit
from tests.clients import api_as, logged_in
from tests.factories import StaffFactory, UserFactory

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def _required(variable: str) -> bool:
    return os.environ.get(variable, "") not in ("", "0", "false", "no")


def skip_or_fail(reason: str, *, variable: str) -> None:
    if _required(variable):
        pytest.fail(f"{reason} ({variable}=1 makes this a failure instead of a skip)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    for candidate in CHROMIUM_PATHS:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture
def require_postgres(settings) -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL", variable="REQUIRE_SERVICES")


@pytest.fixture
def require_redis(settings) -> str:
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        skip_or_fail("needs Redis: set CELERY_BROKER_URL=redis://...", variable="REQUIRE_SERVICES")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {url} does not answer: {error}", variable="REQUIRE_SERVICES")
    return url


# The statement-level trigger that refuses TRUNCATE on forecasts (forecasts migration 0005).
TRUNCATE_GUARD = "forecasts_forecast_no_truncate"


@pytest.fixture(scope="session", autouse=True)
def flush_lifts_the_truncate_guard() -> Iterator[None]:
    """A transactional test ends with Django's flush, which on PostgreSQL empties every
    table with one TRUNCATE, and forecasts refuse TRUNCATE. In the test database only,
    the flush lifts that trigger around its TRUNCATE, inside the flush's own transaction
    (so a failed flush leaves the trigger in place)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_past_the_guard(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = sql_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements or "forecasts_forecast" not in tables:
            return statements
        return [
            f"ALTER TABLE forecasts_forecast DISABLE TRIGGER {TRUNCATE_GUARD};",
            *statements,
            f"ALTER TABLE forecasts_forecast ENABLE TRIGGER {TRUNCATE_GUARD};",
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", flush_past_the_guard)
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """The rate limits count requests in the cache, which outlives a test where the
    database does not: every test starts with nothing counted. (The login lockout's
    counts are rows, rolled back with the rest.)"""
    from django.core.cache import cache

    cache.clear()


@dataclass
class QueuedTasks:
    update_community: mock.MagicMock
    rebuild_scopes: mock.MagicMock
    resolution_emails: mock.MagicMock
    sync_provenance: mock.MagicMock
    comment_alerts: mock.MagicMock


@pytest.fixture(autouse=True)
def queued(request):
    """The follow-up tasks that forecasts, resolutions, scoring and question imports queue
    on commit (the community history, the scope rebuilds, the claims of provenance) are
    recorded here instead of reaching the
    file-system broker, where nothing would ever consume them. Tests run those services
    directly; tests/integration sends them to a real worker."""
    if "integration" in request.path.parts:
        yield None
        return
    with (
        mock.patch("pipeline.tasks.update_community.delay") as community,
        mock.patch("pipeline.tasks.rebuild_scopes.delay") as rebuild,
        mock.patch("pipeline.tasks.send_resolution_emails.delay") as emails,
        mock.patch("pipeline.tasks.sync_provenance.delay") as provenance,
        mock.patch("pipeline.tasks.comment_alerts.delay") as comment_alerts,
    ):
        yield QueuedTasks(
            update_community=community,
            rebuild_scopes=rebuild,
            resolution_emails=emails,
            sync_provenance=provenance,
            comment_alerts=comment_alerts,
        )


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "after_commit_event"):
            self.records.append(record)


@pytest.fixture(autouse=True)
def _after_commit_failures(request):
    """The after-commit dispatcher logs a handler that failed (a broker down) and goes on,
    so the request still succeeds. A test must not pass by that: one that did not ask for
    `publish_failures` fails if any handler failed or was skipped."""
    after_commit.pause_clear()
    handler = _Records()
    logger = logging.getLogger(after_commit.__name__)
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        after_commit.pause_clear()
    if handler.records and "publish_failures" not in request.fixturenames:
        pytest.fail(
            "an after-commit handler failed and its work was left to the sweeps:\n"
            + "\n".join(record.getMessage() for record in handler.records)
        )


@pytest.fixture
def publish_failures(_after_commit_failures) -> list[logging.LogRecord]:
    """What the after-commit dispatcher logged for each event it could not hand on, for
    tests that cut the broker off on purpose."""
    return _after_commit_failures


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def staff(db):
    return StaffFactory(username="root-admin")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def forecaster_client(user) -> APIClient:
    return api_as(user)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return api_as(staff)


@pytest.fixture
def user_client(user) -> Client:
    """The page client of `user`, logged in."""
    return logged_in(user)
