"""Writes for accounts."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User


def signup_email_clean(email: str) -> str:
    """One account per address, so a password reset reaches exactly one account."""
    email = (email or "").strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": ["An account with this email address already exists."]})
    return email


@transaction.atomic
def user_signup(*, username: str, email: str, password: str) -> User:
    """Create a forecaster account; the web form and the API both end here."""
    email = signup_email_clean(email)
    candidate = User(username=username, email=email)
    try:
        # The validators compare the password with the username and email.
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password": list(error.messages)}) from None
    return User.objects.create_user(
        username=username, email=email, password=password, origin=User.Origin.SIGNUP
    )
