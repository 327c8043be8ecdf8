"""The whole of prediction tracking in a browser: staff paste a new article, review the
claims Foreseer proposes, accept two, draft a question from one and publish it;
forecasters forecast, the question resolves, and the article's, its author's, its
outlet's and its quoted speaker's track records show the claim's score beside the
crowd's, with term calibration counting it. The follow-up tasks (the claims sync,
scoring, the tables) run as soon as their transaction commits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from claims.models import Claim, ClaimLink
from forecasts.models import Forecast
from forecasts.services import forecast_submit
from questions.models import Article, Question
from questions.services import question_resolve
from scoring import registry
from scoring.models import Score
from tests.browser.conftest import log_in, screenshot
from tests.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = (
    "# The Alliance Under Strain\n\n"
    "Seoul and Washington have argued over costs all year, and the talks have been bitter.\n\n"
    "A summit between the two leaders before the end of 2030 is likely, officials say.\n\n"
    "It is unlikely that the troop presence will fall below 25,000 by 2030.\n\n"
    "“A new cost-sharing deal by 2029 is very likely,” explains Dr. Emily Carter, "
    "a professor at Georgetown University.\n"
)
TITLE = "Will the United States and South Korea sign a new cost-sharing agreement by 2029?"


def _cell(rule: registry.Rule, article_score: Score, crowd_score: Score) -> str:
    """What the record's table shows for a rule: the article's value / the crowd's."""
    return (
        f"{rule.format(getattr(article_score, rule.column))} / "
        f"{rule.format(getattr(crowd_score, rule.column))}"
    )


def test_paste_review_publish_resolve_and_see_the_track_records(
    live_server, page: Page, browser: Browser, tasks_inline
):
    StaffFactory(username="editor")
    page.set_default_timeout(15_000)
    published_on = (timezone.now() - timedelta(days=10)).date()

    # Staff paste the article and check what was read.
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/manage/articles/")
    page.locator("#nav-article-add").click()
    page.get_by_label("Paste the article").fill(ARTICLE)
    page.locator("#article-read-submit").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Title")).to_have_value("The Alliance Under Strain")
    page.get_by_label("Published on").fill(published_on.isoformat())
    page.get_by_label("Outlet").fill("The Diplomat")
    page.get_by_label("Authors").fill("Jane Roe | Asan Institute")
    page.locator("#article-save-submit").click()
    page.wait_for_load_state()

    # The proposals: all three forecasts, each with its wording's range and horizon.
    article = Article.objects.get()
    proposed = {claim.expression: claim for claim in Claim.objects.filter(article=article)}
    assert set(proposed) == {"likely", "unlikely", "very likely"}
    deal = proposed["very likely"]
    assert (deal.low, deal.high, deal.table) == (0.8, 0.95, "icd203")
    assert deal.horizon_end.isoformat() == "2029-12-31"
    assert deal.speaker is not None and deal.speaker.name == "Emily Carter"
    summit = proposed["likely"]
    assert summit.horizon_end.isoformat() == "2030-12-31"
    for claim in proposed.values():
        expect(page.locator(f"#claim-{claim.pk} mark")).to_have_text(claim.passage)

    # Accept two; draft a question from one.
    page.locator(f"#claim-{summit.pk}-accept").click()
    page.wait_for_load_state()
    page.locator(f"#claim-{deal.pk}-accept").click()
    page.wait_for_load_state()
    assert set(Claim.objects.filter(status="accepted").values_list("pk", flat=True)) == {
        summit.pk,
        deal.pk,
    }
    screenshot(page, "claims-review")
    page.locator(f"#claim-{deal.pk}-draft").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Source passage")).to_have_value(deal.passage)
    expect(page.get_by_label("Implied probability, low")).to_have_value("0.8")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Resolution criteria").fill(
        "Resolves Yes if the two governments sign a new Special Measures Agreement on the "
        "cost of U.S. forces in Korea within the window, as published by either government."
    )
    page.get_by_role("button", name="Save the draft and preview it").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    # Publishing asks first, showing what forecasters will read.
    expect(page.locator("#publish-title")).to_have_text(TITLE)
    page.get_by_role("button", name="Publish: forecasters can see it").click()
    page.wait_for_load_state()
    question = Question.objects.get(title=TITLE)
    assert not question.is_draft
    link = ClaimLink.objects.get(question=question)
    assert (link.claim_id, link.kind, link.direction) == (deal.pk, "direct", "yes")

    # Forecasters forecast the next day; the deal is signed two days later and the
    # question resolves Yes (the services take the time, as the days pass); scoring
    # follows the commit.
    day_one = question.open_time + timedelta(days=1)
    for hours, (username, probability) in enumerate((("ana", 0.95), ("ben", 0.3), ("cho", 0.6))):
        forecast_submit(
            user=UserFactory(username=username),
            question=question,
            probability=probability,
            origin=Forecast.Origin.WEB,
            now=day_one + timedelta(hours=hours),
        )
    signed = question.open_time + timedelta(days=3)
    question_resolve(
        question=question,
        outcome="yes",
        known_at=signed,
        resolved_by=StaffFactory(username="resolver"),
        now=signed,
    )
    scores = {
        score.user.username: score
        for score in Score.objects.filter(question=question).select_related("user")
    }
    assert set(scores) == {"ana", "ben", "cho", "community", f"article:{article.slug}"}, set(scores)
    claim_score, crowd_score = scores[f"article:{article.slug}"], scores["community"]
    brier, accuracy = registry.DAILY_BRIER, registry.ACCURACY
    # A constant 87.5 % (the midpoint of 80–95 %) on an outcome of Yes.
    assert getattr(claim_score, brier.column) == pytest.approx((1 - 0.875) ** 2 * 2)

    # The question page shows the claim beside the crowd, with both scores.
    page.goto(f"{live_server.url}/questions/{question.slug}/")
    claims = page.get_by_test_id("claim-scores")
    expect(claims).to_contain_text("The claim (midpoint)")
    expect(claims).to_contain_text(brier.format(getattr(claim_score, brier.column)))
    expect(claims).to_contain_text("Community forecast")

    # Every record the claim belongs to shows its score beside the crowd's.
    expected = [_cell(rule, claim_score, crowd_score) for rule in (brier, accuracy)]
    for path in (
        f"/articles/{article.slug}/track-record/",
        "/authors/jane-roe/",
        "/outlets/the-diplomat/",
        "/speakers/emily-carter/",
    ):
        page.goto(f"{live_server.url}{path}")
        row = page.locator("table.track-claims tbody tr").filter(has_text=TITLE)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("came true")
        for cell in expected:
            expect(row).to_contain_text(cell)
        expect(page.locator("main")).to_contain_text("The sample is too small for a verdict")
    screenshot(page, "speaker-track-record")

    # Term calibration counts it: "very likely", 1 of 1, beside ICD 203's range.
    page.goto(f"{live_server.url}/track-records/terms/")
    row = page.locator("table.term-calibration tbody tr").filter(has_text="“very likely”")
    expect(row).to_contain_text("1 of 1")
    expect(row).to_contain_text("80–95%")
    page.goto(f"{live_server.url}/track-records/terms/?outlet=the-diplomat")
    expect(page.locator("table.term-calibration")).to_contain_text("“very likely”")
