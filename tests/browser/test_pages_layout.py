"""Every main page on a phone-sized and a laptop-sized window: it loads without a
script error or a missing asset, never scrolls sideways (wide tables scroll in
their own frame), and every form control it shows has a label."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page

from forecasts.models import Forecast
from forecasts.services import forecast_submit
from questions.models import Question
from questions.services import question_resolve
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import QuestionFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (360, 740), "laptop": (1280, 800)}
ANONYMOUS_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/leaderboard/"]
STAFF_PAGES = [
    "/",
    "/questions/{open}/",
    "/questions/{resolved}/",
    "/articles/fractured-pillar/",
    "/me/record/",
    "/accounts/settings/",
    "/following/",
    "/leaderboard/?min_questions=0",
    "/calibration/?questions=all",
    "/analysis/questions/",
    "/analysis/questions/{resolved}/",
    "/manage/resolutions/",
    "/manage/questions/",
    "/manage/questions/new/",
    "/manage/questions/new/?article=fractured-pillar&horizon=1y",
    "/manage/questions/{resolved}/resolve/",
]

# Controls without a label: those whose label is not a <label> (aria-label,
# aria-labelledby, title) count as labelled.
UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && el.type !== "submit" && el.offsetParent !== null)
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                    && !el.getAttribute("aria-labelledby") && !el.title)
    .map((el) => el.outerHTML.slice(0, 120))"""


@pytest.fixture
def site(tasks_inline) -> dict[str, str]:
    call_command("import_questions", str(settings.FORESEER_ARTICLE_QUESTIONS_FILE), verbosity=0)
    now = timezone.now()
    staff = StaffFactory(username="editor")
    open_question = Question.objects.open(now).first()
    resolved = QuestionFactory(
        slug="resolved-for-layout",
        title="A resolved question with a long enough title to wrap on a phone screen",
        open_time=now - timedelta(days=30),
        scheduled_close_time=now - timedelta(days=3),
        scheduled_resolve_time=now + timedelta(days=3),
    )
    # An overdue question, so the queue has a row.
    QuestionFactory(
        slug="overdue-for-layout",
        open_time=now - timedelta(days=30),
        scheduled_close_time=now - timedelta(days=1),
        scheduled_resolve_time=now + timedelta(days=1),
    )
    for index, probability in enumerate((0.2, 0.55, 0.85)):
        user = staff if index == 0 else UserFactory(username=f"layout-{index}")
        forecast_submit(
            user=user,
            question=resolved,
            probability=probability,
            origin=Forecast.Origin.WEB,
            now=resolved.open_time + timedelta(days=index + 1),
        )
    forecast_submit(user=staff, question=open_question, probability=0.4, origin=Forecast.Origin.WEB)
    question_resolve(
        question=resolved,
        outcome="yes",
        known_at=resolved.scheduled_close_time,
        resolved_by=staff,
        note="Settled by the official readout.",
        evidence_links=["https://example.org/readout"],
    )
    return {"open": open_question.slug, "resolved": resolved.slug}


def check(page: Page, url: str, problems: list[str]) -> None:
    problems.clear()
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.wait_for_load_state("networkidle")
    assert problems == [], f"{url}: {problems}"
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{url} is {width}px wide in a {viewport}px window"
    assert page.evaluate(UNLABELLED) == [], f"{url} has controls without a label"


@pytest.mark.parametrize("size", SIZES)
def test_every_main_page_fits_loads_and_labels_its_controls(live_server, page: Page, site, size):
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    page.set_default_timeout(10_000)

    for path in ANONYMOUS_PAGES:
        check(page, f"{live_server.url}{path}", problems)
    log_in(page, live_server, "editor")
    for path in STAFF_PAGES:
        check(page, f"{live_server.url}{path.format(**site)}", problems)
    # The first screen a staff member sees, with the whole navigation.
    check(page, f"{live_server.url}/", problems)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"questions-staff-{size}.png"))
