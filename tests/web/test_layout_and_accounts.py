"""The shared layout (navigation by role) and the account pages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_anonymous_navigation(client):
    page = client.get(reverse("questions:list")).content.decode()
    assert 'href="/leaderboard/"' in page
    assert 'href="/api/docs/"' in page
    assert "Log in" in page and 'href="/accounts/signup/"' in page
    assert "My record" not in page
    assert 'href="/admin/"' not in page
    assert "Log out" not in page
    assert "foreseer/site.css" in page


def test_forecaster_navigation_has_record_and_a_logout_form(user_client):
    page = user_client.get(reverse("questions:list")).content.decode()
    assert 'href="/me/record/"' in page and "My record" in page
    assert "alice" in page
    assert '<form method="post" action="/accounts/logout/"' in page
    assert "Log out" in page
    assert 'href="/admin/"' not in page


def test_staff_see_the_staff_pages_link_and_the_admin_from_there(staff_web_client):
    page = staff_web_client.get(reverse("questions:list")).content.decode()
    assert 'href="/manage/">Staff</a>' in page
    staff_page = staff_web_client.get("/manage/resolutions/").content.decode()
    assert 'href="/manage/" aria-current="page">Staff</a>' in staff_page
    assert 'href="/admin/"' in staff_page


def test_logout_is_a_post_and_redirects_to_the_list(user_client):
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("questions:list")
    assert "_auth_user_id" not in user_client.session


def test_login_page_and_logging_in(client, user):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "<h1>Log in</h1>" in content
    assert 'for="id_username"' in content and 'for="id_password"' in content
    assert ">Log in</button>" in content

    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert response.url == reverse("questions:list")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_shows_an_error(client, user):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signup_page_has_the_four_fields(client):
    content = client.get(reverse("signup")).content.decode()
    for field in ("username", "email", "password1", "password2"):
        assert f'for="id_{field}"' in content
    assert ">Sign up</button>" in content


def test_signup_creates_a_user_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("questions:list")
    created = get_user_model().objects.get(username="newcomer")
    assert created.email == "newcomer@example.org"
    assert created.origin == User.Origin.SIGNUP
    assert created.check_password("a-long-unusual-passphrase")
    assert client.session["_auth_user_id"] == str(created.pk)
    assert "newcomer" in client.get(reverse("questions:list")).content.decode()


def test_signup_welcomes_once_and_links_to_how_scoring_works(client, db):
    client.post(
        reverse("signup"),
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    first = client.get(reverse("questions:list")).content.decode()
    assert "Welcome, newcomer." in first
    assert '<a href="/scoring/">how scoring works</a>' in first
    # Said once, on the first page after sign-up.
    assert "Welcome, newcomer." not in client.get(reverse("questions:list")).content.decode()
    explainer = client.get("/scoring/")
    assert explainer.status_code == 200
    page = explainer.content.decode()
    assert "<h1>How scoring works</h1>" in page
    from django.utils.html import escape

    from scoring import registry

    for rule in registry.rules():
        assert escape(rule.label) in page and escape(rule.explanation) in page
    assert f"ranks by the {registry.DEFAULT.label}" in page


def test_a_username_in_the_welcome_is_escaped(client, db):
    client.post(
        reverse("signup"),
        {
            "username": "a<b>",
            "email": "x@example.org",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert (
        "<b>"
        not in client.get(reverse("questions:list")).content.decode().split("Welcome")[-1][:40]
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": ""}, "This field is required."),
        ({"password2": "something-else-entirely"}, "The two password fields didn"),
        ({"email": "alice@example.org"}, "An account with this email address already exists."),
    ],
)
def test_signup_refuses_bad_input(client, user, overrides, message):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password1": "a-long-unusual-passphrase",
        "password2": "a-long-unusual-passphrase",
        **overrides,
    }
    response = client.post(reverse("signup"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="newcomer").exists()
    assert "_auth_user_id" not in client.session


def test_signup_redirects_a_logged_in_user(user_client):
    response = user_client.get(reverse("signup"))
    assert response.status_code == 302


def test_password_pages_use_the_site_layout(client, user_client, user):
    reset = client.get(reverse("password_reset")).content.decode()
    assert "Reset password" in reset and "foreseer/site.css" in reset
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    change = user_client.get(reverse("password_change")).content.decode()
    assert "Change password" in change and "foreseer/site.css" in change


def test_how_scoring_works_reads_nothing_but_the_session(
    user_client, django_assert_max_num_queries
):
    # The session, its user and its permissions (the menu shows what the roles open).
    with django_assert_max_num_queries(4):
        assert user_client.get("/scoring/").status_code == 200
