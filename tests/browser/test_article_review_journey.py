"""Staff paste a new article, check what was read, save it, review the proposed claims
(accept one, dismiss another with a reason) and draft a question from the accepted one,
which opens in the draft editor with its provenance filled in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from claims.models import Claim, ClaimLink
from questions.models import Article, Question
from tests.browser.conftest import log_in, screenshot
from tests.factories import StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = """# The Alliance Under Strain

Seoul and Washington have argued over costs all year.

A summit between the two leaders within six months is increasingly probable, officials say.

It is unlikely that the troop presence will fall below 25,000 by 2030.
"""


def test_paste_review_and_draft(live_server, page: Page):
    StaffFactory(username="editor")
    page.set_default_timeout(15_000)
    log_in(page, live_server, "editor")

    page.goto(f"{live_server.url}/manage/articles/")
    page.locator("#nav-article-add").click()
    page.get_by_label("Paste the article").fill(ARTICLE)
    page.locator("#article-read-submit").click()
    page.wait_for_load_state()

    # What was read, with the fields it could not find named and left empty.
    expect(page.locator("#article-missing-fields")).to_contain_text("publication date")
    expect(page.get_by_label("Title")).to_have_value("The Alliance Under Strain")
    page.get_by_label("Published on").fill("2026-05-01")
    page.get_by_label("Outlet").fill("The Diplomat")
    page.get_by_label("Authors").fill("Jane Roe | Asan Institute")
    page.locator("#article-save-submit").click()
    page.wait_for_load_state()

    article = Article.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Review claims: The Alliance Under Strain"
    )
    summit = Claim.objects.get(article=article, passage__contains="summit")
    troops = Claim.objects.get(article=article, passage__contains="troop presence")
    expect(page.locator(f"#claim-{summit.pk} mark")).to_have_text(summit.passage)
    screenshot(page, "article-review")

    page.locator(f"#claim-{summit.pk}-accept").click()
    page.wait_for_load_state()
    page.locator(f"#claim-{troops.pk}-reason").fill("A size, not a forecast to track.")
    page.locator(f"#claim-{troops.pk}-dismiss").click()
    page.wait_for_load_state()
    troops.refresh_from_db()
    assert troops.status == Claim.Status.DISMISSED
    expect(page.locator("#claims-dismissed")).to_contain_text("A size, not a forecast to track.")

    page.locator(f"#claim-{summit.pk}-draft").click()
    page.wait_for_load_state()
    question = Question.objects.get()
    assert question.is_draft
    expect(page.get_by_label("Source passage")).to_have_value(summit.passage)
    expect(page.get_by_label("Implied probability, low")).to_have_value(str(summit.low))
    assert ClaimLink.objects.get().question == question
