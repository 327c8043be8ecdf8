"""The question page's withdraw (behind a confirmation) and reaffirm, the history's marks,
and My record's "withdrawn"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasts.models import Forecast, Withdrawal
from tests.factories import ForecastFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_q(db):
    return QuestionFactory(slug="open-q")


def page(client, slug="open-q") -> str:
    return client.get(reverse("questions:detail", args=[slug])).content.decode()


def test_the_page_offers_reaffirm_and_a_confirmed_withdraw(user_client, user, open_q):
    ForecastFactory(
        user=user, question=open_q, probability=0.3, created_at=timezone.now() - timedelta(hours=2)
    )
    html = page(user_client)
    assert 'data-testid="standing-actions"' in html
    assert reverse("forecasts:withdraw", args=["open-q"]) in html
    assert "<summary>Withdraw</summary>" in html  # the confirmation step
    assert "Confirm: withdraw my forecast" in html
    assert "Reaffirm 30%" in html


def test_withdraw_then_the_page_shows_no_standing_forecast(user_client, user, open_q):
    ForecastFactory(
        user=user, question=open_q, probability=0.3, created_at=timezone.now() - timedelta(hours=2)
    )
    response = user_client.post(reverse("forecasts:withdraw", args=["open-q"]), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Forecast withdrawn" in html
    assert 'data-testid="no-standing-forecast"' in html
    assert 'data-testid="standing-actions"' not in html
    assert "<strong>Withdrawn</strong>" in html
    assert Withdrawal.objects.filter(user=user, origin="web").count() == 1


def test_reaffirm_adds_a_marked_forecast(user_client, user, open_q):
    ForecastFactory(
        user=user, question=open_q, probability=0.3, created_at=timezone.now() - timedelta(hours=2)
    )
    response = user_client.post(reverse("forecasts:reaffirm", args=["open-q"]), follow=True)
    html = response.content.decode()
    assert "Forecast reaffirmed: 30% chance of yes." in html
    assert 'class="tag-reaffirmed">reaffirmed<' in html
    assert Forecast.objects.filter(user=user, reaffirmed=True, origin="web").count() == 1


def test_without_a_standing_forecast_the_page_says_why(user_client, open_q):
    response = user_client.post(reverse("forecasts:withdraw", args=["open-q"]), follow=True)
    assert "no standing forecast on this question to withdraw" in response.content.decode()
    assert Withdrawal.objects.count() == 0


def test_anonymous_is_sent_to_log_in(client, open_q):
    response = client.post(reverse("forecasts:reaffirm", args=["open-q"]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_get_is_not_allowed(user_client, open_q):
    assert user_client.get(reverse("forecasts:withdraw", args=["open-q"])).status_code == 405


def test_my_record_shows_a_withdrawn_question(user_client, user, open_q):
    ForecastFactory(
        user=user, question=open_q, probability=0.3, created_at=timezone.now() - timedelta(hours=2)
    )
    user_client.post(reverse("forecasts:withdraw", args=["open-q"]))
    html = user_client.get(reverse("forecasts:record")).content.decode()
    assert 'data-testid="withdrawn"' in html
    assert "(was 30%)" in html


def _key_of(html: str, action: str) -> str:
    form = html[html.index(f'action="{reverse(f"forecasts:{action}", args=["open-q"])}"') :]
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', form).group(1)


@pytest.mark.parametrize("action", ["withdraw", "reaffirm"])
def test_a_double_click_records_once(user_client, user, open_q, action):
    ForecastFactory(
        user=user, question=open_q, probability=0.3, created_at=timezone.now() - timedelta(hours=2)
    )
    html = page(user_client)
    key = _key_of(html, action)
    assert key != _key_of(html, "reaffirm" if action == "withdraw" else "withdraw")
    url = reverse(f"forecasts:{action}", args=["open-q"])
    first = user_client.post(url, {"idempotency_key": key}, follow=True).content.decode()
    again = user_client.post(url, {"idempotency_key": key}, follow=True).content.decode()
    said = "Forecast withdrawn" if action == "withdraw" else "Forecast reaffirmed: 30%"
    assert said in first and said in again
    assert "make a forecast first" not in again  # not refused as nothing left to change
    assert Withdrawal.objects.count() == (1 if action == "withdraw" else 0)
    assert Forecast.objects.filter(reaffirmed=True).count() == (action == "reaffirm")


def test_a_used_key_for_another_change_records_nothing(user_client, user, open_q):
    ForecastFactory(
        user=user, question=open_q, probability=0.3, created_at=timezone.now() - timedelta(hours=2)
    )
    key = _key_of(page(user_client), "reaffirm")
    user_client.post(reverse("forecasts:reaffirm", args=["open-q"]), {"idempotency_key": key})
    response = user_client.post(
        reverse("forecasts:withdraw", args=["open-q"]), {"idempotency_key": key}, follow=True
    )
    assert "already used for another change: nothing more was recorded" in (
        response.content.decode()
    )
    assert Withdrawal.objects.count() == 0
    bad = user_client.post(
        reverse("forecasts:withdraw", args=["open-q"]), {"idempotency_key": "é"}, follow=True
    )
    assert "printable ASCII" in bad.content.decode() and Withdrawal.objects.count() == 0
