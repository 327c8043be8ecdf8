"""The Content-Security-Policy in a real browser: the watcher every browser test runs
under (conftest.py) sees a refused inline script and style; the API docs render with
nothing from another site and no violation; the Django admin and DRF's browsable API
work under the policy."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import PASSWORD, log_in
from tests.factories import ArticleFactory, QuestionFactory, StaffFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}

INJECT = """() => {
    const script = document.createElement("script");
    script.textContent = "window.__inlineRan = true";
    document.body.append(script);
    const box = document.createElement("div");
    box.innerHTML = '<p style="color: red">styled</p>';
    document.body.append(box);
}"""


def test_the_watcher_reports_a_refused_inline_script_and_style(
    live_server, page: Page, csp_violations
):
    page.goto(f"{live_server.url}/")
    page.evaluate(INJECT)
    assert page.evaluate("() => window.__inlineRan") is None
    # Both ways of hearing of it: the page's securitypolicyviolation events (one per
    # refusal) and the console (Chromium writes the script's there).
    for _ in range(100):
        events = [v for v in csp_violations if not v.startswith("console")]
        console = [v for v in csp_violations if v.startswith("console")]
        if len(events) >= 2 and console:
            break
        page.wait_for_timeout(50)
    assert any("| script-src-elem | inline" in v for v in events), csp_violations
    assert any("| style-src-attr | inline" in v for v in events), csp_violations
    assert any("inline script violates" in v for v in console), csp_violations
    # Provoked on purpose: not a failure of this test.
    csp_violations.clear()
    page.evaluate("() => { window.__cspViolations = []; }")


def offline(page: Page) -> list[str]:
    """Abort every request for another site, as a machine without internet would, and
    list them."""
    elsewhere: list[str] = []

    def route(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return elsewhere


def test_the_api_docs_render_offline(live_server, page: Page):
    elsewhere = offline(page)
    failed: list[str] = []
    page.on("pageerror", lambda error: failed.append(f"script error: {error}"))
    page.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Foreseer API")
    # The operations list: one block per operation, questions among them.
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/questions/").first).to_be_visible()
    page.locator(".opblock-summary-path", has_text="/api/leaderboards/").first.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()

    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Foreseer API")
    # The side menu lists the operations; each has its section.
    expect(page.locator("[role=menu] li[data-item-id]").first).to_be_visible()
    expect(page.locator("[data-section-id^='tag/']").first).to_be_attached()
    expect(page.get_by_text("/api/questions/", exact=False).first).to_be_attached()

    assert elsewhere == [], f"requests for another site: {elsewhere}"
    assert failed == [], failed


def test_the_admin_works_under_the_policy(live_server, page: Page):
    StaffFactory(username="keeper", is_superuser=True)
    article = ArticleFactory(title="The Fractured Pillar")
    question = QuestionFactory(slug="admin-under-csp")
    failed: list[str] = []
    page.on("pageerror", lambda error: failed.append(f"script error: {error}"))
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("keeper")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.goto(f"{live_server.url}/admin/questions/question/")
    expect(page.locator("#result_list")).to_contain_text("admin-under-csp")
    page.get_by_label("Select all objects on this page for an action").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    page.goto(f"{live_server.url}/admin/questions/question/{question.pk}/change/")
    # The date shortcuts, the two-box tag picker and the autocomplete are scripts.
    page.get_by_role("link", name="Choose a Date").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    expect(page.locator("#id_tags_from")).to_be_visible()
    page.locator("summary", has_text="Provenance").click()
    page.locator(".field-article .select2-selection").click()
    page.locator(".select2-search__field").fill("fractured")
    expect(page.locator(".select2-results__option").first).to_contain_text(article.title)
    page.keyboard.press("Escape")

    page.goto(f"{live_server.url}/admin/questions/question/{question.pk}/resolve/")
    expect(page.get_by_role("heading", name="The question")).to_be_visible()
    page.goto(f"{live_server.url}/admin/accounts/user/add/")
    expect(page.get_by_label("Username")).to_be_visible()
    assert failed == [], failed


def test_the_browsable_api_works_under_the_policy(live_server, page: Page):
    StaffFactory(username="keeper")
    question = QuestionFactory(slug="api-under-csp")
    failed: list[str] = []
    page.on("pageerror", lambda error: failed.append(f"script error: {error}"))
    page.set_default_timeout(10_000)
    log_in(page, live_server, "keeper")

    page.goto(f"{live_server.url}/api/questions/")
    expect(page.get_by_role("heading", name="Question List")).to_be_visible()
    # The filters dialog is Bootstrap's script.
    page.get_by_role("button", name="Filters").click()
    expect(page.locator("#filtersModal")).to_be_visible()
    page.goto(f"{live_server.url}/api/questions/{question.slug}/")
    expect(page.locator(".response-info")).to_contain_text(question.slug)
    page.goto(f"{live_server.url}/api/forecasts/")
    expect(page.locator("form#post-object-form, form.form-horizontal").first).to_be_attached()
    assert failed == [], failed
