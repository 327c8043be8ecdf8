"""The whole path a new forecaster takes, in a real browser: sign up, open a
question, forecast with the number field, update with the slider from the
keyboard, and see both forecasts on the community chart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from forecasts.models import Forecast
from forecasts.services import forecast_submit
from tests.browser.conftest import screenshot
from tests.factories import QuestionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chart_datasets(page: Page) -> list[dict]:
    """What Chart.js drew: each dataset's label and its points."""
    return page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById("community-chart"));
            return chart.data.datasets.map((d) => ({label: d.label, points: d.data.length,
                                                    last: d.data[d.data.length - 1]}));
        }"""
    )


def test_sign_up_forecast_update_and_see_the_chart(live_server, page: Page, tasks_inline):
    question = QuestionFactory(
        slug="browser-question",
        title="Will the browser test pass?",
        open_time=timezone.now() - timedelta(days=10),
    )
    # Someone forecast before, so there is a community line to draw.
    forecast_submit(
        user=UserFactory(username="earlier"),
        question=question,
        probability=0.3,
        origin=Forecast.Origin.API,
        now=timezone.now() - timedelta(days=5),
    )

    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("pat-browser")
    page.get_by_label("Email").fill("pat@example.org")
    page.fill("#id_password1", "quiet-harbour-lantern-47")
    page.fill("#id_password2", "quiet-harbour-lantern-47")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    assert "/accounts/signup/" not in page.url, page.content()
    user = User.objects.get(username="pat-browser")
    assert user.email == "pat@example.org"
    assert user.has_usable_password()

    # From the list to the question, as a user would go.
    page.goto(f"{live_server.url}/?q=browser")
    page.get_by_role("link", name="Will the browser test pass?").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(question.title)

    # First forecast with the number field; the slider follows it.
    page.fill("#id_percent", "62.5")
    expect(page.locator("#id_percent_slider")).to_have_value("62.5")
    page.fill("#id_rationale", "Base rates, adjusted for the article's hedging.")
    page.get_by_role("button", name="Submit forecast").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(f"/questions/{question.slug}"), page.url
    expect(page.get_by_text("Forecast saved")).to_contain_text("62.5%")

    # The update, from the keyboard: focus the slider, Page Up adds 10 points and
    # Shift + Right arrow one more; the number field follows.
    slider = page.locator("#id_percent_slider")
    slider.focus()
    page.keyboard.press("PageUp")
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#id_percent")).to_have_value("73.5")
    page.get_by_role("button", name="Submit forecast").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Forecast saved")).to_contain_text("73.5%")

    probabilities = list(
        Forecast.objects.filter(user=user)
        .order_by("created_at")
        .values_list("probability", flat=True)
    )
    assert probabilities == [pytest.approx(0.625), pytest.approx(0.735)]
    first = Forecast.objects.filter(user=user).earliest("created_at")
    assert first.origin == Forecast.Origin.WEB
    assert first.rationale == "Base rates, adjusted for the article's hedging."

    # The chart: the community median's steps and the user's two forecasts.
    expect(page.locator("#community-chart")).to_be_visible()
    datasets = {entry["label"]: entry for entry in chart_datasets(page)}
    community = next(v for k, v in datasets.items() if k.startswith("Community"))
    mine = next(v for k, v in datasets.items() if k.startswith("Your"))
    assert mine["points"] == 2
    assert community["points"] >= 3  # 30 %, then the median with 62.5 %, then with 73.5 %
    # Two forecasters at 30 % and 73.5 %: the median is halfway.
    assert community["last"]["y"] == pytest.approx(51.75)
    screenshot(page, "question")
