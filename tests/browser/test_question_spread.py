"""The histogram of standing forecasts is drawn from the page's data (under the Content
Security Policy, which the autouse fixture watches), and the share link copies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_histogram_is_drawn_and_the_link_copies(live_server, page: Page):
    now = timezone.now()
    question = QuestionFactory(slug="spread", open_time=now - timedelta(days=3))
    first, second = UserFactory(), UserFactory()
    ForecastFactory(question=question, user=first, probability=0.35)
    ForecastFactory(question=question, user=second, probability=0.62, created_at=now - timedelta(2))
    ForecastFactory(question=question, user=second, probability=0.91, created_at=now - timedelta(1))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/questions/{question.slug}/")

    counts = page.evaluate(
        """() => Chart.getChart(document.getElementById("spread-chart")).data.datasets[0].data"""
    )
    assert counts == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1]

    copy = page.get_by_role("button", name="Copy link")
    assert copy.is_visible()
    copy.click()
    page.get_by_text("Link copied.").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.endswith("/questions/spread/")
