"""The whole path a new forecaster takes, in a real browser: sign up, find a
question drawn from an article, follow its passage, forecast with the number
field, update with the slider from the keyboard, and see both forecasts on the
community chart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from forecasts.models import Forecast
from forecasts.services import forecast_submit
from questions.models import Question
from tests.browser.conftest import screenshot
from tests.factories import ClarificationFactory, UserFactory

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


SLUG = "nk-high-level-talks-12m-from-load"
# Earlier forecasters: days before now, probability.
EARLIER = [(18, 0.25), (15, 0.35), (11, 0.3), (8, 0.45), (4, 0.4)]


@pytest.fixture
def article_question(tasks_inline) -> Question:
    """One of the shipped article questions, its window moved to stay open around
    today, with a clarification and a few forecasters before the new one."""
    call_command("import_questions", str(settings.FORESEER_ARTICLE_QUESTIONS_FILE), verbosity=0)
    now = timezone.now()
    Question.objects.filter(slug=SLUG).update(
        open_time=now - timedelta(days=20),
        scheduled_close_time=now + timedelta(days=40),
        scheduled_resolve_time=now + timedelta(days=50),
    )
    question = Question.objects.get(slug=SLUG)
    ClarificationFactory(
        question=question,
        text="Talks by video link count; an exchange of letters alone does not.",
        created_at=now - timedelta(days=6),
    )
    for index, (days, probability) in enumerate(EARLIER):
        forecast_submit(
            user=UserFactory(username=f"earlier-{index}"),
            question=question,
            probability=probability,
            origin=Forecast.Origin.API,
            now=now - timedelta(days=days),
        )
    return question


def test_sign_up_forecast_update_and_see_the_chart(live_server, page: Page, article_question):
    question = article_question
    page.set_default_timeout(10_000)

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

    # From the list, searching, to the question, as a user would go.
    page.get_by_role("searchbox", name="Search").fill("high-level dialogue")
    page.get_by_role("searchbox", name="Search").press("Enter")
    page.wait_for_load_state()
    page.get_by_role("link", name=question.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(question.title)
    expect(page.locator("main")).to_contain_text("Talks by video link count")
    expect(page.locator("blockquote")).to_contain_text(question.source_passage[:40])

    # The passage in its article, emphasized, then back.
    page.get_by_role("link", name="Read the passage in the article").click()
    page.wait_for_load_state()
    expect(page.locator(f"#passage-{question.slug}")).to_be_visible()
    page.go_back()

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
    assert community["points"] >= len(EARLIER) + 2  # a step at each forecast
    # Six forecasters at 25, 35, 30, 45, 40 and 73.5 %: the median is halfway
    # between 35 and 40.
    assert community["last"]["y"] == pytest.approx(37.5)
    screenshot(page, "question")
