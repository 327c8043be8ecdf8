"""The account settings page, the one-click unsubscribe links in emails, and the
password reset by email."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.resolution import resolution_emails_send
from notifications.unsubscribe import UNSUBSCRIBE_SALT, unsubscribe_token
from tests.factories import ForecastFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/accounts/settings/"


def settings_form(**overrides) -> dict[str, str]:
    data = {
        "email": "alice@example.org",
        "email_on_resolution": "on",
        "email_reminders": "on",
        "profile_public": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Navigation and access -----------------------------------------------------------------


def test_logged_in_users_have_a_settings_link(user_client, client):
    page = user_client.get(reverse("questions:list")).content.decode()
    assert f'<a href="{SETTINGS_URL}">Settings</a>' in page
    assert SETTINGS_URL not in client.get(reverse("questions:list")).content.decode()
    own = user_client.get(SETTINGS_URL).content.decode()
    assert f'<a href="{SETTINGS_URL}" aria-current="page">Settings</a>' in own


def test_settings_need_a_login(client):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={SETTINGS_URL}"
    assert client.post(SETTINGS_URL, settings_form()).status_code == 302


# --- The settings page ---------------------------------------------------------------------


def test_settings_page_shows_the_preferences_and_password_links(user_client):
    response = user_client.get(SETTINGS_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Settings</h1>" in page
    assert "accounts/settings.css" in page
    for name in ("email_on_resolution", "email_reminders"):
        assert re.search(rf'<input type="checkbox" name="{name}"[^>]*checked', page)
        assert f'<label for="id_{name}">When ' in page
        assert f'aria-describedby="id_{name}_helptext"' in page
    assert "When a question I forecast is resolved" in page
    assert "When my forecast on an open question goes stale" in page
    assert '<label for="id_email">Email address:</label>' in page
    assert 'value="alice@example.org"' in page
    assert '<label for="id_current_password">Current password:</label>' in page
    assert f'href="{reverse("password_change")}"' in page
    assert f'href="{reverse("password_reset")}"' in page
    assert "unchanged for 30 days or more" in page


def test_reminder_text_follows_the_setting(user_client, settings):
    settings.FORESEER_REMINDER_DAYS = 0
    assert "Reminders are turned off" in user_client.get(SETTINGS_URL).content.decode()


def test_turning_emails_off_and_on(user_client, user):
    response = user_client.post(
        SETTINGS_URL, settings_form(email_on_resolution=None, email_reminders=None)
    )
    assert response.status_code == 302 and response.url == SETTINGS_URL
    user.refresh_from_db()
    assert (user.email_on_resolution, user.email_reminders) == (False, False)
    page = user_client.get(SETTINGS_URL).content.decode()
    assert "Settings saved." in page
    assert not re.search(r'name="email_reminders"[^>]*checked', page)

    user_client.post(SETTINGS_URL, settings_form(email_on_resolution=None))
    user.refresh_from_db()
    assert (user.email_on_resolution, user.email_reminders) == (False, True)


def test_changing_the_address_needs_the_password(user_client, user):
    response = user_client.post(SETTINGS_URL, settings_form(email="new@example.org"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter your current password to change your email address." in page
    assert "The settings were not saved" in page
    user.refresh_from_db()
    assert user.email == "alice@example.org"

    wrong = user_client.post(
        SETTINGS_URL,
        settings_form(email="new@example.org", email_reminders=None, current_password="nope"),
    )
    assert wrong.status_code == 400
    assert "That is not your current password." in wrong.content.decode()
    user.refresh_from_db()
    # No partial write: the reminders box stayed on too.
    assert (user.email, user.email_reminders) == ("alice@example.org", True)

    right = user_client.post(
        SETTINGS_URL,
        settings_form(email=" new@example.org ", current_password="correct-horse-battery"),
    )
    assert right.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.org"
    # Still logged in after the change.
    assert user_client.get(SETTINGS_URL).status_code == 200


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("BOB@Example.org", "An account with this email address already exists."),
        ("not-an-address", "Enter a valid email address."),
        ("", "This field is required."),
    ],
)
def test_bad_addresses_are_refused_next_to_the_field(user_client, user, email, message):
    UserFactory(username="bob")
    response = user_client.post(
        SETTINGS_URL,
        settings_form(email=email, email_reminders=None, current_password="correct-horse-battery"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('<label for="id_email">') : page.index('id="id_email"')]
    assert message in field
    user.refresh_from_db()
    assert (user.email, user.email_reminders) == ("alice@example.org", True)


def test_keeping_the_address_needs_no_password(user_client, user):
    response = user_client.post(SETTINGS_URL, settings_form(email_reminders=None))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_reminders is False


def test_settings_page_query_count_is_fixed(user_client, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        user_client.get(SETTINGS_URL)


# --- Unsubscribe ---------------------------------------------------------------------------


def unsubscribe_path(user: User, kind: str) -> str:
    return reverse("unsubscribe", args=[unsubscribe_token(user_id=user.pk, kind=kind)])


@pytest.mark.parametrize(
    ("kind", "field", "other"),
    [
        ("resolution", "email_on_resolution", "email_reminders"),
        ("reminder", "email_reminders", "email_on_resolution"),
    ],
)
def test_get_asks_and_post_unsubscribes_without_a_login(user, kind, field, other):
    client = Client(enforce_csrf_checks=True)
    path = unsubscribe_path(user, kind)

    page = client.get(path)
    assert page.status_code == 200
    content = page.content.decode()
    assert '<form method="post">' in content and ">Unsubscribe</button>" in content
    assert "alice" in content
    user.refresh_from_db()
    assert getattr(user, field) is True  # a GET (a link scanner) changes nothing

    # RFC 8058 one-click: a mail provider posts this body, with no CSRF token or session.
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "will no longer get" in done.content.decode()
    user.refresh_from_db()
    assert getattr(user, field) is False
    assert getattr(user, other) is True

    again = client.get(path).content.decode()
    assert "already gets no" in again
    assert client.post(path).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "eyJ1IjoxLCJrIjoicmVtaW5kZXIifQ:1xVRxT:forged-signature",
        signing.dumps({"u": 1, "k": "digest"}, salt=UNSUBSCRIBE_SALT),
        signing.dumps({"u": 1, "k": "reminder"}, salt="another-purpose"),
        signing.dumps(["not", "a", "dict"], salt=UNSUBSCRIBE_SALT),
    ],
)
def test_bad_tokens_get_a_400_and_change_nothing(client, user, token):
    for method in (client.get, client.post):
        response = method(reverse("unsubscribe", args=[token]))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    user.refresh_from_db()
    assert user.email_reminders and user.email_on_resolution


def test_a_tampered_user_id_is_refused(client, user):
    other = UserFactory(username="bob")
    token = unsubscribe_token(user_id=user.pk, kind="reminder")
    _payload, rest = token.split(":", 1)
    forged_payload = signing.dumps({"u": other.pk, "k": "reminder"}, salt=UNSUBSCRIBE_SALT)
    forged = forged_payload.split(":", 1)[0] + ":" + rest
    assert forged != token
    assert client.post(reverse("unsubscribe", args=[forged])).status_code == 400
    other.refresh_from_db()
    assert other.email_reminders is True


def test_a_deleted_account_gets_a_400(client):
    gone = UserFactory(username="gone")
    path = unsubscribe_path(gone, "reminder")
    gone.delete()
    response = client.post(path)
    assert response.status_code == 400
    assert "no longer exists" in response.content.decode()


# --- Password reset by email ---------------------------------------------------------------


def test_the_reset_email_link_sets_a_new_password(client, user):
    response = client.post(reverse("password_reset"), {"email": "ALICE@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    link = re.search(r"https?://[^\s]+/accounts/reset/[^\s]+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    # Django swaps the token for a session marker and redirects to the form.
    form_page = client.get(f"/{path}", follow=True)
    assert form_page.status_code == 200
    assert "Set a new password" in form_page.content.decode()
    assert 'for="id_new_password1"' in form_page.content.decode()
    form_url = form_page.redirect_chain[-1][0]
    done = client.post(
        form_url,
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    assert Client().login(username="alice", password="a-brand-new-passphrase")
    # The link works once.
    reused = client.get(f"/{path}", follow=True).content.decode()
    assert "invalid or was already used" in reused


def test_reset_for_an_unknown_address_sends_nothing(client, user):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_the_link_in_a_resolution_email_unsubscribes(
    client, user, past_question, resolve, settings
):
    settings.FORESEER_SITE_URL = "https://foreseer.example.org"
    question = past_question()
    ForecastFactory(user=user, question=question, probability=0.7)
    # Known just after the forecast (made now), so the forecast counts.
    resolve(question, "no", known_at=timezone.now())
    assert resolution_emails_send(question_id=question.pk) == 1
    body = mail.outbox[0].body
    link = re.search(r"https://foreseer\.example\.org(/accounts/unsubscribe/\S+/)", body).group(1)
    assert client.get(link).status_code == 200
    assert client.post(link).status_code == 200
    user.refresh_from_db()
    assert user.email_on_resolution is False and user.email_reminders is True
