"""One forecaster's week, in a real browser: they forecast and comment (their forecast is
shown beside the comment), reply to another forecaster and upvote them, follow a second
question and find the alert of its clarification, reaffirm and then withdraw their
forecast, and open the other forecaster's profile from the leaderboard; staff hide a
comment with a reason, and the forecaster sees the placeholder in its place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from discussion.models import Comment
from discussion.services import comment_post
from forecasts.models import Forecast, Withdrawal
from forecasts.services import forecast_submit
from notifications.models import Alert
from questions.services import clarification_add, question_resolve
from tests.browser.conftest import assert_fits_width, log_in, screenshot
from tests.factories import QuestionFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(tasks_inline, settings):
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 1
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 20
    now = timezone.now()
    dana = UserFactory(username="dana")
    eli = UserFactory(
        username="eli",
        display_name="Eli Park",
        bio="Reads the **defence white papers** every year.",
        calibration_public=True,
    )
    staff = StaffFactory(username="mod")
    talks = QuestionFactory(slug="talks", title="Will the working-level talks resume?")
    budget = QuestionFactory(slug="budget", title="Will the cost-sharing deal be signed?")
    # A resolved question both forecast on, so both stand on the leaderboard.
    summit = QuestionFactory(
        slug="summit",
        title="Will the leaders hold a summit?",
        open_time=now - timedelta(days=40),
        scheduled_close_time=now - timedelta(days=3),
        scheduled_resolve_time=now + timedelta(days=3),
    )
    for user, probability in ((dana, 0.8), (eli, 0.3)):
        forecast_submit(
            user=user,
            question=summit,
            probability=probability,
            origin=Forecast.Origin.WEB,
            now=summit.open_time + timedelta(days=1),
        )
    question_resolve(
        question=summit,
        outcome="yes",
        known_at=summit.scheduled_close_time,
        resolved_by=staff,
        note="They met.",
    )
    comment_post(author=eli, question=talks, body="Envoys have said nothing since May.")
    return {"talks": talks, "budget": budget, "staff": staff}


def test_a_forecasters_second_pass(live_server, page: Page, browser, world):
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 1280, "height": 800})
    talks_url = f"{live_server.url}/questions/talks/"
    log_in(page, live_server, "dana")

    # Forecast, then comment: the forecast held stands beside the comment, and forecasting
    # followed the question.
    page.goto(talks_url)
    page.get_by_label("Your probability of yes (%)").fill("62")
    page.get_by_role("button", name="Submit forecast").click()
    page.get_by_text("Forecast saved: 62% chance of yes.").wait_for()
    expect(page.get_by_test_id("follow-state")).to_contain_text(
        "You follow this question because you forecast on it."
    )
    page.get_by_label("Your comment").fill("Both capitals *want* a photo before the election.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    mine = Comment.objects.get(author__username="dana", parent=None)
    expect(page.locator(f"#comment-{mine.pk}").get_by_test_id("held-forecast")).to_have_text(
        "held 62%"
    )

    # Reply to Eli and upvote Eli's comment.
    theirs = Comment.objects.get(author__username="eli")
    thread = page.locator(f"#comment-{theirs.pk}")
    page.locator(".reply-box summary").first.click()
    page.get_by_label("Your reply to eli").fill("Silence before a meeting is usual, @eli.")
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_load_state()
    reply = Comment.objects.get(parent=theirs)
    expect(page.locator(f"#comment-{reply.pk}").get_by_test_id("held-forecast")).to_have_text(
        "held 62%"
    )
    thread.get_by_role("button", name="Upvote · 0").click()
    page.wait_for_load_state()
    expect(thread.get_by_role("button", name="Upvoted · 1")).to_be_visible()
    # Eli hears of the reply once, though it mentions him too.
    heard = Alert.objects.filter(user__username="eli", key=f"comment:{reply.pk}")
    assert list(heard.values_list("kind", flat=True)) == [Alert.Kind.REPLY]
    assert_fits_width(page)
    screenshot(page, "journey-discussion")

    # Follow a question without forecasting; staff clarify it; the alert is waiting.
    page.goto(f"{live_server.url}/questions/budget/")
    page.get_by_role("button", name="Follow", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("follow-state")).to_contain_text("You follow this question.")
    clarification_add(
        question=world["budget"],
        text="Signing by the two ministers counts; ratification is not needed.",
        created_by=world["staff"],
    )
    page.get_by_role("link", name="Following", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("alerts")).to_contain_text(
        "Clarified: Will the cost-sharing deal be signed?"
    )
    expect(page.get_by_test_id("followed")).to_contain_text("1 clarification")
    assert_fits_width(page)

    # Reaffirm the forecast, then withdraw it: the history keeps both, and no forecast stands.
    page.goto(talks_url)
    page.get_by_role("button", name="Reaffirm 62%").click()
    page.get_by_text("Forecast reaffirmed: 62% chance of yes.").wait_for()
    page.locator("summary", has_text="Withdraw").click()
    page.get_by_role("button", name="Confirm: withdraw my forecast").click()
    page.get_by_text("Forecast withdrawn").wait_for()
    expect(page.get_by_test_id("no-standing-forecast")).to_be_visible()
    history = page.get_by_test_id("my-history").locator("li")
    expect(history).to_have_count(3)
    expect(history.first).to_contain_text("Withdrawn")
    assert Withdrawal.objects.filter(user__username="dana").count() == 1
    assert Forecast.objects.filter(user__username="dana", reaffirmed=True).count() == 1
    # The comment keeps the forecast held when it was written.
    expect(page.locator(f"#comment-{mine.pk}").get_by_test_id("held-forecast")).to_have_text(
        "held 62%"
    )

    # Staff hide Eli's comment with a reason; the thread keeps its place.
    mod = browser.new_context().new_page()
    mod.set_default_timeout(10_000)
    log_in(mod, live_server, "mod")
    mod.goto(talks_url)
    moderated = mod.locator(f"#comment-{theirs.pk}")
    moderated.locator(".moderate-box summary").click()
    moderated.get_by_label("Reason for hiding").fill("Unsourced.")
    moderated.get_by_role("button", name="Hide comment").click()
    mod.wait_for_load_state()
    page.reload()
    expect(
        page.locator(f"#comment-{theirs.pk}").get_by_test_id("comment-placeholder")
    ).to_have_text("Hidden by a moderator: Unsourced.")
    expect(page.locator(f"#comment-{reply.pk}")).to_contain_text("Silence before a meeting")

    # Open Eli's profile from the leaderboard, on a phone and on a laptop.
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/leaderboard/")
        page.get_by_role("link", name="eli", exact=True).click()
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/forecasters/eli/"
        expect(page.get_by_role("heading", name="Eli Park", level=1)).to_be_visible()
        expect(page.get_by_text("defence white papers")).to_be_visible()
        expect(page.get_by_role("heading", name="Standings")).to_be_visible()
        expect(page.get_by_role("heading", name="Calibration")).to_be_visible()
        assert_fits_width(page, f"the profile at {width}px")
    screenshot(page, "journey-profile")
