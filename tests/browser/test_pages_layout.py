"""Every page on a phone-sized and a laptop-sized window, as a visitor, a forecaster and
staff see it: it loads without a script error or a missing asset, never scrolls sideways
(wide tables scroll in their own frame), every form control it shows has a label, and
axe-core (tests/browser/vendor/axe-core) finds no violation of WCAG 2.1 A or AA."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import Page, Route

from claims.models import Claim
from discussion.services import comment_hide, comment_post, rationale_share
from forecasts.models import Forecast
from forecasts.services import forecast_submit
from notifications.models import SentEmail
from notifications.unsubscribe import unsubscribe_token
from questions.models import Question
from questions.services import question_resolve
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import QuestionFactory, StaffFactory, UserFactory
from tests.track_records import build_track_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (360, 740), "laptop": (1280, 800)}

# Every page of the site, by who looks at it. A path may name the fixture's objects
# ({open}, {resolved}, ...); a page answering other than 200 gives its status.
# Add a new page here (the API's documentation pages are checked elsewhere).
ANONYMOUS_PAGES: list[str | tuple[str, int]] = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/not-a-token/",
    "/accounts/reset/done/",
    "/accounts/unsubscribe/{unsubscribe}/",
    ("/accounts/unsubscribe/not-a-token/", 400),
    "/leaderboard/",
    "/discussion/",
    "/questions/{open}/",
    "/forecasters/editor/",
    "/forecasters/layout-commenter/",
    ("/forecasters/no-such-forecaster/", 404),
    "/scoring/",
    "/calibration/",
    "/questions/{resolved}/",
    "/articles/fractured-pillar/",
    "/track-records/",
    "/track-records/terms/",
    "/articles/{track_article}/track-record/",
    "/authors/{author}/",
    "/speakers/{speaker}/",
    "/outlets/{outlet}/",
    ("/no-such-page/", 404),
]
FORECASTER_PAGES: list[str | tuple[str, int]] = [
    "/me/record/",
    "/forecasters/layout-forecaster/",
    "/forecasters/editor/",
    "/accounts/settings/",
    "/questions/{open}/",
    ("/analysis/questions/", 403),
]
STAFF_PAGES: list[str | tuple[str, int]] = [
    "/",
    "/questions/{open}/",
    "/questions/{resolved}/",
    "/articles/fractured-pillar/",
    "/me/record/",
    "/accounts/settings/",
    "/accounts/password_change/",
    "/accounts/password_change/done/",
    "/following/",
    "/leaderboard/?min_questions=0",
    "/calibration/?questions=all",
    "/analysis/questions/",
    "/analysis/questions/{resolved}/",
    "/manage/resolutions/",
    "/manage/questions/",
    "/manage/questions/new/",
    "/manage/questions/new/?article=fractured-pillar&horizon=1y",
    "/manage/questions/{draft}/edit/",
    "/manage/questions/{resolved}/resolve/",
    "/manage/articles/",
    "/manage/articles/new/",
    "/manage/articles/{track_article}/",
    "/manage/claims/{claim}/edit/",
    "/manage/claims/{claim}/dismiss/",
    "/manage/likelihood-tables/",
    "/discussion/",
    "/discussion/?sort=upvoted",
    "/discussion/comments/{comment}/edit/",
]
# Pages no request of the sweep can reach without harm (a server error, a throttled form,
# a locked-out login): rendered here and served at these paths of the site, as the site
# renders them (500.html with no request, the others with an anonymous visitor's).
RENDERED_PAGES: dict[str, tuple[int, str, dict[str, object]]] = {
    "/rendered/server-error/": (500, "500.html", {}),
    "/rendered/throttled/": (429, "throttled.html", {"wait_minutes": 3, "wait_seconds": 170}),
    "/rendered/locked-out/": (
        429,
        "registration/locked_out.html",
        {"username": "layout-forecaster", "wait_minutes": 5},
    ),
}

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
    staff = StaffFactory(
        username="editor", bio="Reads **budget** documents.", calibration_public=True
    )
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
    held = forecast_submit(
        user=staff,
        question=open_question,
        probability=0.4,
        rationale="A long rationale-without-breaks-" * 4,
        origin=Forecast.Origin.WEB,
    )
    # A discussion: a shared rationale, a thread with a reply and a hidden comment.
    layout = UserFactory(username="layout-commenter", profile_public=False)
    top = rationale_share(forecast=held, by=staff)
    comment_post(author=layout, question=open_question, body="`code` @editor " * 20, parent=top)
    hidden = comment_post(author=layout, question=open_question, body="Rude.")
    comment_hide(comment=hidden, by=staff, reason="Off topic.")
    QuestionFactory(slug="draft-for-layout", published_at=None)
    track = build_track_world()
    question_resolve(
        question=resolved,
        outcome="yes",
        known_at=resolved.scheduled_close_time,
        resolved_by=staff,
        note="Settled by the official readout.",
        evidence_links=["https://example.org/readout"],
    )
    return {
        "open": open_question.slug,
        "resolved": resolved.slug,
        "draft": "draft-for-layout",
        "comment": str(top.pk),
        "track_article": track.first.slug,
        # A claim still under review: its edit and dismiss pages.
        "claim": str(
            Claim.objects.filter(article=track.first)
            .exclude(status=Claim.Status.DISMISSED)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        ),
        "author": track.author.slug,
        "speaker": track.speaker.slug,
        "outlet": track.outlet.slug,
        "unsubscribe": unsubscribe_token(
            user_id=UserFactory(username="layout-forecaster").pk, kind=SentEmail.Kind.RESOLUTION
        ),
    }


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# The WCAG 2.0 and 2.1 success criteria at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """(tags) => axe.run(document, {
        runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
    .then((results) => results.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
        count: v.nodes.length,
    })))"""


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page, each in a readable line. The
    script is evaluated through the browser's debugging protocol, which the page's
    Content-Security-Policy does not govern, so the site's policy stays in force."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(AXE_RUN, AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}, {v['count']} element{'s' if v['count'] != 1 else ''}): "
        f"{v['help']} <{v['url']}>\n      " + "\n      ".join(v["nodes"])
        for v in violations
    ]


def check(page: Page, url: str, problems: list[str], *, status: int = 200) -> list[str]:
    """What is wrong with the page at `url`, in readable lines; [] when nothing."""
    problems.clear()
    response = page.goto(url)
    if response is None or response.status != status:
        return [f"{url}: answered {response and response.status}, not {status}"]
    # goto waits for the load event: every script, stylesheet and image the page asks for
    # has answered (no page fetches anything later), so there is nothing left to wait for.
    if status != 200:  # the page itself, answered as it should be
        problems[:] = [p for p in problems if not p.startswith(f"{status} {url}")]
    wrong = [f"{url}: {problem}" for problem in problems]
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        wrong.append(f"{url} is {width}px wide in a {viewport}px window")
    if unlabelled := page.evaluate(UNLABELLED):
        wrong.append(f"{url} has controls without a label: {unlabelled}")
    wrong.extend(f"{url}: {violation}" for violation in accessibility_violations(page))
    return wrong


def serve_rendered_pages(page: Page, base: str) -> None:
    def fulfil(route: Route) -> None:
        status, template, context = RENDERED_PAGES[urlsplit(route.request.url).path]
        request = RequestFactory().get(route.request.url)
        request.user = AnonymousUser()
        html = render_to_string(template, context, request=None if status == 500 else request)
        route.fulfill(status=status, body=html, content_type="text/html; charset=utf-8")

    page.route(f"{base}/rendered/**", fulfil)


def check_all(
    page: Page, base: str, paths: list[str | tuple[str, int]], site, problems
) -> list[str]:
    wrong = []
    for entry in paths:
        path, status = entry if isinstance(entry, tuple) else (entry, 200)
        wrong.extend(check(page, f"{base}{path.format(**site)}", problems, status=status))
    return wrong


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

    wrong = check_all(page, live_server.url, ANONYMOUS_PAGES, site, problems)
    serve_rendered_pages(page, live_server.url)
    for path, (status, _, _) in RENDERED_PAGES.items():
        wrong += check(page, f"{live_server.url}{path}", problems, status=status)
    log_in(page, live_server, "layout-forecaster")
    wrong += check_all(page, live_server.url, FORECASTER_PAGES, site, problems)
    page.context.clear_cookies()
    log_in(page, live_server, "editor")
    wrong += check_all(page, live_server.url, STAFF_PAGES, site, problems)
    # The first screen a staff member sees, with the whole navigation.
    wrong += check(page, f"{live_server.url}/", problems)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"questions-staff-{size}.png"))
    assert wrong == [], f"at {width}px:\n" + "\n".join(wrong)


def test_axe_names_each_violation_with_its_rule_impact_elements_and_help(page: Page):
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>'
        '<h1>Bad</h1><img src="/chart.png"><input type="text" name="q"></main></body></html>'
    )
    violations = "\n".join(accessibility_violations(page))
    assert "image-alt (critical, 1 element): Images must have alternative text" in violations
    assert "label (critical, 1 element): Form elements must have labels" in violations
    assert "dequeuniversity.com/rules/axe/" in violations
    # Each element by its selector, with what would fix it.
    assert "\n      input: Fix any of the following:" in violations
