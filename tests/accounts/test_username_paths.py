"""The username rule where people choose a name: the sign-up form, the API's sign-up and
the admin's user forms give the rule's own messages; system paths may use reserved names;
the database keeps one account per folded name."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import User
from tests.accounts.test_usernames import ALLOWED, REFUSED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-unusual-passphrase"
LOOK_ALIKE = (
    "A user named 'alice' already exists; names that differ only in case or in look-alike "
    "characters are the same name."
)
# Besides the rule: names taken by `alice` (the `user` fixture), in any case or form.
TAKEN = [
    ("alice", "A user with that username already exists."),
    ("Alice", LOOK_ALIKE),
    ("ALICE", LOOK_ALIKE),
    ("ａｌｉｃｅ", "A user with that username already exists."),  # stored NFKC: 'alice'
    ("ＡＬＩＣＥ", LOOK_ALIKE),
]
# Django's form field refuses an empty or over-long name itself, with its own words.
FORM_REFUSED = [(name, message) for name, message in REFUSED if 0 < len(name) <= 150]
API_REFUSED = [(name, message) for name, message in REFUSED if name]


@pytest.fixture
def run_command():
    def run(name: str, *args: str) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command(name, *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run


def people() -> list[str]:
    return sorted(
        User.objects.exclude(origin=User.Origin.SYSTEM).values_list("username", flat=True)
    )


def web_signup(client, username: str):
    return client.post(
        reverse("signup"),
        {
            "username": username,
            "email": "newcomer@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def api_signup(api_client, username: str):
    return api_client.post(
        reverse("api:auth-signup"),
        {"username": username, "email": "newcomer@example.org", "password": PASSWORD},
        format="json",
    )


def admin_add(admin_client, username: str):
    return admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": username, "usable_password": "false"},
    )


@pytest.mark.parametrize(("name", "message"), FORM_REFUSED + TAKEN)
def test_the_signup_form_refuses_the_name_with_the_rules_message(client, user, name, message):
    response = web_signup(client, name)
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [message]
    assert people() == ["alice"]


@pytest.mark.parametrize(("name", "message"), API_REFUSED + TAKEN)
def test_the_api_signup_refuses_the_name_with_the_rules_message(api_client, user, name, message):
    response = api_signup(api_client, name)
    assert response.status_code == 400
    assert response.json()["username"] == [message]
    assert people() == ["alice"]


def test_the_api_reports_a_bad_name_and_a_taken_email_together(api_client, user):
    response = api_client.post(
        reverse("api:auth-signup"),
        {"username": "=cmd|calc", "email": user.email, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert sorted(response.json()) == ["email", "username"]


@pytest.mark.parametrize(("name", "message"), FORM_REFUSED + TAKEN)
def test_the_admin_add_form_refuses_the_name_with_the_rules_message(
    admin_client, user, name, message
):
    response = admin_add(admin_client, name)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [message]
    assert people() == ["admin", "alice"]


@pytest.mark.parametrize(("name", "stored"), ALLOWED)
def test_unusual_names_sign_up_on_the_web(client, name, stored):
    response = web_signup(client, name)
    assert response.status_code == 302, response.context["form"].errors
    created = User.objects.get(username=stored)
    assert created.check_password(PASSWORD)


@pytest.mark.parametrize(("name", "stored"), ALLOWED)
def test_unusual_names_sign_up_through_the_api(api_client, name, stored):
    response = api_signup(api_client, name)
    assert response.status_code == 201, response.json()
    assert response.json()["username"] == stored
    assert User.objects.get(username=stored).origin == User.Origin.SIGNUP


def test_the_admin_adds_a_person_with_an_unusual_name(admin_client):
    response = admin_add(admin_client, "李雷")
    assert response.status_code == 302
    assert User.objects.get(username="李雷").username_key == "李雷"


def _change(admin_client, account: User, **changes: str):
    data = {
        "username": account.username,
        "first_name": "",
        "last_name": "",
        "email": account.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "origin": account.origin,
        **changes,
    }
    if account.is_staff:
        data["is_staff"] = "on"
    if account.is_superuser:
        data["is_superuser"] = "on"
    return admin_client.post(reverse("admin:accounts_user_change", args=[account.pk]), data)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Admin", "'Admin' is reserved for the site's own accounts."),
        ("community", "'community' is reserved for the site's own accounts."),
        (
            "=cmd|calc",
            "A username may not start with '=': a spreadsheet would run it as a formula.",
        ),
        (
            "GEORGE",
            "A user named 'george' already exists; names that differ only in case or in "
            "look-alike characters are the same name.",
        ),
    ],
)
def test_the_admin_change_form_refuses_a_new_name_the_rule_refuses(
    admin_client, user, name, message
):
    UserFactory(username="george")
    response = _change(admin_client, user, username=name)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [message]
    user.refresh_from_db()
    assert user.username == "alice"


def test_the_admin_change_form_accepts_a_new_case_of_the_same_name(admin_client, user):
    response = _change(admin_client, user, username="Alice")
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.username, user.username_key) == ("Alice", "alice")


def test_accounts_with_reserved_names_stay_editable_while_their_name_is_unchanged(
    admin_client, admin_user
):
    legacy = UserFactory(username="support", origin=User.Origin.IMPORT)
    for account in (admin_user, legacy):
        response = _change(admin_client, account, first_name="Kept")
        assert response.status_code == 302, response.context["adminform"].form.errors
        account.refresh_from_db()
        assert account.first_name == "Kept"


def test_ensure_admin_may_use_the_reserved_name_but_not_a_bad_one(run_command, tmp_path):
    out, _ = run_command("ensure_admin", "--password-file", str(tmp_path / "pw"))
    assert "Created superuser 'admin'" in out
    with pytest.raises(CommandError, match="--username: A username may not start with '='"):
        run_command("ensure_admin", "--username", "=cmd", "--password-file", str(tmp_path / "x"))


def test_ensure_admin_finds_the_admin_under_another_case(run_command, tmp_path):
    run_command("ensure_admin", "--password-file", str(tmp_path / "pw"))
    out, _ = run_command(
        "ensure_admin", "--username", "ADMIN", "--password-file", str(tmp_path / "pw")
    )
    assert out.strip() == f"Admin 'admin' exists; its password is in {tmp_path / 'pw'}."
    assert User.objects.filter(is_superuser=True).count() == 1


def test_the_database_keeps_one_account_per_folded_name(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ALICE")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(username="ａｌｉｃｅ")])


def test_the_key_follows_a_rename_and_bulk_creation(user):
    user.username = "Alicia"
    user.save(update_fields=["username"])
    assert User.objects.get(pk=user.pk).username_key == "alicia"
    User.objects.bulk_create([User(username="BOB"), User(username="Ｃａｒｏｌ")])
    keys = dict(User.objects.values_list("username", "username_key"))
    assert (keys["BOB"], keys["Ｃａｒｏｌ"]) == ("bob", "carol")
