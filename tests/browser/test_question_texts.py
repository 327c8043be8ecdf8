"""A question's Markdown texts in the browser: on a phone, the seeded criteria read as
paragraphs (no line broken where the data file wrapped it), a list shows its bullets,
a long link and a code block do not make the page scroll sideways, and nothing an author
typed as HTML runs."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page

from tests.factories import QuestionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_URL = "https://example.org/" + "a-very-long-path-segment-" * 8
CRITERIA = (
    "Resolves Yes on **either** of:\n\n"
    "- a long-range launch;\n"
    "- a nuclear test.\n\n"
    f"Sources: <{LONG_URL}>\n\n"
    "    code_that_is_much_longer_than_a_phone_screen_is_wide = " + "x" * 120 + "\n\n"
    "<img src=x onerror=\"document.title='ran'\"> "
    "[click](javascript:document.title='ran')"
)


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{width}px wide"


def test_markdown_criteria_on_a_phone(live_server, page: Page):
    question = QuestionFactory(slug="markdown-on-a-phone", resolution_criteria=CRITERIA)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/questions/{question.slug}/")
    page.wait_for_load_state("networkidle")
    fits(page)
    criteria = page.locator("section#criteria")
    items = criteria.locator("ul > li")
    assert items.all_inner_texts() == ["a long-range launch;", "a nuclear test."]
    assert items.first.evaluate("el => getComputedStyle(el).listStyleType") == "disc"
    assert criteria.locator("strong").inner_text() == "either"
    link = criteria.locator(f'a[href="{LONG_URL}"]')
    assert link.get_attribute("rel") == "nofollow noopener"
    # What was typed as HTML is text on the page, and nothing of it ran.
    assert criteria.locator("img").count() == 0
    assert criteria.locator('a[href^="javascript"]').count() == 0
    assert page.title() != "ran"


def test_the_seeded_criteria_read_as_paragraphs_on_a_phone(live_server, page: Page):
    call_command("import_questions", str(settings.FORESEER_ARTICLE_QUESTIONS_FILE), verbosity=0)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/questions/nk-significant-escalation-2025-12-07-6m/")
    page.wait_for_load_state("networkidle")
    fits(page)
    paragraphs = page.locator("section#criteria > p").all_inner_texts()
    assert [text[:3] for text in paragraphs[1:5]] == ["(a)", "(b)", "(c)", "(d)"]
    # The line breaks of the data file are gone: a paragraph wraps where the screen does.
    assert "the ROK Joint Chiefs of Staff (JCS)" in paragraphs[1]
    assert all("\n" not in text for text in paragraphs)
