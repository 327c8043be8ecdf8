"""The following page, the follow button on a question page, and the header's link."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from notifications.models import Alert, AlertPreference, Follow
from notifications.services import alert_record, follow_set
from questions.services import clarification_add
from tests.clients import api_as
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory
from tests.web.analysts import queries_for

pytestmark = pytest.mark.django_db


def test_the_page_needs_a_login():
    response = Client().get("/following/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_lists_followed_questions_changes_and_alerts(user_client, user):
    forecast_on = QuestionFactory(title="Will it rain?")
    chosen = QuestionFactory(title="Will it snow?")
    QuestionFactory(title="Will it hail?")
    ForecastFactory(user=user, question=forecast_on)
    follow_set(user=user, question=chosen, following=True)
    clarification_add(question=chosen, text="Clearer.", created_by=StaffFactory())
    alert_record(users=[user], kind=Alert.Kind.CLARIFICATION, key="clarification:1",
                 summary="Clarified: Will it snow?", url=f"/questions/{chosen.slug}/")  # fmt: skip
    page = user_client.get("/following/").content.decode()
    assert "Will it rain?" in page and "Will it snow?" in page and "Will it hail?" not in page
    assert "You forecast on it." in page and "You chose to follow it." in page
    assert "1 clarification" in page
    assert "Clarified: Will it snow?" in page and "is-unread" in page
    assert "1 unread alert" in page
    assert re.search(r'<a href="/following/"[^>]*aria-current="page">', page)  # the header


def test_mark_all_as_seen_reads_the_alerts_and_moves_the_baselines(user_client, user):
    question = QuestionFactory()
    ForecastFactory(user=user, question=question)
    clarification_add(question=question, text="Clearer.", created_by=StaffFactory())
    alert_record(users=[user], kind=Alert.Kind.CLARIFICATION, key="c:1", summary="S", url="/")
    response = user_client.post("/following/seen/")
    assert response.status_code == 302
    assert not Alert.objects.filter(read_at__isnull=True).exists()
    follow = Follow.objects.get(user=user, question=question)
    assert follow.seen_at is not None and follow.following is None  # still automatic
    page = user_client.get("/following/").content.decode()
    assert "1 clarification" not in page and "is-unread" not in page


def test_the_preferences_form_saves_and_reports_bad_values(user_client, user):
    page = user_client.get("/following/").content.decode()
    assert re.search(r'<input[^>]*value="daily"[^>]*checked', page)
    response = user_client.post(
        "/following/preferences/",
        {"clarification": "on", "community_move": "on", "community_move_threshold": "15",
         "resolution": "on", "delivery": "immediate"},
    )  # fmt: skip
    assert response.status_code == 302
    saved = AlertPreference.objects.get(user=user)
    assert (saved.community_move_threshold, saved.delivery, saved.replies) == (
        15,
        "immediate",
        False,
    )
    bad = user_client.post(
        "/following/preferences/", {"community_move_threshold": "80", "delivery": "weekly"}
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "less than or equal to 50" in text and "weekly" in text
    assert AlertPreference.objects.get(user=user).delivery == "immediate"


def test_the_question_page_has_a_follow_button_that_says_why(user_client, user):
    question = QuestionFactory(slug="rain")
    page = user_client.get("/questions/rain/").content.decode()
    assert ">Follow</button>" in page
    response = user_client.post("/following/questions/rain/", {"following": "1"})
    assert response.status_code == 302 and response["Location"] == "/questions/rain/#follow"
    page = user_client.get("/questions/rain/").content.decode()
    assert "You follow this question." in page and ">Unfollow</button>" in page
    user_client.post("/following/questions/rain/", {"following": "0"})
    assert Follow.objects.get(user=user, question=question).following is False
    ForecastFactory(user=user, question=QuestionFactory(slug="snow"))
    page = user_client.get("/questions/snow/").content.decode()
    assert "because you forecast on it" in page


def test_the_follow_form_refuses_what_it_cannot_do(user_client):
    QuestionFactory(slug="rain")
    QuestionFactory(slug="draft", published_at=None)
    assert user_client.post("/following/questions/draft/", {"following": "1"}).status_code == 404
    response = user_client.post("/following/questions/rain/", {"following": "maybe"})
    assert response.status_code == 302
    assert not Follow.objects.exists()
    assert user_client.get("/following/questions/rain/").status_code == 405


def test_anonymous_visitors_see_no_follow_button_and_are_sent_to_log_in():
    QuestionFactory(slug="rain")
    page = Client().get("/questions/rain/").content.decode()
    assert "follow-heading" not in page
    response = Client().post("/following/questions/rain/", {"following": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/questions/rain/"
    assert not Follow.objects.exists()


def test_the_page_costs_the_same_queries_for_more_questions(user_client, user):
    def queries() -> int:
        return queries_for(user_client, "/following/")[0]

    ForecastFactory(user=user, question=QuestionFactory())
    one = queries()
    for _ in range(4):
        question = QuestionFactory()
        ForecastFactory(user=user, question=question)
        clarification_add(question=question, text="Clearer.", created_by=StaffFactory())
        alert_record(users=[user], kind=Alert.Kind.CLARIFICATION, key=f"c:{question.pk}",
                     summary="S", url="/", question=question)  # fmt: skip
    assert queries() == one


def test_the_follow_button_shares_the_apis_rate_limit(user_client, user, settings):
    question = QuestionFactory(slug="rain")
    settings.FORESEER_THROTTLE_RATES = {**settings.FORESEER_THROTTLE_RATES, "following": "2/minute"}
    api = api_as(user)
    assert api.put("/api/questions/rain/follow/", {}, format="json").status_code == 200
    assert user_client.post("/following/questions/rain/", {"following": "0"}).status_code == 302
    refused = user_client.post("/following/questions/rain/", {"following": "1"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    for url, data in (("/following/seen/", {}), ("/following/preferences/", {"delivery": "off"})):
        assert user_client.post(url, data).status_code == 429, url
    assert Follow.objects.get(user=user, question=question).following is False
    assert not AlertPreference.objects.exists()
    assert user_client.get("/following/").status_code == 200


def test_the_page_gives_its_times_in_the_viewers_zone():
    seoul = UserFactory(username="seoul", time_zone="Asia/Seoul")
    at = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    alert_record(
        users=[seoul], kind=Alert.Kind.CLARIFICATION, key="c:1", summary="S", url="/", at=at
    )
    viewer = Client()
    viewer.force_login(seoul)
    page = viewer.get("/following/").content.decode()
    assert (
        '<time datetime="2026-01-10T12:00:00+00:00" title="2026-01-10 12:00 UTC">'
        "2026-01-10 21:00 KST</time>"
    ) in page
