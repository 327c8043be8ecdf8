"""The following API, as each role: anonymous is refused; a forecaster and a staff user
each follow, read and tune their own alerts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from forecasts.models import CommunityState
from notifications.models import Alert, AlertPreference, Follow
from notifications.services import alert_record, follow_set
from questions.services import clarification_add
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    return QuestionFactory(slug="rain", title="Will it rain?")


@pytest.fixture(params=["forecaster", "staff"])
def member(request):
    user = UserFactory(username="alice") if request.param == "forecaster" else StaffFactory()
    client = APIClient()
    client.force_authenticate(user)
    return user, client


ENDPOINTS = [
    ("get", "/api/following/"),
    ("get", "/api/questions/rain/follow/"),
    ("put", "/api/questions/rain/follow/"),
    ("post", "/api/questions/rain/follow/"),
    ("delete", "/api/questions/rain/follow/"),
    ("get", "/api/alerts/"),
    ("post", "/api/alerts/read/"),
    ("get", "/api/alert-preferences/"),
    ("patch", "/api/alert-preferences/"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_is_refused(api_client, question, method, url):
    response = getattr(api_client, method)(url, {}, format="json")
    assert response.status_code == 403
    assert not Follow.objects.exists() and not AlertPreference.objects.exists()


def test_follow_unfollow_and_the_state(member, question):
    user, client = member
    assert client.get("/api/questions/rain/follow/").json() == {
        "question": "rain",
        "following": False,
        "automatic": False,
        "chosen": None,
    }
    ForecastFactory(user=user, question=question)
    assert client.get("/api/questions/rain/follow/").json()["automatic"] is True
    answer = client.delete("/api/questions/rain/follow/")
    assert answer.status_code == 200
    assert answer.json()["following"] is False
    assert client.put("/api/questions/rain/follow/", {}, format="json").json() == {
        "question": "rain",
        "following": True,
        "automatic": False,
        "chosen": True,
    }
    unfollow = client.post("/api/questions/rain/follow/", {"following": False}, format="json")
    assert unfollow.json()["following"] is False
    bad = client.put("/api/questions/rain/follow/", {"following": "perhaps"}, format="json")
    assert bad.status_code == 400 and "following" in bad.json()
    assert client.put("/api/questions/nope/follow/").status_code == 404


def test_a_draft_is_not_found(member):
    _, client = member
    QuestionFactory(slug="draft", published_at=None)
    assert client.put("/api/questions/draft/follow/").status_code == 404


def test_the_following_list_with_what_changed(member, question):
    user, client = member
    follow_set(user=user, question=question, following=True)
    CommunityState.objects.create(question=question, median=0.6, updated_at=question.open_time)
    Follow.objects.filter(user=user).update(alerted_median=0.4)
    clarification_add(question=question, text="Clearer.", created_by=StaffFactory())
    QuestionFactory()  # not followed
    body = client.get("/api/following/").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["slug"] == "rain"
    assert row["new_clarifications"] == 1
    assert row["community_then"] == 0.4 and row["community_now"] == 0.6
    assert row["community_move_points"] == 20.0
    assert row["automatic"] is False
    # Seen: measured from now on.
    assert client.post("/api/alerts/read/", {"seen": True}, format="json").status_code == 200
    (row,) = client.get("/api/following/").json()["results"]
    assert row["new_clarifications"] == 0 and row["community_move_points"] == 0
    assert client.get("/api/following/?bogus=1").status_code == 400


def test_alerts_are_ones_own_and_can_be_marked_read(member, question):
    user, client = member
    other = UserFactory(username="other")
    for key in ("c:1", "c:2"):
        alert_record(users=[user, other], kind=Alert.Kind.CLARIFICATION, key=key,
                     summary="Clarified", url="/", question=question)  # fmt: skip
    body = client.get("/api/alerts/").json()
    assert body["count"] == 2
    assert body["results"][0]["question"] == "rain"
    assert body["results"][0]["read_at"] is None
    first = body["results"][0]["id"]
    assert client.post("/api/alerts/read/", {"ids": [first]}, format="json").json() == {"marked": 1}
    assert client.post("/api/alerts/read/", {}, format="json").json() == {"marked": 1}
    assert Alert.objects.filter(user=other, read_at__isnull=True).count() == 2
    bad = client.post("/api/alerts/read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400 and "ids" in bad.json()
    both = client.post("/api/alerts/read/", {"ids": [first], "seen": True}, format="json")
    assert both.status_code == 400 and "seen" in both.json()


def test_the_preferences_refuse_a_query_parameter_saying_they_take_none(member):
    _user, client = member
    response = client.get("/api/alert-preferences/?limit=5")
    assert response.status_code == 400
    assert response.json() == {"limit": ["Not a parameter of this endpoint; it takes none."]}


def test_preferences_default_then_change_with_errors_by_field(member):
    user, client = member
    assert client.get("/api/alert-preferences/").json() == {
        "community_move_threshold": 10,
        "delivery": "daily",
        "clarification": True,
        "community_move": True,
        "resolution": True,
        "replies": True,
    }
    assert not AlertPreference.objects.exists()  # reading made no row
    changed = client.patch(
        "/api/alert-preferences/",
        {"community_move_threshold": 25, "delivery": "immediate", "replies": False},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["community_move_threshold"] == 25
    assert AlertPreference.objects.get(user=user).delivery == "immediate"
    off = client.patch("/api/alert-preferences/", {"community_move_threshold": None}, format="json")
    assert off.json()["community_move_threshold"] is None
    for bad in ({"community_move_threshold": 0}, {"community_move_threshold": 51},
                {"community_move_threshold": "ten"}, {"delivery": "weekly"},
                {"resolution": "yes"}, {"colour": "red"}):  # fmt: skip
        response = client.patch("/api/alert-preferences/", bad, format="json")
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad), response.json()
    mixed = client.patch(
        "/api/alert-preferences/", {"delivery": "off", "community_move_threshold": 99},
        format="json",
    )  # fmt: skip
    assert mixed.status_code == 400
    assert AlertPreference.objects.get(user=user).delivery == "immediate"  # nothing saved


def test_a_hidden_community_forecast_stays_hidden_from_a_follower_who_has_not_forecast(member):
    user, client = member
    hidden = QuestionFactory(slug="hidden", hide_community_until_forecast=True)
    CommunityState.objects.create(question=hidden, median=0.6, updated_at=hidden.open_time)
    follow_set(user=user, question=hidden, following=True)
    Follow.objects.filter(user=user).update(alerted_median=0.4)
    (row,) = client.get("/api/following/").json()["results"]
    if user.is_staff:  # staff see every community forecast
        assert row["community_now"] == 0.6
    else:
        assert row["community_now"] is None and row["community_then"] is None
        assert row["community_move_points"] is None


def test_follow_and_alert_writes_share_one_rate_limit_per_user(member, question, settings):
    user, client = member
    settings.FORESEER_THROTTLE_RATES = {**settings.FORESEER_THROTTLE_RATES, "following": "3/minute"}
    assert client.put("/api/questions/rain/follow/", {}, format="json").status_code == 200
    assert client.post("/api/alerts/read/", {}, format="json").status_code == 200
    assert (
        client.patch("/api/alert-preferences/", {"replies": False}, format="json").status_code
        == 200
    )
    for method, url, body in [
        ("delete", "/api/questions/rain/follow/", None),
        ("post", "/api/alerts/read/", {"seen": True}),
        ("patch", "/api/alert-preferences/", {"resolution": False}),
    ]:
        refused = getattr(client, method)(url, body, format="json")
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0, url
    # Nothing the refused requests asked for was done.
    assert Follow.objects.get(user=user, question=question).following is True
    assert AlertPreference.objects.get(user=user).resolution is True
    # Reading is not limited.
    for url in ("/api/following/", "/api/questions/rain/follow/", "/api/alerts/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/alert-preferences/").json()["replies"] is False
    # Another user has a count of their own.
    other = APIClient()
    other.force_authenticate(UserFactory(username="bob"))
    assert other.put("/api/questions/rain/follow/", {}, format="json").status_code == 200
