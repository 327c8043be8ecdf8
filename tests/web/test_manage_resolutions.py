"""The staff resolution queue: /manage/resolutions/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from questions.services import question_resolve
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/manage/resolutions/"


def closed_question(days_ago: float, **fields):
    """A published question whose scheduled close was `days_ago` days ago."""
    close = timezone.now() - timedelta(days=days_ago)
    fields.setdefault("scheduled_resolve_time", close + timedelta(days=2))
    return QuestionFactory(
        open_time=close - timedelta(days=30), scheduled_close_time=close, **fields
    )


def test_url_and_name():
    assert reverse("manage:resolutions") == URL
    assert reverse("manage:index") == "/manage/"


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={URL}"


def test_a_forecaster_is_refused(user_client):
    assert user_client.get(URL).status_code == 403


def test_staff_see_the_overdue_questions_oldest_first_with_counts(staff_web_client, staff):
    closed_question(1, slug="newer", title="Closed yesterday?")
    older = closed_question(10, slug="older", title="Closed ten days ago?")
    closed_question(3, slug="draft-closed", published_at=None)
    QuestionFactory(slug="still-open")
    resolved = closed_question(5, slug="done", title="Already resolved?")
    question_resolve(
        question=resolved,
        outcome="no",
        known_at=timezone.now() - timedelta(days=4),
        resolved_by=staff,
    )
    alice, bob = UserFactory(username="q-alice"), UserFactory(username="q-bob")
    for user, hours in ((alice, 1), (alice, 2), (bob, 3)):
        ForecastFactory(
            question=older, user=user, created_at=older.open_time + timedelta(hours=hours)
        )
    # At or after the close: not counted.
    ForecastFactory(question=older, user=UserFactory(), created_at=older.scheduled_close_time)

    response = staff_web_client.get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["question"].slug for row in rows] == ["older", "newer"]
    first = rows[0]["question"]
    assert (first.forecast_count, first.forecaster_count) == (3, 2)
    assert (rows[1]["question"].forecast_count, rows[1]["question"].forecaster_count) == (0, 0)
    assert rows[0]["closed_for"] == "1\xa0week"
    assert rows[0]["resolve_due_passed"] and not rows[1]["resolve_due_passed"]

    html = response.content.decode()
    assert html.index("Closed ten days ago?") < html.index("Closed yesterday?")
    assert f'href="{reverse("manage:question_resolve", args=["older"])}"' in html
    assert "Overdue 1\xa0week" in html
    # The corrections section lists the resolved one with a link to correct it.
    assert [q.slug for q in response.context["recent"]] == ["done"]
    assert response.context["recent"][0].resolved_by == staff.username
    assert response.context["recent"][0].event_count == 1
    assert f'href="{reverse("manage:question_resolve", args=["done"])}">Correct' in html
    assert "still-open" not in html and "draft-closed" not in html


def test_an_empty_queue_says_so(staff_web_client):
    html = staff_web_client.get(URL).content.decode()
    assert "Nothing is waiting" in html
    assert "No question has been resolved yet." in html


def test_the_staff_nav_links_are_shown_to_staff_only(staff_web_client, user_client, client):
    # The site's menu has one entry for the staff pages; they list the rest.
    assert 'href="/manage/">Staff</a>' in staff_web_client.get("/").content.decode()
    assert f'href="{URL}"' in staff_web_client.get(URL).content.decode()
    for visitor in (user_client, client):
        page = visitor.get("/").content.decode()
        assert 'href="/manage/' not in page


def test_the_queue_costs_the_same_queries_however_long(
    staff_web_client, staff, django_assert_max_num_queries
):
    def grow(count: int) -> None:
        for number in range(count):
            question = closed_question(2 + number)
            for _ in range(3):
                ForecastFactory(question=question, created_at=question.open_time + timedelta(1))
            done = closed_question(40 + number)
            question_resolve(
                question=done,
                outcome="yes",
                known_at=done.scheduled_close_time,
                resolved_by=staff,
            )

    grow(1)
    staff_web_client.get(URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as small:
        assert staff_web_client.get(URL).status_code == 200
    grow(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_web_client.get(URL)
    assert len(response.context["rows"]) == 9
    assert len(response.context["recent"]) == 9
