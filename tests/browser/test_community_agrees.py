"""The Community box and the chart read the same stored community forecast: after every
forecast they agree, and the first forecast already draws a visible point."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from forecasts.models import Forecast
from forecasts.services import forecast_submit
from tests.browser.conftest import log_in
from tests.factories import QuestionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chart_state(page: Page) -> dict:
    """The community series as Chart.js holds it: its last value and whether the value
    standing now is drawn as a dot."""
    return page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById("community-chart"));
            const index = chart.data.datasets.findIndex((d) => d.directLabel === "Community");
            if (index < 0) return {points: 0};
            const data = chart.data.datasets[index].data;
            const meta = chart.getDatasetMeta(index);
            const real = data.filter((p) => !p.carried);
            const dot = meta.data[real.length - 1].options.radius;
            return {points: real.length, last: data[data.length - 1].y, dot: dot};
        }"""
    )


def box(page: Page) -> str:
    return page.get_by_test_id("community-median").inner_text()


def test_the_box_and_the_chart_agree_after_every_forecast(live_server, page: Page, tasks_inline):
    now = timezone.now()
    question = QuestionFactory(slug="agree", open_time=now - timedelta(days=3))
    me = UserFactory(username="agreeable")
    url = f"{live_server.url}/questions/{question.slug}/"
    log_in(page, live_server, me.username)

    # The first forecast on the question: one point, drawn as a dot.
    page.goto(url)
    page.get_by_label("Your probability of yes (%)").fill("30")
    page.get_by_role("button", name="Submit forecast").click()
    page.wait_for_load_state()
    state = chart_state(page)
    assert box(page) == "30%"
    assert state["points"] == 1 and state["last"] == 30.0 and state["dot"] > 0

    # Another forecaster, then two updates of mine: the box and the chart move together.
    forecast_submit(
        user=UserFactory(username="other"),
        question=question,
        probability=0.7,
        origin=Forecast.Origin.API,
    )
    for percent, median in (("60", "65%"), ("20", "45%")):
        page.goto(url)
        page.get_by_label("Your probability of yes (%)").fill(percent)
        page.get_by_role("button", name="Submit forecast").click()
        page.wait_for_load_state()
        state = chart_state(page)
        assert box(page) == median
        assert f"{state['last']:g}%" == median
        assert state["dot"] > 0
