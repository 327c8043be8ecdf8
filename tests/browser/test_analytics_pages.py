"""The analysts' pages and My record in a real browser, on a phone-sized and a laptop-sized
window: the charts are drawn (Chart.js finds its data), no script error, and the page
itself never scrolls sideways (wide tables scroll inside their frame)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scoring.models import Score
from scoring.scopes import ALL, Scope
from scoring.services import leaderboard_build
from tests.browser.conftest import log_in, screenshot
from tests.factories import StaffFactory, UserFactory
from tests.web.analysts import example_c, rebuild, score

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (360, 740), "laptop": (1280, 800)}


def chart_points(page: Page, canvas: str) -> int:
    return page.evaluate(
        "(id) => { const c = Chart.getChart(document.getElementById(id));"
        " return c ? c.data.datasets[0].data.length : -1; }",
        canvas,
    )


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


@pytest.fixture
def data(db):
    zed = UserFactory(username="zed")
    questions = example_c(zed)
    rebuild("all", "tag:high")
    for index, question in enumerate(questions[:4]):
        for name, accuracy in (("zed", -0.1 * index), ("yan", 0.05 * index)):
            score(question, UserFactory(username=name), accuracy=accuracy)
    leaderboard_build(scope=Scope(ALL))
    assert Score.objects.count() == 8
    StaffFactory(username="boss")
    return zed


@pytest.mark.parametrize("size", SIZES)
def test_calibration_and_the_leaderboard(live_server, page: Page, data, size):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every script, style sheet and page loads (the browser's own favicon request aside).
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.set_default_timeout(10_000)
    log_in(page, live_server, "boss")

    page.goto(f"{live_server.url}/calibration/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Calibration")
    assert chart_points(page, "reliability-chart") == 4
    assert chart_points(page, "roc-chart") > 2
    expect(page.locator(".bin-table tbody tr")).to_have_count(10)
    no_sideways_scroll(page)
    # Every control has a label.
    for control in ("user", "group", "tag", "article", "project", "weighting", "questions"):
        expect(
            page.get_by_label(page.locator(f'label[for="id_{control}"]').inner_text())
        ).to_be_visible()
    page.select_option("#id_tag", "high")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    expect(page.locator("#subject-heading")).to_have_text("Calibration of tag high")
    assert chart_points(page, "reliability-chart") == 2
    screenshot(page, f"calibration-{size}")

    page.goto(f"{live_server.url}/leaderboard/?min_questions=1")
    expect(page.locator("svg.interval-bar")).to_have_count(2)
    no_sideways_scroll(page)
    # Sorting by a column heading, from the keyboard.
    page.get_by_role("link", name="Forecaster").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=name" in page.url
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Forecaster")
    screenshot(page, f"leaderboard-{size}")
    assert errors == []


@pytest.mark.parametrize("size", SIZES)
def test_my_record(live_server, page: Page, data, size):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    page.set_default_timeout(10_000)
    log_in(page, live_server, "zed")
    page.goto(f"{live_server.url}/me/record/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My record")
    assert chart_points(page, "my-calibration-chart") == 4
    assert chart_points(page, "history-chart") > 0
    no_sideways_scroll(page)
    screenshot(page, f"record-{size}")
    assert errors == []
