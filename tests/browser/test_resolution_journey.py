"""An admin resolves a question from the queue and then corrects it; a forecaster
then finds their scores on the question page and in their record, with the
calibration chart. In a real browser, with the follow-up tasks run as soon as
their transaction commits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from forecasts.models import Forecast
from forecasts.services import forecast_submit
from questions.models import Question, ResolutionEvent
from scoring.models import Score
from tests.browser.conftest import log_in, screenshot
from tests.factories import QuestionFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORECASTS = [("ana", 0.8), ("ben", 0.35), ("cho", 0.6)]


@pytest.fixture
def closed_question() -> Question:
    now = timezone.now()
    question = QuestionFactory(
        slug="summit-held",
        title="Will the leaders' summit be held?",
        open_time=now - timedelta(days=20),
        scheduled_close_time=now - timedelta(days=2),
        scheduled_resolve_time=now + timedelta(days=5),
    )
    for hours, (username, probability) in enumerate(FORECASTS):
        user = UserFactory(username=username, email=f"{username}@example.org")
        forecast_submit(
            user=user,
            question=question,
            probability=probability,
            origin=Forecast.Origin.WEB,
            now=question.open_time + timedelta(days=1, hours=hours),
        )
    # Someone else's question, still open: it must not be in the queue.
    QuestionFactory(slug="still-open", title="A question still open")
    return question


def resolve_from_the_queue(page: Page, question: Question, *, outcome: str, known_at: str) -> None:
    page.get_by_label(outcome, exact=True).check()
    page.get_by_label("Known at (UTC)").fill(known_at)
    page.get_by_label("Evidence links").fill("https://example.org/summit-report")
    page.get_by_label("Note").fill(f"Resolved {outcome} on the official readout.")
    page.get_by_role("button", name="Review").click()
    page.wait_for_load_state()


def test_resolve_correct_and_see_the_scores(
    live_server, page: Page, browser: Browser, closed_question, tasks_inline
):
    question = closed_question
    StaffFactory(username="moderator", email="mod@example.org")
    known_at = (question.scheduled_close_time + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M")

    # The admin finds the question in the queue, with what resolving it will score.
    log_in(page, live_server, "moderator")
    page.get_by_role("link", name="Staff", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resolution queue")
    queue = page.locator("table.queue")
    expect(queue).to_contain_text(question.title)
    expect(queue).not_to_contain_text("A question still open")
    screenshot(page, "resolution-queue")
    queue.get_by_role("link", name="Resolve").first.click()
    page.wait_for_load_state()

    resolve_from_the_queue(page, question, outcome="Yes", known_at=known_at)
    expect(page.locator("#scoring-effect")).to_contain_text(
        "This will score 3 forecasts from 3 forecasters"
    )
    assert not ResolutionEvent.objects.exists()  # nothing saved before confirming
    page.get_by_role("button", name="Confirm: resolve as Yes").click()
    page.wait_for_load_state()

    question.refresh_from_db()
    assert question.resolution == Question.Resolution.YES
    assert Score.objects.filter(question=question).count() == 4  # three and the community
    peer_before = dict(
        Score.objects.filter(question=question).values_list("user__username", "peer")
    )
    assert peer_before["ana"] > 0 > peer_before["ben"]
    assert {message.to[0] for message in mail.outbox} == {
        "ana@example.org",
        "ben@example.org",
        "cho@example.org",
    }

    # The correction: from the queue's recently resolved list, to No.
    page.goto(f"{live_server.url}/manage/resolutions/")
    page.locator("table.recent").get_by_role("link", name="Correct").first.click()
    page.wait_for_load_state()
    resolve_from_the_queue(page, question, outcome="No", known_at=known_at)
    expect(page.locator("#change-outcome")).to_contain_text("Yes → No")
    page.get_by_role("button", name="Confirm: correct to No").click()
    page.wait_for_load_state()

    question.refresh_from_db()
    assert question.resolution == Question.Resolution.NO
    assert list(question.resolution_events.values_list("outcome", flat=True)) == ["yes", "no"]
    peer_after = dict(Score.objects.filter(question=question).values_list("user__username", "peer"))
    assert peer_after["ana"] < 0 < peer_after["ben"]

    # The forecaster's side, in a browser of their own.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    forecaster = context.new_page()
    forecaster.set_default_timeout(10_000)
    log_in(forecaster, live_server, "ana")
    forecaster.goto(f"{live_server.url}/questions/{question.slug}/")
    expect(forecaster.get_by_role("heading", name="Outcome: No")).to_be_visible()
    audit = forecaster.locator("details.audit")
    audit.locator("summary").click()
    expect(audit).to_contain_text("Yes")
    # One headline on top: corrected to No, her 80% did worse than the crowd.
    expect(forecaster.get_by_test_id("score-headline")).to_contain_text("worse than the crowd")
    card = forecaster.get_by_test_id("your-scores")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Peer")
    expect(card).to_contain_text(f"{peer_after['ana']:+.1f}".replace("-", "−"))

    forecaster.get_by_role("link", name="My record").click()
    forecaster.wait_for_load_state()
    expect(forecaster.get_by_role("link", name=question.title).first).to_be_visible()
    expect(forecaster.locator("canvas").first).to_be_visible()
    screenshot(forecaster, "record")
    context.close()
