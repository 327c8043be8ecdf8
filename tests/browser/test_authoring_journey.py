"""An admin drafts a question from a passage selected in an article, sets its window
without losing what was typed, previews the draft (which forecasters cannot see) with
its placeholders filled, publishes it after a confirmation, and a forecaster finds it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from questions.models import Question
from tests.browser.conftest import log_in, screenshot
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSAGE = "prompted a temporary suspension of high-level dialogue"
TITLE = "Will high-level dialogue between the two Koreas resume within a year?"

SELECT = """(passage) => {
    // Select the passage in the article's text, as a reader dragging over it would.
    const root = document.querySelector(".article-text");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
        const at = node.textContent.indexOf(passage);
        if (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + passage.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return true;
        }
    }
    return false;
}"""


def test_draft_from_a_passage_preview_and_publish(live_server, page: Page, browser: Browser):
    call_command("import_questions", str(settings.FORESEER_ARTICLE_QUESTIONS_FILE), verbosity=0)
    StaffFactory(username="author")
    page.set_default_timeout(10_000)
    log_in(page, live_server, "author")

    page.goto(f"{live_server.url}/articles/fractured-pillar/")
    assert page.evaluate(SELECT, PASSAGE), "the passage is not in the article's text"
    expect(page.locator("#id_draft_passage")).to_have_value(PASSAGE)
    page.get_by_label("Starting").select_option("today")
    page.get_by_role("button", name="Draft a question from this passage").click()
    page.wait_for_load_state()

    expect(page.get_by_role("heading", level=1)).to_have_text("New question")
    expect(page.get_by_label("Source passage")).to_have_value(PASSAGE)
    criteria = "Resolves yes if ministers of North and South Korea meet in person."
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Resolution criteria").fill(criteria)
    page.get_by_label("Fine print").fill("Meetings up to {close_date} count.")

    # Setting the window after typing keeps what was typed.
    page.get_by_label("Window of").select_option("3y")
    page.get_by_role("button", name="Set the window").click()
    page.wait_for_load_state()
    closes = (datetime.now(UTC).date() + relativedelta(years=3)).isoformat()
    expect(page.locator("#window-set")).to_contain_text(f"closes {closes}")
    expect(page.get_by_label("Closes (UTC)")).to_have_value(f"{closes}T00:00")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    expect(page.get_by_label("Resolution criteria")).to_have_value(criteria)
    expect(page.get_by_label("Source passage")).to_have_value(PASSAGE)
    assert not Question.objects.filter(title=TITLE).exists()

    page.get_by_role("button", name="Save the draft and preview it").click()
    page.wait_for_load_state()

    question = Question.objects.get(title=TITLE)
    assert question.is_draft
    assert question.scheduled_close_time.date().isoformat() == closes
    # The preview shows the fine print as forecasters will read it.
    expect(page.locator("main")).to_contain_text(f"Meetings up to {closes} count.")
    assert question.article.slug == "fractured-pillar"
    assert question.source_passage == PASSAGE
    expect(page.get_by_text("Draft preview:")).to_be_visible()
    expect(page.locator("#forecast-form")).to_have_count(0)

    # Forecasters do not see the draft: not in the list, and its page is a 404.
    visitor = browser.new_context()
    anonymous = visitor.new_page()
    anonymous.goto(f"{live_server.url}/?q=dialogue+resume")
    expect(anonymous.locator("main")).not_to_contain_text(TITLE)
    assert anonymous.goto(f"{live_server.url}/questions/{question.slug}/").status == 404

    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    # Asked first: the draft is still a draft until the confirmation.
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish this question?")
    expect(page.locator("#publish-criteria")).to_contain_text(criteria)
    question.refresh_from_db()
    assert question.is_draft
    # The long address wraps rather than widening the page on a phone.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Publish: forecasters can see it").click()
    page.wait_for_load_state()
    question.refresh_from_db()
    assert not question.is_draft
    screenshot(page, "published-question")

    anonymous.goto(f"{live_server.url}/?q=dialogue+resume")
    anonymous.get_by_role("link", name=TITLE).click()
    anonymous.wait_for_load_state()
    expect(anonymous.locator("blockquote")).to_contain_text(PASSAGE)
    visitor.close()
