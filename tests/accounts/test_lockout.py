"""The login lockout (django-axes), with the real settings: 5 wrong passwords for one
username from one address lock that pair out for 15 minutes, on the web login, the admin's
login and the token endpoint alike, and then the right password is refused too."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the factories'
LIMIT = 5
COOL_OFF = 15 * 60
LOGIN_URL = reverse("login")
ADMIN_LOGIN_URL = reverse("admin:login")
TOKEN_URL = reverse("api:auth-token")


@pytest.fixture(autouse=True)
def the_real_limits(settings):
    """These tests run with the settings the site runs with, not a test's own."""
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_COOLOFF_TIME.total_seconds() == COOL_OFF
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def web_login(client: Client, username: str, password: str, *, url: str = LOGIN_URL):
    return client.post(url, {"username": username, "password": password})


def token_login(client: APIClient, username: str, password: str):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def retry_after(response) -> int:
    seconds = int(response["Retry-After"])
    assert 0 < seconds <= COOL_OFF
    return seconds


def assert_locked_page(response, username: str) -> None:
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert f"as <strong>{username}</strong>" in html
    assert reverse("password_reset") in html
    retry_after(response)


def test_five_wrong_passwords_on_the_web_login_refuse_the_right_one(user):
    client = Client()
    for _ in range(LIMIT - 1):
        response = web_login(client, "alice", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    # The failure that reaches the limit is already answered with the lockout page.
    assert_locked_page(web_login(client, "alice", "wrong"), "alice")

    refused = web_login(client, "alice", PASSWORD)
    assert_locked_page(refused, "alice")
    assert retry_after(refused) == COOL_OFF
    assert not logged_in(client)
    assert AccessAttempt.objects.get().failures_since_start == LIMIT


def test_five_wrong_passwords_on_the_admin_login_refuse_the_right_one():
    StaffFactory(username="root-admin", is_superuser=True)
    client = Client()
    for _ in range(LIMIT - 1):
        assert web_login(client, "root-admin", "wrong", url=ADMIN_LOGIN_URL).status_code == 200
    assert_locked_page(web_login(client, "root-admin", "wrong", url=ADMIN_LOGIN_URL), "root-admin")

    refused = web_login(client, "root-admin", PASSWORD, url=ADMIN_LOGIN_URL)
    assert_locked_page(refused, "root-admin")
    assert not logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_five_wrong_passwords_on_the_token_endpoint_refuse_the_right_one(user):
    client = APIClient()
    for _ in range(LIMIT - 1):
        response = token_login(client, "alice", "wrong")
        assert response.status_code == 400
        assert "non_field_errors" in response.json()
    locking = token_login(client, "alice", "wrong")
    assert locking.status_code == 429

    refused = token_login(client, "alice", PASSWORD)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    detail = refused.json()["detail"]
    assert detail.startswith("Too many failed logins for this username from your address.")
    wait = retry_after(refused)
    assert detail.endswith(f"Expected available in {wait} seconds.")
    assert not Token.objects.exists()


def test_failures_count_across_the_web_the_admin_and_the_api(user):
    for _ in range(2):
        web_login(Client(), "alice", "wrong")
    web_login(Client(), "alice", "wrong", url=ADMIN_LOGIN_URL)
    token_login(APIClient(), "alice", "wrong")
    assert token_login(APIClient(), "alice", "wrong").status_code == 429
    assert_locked_page(web_login(Client(), "alice", PASSWORD), "alice")


def test_the_lock_lifts_after_the_cool_off_and_tries_meanwhile_do_not_extend_it(user):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(LIMIT):
            web_login(Client(), "alice", "wrong")
        traveller.shift(timedelta(minutes=14))
        # A try during the lockout is refused and not counted: the lock still lifts 15
        # minutes after the failure that set it, as Retry-After says.
        still = web_login(Client(), "alice", PASSWORD)
        assert_locked_page(still, "alice")
        assert retry_after(still) == 60
        api = token_login(APIClient(), "alice", PASSWORD)
        assert (api.status_code, api["Retry-After"]) == (429, "60")

        traveller.shift(timedelta(seconds=61))
        client = Client()
        response = web_login(client, "alice", PASSWORD)
        assert response.status_code == 302
        assert logged_in(client)
    # The success reset the count.
    assert not AccessAttempt.objects.exists()


def test_a_success_before_the_limit_resets_the_count(user):
    for _ in range(LIMIT - 1):
        web_login(Client(), "alice", "wrong")
    assert web_login(Client(), "alice", PASSWORD).status_code == 302
    for _ in range(LIMIT - 1):
        assert web_login(Client(), "alice", "wrong").status_code == 200
    assert web_login(Client(), "alice", PASSWORD).status_code == 302


def test_a_token_obtained_resets_the_count_too(user):
    for _ in range(LIMIT - 1):
        token_login(APIClient(), "alice", "wrong")
    assert token_login(APIClient(), "alice", PASSWORD).status_code == 200
    for _ in range(LIMIT - 1):
        assert token_login(APIClient(), "alice", "wrong").status_code == 400
    assert token_login(APIClient(), "alice", PASSWORD).status_code == 200


def test_one_users_lockout_and_anothers_success_stay_apart(user):
    UserFactory(username="bob")
    for _ in range(LIMIT):
        web_login(Client(), "alice", "wrong")
    # Bob, from the same address, logs in; his success does not reset Alice's lock.
    bob = Client()
    assert web_login(bob, "bob", PASSWORD).status_code == 302 and logged_in(bob)
    assert token_login(APIClient(), "bob", PASSWORD).status_code == 200
    assert_locked_page(web_login(Client(), "alice", PASSWORD), "alice")
    # And bob's own failures start from nothing.
    for _ in range(LIMIT - 1):
        assert web_login(Client(), "bob", "wrong").status_code == 200


def test_the_lock_holds_one_address_only(user):
    for _ in range(LIMIT):
        web_login(Client(REMOTE_ADDR="203.0.113.7"), "alice", "wrong")
    assert web_login(Client(REMOTE_ADDR="203.0.113.7"), "alice", PASSWORD).status_code == 429
    # Someone else cannot lock Alice out from everywhere.
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert web_login(elsewhere, "alice", PASSWORD).status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lock(user):
    """Without trusted proxies (NUM_PROXIES=0) X-Forwarded-For is not read."""
    for number in range(LIMIT):
        web_login(Client(HTTP_X_FORWARDED_FOR=f"192.0.2.{number}"), "alice", "wrong")
    forged = Client(HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert web_login(forged, "alice", PASSWORD).status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_the_clients(user, settings):
    settings.NUM_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(LIMIT):
        web_login(Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.7"), "alice", "wrong")
    locked = Client(**proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert web_login(locked, "alice", PASSWORD).status_code == 429
    # What the client wrote before the proxy's entry is not trusted.
    spoofed = Client(**proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert web_login(spoofed, "alice", PASSWORD).status_code == 429
    other = Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert web_login(other, "alice", PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_a_password_reset_by_email_ends_the_lockout(user):
    for _ in range(LIMIT):
        web_login(Client(), "alice", "wrong")
    client = Client()
    client.post(reverse("password_reset"), {"email": user.email})
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "a-brand-new-passphrase"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    assert web_login(Client(), "alice", new).status_code == 302


def test_the_ensure_admin_account_logs_in_on_the_admin(tmp_path):
    path = tmp_path / "admin-password"
    call_command("ensure_admin", "--password-file", str(path), stdout=StringIO())
    client = Client()
    response = web_login(client, "admin", path.read_text().strip(), url=ADMIN_LOGIN_URL)
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_code_without_a_request_still_authenticates(user):
    """The shell, management commands and Client.login have no client to lock out."""
    assert authenticate(username="alice", password=PASSWORD) == user
    assert Client().login(username="alice", password=PASSWORD)


def test_locked_attempts_are_listed_in_the_admin(user):
    for _ in range(LIMIT):
        web_login(Client(), "alice", "wrong")
    admin = Client()
    admin.force_login(StaffFactory(username="root-admin", is_superuser=True))
    page = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "alice" in html and "Locked Out" in html
    # The form data kept with an attempt never holds the password.
    assert "wrong" not in AccessAttempt.objects.get().post_data
