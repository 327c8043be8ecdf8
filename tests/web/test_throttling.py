"""The web forms that share the API's rate limits: sign-up (per address) and the question
page's forecast form (per user). Over the rate, the "too many requests" page, 429 with
Retry-After, and nothing saved."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from forecasts.models import Forecast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("signup")


@pytest.fixture
def rates(settings):
    def set_rates(**scoped: str | None) -> None:
        settings.FORESEER_THROTTLE_RATES = {**settings.FORESEER_THROTTLE_RATES, **scoped}

    return set_rates


def assert_throttled_page(response, *, period: int) -> None:
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= period
    html = response.content.decode()
    assert "<h1>Too many requests</h1>" in html
    assert "Nothing was saved." in html
    # The site's page, with its navigation.
    assert 'href="/leaderboard/"' in html


def web_signup(client: Client, name: str):
    password = "a-long-unusual-passphrase"
    return client.post(
        SIGNUP_URL,
        {
            "username": name,
            "email": f"{name}@example.org",
            "password1": password,
            "password2": password,
        },
    )


def test_web_signup_is_throttled_per_address(rates):
    rates(signup="2/hour")
    assert web_signup(Client(), "first").status_code == 302
    assert web_signup(Client(), "second").status_code == 302
    assert_throttled_page(web_signup(Client(), "third"), period=3600)
    assert not User.objects.filter(username="third").exists()
    # Reading the form is not counted, nor refused.
    assert Client().get(SIGNUP_URL).status_code == 200
    assert web_signup(Client(REMOTE_ADDR="198.51.100.20"), "fourth").status_code == 302


def test_web_and_api_signups_share_one_count(rates):
    rates(signup="2/hour")
    assert web_signup(Client(), "first").status_code == 302
    api = APIClient().post(
        reverse("api:auth-signup"),
        {"username": "second", "email": "second@example.org", "password": "a-Long-passphrase-42"},
        format="json",
    )
    assert api.status_code == 201
    assert_throttled_page(web_signup(Client(), "third"), period=3600)


def test_the_forecast_form_shares_the_apis_count_per_user(rates, user, user_client, question):
    rates(forecasts="2/minute")
    api = APIClient()
    api.force_authenticate(user)
    url = reverse("api:forecast-list")
    assert (
        api.post(url, {"question": question.slug, "probability": 0.3}, format="json").status_code
        == 201
    )
    form_url = reverse("forecasts:submit", args=[question.slug])
    assert user_client.post(form_url, {"percent": "40"}).status_code == 302
    assert_throttled_page(user_client.post(form_url, {"percent": "45"}), period=60)
    assert Forecast.objects.filter(user=user).count() == 2
    # Another forecaster's form is not held back.
    bob = Client()
    bob.force_login(UserFactory(username="bob"))
    assert bob.post(form_url, {"percent": "70"}).status_code == 302
    # The question page itself still opens.
    assert user_client.get(reverse("questions:detail", args=[question.slug])).status_code == 200
