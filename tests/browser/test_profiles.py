"""Profiles and local times in a real browser: another forecaster's profile reached from
the leaderboard, fitting a phone and a laptop; and a question page read from Seoul shows
Korean times with UTC on hover."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from questions.models import Question
from scoring.scopes import ALL, Scope
from scoring.services import community_user, leaderboard_build
from tests.browser.conftest import assert_fits_width, log_in, screenshot
from tests.factories import (
    ClarificationFactory,
    ForecastFactory,
    QuestionFactory,
    ScoreFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOMENT = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(("width", "name"), [(360, "phone"), (1280, "laptop")])
def test_another_forecasters_profile_from_the_leaderboard(
    live_server, page: Page, settings, width, name
):
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 1
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 20
    ann = UserFactory(
        username="ann",
        display_name="Ann Example",
        bio="Reads **tea leaves** and the long-range forecasts of several agencies.",
        calibration_public=True,
    )
    bob = UserFactory(username="bob")
    question = QuestionFactory(
        title="Will the long-awaited thing happen before the end of the window?",
        open_time=MOMENT - timedelta(days=60),
        scheduled_close_time=MOMENT - timedelta(days=30),
        scheduled_resolve_time=MOMENT - timedelta(days=29),
    )
    ForecastFactory(user=ann, question=question, probability=0.7, created_at=question.open_time)
    Question.objects.filter(pk=question.pk).update(
        resolution=Question.Resolution.YES, known_at=MOMENT, resolution_set_at=MOMENT
    )
    ScoreFactory(question=question, user=ann, accuracy=-0.1)
    ScoreFactory(question=question, user=bob, accuracy=0.2)
    ScoreFactory(question=question, user=community_user(), accuracy=0.0)
    leaderboard_build(scope=Scope(ALL))

    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/leaderboard/")
    page.get_by_role("link", name="ann", exact=True).click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/forecasters/ann/"
    expect(page.get_by_role("heading", name="Ann Example", level=1)).to_be_visible()
    expect(page.get_by_text("tea leaves")).to_be_visible()
    expect(page.get_by_role("heading", name="Standings")).to_be_visible()
    expect(page.get_by_role("heading", name="Calibration")).to_be_visible()
    expect(page.get_by_role("link", name=question.title).first).to_be_visible()
    assert_fits_width(page)
    screenshot(page, f"profile-{name}")


def test_a_question_read_from_seoul_shows_korean_times_with_utc_on_hover(live_server, browser):
    question = QuestionFactory(open_time=MOMENT, scheduled_close_time=MOMENT + timedelta(days=3650))
    ClarificationFactory(question=question, text="A note.", created_at=MOMENT)
    context = browser.new_context(timezone_id="Asia/Seoul")
    page = context.new_page()
    url = f"{live_server.url}/questions/{question.slug}/"
    page.goto(url)
    page.wait_for_load_state()
    # The first page, rendered in UTC before the server knew the zone, shows Seoul's
    # times at once (the browser's own name for the zone) and sets the cookie...
    moment = page.locator('time[datetime="2026-03-05T18:00:00+00:00"]').first
    expect(moment).to_have_text(re.compile(r"^2026-03-06 03:00 (KST|GMT\+9)$"))
    expect(moment).to_have_attribute("title", "2026-03-05 18:00 UTC")
    assert any(c["name"] == "tz" and c["value"] == "Asia/Seoul" for c in context.cookies())
    # ... from which the server renders the next pages in it.
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("data-time-zone", "Asia/Seoul")
    moment = page.locator('time[datetime="2026-03-05T18:00:00+00:00"]').first
    expect(moment).to_have_text("2026-03-06 03:00 KST")
    expect(moment).to_have_attribute("title", "2026-03-05 18:00 UTC")
    context.close()


def test_a_chosen_time_zone_outranks_the_browsers(live_server, browser):
    question = QuestionFactory(open_time=MOMENT, scheduled_close_time=MOMENT + timedelta(days=3650))
    UserFactory(username="ines", time_zone="Europe/Lisbon")
    context = browser.new_context(timezone_id="Asia/Seoul")
    page = context.new_page()
    log_in(page, live_server, "ines")
    page.goto(f"{live_server.url}/questions/{question.slug}/")
    page.wait_for_load_state()
    # Lisbon is on UTC (WET) in March: the page's times stay as the server wrote them.
    moment = page.locator('time[datetime="2026-03-05T18:00:00+00:00"]').first
    expect(moment).to_have_text("2026-03-05 18:00 WET")
    context.close()
