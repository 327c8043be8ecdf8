"""The track-record pages in a real browser, phone- and laptop-sized: the term-calibration
chart is drawn (one point per expression), no script error or refused request, and no
page (nor a record's tables) scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.track_records import build_track_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (360, 740), "laptop": (1280, 800)}


@pytest.mark.parametrize("size", SIZES)
def test_track_records_and_term_calibration(live_server, page: Page, size, settings):
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 50
    world = build_track_world()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
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

    page.goto(f"{live_server.url}/track-records/terms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Term calibration")
    page.wait_for_function("() => window.Chart && Chart.getChart('terms-chart')")
    points = page.evaluate("() => Chart.getChart('terms-chart').data.datasets[1].data")
    assert points == [pytest.approx(500 / 6)]

    for path in ("/track-records/terms/", "/track-records/", f"/outlets/{world.outlet.slug}/",
                 f"/speakers/{world.speaker.slug}/", f"/authors/{world.author.slug}/",
                 f"/articles/{world.first.slug}/track-record/"):  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.evaluate("innerWidth"), f"{path} is {width}px wide"
        # The record's own tables need no sideways scrolling either: on a phone each
        # row is a card (table.stack), on a laptop the columns fit.
        for selector in ("table.track-comparison", "table.track-claims", "table.term-calibration"):
            for table in page.locator(selector).all():
                overflow = table.evaluate(
                    "t => { const wrap = t.closest('.table-wrap');"
                    " return wrap.scrollWidth - wrap.clientWidth; }"
                )
                assert overflow <= 0, f"{selector} on {path} scrolls {overflow}px sideways"
    assert errors == []
