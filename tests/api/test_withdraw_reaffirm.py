"""POST /api/questions/{slug}/withdraw/ and /reaffirm/, by role, and the fields the
forecasts list gained (`reaffirmed`, `withdrawn_at`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasts.models import Forecast, Withdrawal
from tests.factories import ForecastFactory

pytestmark = pytest.mark.django_db


def withdraw_url(slug: str) -> str:
    return reverse("api:question-withdraw", args=[slug])


def reaffirm_url(slug: str) -> str:
    return reverse("api:question-reaffirm", args=[slug])


@pytest.mark.parametrize("url", [withdraw_url, reaffirm_url])
def test_anonymous_is_refused(api_client, open_question, url):
    response = api_client.post(url("open-q"))
    assert response.status_code == 403
    assert Withdrawal.objects.count() == 0 and Forecast.objects.count() == 0


def test_a_forecaster_withdraws_their_standing_forecast(forecaster_client, user, open_question):
    ForecastFactory(
        user=user,
        question=open_question,
        probability=0.3,
        created_at=timezone.now() - timedelta(hours=1),
    )
    response = forecaster_client.post(withdraw_url("open-q"))
    assert response.status_code == 201
    body = response.json()
    withdrawal = Withdrawal.objects.get()
    assert body["question"] == "open-q"
    assert body["origin"] == "api"
    assert body["withdrawn_at"].replace("Z", "+00:00") == withdrawal.created_at.isoformat()
    (listed,) = forecaster_client.get(reverse("api:forecast-list")).json()["results"]
    assert listed["withdrawn_at"] == body["withdrawn_at"]
    assert listed["reaffirmed"] is False
    # Nothing left to withdraw: a 409 naming the condition.
    again = forecaster_client.post(withdraw_url("open-q"))
    assert again.status_code == 409
    assert "no standing forecast" in again.json()["forecast"][0]
    assert Withdrawal.objects.count() == 1


def test_a_forecaster_reaffirms(forecaster_client, user, open_question):
    ForecastFactory(
        user=user,
        question=open_question,
        probability=0.35,
        created_at=timezone.now() - timedelta(days=3),
    )
    response = forecaster_client.post(reaffirm_url("open-q"))
    assert response.status_code == 201
    body = response.json()
    assert (body["probability"], body["reaffirmed"], body["origin"], body["rationale"]) == (
        0.35,
        True,
        "api",
        "",
    )
    assert Forecast.objects.filter(user=user).count() == 2
    detail = forecaster_client.get(reverse("api:question-detail", args=["open-q"])).json()
    assert [f["reaffirmed"] for f in detail["my_forecasts"]] == [True, False]


def test_staff_without_a_forecast_get_the_409(staff_client, open_question):
    for url in (withdraw_url, reaffirm_url):
        response = staff_client.post(url("open-q"))
        assert response.status_code == 409
        assert list(response.json()) == ["detail", "forecast"]


def test_a_closed_question_is_a_400_naming_the_question(forecaster_client, user, closed_question):
    ForecastFactory(
        user=user,
        question=closed_question,
        created_at=closed_question.open_time + timedelta(days=1),
    )
    for url in (withdraw_url, reaffirm_url):
        response = forecaster_client.post(url("closed-q"))
        assert response.status_code == 400
        assert "closed" in response.json()["question"][0]


def test_an_unknown_question_is_a_404(forecaster_client):
    assert forecaster_client.post(withdraw_url("no-such-question")).status_code == 404
