"""The whole path a new forecaster takes, in a real browser: sign up, open a
question, submit a forecast as a percentage, and see it on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from accounts.models import User
from forecasts.models import Forecast
from tests.factories import QuestionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def test_sign_up_and_forecast_from_the_question_page(live_server, page: Page):
    question = QuestionFactory(slug="browser-question", title="Will the browser test pass?")
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("#id_username", "pat-browser")
    page.fill("#id_email", "pat@example.org")
    page.fill("#id_password1", "quiet-harbour-lantern-47")
    page.fill("#id_password2", "quiet-harbour-lantern-47")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    assert "/accounts/signup/" not in page.url, page.content()
    user = User.objects.get(username="pat-browser")
    assert user.email == "pat@example.org"
    assert user.has_usable_password()

    page.goto(f"{live_server.url}/questions/{question.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(question.title)
    expect(page.locator("#forecast")).not_to_contain_text("62.5%")
    page.fill("#id_percent", "62.5")
    page.fill("#id_rationale", "Base rates, adjusted for the article's hedging.")
    page.get_by_role("button", name="Submit forecast").click()
    page.wait_for_load_state()

    assert page.url.rstrip("/").endswith(f"/questions/{question.slug}"), page.url
    expect(page.get_by_text("Forecast saved")).to_contain_text("62.5%")
    expect(page.locator("#forecast")).to_contain_text("62.5%")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "question.png"), full_page=True)

    forecast = Forecast.objects.get()
    assert forecast.user == user
    assert forecast.question == question
    assert forecast.probability == pytest.approx(0.625)
    assert forecast.origin == Forecast.Origin.WEB
    assert forecast.rationale == "Base rates, adjusted for the article's hedging."
