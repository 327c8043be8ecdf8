"""The discussion in a real browser: a forecaster forecasts and comments (their forecast is
shown beside the comment), another forecaster replies and upvotes, and staff hide a
comment with a reason, which every reader then sees in its place."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from discussion.models import Comment, CommentModeration
from tests.browser.conftest import log_in, screenshot
from tests.factories import QuestionFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_comment_with_forecast_reply_upvote_and_hide(live_server, page: Page, browser, queued):
    page.set_default_timeout(10_000)
    question = QuestionFactory(slug="talks-resume", title="Will the talks resume this year?")
    UserFactory(username="ana")
    UserFactory(username="bob")
    StaffFactory(username="mod")
    url = f"{live_server.url}/questions/{question.slug}/"

    # Ana forecasts, then comments: her forecast stands beside her comment.
    log_in(page, live_server, "ana")
    page.goto(url)
    page.get_by_label("Your probability of yes (%)").fill("62")
    page.get_by_role("button", name="Submit forecast").click()
    page.wait_for_load_state()
    page.get_by_label("Your comment").fill("The envoys met twice; **talks** look *likely*.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    comment = Comment.objects.get()
    first = page.locator(f"#comment-{comment.pk}")
    expect(first.get_by_test_id("held-forecast")).to_have_text("held 62%")
    expect(first.locator("strong")).to_have_text("talks")
    expect(first.get_by_role("link", name="ana")).to_have_attribute("href", "/forecasters/ana/")

    # Bob, who has not forecast, replies and upvotes.
    bob = browser.new_context().new_page()
    bob.set_default_timeout(10_000)
    log_in(bob, live_server, "bob")
    bob.goto(url)
    bob.locator(".reply-box summary").first.click()
    bob.get_by_label("Your reply to ana").fill("Twice is not a pattern, @ana.")
    bob.get_by_role("button", name="Post reply").click()
    bob.wait_for_load_state()
    reply = Comment.objects.get(parent=comment)
    replied = bob.locator(f"#comment-{reply.pk}")
    expect(replied.get_by_test_id("held-forecast")).to_have_text("no forecast")
    expect(replied.get_by_role("link", name="@ana")).to_have_attribute("href", "/forecasters/ana/")
    bob.locator(f"#comment-{comment.pk}").get_by_role("button", name="Upvote · 0").click()
    bob.wait_for_load_state()
    expect(
        bob.locator(f"#comment-{comment.pk}").get_by_role("button", name="Upvoted · 1")
    ).to_be_visible()
    screenshot(bob, "discussion")

    # Staff hide Bob's reply with a reason; the thread keeps its place.
    mod = browser.new_context().new_page()
    mod.set_default_timeout(10_000)
    log_in(mod, live_server, "mod")
    mod.goto(url)
    moderated = mod.locator(f"#comment-{reply.pk}")
    moderated.locator(".moderate-box summary").click()
    moderated.get_by_label("Reason for hiding").fill("Off topic.")
    moderated.get_by_role("button", name="Hide comment").click()
    mod.wait_for_load_state()
    assert CommentModeration.objects.get().reason == "Off topic."

    anonymous = browser.new_context().new_page()
    anonymous.goto(url)
    hidden = anonymous.locator(f"#comment-{reply.pk}")
    expect(hidden.get_by_test_id("comment-placeholder")).to_have_text(
        "Hidden by a moderator: Off topic."
    )
    expect(hidden).not_to_contain_text("Twice is not a pattern")
    expect(anonymous.locator(f"#comment-{comment.pk}")).to_contain_text("The envoys met twice")
