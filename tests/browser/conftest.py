"""Playwright with the system Chromium (no browser download): skip with a
reason when it is missing, or fail under REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import chromium_path, skip_or_fail

# Playwright's sync API runs an event loop in this thread; the test still
# touches the database synchronously, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def screenshot(page, name: str) -> Path:
    """Save the whole page as test-artifacts/screenshots/<name>.png (the README
    shows the main ones, copied by `make screenshots`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at the system Chromium."""
    executable = chromium_path()
    if executable is None:
        skip_or_fail(
            "needs Chromium: apt-get install chromium (or /usr/bin/chromium-browser)",
            variable="REQUIRE_BROWSER",
        )
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": CHROMIUM_ARGS,
        "timeout": 30_000,
    }


@pytest.fixture
def tasks_inline(queued, monkeypatch):
    """The follow-up tasks run in the server thread as soon as their transaction
    commits, so a page reloaded afterwards shows the community history, the
    scores and the tables, as it would once a worker had caught up. A real worker
    runs them in tests/integration."""
    from pipeline.tasks import (
        rebuild_scopes,
        score_question,
        send_resolution_emails,
        update_community,
    )

    queued.update_community.side_effect = lambda question_id, *args, **kw: update_community(
        question_id, *args, **kw
    )
    queued.rebuild_scopes.side_effect = lambda *args, **kw: rebuild_scopes()
    queued.resolution_emails.side_effect = lambda question_id, *args, **kw: send_resolution_emails(
        question_id
    )
    monkeypatch.setattr(
        score_question, "delay", lambda question_id, *args, **kw: score_question(question_id)
    )
    return queued


PASSWORD = "correct-horse-battery"  # the factories' password


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"could not log in as {username}"
