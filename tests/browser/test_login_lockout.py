"""A person who mistypes their password five times, in a real browser: the lockout page
(the site's own, no Content-Security-Policy violation), the right password refused while
it lasts, and the way out it offers, a new password by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, log_in, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def try_password(page: Page, live_server, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_five_wrong_passwords_show_the_lockout_page_and_a_reset_unlocks(page: Page, live_server):
    UserFactory(username="alice", email="alice@example.org")
    for _ in range(4):
        try_password(page, live_server, "not-my-password")
        expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    try_password(page, live_server, "not-my-password")
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    screenshot(page, "login-locked-out")

    try_password(page, live_server, PASSWORD)
    expect(page.get_by_role("heading", name="Too many failed logins")).to_be_visible()
    expect(page.get_by_text("Try again in 15 minutes")).to_be_visible()

    page.get_by_role("link", name="Set a new one by email").click()
    page.get_by_label("Email").fill("alice@example.org")
    page.get_by_role("button", name="Send reset link").click()
    page.wait_for_load_state()
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    page.goto(f"{live_server.url}{link}")
    page.get_by_label("New password:", exact=True).fill("a-brand-new-passphrase")
    page.get_by_label("New password confirmation").fill("a-brand-new-passphrase")
    page.get_by_role("button", name="Set password").click()
    page.wait_for_load_state()
    log_in(page, live_server, "alice", "a-brand-new-passphrase")
