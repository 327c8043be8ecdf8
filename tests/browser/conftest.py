"""Playwright with the system Chromium (no browser download): skip with a
reason when it is missing, or fail under REQUIRE_BROWSER=1."""

from __future__ import annotations

import os

import pytest

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
