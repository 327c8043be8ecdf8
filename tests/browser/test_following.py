"""A forecaster follows a question with its button, staff clarify it, and the forecaster
finds the alert on the following page, then marks it seen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from questions.services import clarification_add
from tests.browser.conftest import log_in, screenshot
from tests.factories import QuestionFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_follower_sees_the_alert_of_a_clarification(live_server, page: Page, tasks_inline):
    question = QuestionFactory(slug="summit", title="Will the summit take place?")
    UserFactory(username="follower")
    staff = StaffFactory(username="editor")
    log_in(page, live_server, "follower")

    page.goto(f"{live_server.url}/questions/summit/")
    expect(page.get_by_test_id("follow-state")).to_contain_text("Follow it to hear")
    page.get_by_role("button", name="Follow", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("follow-state")).to_contain_text("You follow this question.")
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "question-following-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    clarification_add(question=question, text="A meeting by video link counts.", created_by=staff)

    page.goto(f"{live_server.url}/questions/summit/")
    page.get_by_role("link", name="Following", exact=True).click()
    page.wait_for_load_state()
    alerts = page.get_by_test_id("alerts")
    expect(alerts).to_contain_text("Clarified: Will the summit take place?")
    expect(alerts.locator("li.is-unread")).to_have_count(1)
    expect(page.get_by_test_id("followed")).to_contain_text("1 clarification")
    expect(page.get_by_test_id("unread-alerts")).to_have_text("1 unread alert.")
    screenshot(page, "following")

    page.get_by_role("button", name="Mark all as seen").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("alerts").locator("li.is-unread")).to_have_count(0)
    expect(page.get_by_test_id("unread-alerts")).to_have_text("No unread alerts.")
    page.get_by_test_id("alerts").get_by_role("link").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/questions/summit/#clarifications")
