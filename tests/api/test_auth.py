import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from forecasts.models import Forecast
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = reverse("api:auth-token")
SIGNUP_URL = reverse("api:auth-signup")


def test_token_for_a_good_password_is_the_users_token(api_client, user):
    response = api_client.post(
        TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    again = api_client.post(
        TOKEN_URL, {"username": "alice", "password": "correct-horse-battery"}, format="json"
    )
    assert again.json()["token"] == response.json()["token"]


def test_token_refused_for_a_wrong_password(api_client, user):
    response = api_client.post(TOKEN_URL, {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Token.objects.exists()


def test_token_refused_for_an_unclaimed_imported_account(api_client):
    imported = User(username="ghost", origin=User.Origin.IMPORT)
    imported.set_unusable_password()
    imported.save()
    response = api_client.post(TOKEN_URL, {"username": "ghost", "password": ""}, format="json")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_authenticates_api_calls(user, open_question):
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(
        reverse("api:forecast-list"),
        {"question": "open-q", "probability": 0.7},
        format="json",
    )
    assert response.status_code == 201
    assert Forecast.objects.get().user == user


@pytest.mark.parametrize("url", ["/api/questions/", "/api/forecasts/", "/api/leaderboards/"])
def test_a_token_that_does_not_exist_is_a_403_even_where_anyone_may_read(url):
    """DRF answers 403, not 401, to bad credentials here (the session authenticator comes
    first and asks for no WWW-Authenticate); the schema lists it on every endpoint that
    authenticates."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get(url)
    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid token."}
    operation = APIClient().get("/api/schema/", {"format": "json"}).json()["paths"][url]["get"]
    assert "403" in operation["responses"]


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        (SIGNUP_URL, {"username": "dave", "password": 1.5e16}, "password"),
        (SIGNUP_URL, {"username": 4242, "password": "a-Long-pass-42"}, "username"),
        (TOKEN_URL, {"username": "alice", "password": 12345678}, "password"),
    ],
)
def test_a_number_where_the_schema_says_text_is_a_400_naming_it(
    api_client, user, url, payload, field
):
    """DRF would read 1.5e16 as the password "1.5e+16"."""
    response = api_client.post(url, {"email": "d@example.org", **payload}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["Not a valid string."]}
    assert not User.objects.filter(username__in=["dave", "4242"]).exists()


def test_signup_creates_a_forecaster_and_returns_a_working_token(api_client):
    response = api_client.post(
        SIGNUP_URL,
        {"username": "newbie", "email": "newbie@example.org", "password": "a-Long-passphrase-42"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(username="newbie")
    assert body == {"token": Token.objects.get(user=user).key, "username": "newbie"}
    assert (user.email, user.origin, user.is_staff) == ("newbie@example.org", "signup", False)
    assert user.check_password("a-Long-passphrase-42")

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get(reverse("api:forecast-list")).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "bob", "email": "bob@example.org", "password": "short"}, "password"),
        ({"username": "bob", "email": "bob@example.org", "password": "password123"}, "password"),
        ({"username": "bob", "email": "bob@example.org", "password": "4815162342108"}, "password"),
        (
            {"username": "bobbyjones", "email": "b@example.org", "password": "bobbyjones"},
            "password",
        ),
        ({"username": "bob", "email": "bob@example.org"}, "password"),
        ({"username": "bob", "password": "a-Long-passphrase-42"}, "email"),
        ({"username": "bob", "email": "not-an-email", "password": "a-Long-passphrase-42"}, "email"),
        ({"email": "bob@example.org", "password": "a-Long-passphrase-42"}, "username"),
        ({"username": "b o b", "email": "b@example.org", "password": "a-Long-pass-42"}, "username"),
    ],
)
def test_signup_errors_name_the_field(api_client, payload, field):
    response = api_client.post(SIGNUP_URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not User.objects.exclude(origin=User.Origin.SYSTEM).exists()


def test_signup_refuses_a_taken_username(api_client):
    UserFactory(username="carol")
    response = api_client.post(
        SIGNUP_URL,
        {"username": "carol", "email": "c2@example.org", "password": "a-Long-passphrase-42"},
        format="json",
    )
    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.exclude(origin=User.Origin.SYSTEM).count() == 1


def test_signup_refuses_an_email_already_in_use_like_the_web_form(api_client, user):
    body = {"username": "newcomer", "email": user.email.upper(), "password": "long-unique-pw-42"}
    response = api_client.post(SIGNUP_URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert not User.objects.filter(username="newcomer").exists()
