"""The leaderboard and My record on a phone and a laptop: a headline sentence in words on
top, the tables fitting the window with no sideways scrolling (on a phone each row
becomes a card), and every score figure inside the window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from scoring.models import QuestionScoring
from scoring.scopes import ALL, Scope
from scoring.services import community_user, leaderboard_build
from tests.browser.conftest import assert_fits_width, log_in, screenshot
from tests.factories import UserFactory
from tests.web.analysts import resolved_question, score

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(360, 740), (1280, 800)]

# Long names, as real ones can be; (accuracy, daily Brier) on each question.
FORECASTERS = {
    "ana-the-forecaster": [(-0.12, 0.21), (-0.05, 0.3), (-0.2, 0.1), (0.02, 0.5)],
    "benedict-cumberbatch-fan": [(0.1, 0.6), (0.2, 0.7), (-0.01, 0.35), (0.05, 0.45)],
    "cho": [(-0.3, 0.05), (-0.1, 0.2), (-0.15, 0.15), (-0.2, 0.1)],
    "dimitrios-papadopoulos": [(0.3, 0.9), (0.0, 0.4), (0.1, 0.5), (0.12, 0.6)],
    "newcomer-with-one-question": [(-0.4, 0.02)],
}


@pytest.fixture
def board(settings) -> None:
    """Four forecasters above the line on four resolved questions, one below it, and the
    community forecast; the board built as the rebuild task builds it."""
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 3
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 50
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 50
    questions = [
        resolved_question(
            f"fit-{day}",
            day % 2,
            title=f"Will the long-running negotiation number {day} end in an agreement?",
            known_at=datetime(2025, 3, day, tzinfo=UTC),
        )
        for day in (1, 2, 3, 4)
    ]
    for question in questions:
        QuestionScoring.objects.create(
            question=question, scored_at=timezone.now(), scored_days=10, crowd_mean=0.36
        )
    for name, rows in FORECASTERS.items():
        person = UserFactory(username=name)
        for question, (accuracy, brier) in zip(questions, rows, strict=False):
            score(question, person, accuracy=accuracy, daily_brier=brier, peer=-10 * accuracy)
    for question in questions:
        score(question, community_user(), accuracy=0.0, daily_brier=0.36, peer=0.0)
    leaderboard_build(scope=Scope(ALL))


def fits(page: Page, what: str) -> None:
    """No sideways scrolling: neither the page nor any table's frame."""
    assert_fits_width(page, what)
    overflows = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
            .filter((w) => w.checkVisibility() && w.scrollWidth > w.clientWidth)
            .map((w) => `${w.querySelector("table")?.className}: `
                        + `${w.scrollWidth - w.clientWidth}px`)"""
    )
    assert overflows == [], f"{what}: tables scroll sideways: {overflows}"


def inside(page: Page, selector: str, what: str) -> int:
    """How many `selector` elements there are; each must lie within the window's width."""
    boxes = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((el) => el.checkVisibility())
            .map((el) => { const r = el.getBoundingClientRect(); return [r.left, r.right]; })""",
        selector,
    )
    inner = page.evaluate("window.innerWidth")
    outside = [box for box in boxes if box[0] < 0 or box[1] > inner]
    assert outside == [], f"{what}: {len(outside)} of {len(boxes)} outside the {inner}px window"
    return len(boxes)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_leaderboard_has_a_headline_and_fits(live_server, page: Page, board, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/leaderboard/")
    headline = page.get_by_test_id("board-headline")
    expect(headline).to_contain_text("cho leads 4 ranked forecasters by Accuracy score")
    fits(page, "the leaderboard")
    assert inside(page, "table.leaderboard td.score", "the scores") == 6  # 5 and the crowd's

    log_in(page, live_server, "ana-the-forecaster")
    for url in ("/leaderboard/", "/leaderboard/?rule=peer"):
        page.goto(f"{live_server.url}{url}")
        expect(page.get_by_test_id("board-headline")).to_contain_text("You rank 2nd of 4 by")
        fits(page, url)
        assert inside(page, "table.leaderboard td.score", "the scores") == 6
        assert inside(page, "table.leaderboard th[scope=row]", "the names") == 6
    screenshot(page, f"leaderboard-{width}")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_my_record_has_a_headline_and_fits(live_server, page: Page, board, width, height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, "ana-the-forecaster")
    page.goto(f"{live_server.url}/me/record/")
    headline = page.get_by_test_id("record-headline")
    expect(headline).to_contain_text("better than the crowd")
    expect(headline).to_contain_text("the crowd's 0.360")
    fits(page, "my record")
    # The headline rule's column of the questions table, one figure per question.
    assert inside(page, "table.score-table td.headline-score", "the scores") == 4
    # Every rule of every question, behind a disclosure, fits once opened.
    disclosure = page.get_by_test_id("every-rule-per-question")
    disclosure.locator("summary").click()
    fits(page, "my record with every rule")
    assert inside(page, "table.every-rule td.num", "every rule's scores") > 4 * 5
    screenshot(page, f"record-{width}")
