"""A forecaster's profile and time zone settings: the rules for each field, the settings
page, and /api/me/ for each role."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_settings_update
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/accounts/settings/"
ME = "/api/me/"


def test_new_accounts_show_their_record_but_not_their_calibration():
    user = UserFactory()
    assert (user.profile_public, user.calibration_public) == (True, False)
    assert (user.display_name, user.bio, user.time_zone) == ("", "", "")


# --- The service ----------------------------------------------------------------------------


def test_settings_update_saves_only_the_fields_given():
    user = UserFactory(username="ann")
    user_settings_update(
        user=user, changes={"display_name": "Ann", "time_zone": "Asia/Seoul", "bio": "Hi"}
    )
    user.refresh_from_db()
    assert (user.display_name, user.time_zone, user.bio) == ("Ann", "Asia/Seoul", "Hi")
    assert user.profile_public is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "asia/seoul"}, "time_zone"),
        ({"display_name": "Ann\x00"}, "display_name"),
        ({"display_name": "Ann\nExample"}, "display_name"),
        ({"display_name": "A" * 81}, "display_name"),
        ({"bio": "x" * 501}, "bio"),
        ({"bio": "bell\x07"}, "bio"),
        ({"username": "someone-else"}, "username"),
    ],
)
def test_settings_update_refuses_bad_values_naming_the_field(changes, field):
    user = UserFactory(username="ann")
    with pytest.raises(ValidationError) as caught:
        user_settings_update(user=user, changes={"bio": "kept?", **changes})
    assert field in caught.value.message_dict
    user.refresh_from_db()
    assert user.bio == "" and user.username == "ann"


# --- The settings page ----------------------------------------------------------------------


def page_form(**overrides) -> dict[str, str]:
    data = {
        "email": "ann@example.org",
        "email_on_resolution": "on",
        "email_reminders": "on",
        "profile_public": "on",
        "display_name": "",
        "bio": "",
        "time_zone": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def ann_client() -> tuple[User, Client]:
    ann = UserFactory(username="ann")
    client = Client()
    client.force_login(ann)
    return ann, client


def test_the_settings_page_edits_the_profile_and_time_zone(ann_client):
    ann, client = ann_client
    page = client.get(SETTINGS_URL).content.decode()
    for label in ("Display name", "Bio", "Time zone"):
        assert f">{label}:</label>" in page
    assert '<option value="Asia/Seoul">Asia/Seoul</option>' in page
    assert '<option value="" selected>Follow my browser</option>' in page
    assert 'href="/forecasters/ann/"' in page
    response = client.post(
        SETTINGS_URL,
        page_form(
            display_name="Ann Example",
            bio="About *me*",
            profile_public=None,
            calibration_public="on",
            time_zone="Asia/Seoul",
        ),
    )
    assert response.status_code == 302
    ann.refresh_from_db()
    assert (ann.display_name, ann.bio, ann.time_zone) == ("Ann Example", "About *me*", "Asia/Seoul")
    assert (ann.profile_public, ann.calibration_public) == (False, True)
    assert '<option value="Asia/Seoul" selected>' in client.get(SETTINGS_URL).content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "Mars/Olympus"), ("display_name", "Ann\x07"), ("bio", "x" * 501)],
)
def test_the_settings_page_refuses_bad_values_next_to_the_field(ann_client, field, value):
    ann, client = ann_client
    response = client.post(SETTINGS_URL, page_form(**{field: value, "email_reminders": None}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    ann.refresh_from_db()
    assert ann.email_reminders is True and ann.time_zone == ""


# --- /api/me/ ----------------------------------------------------------------------------------


def test_anonymous_has_no_settings(api_client):
    assert api_client.get(ME).status_code == 403
    assert api_client.patch(ME, {"bio": "x"}, format="json").status_code == 403


@pytest.mark.parametrize("role", ["forecaster", "staff"])
def test_each_account_reads_and_changes_its_own_settings(role):
    user = UserFactory(username="ann") if role == "forecaster" else StaffFactory(username="boss")
    client = APIClient()
    client.force_authenticate(user)
    body = client.get(ME).json()
    assert body == {
        "username": user.username,
        "display_name": "",
        "bio": "",
        "profile_public": True,
        "calibration_public": False,
        "time_zone": "",
        "email_on_resolution": True,
        "email_reminders": True,
    }
    response = client.patch(
        ME,
        {"display_name": "Someone", "calibration_public": True, "time_zone": "Europe/London"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["time_zone"] == "Europe/London"
    user.refresh_from_db()
    assert (user.display_name, user.calibration_public) == ("Someone", True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"time_zone": "Not/AZone"}, "time_zone"),
        ({"time_zone": 9}, "time_zone"),
        ({"display_name": "x\x00"}, "display_name"),
        ({"bio": "x" * 501}, "bio"),
        ({"profile_public": "maybe"}, "profile_public"),
        ({"email_reminders": 0}, "email_reminders"),
        ({"username": "renamed"}, "username"),
        ({"email": "new@example.org"}, "email"),
        ({"is_staff": True}, "is_staff"),
    ],
)
def test_bad_or_unknown_fields_are_a_400_naming_them(forecaster_client, user, data, field):
    response = forecaster_client.patch(ME, {"bio": "not saved", **data}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    user.refresh_from_db()
    assert user.bio == "" and user.username == "alice" and not user.is_staff


def test_the_admin_edits_a_profile():
    ann = UserFactory(username="ann", bio="Something to moderate")
    admin = StaffFactory(username="boss", is_superuser=True)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/accounts/user/{ann.pk}/change/").content.decode()
    for name in ("display_name", "bio", "profile_public", "calibration_public", "time_zone"):
        assert f'name="{name}"' in page
    assert "Something to moderate" in page
