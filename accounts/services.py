"""Writes for accounts."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.usernames import username_clean, username_key


def signup_email_clean(email: str) -> str:
    """One account per address, so a password reset reaches exactly one account."""
    email = (email or "").strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": ["An account with this email address already exists."]})
    return email


def person_username_clean(username: str, *, instance: User | None = None) -> str:
    """A person's username as it is stored: the rule (`accounts.usernames`: characters, no
    reserved name) and free, where names that differ only in case or in look-alike
    characters are the same name. `instance` is the account being renamed, if any. The
    sign-up form, the API's sign-up and the admin's user forms all end here."""
    username = username_clean(username)
    taken = User.objects.filter(username_key=username_key(username))
    if instance is not None and instance.pk is not None:
        taken = taken.exclude(pk=instance.pk)
    existing = taken.values_list("username", flat=True).first()
    if existing == username:
        raise ValidationError({"username": ["A user with that username already exists."]})
    if existing is not None:
        raise ValidationError(
            {
                "username": [
                    f"A user named {existing!r} already exists; names that differ only in "
                    "case or in look-alike characters are the same name."
                ]
            }
        )
    return username


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> User:
    """Create a forecaster account from the API; the web form (`SignupForm`) makes the
    same checks, through the same functions."""
    errors: dict[str, list[str]] = {}
    try:
        username = person_username_clean(username)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        email = signup_email_clean(email)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    candidate = User(username=username, email=email)
    try:
        # The validators compare the password with the username and email.
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": list(error.messages)}) from None
    return User.objects.create_user(
        username=username, email=email, password=password, origin=User.Origin.SIGNUP
    )


def login_lockouts_clear(*, username: str) -> int:
    """Forget the failed logins counted against `username` from every address, which ends
    its lockouts (django-axes). Called when a new password is set through the emailed
    link: whoever set it reads the account's email, and the failures were against the old
    password. Returns how many counts were forgotten."""
    return AxesProxyHandler.reset_attempts(username=username)


# What a forecaster sets about their profile, their emails and their time zone from the
# API; the settings page's form saves the same columns and the email address.
USER_SETTINGS = (
    "display_name",
    "bio",
    "profile_public",
    "calibration_public",
    "time_zone",
    "email_on_resolution",
    "email_reminders",
)


@transaction.atomic
def user_settings_update(*, user: User, changes: dict[str, Any]) -> User:
    """Set some of USER_SETTINGS, after the model's checks (length, control characters,
    an IANA time zone); errors name the field and nothing is saved. Only those columns
    are written, so a concurrent change of another is not overwritten."""
    unknown = sorted(set(changes) - set(USER_SETTINGS))
    if unknown:
        raise ValidationError({name: ["Not a setting."] for name in unknown})
    for name, value in changes.items():
        setattr(user, name, value)
    others = [field.name for field in User._meta.fields if field.name not in changes]
    user.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    if changes:
        user.save(update_fields=list(changes))
    return user
