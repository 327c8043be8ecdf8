"""A resolved question's page for a forecaster: one headline score on top, the other
rules behind a disclosure, and the scores table fitting a phone (rows become cards) and
a laptop (every column beside the side column) without sideways scrolling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from forecasts.models import Forecast
from forecasts.services import forecast_submit
from questions.services import question_resolve
from tests.browser.conftest import SCREENSHOTS, log_in, screenshot
from tests.factories import QuestionFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Long names, as real ones can be, so the first column is no narrower than it will be.
FORECASTERS = [
    ("ana-the-forecaster", 0.82),
    ("benedict-cumberbatch-fan", 0.35),
    ("cho", 0.6),
    ("dimitrios-papadopoulos", 0.15),
]

WRAP_OVERFLOW = "w => w.scrollWidth - w.clientWidth"


@pytest.fixture
def resolved(tasks_inline) -> str:
    now = timezone.now()
    question = QuestionFactory(
        slug="summit-held",
        title="Will the leaders' summit be held before the end of the year?",
        open_time=now - timedelta(days=20),
        scheduled_close_time=now - timedelta(days=2),
        scheduled_resolve_time=now + timedelta(days=5),
    )
    for hours, (username, probability) in enumerate(FORECASTERS):
        forecast_submit(
            user=UserFactory(username=username),
            question=question,
            probability=probability,
            origin=Forecast.Origin.WEB,
            now=question.open_time + timedelta(days=1, hours=hours),
        )
    question_resolve(
        question=question,
        outcome="yes",
        known_at=question.scheduled_close_time,
        resolved_by=StaffFactory(),
        note="",
        evidence_links=[],
    )
    return question.slug


@pytest.mark.parametrize(("width", "height"), [(360, 740), (1280, 800)])
def test_the_resolved_page_has_a_headline_and_fits(
    live_server, page: Page, resolved, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, "ana-the-forecaster")
    page.goto(f"{live_server.url}/questions/{resolved}/")

    headline = page.get_by_test_id("score-headline")
    expect(headline).to_be_visible()
    expect(headline).to_contain_text("better than the crowd")
    # The other rules wait behind the disclosure until asked for.
    disclosure = page.get_by_test_id("every-rule")
    expect(disclosure.locator(".score-line").first).to_be_hidden()
    # The first screen, as a forecaster opens it (the README shows it).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"resolved-headline-top-{width}.png"))
    disclosure.locator("summary").click()
    expect(disclosure.locator(".score-line")).to_have_count(7)
    expect(disclosure.locator(".score-line").first).to_be_visible()

    table = page.get_by_test_id("scores-table")
    expect(table).to_be_visible()
    screenshot(page, f"resolved-headline-{width}")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    inner_width = page.evaluate("window.innerWidth")
    assert scroll_width <= inner_width, f"the page is {scroll_width}px wide in {inner_width}px"
    overflow = page.get_by_test_id("scores-wrap").evaluate(WRAP_OVERFLOW)
    assert overflow <= 0, f"the scores table scrolls {overflow}px sideways at {width}px"
