"""POST /api/forecasts/ with an Idempotency-Key header: a retry with the same key stores
nothing new and answers what the first request answered; keys are each user's own; a bad
key is a 400 naming the header; the same key for another forecast is a 422. Two requests
racing with one key store one forecast (PostgreSQL, two connections)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from forecasts.models import Forecast, ForecastRequest
from forecasts.services import forecast_requests_prune
from pipeline.tasks import prune_forecast_requests
from tests.api.racing import race_with_one_key
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:forecast-list")
KEY = "5b0e8c9e-8f5a-4a51-9a55-2a1d0f6f0c11"


def submit(client, key: str | None, **body):
    body = {"question": "open-q", "probability": 0.62, **body}
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(LIST_URL, body, format="json", headers=headers)


def test_a_retry_with_the_same_key_answers_the_first_forecast_and_stores_nothing(
    forecaster_client, open_question, queued
):
    first = submit(forecaster_client, KEY, rationale="first try")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    retry = submit(forecaster_client, KEY, rationale="first try")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    forecast = Forecast.objects.get()
    assert first.json()["id"] == forecast.pk
    assert ForecastRequest.objects.get().forecast == forecast
    # The community update was asked for once.
    assert Forecast.objects.count() == 1


def test_a_retry_is_answered_even_after_the_question_closed(forecaster_client, open_question):
    first = submit(forecaster_client, KEY)
    type(open_question).objects.filter(pk=open_question.pk).update(
        scheduled_close_time=timezone.now() - timedelta(seconds=1)
    )
    assert submit(forecaster_client, "another-key").status_code == 400  # closed now
    retry = submit(forecaster_client, KEY)
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert Forecast.objects.count() == 1


def test_without_a_key_every_request_stores_a_forecast(forecaster_client, open_question):
    assert submit(forecaster_client, None).status_code == 201
    assert submit(forecaster_client, None).status_code == 201
    assert Forecast.objects.count() == 2
    assert not ForecastRequest.objects.exists()


def test_new_keys_store_new_forecasts(forecaster_client, open_question):
    submit(forecaster_client, "key-1", probability=0.4)
    submit(forecaster_client, "key-2", probability=0.4)
    assert Forecast.objects.count() == 2


def test_keys_are_each_users_own(forecaster_client, open_question, user):
    other = APIClient()
    other.force_authenticate(UserFactory(username="bob"))
    mine = submit(forecaster_client, KEY, probability=0.3)
    theirs = submit(other, KEY, probability=0.8)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert sorted(Forecast.objects.values_list("user__username", "probability")) == [
        ("alice", 0.3),
        ("bob", 0.8),
    ]
    assert submit(other, KEY, probability=0.8).json()["id"] == theirs.json()["id"]
    assert Forecast.objects.count() == 2


def test_the_same_key_for_another_forecast_is_refused(forecaster_client, open_question):
    first = submit(forecaster_client, KEY, probability=0.62)
    response = submit(forecaster_client, KEY, probability=0.7)
    assert response.status_code == 422
    (message,) = response.json()["Idempotency-Key"]
    assert "already used for another forecast" in message
    assert "0.62 on open-q" in message
    other_question = QuestionFactory(slug="other-q")
    assert submit(forecaster_client, KEY, question=other_question.slug).status_code == 422
    assert submit(forecaster_client, KEY, rationale="changed my mind").status_code == 422
    assert list(Forecast.objects.values_list("id", flat=True)) == [first.json()["id"]]


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        ("", "must not be empty"),
        ("k" * 101, "at most 100 characters; this one has 101"),
        ("naïve-key", "only printable ASCII"),
        ("tab\there", "only printable ASCII"),
    ],
    ids=["empty", "too-long", "not-ascii", "control-character"],
)
def test_a_bad_key_is_a_400_naming_the_header(forecaster_client, open_question, key, complaint):
    response = submit(forecaster_client, key)
    assert response.status_code == 400
    assert list(response.json()) == ["Idempotency-Key"]
    assert complaint in response.json()["Idempotency-Key"][0]
    assert not Forecast.objects.exists()


@pytest.mark.parametrize("key", ["k" * 100, "a b~!{}", "x"])
def test_keys_of_any_printable_ascii_up_to_100_characters_are_taken(
    forecaster_client, open_question, key
):
    assert submit(forecaster_client, key).status_code == 201
    assert ForecastRequest.objects.get().key == key


def test_the_header_is_documented(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    submit_operation = schema["paths"]["/api/forecasts/"]["post"]
    (header,) = [p for p in submit_operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and not header.get("required", False)
    assert "1 to 100 printable ASCII characters" in header["description"]
    assert "7 days" in header["description"]
    assert set(submit_operation["responses"]) >= {"201", "400", "422"}


def test_old_keys_are_pruned_and_their_forecasts_stay(forecaster_client, open_question, settings):
    settings.FORESEER_IDEMPOTENCY_KEY_DAYS = 7
    submit(forecaster_client, "old-key")
    submit(forecaster_client, "new-key", probability=0.5)
    ForecastRequest.objects.filter(key="old-key").update(
        created_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    assert prune_forecast_requests() == 1
    assert list(ForecastRequest.objects.values_list("key", flat=True)) == ["new-key"]
    assert Forecast.objects.count() == 2
    assert forecast_requests_prune() == 0
    # A key forgotten is a new key.
    assert (
        submit(forecaster_client, "old-key").json()["id"]
        not in (Forecast.objects.order_by("id").values_list("id", flat=True)[:2])
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_key_store_one_forecast(require_postgres, monkeypatch):
    """Two threads, two connections, the same user and key at the same moment. Both look
    the key up before either has stored it (held at a barrier), so a read before the
    write cannot save them: the unique constraint makes the second fail once the first
    commits, and it answers with the first's forecast."""
    user = UserFactory(username="racer")
    QuestionFactory(slug="open-q")
    answers = race_with_one_key(monkeypatch, user, lambda client: submit(client, KEY))
    assert sorted(replayed or "" for _, _, replayed in answers) == ["", "true"]
    assert [status for status, _, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert Forecast.objects.count() == 1
    assert ForecastRequest.objects.count() == 1
