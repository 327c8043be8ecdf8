"""The settings page and the unsubscribe page in a real browser, on a phone and a
laptop: nothing wider than the screen, and everything works from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from notifications.unsubscribe import unsubscribe_token
from tests.browser.conftest import assert_fits_width, log_in, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "name"), [(360, "phone"), (1280, "laptop")])
def test_settings_from_the_keyboard(live_server, page: Page, width, name):
    UserFactory(username="sam")
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server, "sam")
    page.get_by_role("link", name="Settings").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    assert_fits_width(page)
    screenshot(page, f"account-settings-{name}")

    reminders = page.get_by_label("When my forecast on an open question goes stale")
    expect(reminders).to_be_checked()
    reminders.focus()
    page.keyboard.press("Space")
    expect(reminders).not_to_be_checked()
    page.get_by_role("button", name="Save settings").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    user = User.objects.get(username="sam")
    assert (user.email_reminders, user.email_on_resolution) == (False, True)

    # A new address without the password: the error sits next to the field.
    page.get_by_label("Email address").fill("sam.new@example.org")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    expect(
        page.get_by_text("Enter your current password to change your email address.")
    ).to_be_visible()
    assert_fits_width(page)
    page.get_by_label("Current password").fill("correct-horse-battery")
    page.get_by_label("Current password").press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    assert User.objects.get(username="sam").email == "sam.new@example.org"


@pytest.mark.parametrize(("width", "name"), [(360, "phone"), (1280, "laptop")])
def test_unsubscribe_page(live_server, page: Page, width, name):
    user = UserFactory(username="sam")
    page.set_viewport_size({"width": width, "height": 800})
    token = unsubscribe_token(user_id=user.pk, kind="reminder")
    page.goto(f"{live_server.url}/accounts/unsubscribe/{token}/")
    assert_fits_width(page)
    screenshot(page, f"unsubscribe-{name}")
    page.get_by_role("button", name="Unsubscribe").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Unsubscribed")).to_be_visible()
    user.refresh_from_db()
    assert user.email_reminders is False and user.email_on_resolution is True
