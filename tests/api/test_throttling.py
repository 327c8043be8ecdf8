"""The API's rate limits: sign-up and the token endpoint per address, forecast submissions
and the staff imports per user. Each test sets a small rate of its own; an answer over
the rate is a 429 with a JSON `detail` and Retry-After."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from forecasts.models import Forecast
from tests.api.test_staff import question_document
from tests.clients import api_as
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("api:auth-signup")
TOKEN_URL = reverse("api:auth-token")
FORECASTS_URL = reverse("api:forecast-list")
QUESTIONS_IMPORT_URL = reverse("api:staff-import-questions")
FORECASTS_IMPORT_URL = reverse("api:staff-import-forecasts")


@pytest.fixture
def rates(settings):
    """Set some scopes' rates for this test: rates(forecasts="3/minute")."""

    def set_rates(**scoped: str | None) -> None:
        settings.FORESEER_THROTTLE_RATES = {**settings.FORESEER_THROTTLE_RATES, **scoped}

    return set_rates


def assert_throttled(response, *, period: int) -> int:
    """A 429 in the API's shape; returns its Retry-After."""
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    wait = int(response["Retry-After"])
    assert 0 < wait <= period
    assert detail == f"Request was throttled. Expected available in {wait} seconds."
    return wait


def signup(client: APIClient, name: str):
    return client.post(
        SIGNUP_URL,
        {"username": name, "email": f"{name}@example.org", "password": "a-Long-passphrase-42"},
        format="json",
    )


def submit(client: APIClient, question: str = "open-q"):
    return client.post(FORECASTS_URL, {"question": question, "probability": 0.6}, format="json")


# --- sign-up and the token endpoint, per address --------------------------------------


def test_signup_is_throttled_per_address(rates):
    rates(signup="2/hour")
    client = APIClient()
    assert signup(client, "first").status_code == 201
    assert signup(client, "second").status_code == 201
    assert_throttled(signup(client, "third"), period=3600)
    assert not User.objects.filter(username="third").exists()
    # Another address signs up.
    assert signup(APIClient(REMOTE_ADDR="198.51.100.20"), "fourth").status_code == 201


def test_refused_signups_count_too(rates):
    rates(signup="2/hour")
    client = APIClient()
    for _ in range(2):
        bad = client.post(SIGNUP_URL, {"username": "x", "password": "short"}, format="json")
        assert bad.status_code == 400
    assert_throttled(signup(client, "patient"), period=3600)


