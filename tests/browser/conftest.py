"""Playwright with the system Chromium (no browser download): skip with a
reason when it is missing, or fail under REQUIRE_BROWSER=1. Every page any test
opens is watched for Content-Security-Policy violations, which fail the test."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
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


# Runs in every page and frame before the page's own scripts: each violation is reported
# to the test at once (the binding), and kept on the window for a last look at teardown
# (a report still in flight when the test ends).
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = [
    document.URL, event.effectiveDirective, event.blockedURI || "(inline)",
    event.sourceFile ? `${event.sourceFile}:${event.lineNumber}` : "", event.sample,
  ].filter(Boolean).join(" | ");
  window.__cspViolations.push(violation);
  window.__reportCspViolation(violation);
});
"""
# Chromium also writes refusals on the console ("Executing inline script violates the
# following Content Security Policy directive ...").
CSP_CONSOLE = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)


@pytest.fixture(autouse=True)
def csp_violations(browser, new_context, monkeypatch) -> Iterator[list[str]]:
    """Every Content-Security-Policy violation on any page of any browser context the
    test opens (the `context` and `page` fixtures' and those it makes itself with
    `browser.new_context()` or `browser.new_page()`); the test fails if the list is not
    empty at its end. A test that provokes violations on purpose reads and clears it."""
    violations: list[str] = []
    contexts = []

    def watch(context) -> None:
        context.expose_function("__reportCspViolation", lambda v: violations.append(v))
        context.add_init_script(CSP_WATCH)
        context.on(
            "console",
            lambda message: (
                violations.append(f"console {message.type}: {message.text}")
                if message.type == "error" and CSP_CONSOLE.search(message.text)
                else None
            ),
        )
        contexts.append(context)

    original_new_context, original_new_page = browser.new_context, browser.new_page

    def watched_new_context(*args, **kwargs):
        context = original_new_context(*args, **kwargs)
        watch(context)
        return context

    def watched_new_page(*args, **kwargs):
        page = original_new_page(*args, **kwargs)
        watch(page.context)
        return page

    # pytest-playwright's `new_context` (behind `context` and `page`) calls
    # browser.new_context when the test asks for them, after this.
    monkeypatch.setattr(browser, "new_context", watched_new_context)
    monkeypatch.setattr(browser, "new_page", watched_new_page)
    yield violations

    # The contexts still open are closed after this (this fixture depends on
    # `new_context`): read what their pages kept.
    for context in contexts:
        for page in context.pages:
            try:
                kept = page.evaluate("() => window.__cspViolations || []")
            except Exception:  # a page closing or navigating has nothing left to read
                continue
            violations.extend([v for v in kept if v not in violations])
    if violations:
        pytest.fail(
            "Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(violations)),
            pytrace=False,
        )


@pytest.fixture
def tasks_inline(queued, monkeypatch):
    """The follow-up tasks run in the server thread as soon as their transaction
    commits, so a page reloaded afterwards shows the community history, the
    scores and the tables, as it would once a worker had caught up. A real worker
    runs them in tests/integration."""
    from pipeline.tasks import (
        comment_alerts,
        rebuild_scopes,
        record_clarification_alerts,
        score_question,
        send_resolution_emails,
        sync_provenance,
        update_community,
    )

    queued.update_community.side_effect = lambda question_id, *args, **kw: update_community(
        question_id, *args, **kw
    )
    queued.rebuild_scopes.side_effect = lambda *args, **kw: rebuild_scopes()
    queued.resolution_emails.side_effect = lambda question_id, *args, **kw: send_resolution_emails(
        question_id
    )
    queued.sync_provenance.side_effect = lambda question_ids, *args, **kw: sync_provenance(
        question_ids
    )
    queued.comment_alerts.side_effect = lambda comment_id, *args, **kw: comment_alerts(comment_id)
    monkeypatch.setattr(
        score_question, "delay", lambda question_id, *args, **kw: score_question(question_id)
    )
    monkeypatch.setattr(
        record_clarification_alerts,
        "delay",
        lambda clarification_id, *args, **kw: record_clarification_alerts(clarification_id),
    )
    return queued


def assert_fits_width(page, what: str = "the page") -> None:
    """Nothing scrolls sideways: the document is no wider than the window less its
    vertical scroll bar, if any."""
    width, room = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width <= room, f"{what} is {width}px wide in {room}px: it scrolls sideways"


PASSWORD = "correct-horse-battery"  # the factories' password


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"could not log in as {username}"
