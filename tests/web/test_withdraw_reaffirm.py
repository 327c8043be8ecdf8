"""The question page's withdraw (behind a confirmation) and reaffirm, the history's marks,
and My record's "withdrawn"."""

from __future__ import annotations

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
