"""/forecasters/<username>/ and /api/forecasters/<username>/: what each viewer sees of a
forecaster's profile as the forecaster chooses, system accounts, and the links to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import TIME_ZONE_COOKIE
from accounts.models import User
from questions.models import Question
from scoring.scopes import ALL, Scope
from scoring.services import community_user, leaderboard_build
from tests.clients import api_as, logged_in
from tests.factories import (
    ForecastFactory,
    QuestionFactory,
    ScoreFactory,
    StaffFactory,
    UserFactory,
)
from tests.web.analysts import queries_for

pytestmark = pytest.mark.django_db

KNOWN = datetime(2025, 6, 1, tzinfo=UTC)


def page_url(username: str) -> str:
    return f"/forecasters/{username}/"


def api_url(username: str) -> str:
    return f"/api/forecasters/{username}/"


def test_url_names():
    assert reverse("profiles:forecaster_profile", args=["ann"]) == page_url("ann")
    assert reverse("api:forecaster-profile", args=["ann"]) == api_url("ann")


@pytest.fixture
def ann(db, settings) -> User:
    """ann: a resolved question forecast at 71% and scored (accuracy -0.125 beside the
    crowd's 0.05, bob's 0.3), an open question she forecast at 64% that hides forecasts, a bio, and
    a place on the site-wide leaderboard."""
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 1
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 20
    ann = UserFactory(
        username="ann", display_name="Ann Example", bio="Reads **tea leaves**. <script>x</script>"
    )
    past = timezone.now() - timedelta(days=400)
    resolved = QuestionFactory(
        title="Will the resolved thing happen?",
        open_time=past,
        scheduled_close_time=past + timedelta(days=30),
        scheduled_resolve_time=past + timedelta(days=31),
    )
    ForecastFactory(user=ann, question=resolved, probability=0.71, created_at=past)
    Question.objects.filter(pk=resolved.pk).update(
        resolution=Question.Resolution.YES, known_at=KNOWN, resolution_set_at=KNOWN
    )
    hiding = QuestionFactory(
        title="Will the open thing happen?", hide_community_until_forecast=True
    )
    ForecastFactory(user=ann, question=hiding, probability=0.64)
    ScoreFactory(question=resolved, user=ann, accuracy=-0.125)
    ScoreFactory(question=resolved, user=community_user(), accuracy=0.05)
    ScoreFactory(question=resolved, user=UserFactory(username="bob"), accuracy=0.3)
    leaderboard_build(scope=Scope(ALL))
    return ann


# --- A public profile -------------------------------------------------------------------


def test_anyone_sees_a_public_profile(client, ann):
    response = client.get(page_url("ann"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Ann Example</h1>" in page
    assert '<span class="username">ann</span>' in page
    assert "Reads <strong>tea leaves</strong>." in page and "<script>x" not in page
    # Scores beside the crowd's, under the default rule.
    assert "Will the resolved thing happen?" in page
    assert '<td class="num">-0.125</td>\n          <td class="num">+0.050</td>' in page
    # Standings: first of two on accuracy (lower is better; bob is second).
    assert "1 of 2" in page
    # The questions forecast: the resolved one with the forecast, the open one without.
    assert "71%" in page
    assert "Will the open thing happen?" in page and "64%" not in page
    assert response.context["profile"].questions_count == 2
    # Calibration is opt-in.
    assert 'id="calibration-heading"' not in page
    assert "only you" not in page.lower()


def test_a_profile_without_a_display_name_is_headed_by_the_username(client, db):
    UserFactory(username="plain")
    page = client.get(page_url("plain")).content.decode()
    assert "<h1>plain</h1>" in page
    assert "No forecasts yet." in page


def test_opting_in_shows_the_calibration(client, ann):
    User.objects.filter(pk=ann.pk).update(calibration_public=True)
    page = client.get(page_url("ann")).content.decode()
    assert 'id="calibration-heading"' in page
    assert 'data-testid="calibration-private-note"' not in page
    data = api_as(None).get(api_url("ann")).json()
    assert data["calibration"]["scope"] == "user:ann"
    assert data["calibration_public"] is True


# --- A private profile, by role ------------------------------------------------------------


@pytest.fixture
def private_ann(ann) -> User:
    User.objects.filter(pk=ann.pk).update(profile_public=False, calibration_public=True)
    ann.refresh_from_db()
    return ann


@pytest.mark.parametrize("role", ["anonymous", "forecaster"])
def test_others_see_only_the_name_of_a_private_profile(private_ann, role):
    client = Client() if role == "anonymous" else logged_in(UserFactory(username="carol"))
    response = client.get(page_url("ann"))
    # Not a 404: links to the name must work.
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Ann Example</h1>" in page
    assert "Ann Example keeps their record private." in page
    for hidden in ("tea leaves", "Will the resolved thing happen?", "71%", "calibration-heading"):
        assert hidden not in page
    data = (
        api_as(None) if role == "anonymous" else api_as(User.objects.get(username="carol"))
    ).get(api_url("ann"))
    assert data.status_code == 200
    body = data.json()
    assert body["record_shown"] is False and body["profile_public"] is False
    assert body["display_name"] == "Ann Example"
    for field in ("bio", "questions", "questions_count", "scores", "standings", "calibration"):
        assert body[field] is None, field
    # A private profile's calibration is not public, whatever the other setting says.
    assert body["calibration_public"] is False


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_the_forecaster_and_staff_see_a_private_profile_with_a_note(private_ann, role):
    viewer = private_ann if role == "owner" else StaffFactory()
    page = logged_in(viewer).get(page_url("ann")).content.decode()
    assert 'data-testid="profile-private"' not in page
    assert 'data-testid="profile-private-note"' in page
    assert ("Only you can see this" if role == "owner" else "Only you and other staff") in page
    assert "tea leaves" in page and "Will the resolved thing happen?" in page
    assert 'id="calibration-heading"' in page
    body = api_as(viewer).get(api_url("ann")).json()
    assert body["record_shown"] is True
    assert body["bio"].startswith("Reads") and body["questions_count"] == 2
    assert body["calibration"] is not None


def test_the_forecaster_sees_their_own_calibration_marked_as_not_public(ann):
    page = logged_in(ann).get(page_url("ann")).content.decode()
    assert 'id="calibration-heading"' in page
    assert 'data-testid="calibration-private-note"' in page
    assert "Edit your profile" in page
    assert "Edit your profile" not in Client().get(page_url("ann")).content.decode()


# --- The API ------------------------------------------------------------------------------------


def test_the_api_mirrors_the_page_in_utc(ann):
    # 18:00 UTC is 03:00 the next day in Seoul, the zone of the viewer's browser.
    User.objects.filter(pk=ann.pk).update(date_joined=datetime(2025, 1, 2, 18, tzinfo=UTC))
    client = api_as(None)
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Seoul"
    response = client.get(api_url("ann"))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "ann" and body["display_name"] == "Ann Example"
    assert body["rule"] == "accuracy"
    assert body["scores_count"] == 1
    [score] = body["scores"]
    assert score["score"] == -0.125 and score["crowd"] == 0.05 and score["resolution"] == "yes"
    by_title = {row["title"]: row for row in body["questions"]}
    assert by_title["Will the resolved thing happen?"]["probability"] == 0.71
    assert by_title["Will the open thing happen?"]["probability"] is None
    # The default rule first; ann beats bob on accuracy (lower is better).
    first = body["standings"][0]
    assert (first["rule"], first["rank"], first["ranked"]) == ("accuracy", 1, 2)
    assert body["calibration"] is None
    assert body["joined"] == "2025-01-02T18:00:00Z"


def test_the_api_refuses_unknown_parameters(ann):
    response = api_as(None).get(api_url("ann"), {"bogus": "1"})
    assert response.status_code == 400
    assert list(response.json()) == ["bogus"]


# --- System accounts and unknown names -------------------------------------------------------


@pytest.mark.parametrize("name", ["community", "article:some-article", "nobody"])
def test_system_accounts_and_unknown_names_have_no_profile(db, name):
    community_user()
    UserFactory(username="article:some-article", origin=User.Origin.SYSTEM)
    assert Client().get(page_url(name)).status_code == 404
    assert api_as(StaffFactory()).get(api_url(name)).status_code == 404


@pytest.mark.parametrize("path", ["/forecasters/%00/", "/api/forecasters/a%00b/"])
def test_a_name_with_a_nul_is_unknown_not_an_error(db, path):
    # PostgreSQL refuses NUL in any text: the lookup must not reach it.
    assert Client(raise_request_exception=False).get(path).status_code == 404


# --- Links and cost ----------------------------------------------------------------------------


def test_the_leaderboard_links_each_forecaster_to_their_profile(client, ann):
    page = client.get("/leaderboard/").content.decode()
    assert f'<a href="{page_url("ann")}">ann</a>' in page
    assert f'<a href="{page_url("bob")}">bob</a>' in page


def test_the_profile_costs_the_same_queries_however_long_the_record(client, ann):
    small, _ = queries_for(client, page_url("ann"))
    for _ in range(5):
        question = QuestionFactory()
        ForecastFactory(user=ann, question=question)
        ScoreFactory(question=question, user=ann, accuracy=0.1)
    large, _ = queries_for(client, page_url("ann"))
    assert large == small


def test_lists_are_bounded(client, ann, monkeypatch):
    monkeypatch.setattr("pages.selectors.PROFILE_QUESTIONS", 1)
    monkeypatch.setattr("pages.selectors.PROFILE_SCORES", 1)
    question = QuestionFactory()
    ForecastFactory(user=ann, question=question)
    ScoreFactory(question=question, user=ann, accuracy=0.1)
    profile = client.get(page_url("ann")).context["profile"]
    assert len(profile.questions) == 1 and profile.questions_count == 3
    assert len(profile.scores) == 1 and profile.scores_count == 2


@pytest.mark.parametrize("name", ["김철수", "ann.o+b@x", "Ωmega_1"])
def test_any_allowed_username_has_a_working_profile_link(client, db, name):
    UserFactory(username=name)
    url = reverse("profiles:forecaster_profile", args=[name])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["forecaster"].username == name
    assert api_as(None).get(reverse("api:forecaster-profile", args=[name])).status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "forecaster", "owner", "staff"])
def test_a_closed_account_keeps_its_record_and_hides_its_own_words(ann, role):
    User.objects.filter(pk=ann.pk).update(is_active=False)
    viewer = {
        "anonymous": None,
        "forecaster": UserFactory(username="cal"),
        "owner": ann,
        "staff": StaffFactory(),
    }[role]
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(page_url("ann"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="profile-closed"' in page and "This account is closed." in page
    # The record is a matter of fact, already on the leaderboards: it stays.
    assert "Will the resolved thing happen?" in page and "1 of 2" in page
    body = api_as(viewer).get(api_url("ann")).json()
    assert body["closed"] is True and body["scores_count"] == 1
    if role == "staff":
        assert "<h1>Ann Example</h1>" in page and "tea leaves" in page
        assert "Only staff see its display name and bio." in page
        assert body["display_name"] == "Ann Example" and "tea leaves" in body["bio"]
    else:
        assert "<h1>ann</h1>" in page and "<title>ann" in page
        assert "Ann Example" not in page and "tea leaves" not in page
        assert body["display_name"] == "" and body["bio"] is None


def test_an_open_account_is_not_marked_closed(client, ann):
    assert 'data-testid="profile-closed"' not in client.get(page_url("ann")).content.decode()
    assert api_as(None).get(api_url("ann")).json()["closed"] is False