def test_signup_throttle_ignores_a_forged_forwarded_address(rates):
    rates(signup="1/hour")
    assert signup(APIClient(HTTP_X_FORWARDED_FOR="192.0.2.1"), "first").status_code == 201
    forged = APIClient(HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert_throttled(signup(forged, "second"), period=3600)


def test_signup_throttle_counts_the_client_behind_a_trusted_proxy(rates, settings):
    rates(signup="1/hour")
    settings.NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    assert signup(APIClient(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.7"), "a").status_code == 201
    same = APIClient(**proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert_throttled(signup(same, "b"), period=3600)
    other = APIClient(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert signup(other, "c").status_code == 201


def test_token_endpoint_is_throttled_per_address(rates, user):
    rates(token="3/minute")
    client = APIClient()
    body = {"username": "alice", "password": "correct-horse-battery"}
    for _ in range(3):
        assert client.post(TOKEN_URL, body, format="json").status_code == 200
    assert_throttled(client.post(TOKEN_URL, body, format="json"), period=60)
    assert (
        client.post(TOKEN_URL, body, format="json", REMOTE_ADDR="198.51.100.20").status_code == 200
    )


# --- forecasts, per user ----------------------------------------------------------------


def test_forecast_submissions_are_throttled_per_user(rates, user, open_question):
    rates(forecasts="3/minute")
    alice = api_as(user)
    for _ in range(3):
        assert submit(alice).status_code == 201
    assert_throttled(submit(alice), period=60)
    assert Forecast.objects.filter(user=user).count() == 3
    # Alice's burst does not hold Bob back, though both come from one address.
    bob = api_as(UserFactory(username="bob"))
    assert submit(bob).status_code == 201
    # Reading is not limited.
    assert alice.get(FORECASTS_URL).status_code == 200
    assert (
        alice.get(reverse("api:forecast-detail", args=[Forecast.objects.first().pk])).status_code
        == 200
    )


def test_the_forecast_rate_frees_up_as_the_minute_passes(rates, user, open_question):
    rates(forecasts="2/minute")
    alice = api_as(user)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        submit(alice)
        traveller.shift(timedelta(seconds=20))
        submit(alice)
        traveller.shift(timedelta(seconds=10))
        # The first of the two frees its slot 60 s after it was made: 30 s from now.
        assert assert_throttled(submit(alice), period=60) == 30
        traveller.shift(timedelta(seconds=31))
        assert submit(alice).status_code == 201


def test_an_idempotent_retry_counts_like_any_submission(rates, user, open_question):
    rates(forecasts="1/minute")
    alice = api_as(user)
    key = {"HTTP_IDEMPOTENCY_KEY": "4f9c2a52-0f4e-4d1e-9d1c-5a3c9f0f1a77"}
    body = {"question": "open-q", "probability": 0.6}
    assert alice.post(FORECASTS_URL, body, format="json", **key).status_code == 201
    assert_throttled(alice.post(FORECASTS_URL, body, format="json", **key), period=60)


def test_forecasts_can_be_left_unthrottled(rates, user, open_question):
    """FORESEER_THROTTLE_FORECASTS=off, as the load benchmark runs."""
    rates(forecasts=None)
    alice = api_as(user)
    assert all(submit(alice).status_code == 201 for _ in range(5))


# --- staff imports, per user --------------------------------------------------------------


def test_staff_imports_are_throttled_per_user(rates, staff_client):
    rates(imports="2/hour")
    document = question_document()
    assert staff_client.post(QUESTIONS_IMPORT_URL, document, format="json").status_code == 201
    # A file refused counts too (no file: 400).
    assert staff_client.post(FORECASTS_IMPORT_URL, {}, format="multipart").status_code == 400
    # One count for both imports.
    assert_throttled(staff_client.post(QUESTIONS_IMPORT_URL, document, format="json"), period=3600)
    assert_throttled(staff_client.post(FORECASTS_IMPORT_URL, {}, format="multipart"), period=3600)
    other = api_as(StaffFactory(username="other-staff"))
    assert other.post(QUESTIONS_IMPORT_URL, document, format="json").status_code == 200


def test_non_staff_are_refused_before_they_are_counted(rates, forecaster_client, staff_client):
    rates(imports="1/hour")
    for _ in range(3):
        assert forecaster_client.post(QUESTIONS_IMPORT_URL, {}, format="json").status_code == 403
    document = question_document()
    assert staff_client.post(QUESTIONS_IMPORT_URL, document, format="json").status_code == 201


# --- the cache behind the counts -----------------------------------------------------------


def test_an_unreachable_cache_lets_requests_through(rates, settings, user, open_question, caplog):
    """A Redis that is down must not fail forecasts: the limit is skipped, and logged."""
    rates(forecasts="1/minute")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    alice = api_as(user)
    with caplog.at_level(logging.WARNING, logger="common.throttling"):
        assert [submit(alice).status_code for _ in range(2)] == [201, 201]
    assert "Rate limit 'forecasts' not checked" in caplog.text


@pytest.mark.redis
def test_the_counts_are_shared_through_redis(rates, settings, require_redis, user, open_question):
    """Production keeps the counts in Redis (CACHE_URL), shared by every web process."""
    from config.settings.base import cache_from_url

    rates(forecasts="2/minute")
    redis_cache = cache_from_url(require_redis)
    # Keys of this test's own in the broker's database; nothing else is touched.
    redis_cache["KEY_PREFIX"] = f"throttle-test-{user.pk}-{timezone.now().timestamp()}"
    settings.CACHES = {"default": redis_cache}
    from django.core.cache import cache

    alice = api_as(user)
    try:
        assert [submit(alice).status_code for _ in range(2)] == [201, 201]
        assert_throttled(submit(alice), period=60)
        assert cache.get(f"throttle_forecasts_user-{user.pk}") is not None
    finally:
        cache.delete(f"throttle_forecasts_user-{user.pk}")
