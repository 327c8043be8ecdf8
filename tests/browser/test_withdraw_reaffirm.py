"""A forecaster forecasts, withdraws (after confirming), sees no standing forecast and the
withdrawal in their history, forecasts again and reaffirms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from forecasts.models import Forecast, Withdrawal
from tests.browser.conftest import assert_fits_width, log_in
from tests.factories import QuestionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_withdraw_and_reaffirm(live_server, page: Page, tasks_inline):
    question = QuestionFactory(slug="withdraw-me", open_time=timezone.now() - timedelta(days=2))
    UserFactory(username="wanda")
    log_in(page, live_server, "wanda")
    page.goto(f"{live_server.url}/questions/{question.slug}/")

    page.fill("#id_percent", "40")
    page.get_by_role("button", name="Submit forecast").click()
    page.get_by_text("Forecast saved: 40% chance of yes.").wait_for()

    # Withdrawing asks for confirmation first: the button is behind a disclosure.
    confirm = page.get_by_role("button", name="Confirm: withdraw my forecast")
    expect(confirm).to_be_hidden()
    page.locator("summary", has_text="Withdraw").click()
    expect(confirm).to_be_visible()
    confirm.click()
    page.get_by_text("Forecast withdrawn").wait_for()
    expect(page.get_by_test_id("no-standing-forecast")).to_be_visible()
    expect(page.get_by_test_id("standing-actions")).to_have_count(0)
    history = page.get_by_test_id("my-history")
    expect(history.locator("li").first).to_contain_text("Withdrawn")
    assert Withdrawal.objects.filter(question=question).count() == 1

    page.fill("#id_percent", "55")
    page.get_by_role("button", name="Submit forecast").click()
    page.get_by_text("Forecast saved: 55% chance of yes.").wait_for()
    page.get_by_role("button", name="Reaffirm 55%").click()
    page.get_by_text("Forecast reaffirmed: 55% chance of yes.").wait_for()
    first = page.get_by_test_id("my-history").locator("li").first
    expect(first).to_contain_text("55%")
    expect(first).to_contain_text("reaffirmed")
    expect(page.get_by_test_id("my-history").locator("li")).to_have_count(4)
    assert Forecast.objects.filter(question=question, reaffirmed=True).count() == 1
    # The page, with the history's marks and the buttons, fits a phone with no sideways
    # scroll.
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/questions/{question.slug}/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("standing-actions")).to_be_visible()
    assert_fits_width(page)
