"""An analyst (a forecaster in the Analysts group, not staff) filters a leaderboard,
downloads it as CSV, and opens one question's scores by forecaster. The data is
made the way the site makes it: forecasts, resolutions, then the scoring and the
table rebuilds those queue."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from playwright.sync_api import Page, expect

from forecasts.models import Forecast
from forecasts.services import forecast_submit
from questions.models import Tag
from questions.services import question_resolve
from tests.browser.conftest import log_in, screenshot
from tests.factories import QuestionFactory, StaffFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# forecaster -> probability on each of three questions that all resolve yes,
# the third tagged "korea".
FORECASTS = {"amy": (0.9, 0.8, 0.7), "bo": (0.6, 0.5, 0.4), "cy": (0.2, 0.3, 0.1)}


@pytest.fixture
def resolved_questions(tasks_inline):
    now = timezone.now()
    staff = StaffFactory(username="resolver")
    users = {name: UserFactory(username=name) for name in FORECASTS}
    korea = Tag.objects.create(slug="korea")
    questions = []
    for index in range(3):
        question = QuestionFactory(
            slug=f"analysed-{index}",
            title=f"Analysed question {index}",
            open_time=now - timedelta(days=30),
            scheduled_close_time=now - timedelta(days=2),
            scheduled_resolve_time=now + timedelta(days=2),
        )
        if index == 2:
            question.tags.add(korea)
        for name, probabilities in FORECASTS.items():
            forecast_submit(
                user=users[name],
                question=question,
                probability=probabilities[index],
                origin=Forecast.Origin.API,
                now=question.open_time + timedelta(days=1),
            )
        question_resolve(
            question=question,
            outcome="yes",
            known_at=question.scheduled_close_time,
            resolved_by=staff,
        )
        questions.append(question)
    return questions


def test_filter_a_leaderboard_download_it_and_open_a_question(
    live_server, page: Page, resolved_questions
):
    analyst = UserFactory(username="analyst")
    # Made by a data migration, which a flush between transactional tests removes.
    analysts, _ = Group.objects.get_or_create(name="Analysts")
    analysts.permissions.add(
        Permission.objects.get(content_type__app_label="scoring", codename="view_all_scores")
    )
    analyst.groups.add(analysts)

    log_in(page, live_server, "analyst")
    page.get_by_role("link", name="Leaderboard").first.click()
    page.wait_for_load_state()

    page.get_by_label("Rule").select_option("peer")
    page.get_by_label("Minimum scored questions to be ranked").fill("1")
    page.get_by_role("button", name="Update").click()
    page.wait_for_load_state()
    assert "rule=peer" in page.url
    rows = page.locator("table.leaderboard tbody tr")
    expect(rows.first).to_contain_text("amy")  # the most confident on yes wins
    usernames_on_page = [
        text.strip() for text in page.locator("table.leaderboard tbody th").all_inner_texts()
    ]
    screenshot(page, "leaderboard")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this table as CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8", newline="") as downloaded:
        table = list(csv.DictReader(downloaded))
    ranked = [row for row in table if row["rank"]]
    assert [row["user"] for row in ranked] == ["amy", "bo", "cy"]
    assert {row["user"] for row in ranked} <= {
        name.split()[0] for name in usernames_on_page if name
    }
    assert float(ranked[0]["value"]) > 0 > float(ranked[-1]["value"])

    # Narrowed to the tag: one question, the same order.
    page.get_by_label("Questions", exact=True).select_option("tag:korea")
    page.get_by_role("button", name="Update").click()
    page.wait_for_load_state()
    assert "scope=tag%3Akorea" in page.url or "scope=tag:korea" in page.url
    expect(page.locator("table.leaderboard tbody tr").first).to_contain_text("amy")

    # One question's breakdown: every forecaster and the community forecast.
    page.get_by_role("link", name="Scores by question").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Analysed question 2").click()
    page.wait_for_load_state()
    breakdown = page.locator("main")
    for name in FORECASTS:
        expect(breakdown).to_contain_text(name)
    expect(breakdown).to_contain_text("ommunity")
