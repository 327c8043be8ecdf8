"""POST /api/questions/{slug}/withdraw/ and /reaffirm/ with an Idempotency-Key header, as
POST /api/forecasts/ takes it: a retry answers what the first request answered and stores
nothing; a key that stored something else is a 422 naming the header; a bad key is a 400
naming it. Two withdrawals racing with one key record one (PostgreSQL, two connections)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from forecasts.models import Forecast, ForecastRequest, Withdrawal
from forecasts.services import forecast_requests_prune
from questions.models import Question
from tests.api.racing import race_with_one_key
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = "7d8e3c1a-6b0f-4e0c-9a41-31f5c2b9e0aa"
HEADER = "Idempotency-Key"


def post(client, action: str, key: str | None, slug: str = "open-q"):
    headers = {} if key is None else {HEADER: key}
    return client.post(reverse(f"api:question-{action}", args=[slug]), headers=headers)


@pytest.fixture
def standing(user, open_question):
    return ForecastFactory(
        user=user,
        question=open_question,
        probability=0.4,
        created_at=timezone.now() - timedelta(days=2),
    )


def test_a_retried_withdrawal_answers_the_first_and_records_nothing(forecaster_client, standing):
    first = post(forecaster_client, "withdraw", KEY)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = post(forecaster_client, "withdraw", KEY)
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Withdrawal.objects.count() == 1
    assert ForecastRequest.objects.get().withdrawal == Withdrawal.objects.get()
    # Without the key, the retry finds nothing left to withdraw, as before.
    assert post(forecaster_client, "withdraw", None).status_code == 409


def test_a_retried_reaffirm_answers_the_first_and_records_nothing(
    forecaster_client, user, standing
):
    first = post(forecaster_client, "reaffirm", KEY)
    assert first.status_code == 201 and first.json()["reaffirmed"] is True
    again = post(forecaster_client, "reaffirm", KEY)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Forecast.objects.filter(user=user).count() == 2  # the standing one and one anew
    # A new key records anew.
    assert post(forecaster_client, "reaffirm", "another-key").json()["id"] != first.json()["id"]
    assert Forecast.objects.filter(user=user).count() == 3


def test_a_retry_after_the_close_still_answers(forecaster_client, standing, open_question):
    first = post(forecaster_client, "withdraw", KEY)
    Question.objects.filter(pk=open_question.pk).update(
        scheduled_close_time=timezone.now() - timedelta(minutes=1)
    )
    again = post(forecaster_client, "withdraw", KEY)
    assert again.status_code == 201 and again.json() == first.json()
    assert post(forecaster_client, "withdraw", "new-key").status_code == 400


@pytest.mark.parametrize(
    ("first_action", "second_action", "slug"),
    [
        ("withdraw", "reaffirm", "open-q"),
        ("reaffirm", "withdraw", "open-q"),
        ("reaffirm", "reaffirm", "other-q"),
        ("withdraw", "withdraw", "other-q"),
        ("forecast", "withdraw", "open-q"),
        ("forecast", "reaffirm", "open-q"),
    ],
)
def test_a_key_that_stored_something_else_is_a_422_naming_the_header(
    forecaster_client, user, standing, first_action, second_action, slug
):
    ForecastFactory(user=user, question=QuestionFactory(slug="other-q"), probability=0.7)
    if first_action == "forecast":
        stored = forecaster_client.post(
            reverse("api:forecast-list"),
            {"question": "open-q", "probability": 0.55},
            format="json",
            headers={HEADER: KEY},
        )
    else:
        stored = post(forecaster_client, first_action, KEY)
    assert stored.status_code == 201
    forecasts, withdrawals = Forecast.objects.count(), Withdrawal.objects.count()
    refused = post(forecaster_client, second_action, KEY, slug=slug)
    assert refused.status_code == 422, refused.content
    (message,) = refused.json()[HEADER]
    assert message.startswith("This idempotency key was already used for ")
    assert "send a new key with a new request" in message
    assert (Forecast.objects.count(), Withdrawal.objects.count()) == (forecasts, withdrawals)


def test_a_forecast_submitted_with_a_reaffirms_key_is_a_422(forecaster_client, standing):
    assert post(forecaster_client, "reaffirm", KEY).status_code == 201
    refused = forecaster_client.post(
        reverse("api:forecast-list"),
        {"question": "open-q", "probability": 0.4},
        format="json",
        headers={HEADER: KEY},
    )
    assert refused.status_code == 422
    assert "a reaffirmed forecast (0.4 on open-q)" in refused.json()[HEADER][0]


@pytest.mark.parametrize("key", ["", "x" * 101, "caf\u00e9"])
@pytest.mark.parametrize("action", ["withdraw", "reaffirm"])
def test_a_bad_key_is_a_400_naming_the_header(forecaster_client, standing, action, key):
    refused = post(forecaster_client, action, key)
    assert refused.status_code == 400, refused.content
    assert list(refused.json()) == [HEADER]
    assert Withdrawal.objects.count() == 0 and Forecast.objects.count() == 1


def test_keys_are_each_users_own(forecaster_client, standing, open_question):
    other = UserFactory(username="bob")
    ForecastFactory(user=other, question=open_question, probability=0.9)
    assert post(forecaster_client, "withdraw", KEY).status_code == 201
    client = APIClient()
    client.force_authenticate(other)
    theirs = post(client, "withdraw", KEY)
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Withdrawal.objects.count() == 2


def test_the_schema_documents_the_header_and_the_422(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    for path in ("/api/questions/{slug}/withdraw/", "/api/questions/{slug}/reaffirm/"):
        operation = schema["paths"][path]["post"]
        assert HEADER in [p["name"] for p in operation["parameters"]]
        assert "422" in operation["responses"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_withdrawals_racing_with_one_key_record_one(require_postgres, monkeypatch):
    """Two threads, two connections, one user and key at once. Both look the key up before
    either has stored it (held at a barrier); the second then waits for the first's lock,
    finds no standing forecast left, and answers with the first's withdrawal."""
    user = UserFactory(username="racer")
    question = QuestionFactory(slug="open-q")
    ForecastFactory(user=user, question=question, created_at=timezone.now() - timedelta(hours=1))
    answers = race_with_one_key(monkeypatch, user, lambda client: post(client, "withdraw", KEY))
    assert [status for status, _, _ in answers] == [201, 201], answers
    assert sorted(replayed or "" for _, _, replayed in answers) == ["", "true"]
    assert answers[0][1] == answers[1][1]
    assert Withdrawal.objects.count() == 1
    assert ForecastRequest.objects.count() == 1


def test_pruning_counts_and_removes_a_withdrawals_key_too(forecaster_client, standing):
    assert post(forecaster_client, "withdraw", KEY).status_code == 201
    ForecastRequest.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert forecast_requests_prune() == 1
    assert not ForecastRequest.objects.exists()
