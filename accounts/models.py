from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import MaxLengthValidator
from django.db import models

from accounts.profiles import (
    BIO_MAX_LENGTH,
    DISPLAY_NAME_MAX_LENGTH,
    TIME_ZONE_MAX_LENGTH,
    validate_no_control_characters,
    validate_single_line,
    validate_time_zone,
)
from accounts.usernames import KEY_MAX_LENGTH, MAX_LENGTH, UsernameValidator, username_key


class UserManager(DjangoUserManager["User"]):
    def bulk_create(self, objs: Iterable[User], *args: Any, **kwargs: Any) -> list[User]:
        """As `save()` does, each account gets its username's key."""
        users = list(objs)
        for user in users:
            user.username_key = username_key(user.username)
        return super().bulk_create(users, *args, **kwargs)


class User(AbstractUser):
    """A forecaster, analyst or admin.

    Accounts created by a forecast import have no usable password: they hold
    someone's history until that person claims the account.

    Usernames follow `accounts.usernames`; two names with the same key (case, NFKC and
    invisible characters aside) are the same name, and `username_key` keeps them unique.
    `save()` keeps the key; a bulk write or `update(username=...)` must set it too.
    """

    class Origin(models.TextChoices):
        SIGNUP = "signup", "Signed up"
        IMPORT = "import", "Created by an import"
        ADMIN = "admin", "Created by an admin"
        SYSTEM = "system", "System (the community forecast)"

    objects: ClassVar[UserManager] = UserManager()

    username = models.CharField(
        "username",
        max_length=MAX_LENGTH,
        unique=True,
        help_text="Required. 150 characters or fewer: letters (any alphabet), digits and "
        "@ . + - _, not starting with = + - @. Alice and alice are the same name.",
        validators=[UsernameValidator()],
        error_messages={"unique": "A user with that username already exists."},
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SIGNUP)
    username_key = models.CharField(
        max_length=KEY_MAX_LENGTH,
        unique=True,
        editable=False,
        help_text="The username folded (NFKC, case, invisible characters): one account each.",
    )
    # Email preferences, changed on the account's settings page.
    email_on_resolution = models.BooleanField(
        default=True,
        help_text="Email me when a question I forecast is resolved, with my scores.",
    )
    email_reminders = models.BooleanField(
        default=True,
        help_text="Remind me when my forecast on an open question has not changed for a while.",
    )

    # The public profile (/forecasters/<username>/) and what it shows; set on the
    # settings page or through the API (/api/me/).
    display_name = models.CharField(
        max_length=DISPLAY_NAME_MAX_LENGTH,
        blank=True,
        validators=[validate_no_control_characters, validate_single_line],
        help_text="Shown on your profile beside your username; need not be unique.",
    )
    bio = models.TextField(
        max_length=BIO_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(BIO_MAX_LENGTH), validate_no_control_characters],
        help_text=f"A few words about you, in Markdown; at most {BIO_MAX_LENGTH} characters.",
    )
    profile_public = models.BooleanField(
        default=True,
        help_text="Others see your bio, the questions you forecast, your scores on resolved "
        "questions and your standings.",
    )
    calibration_public = models.BooleanField(
        default=False,
        help_text="Others also see your calibration (on a public profile).",
    )
    time_zone = models.CharField(
        max_length=TIME_ZONE_MAX_LENGTH,
        blank=True,
        validators=[validate_time_zone],
        help_text="An IANA name such as Europe/London; empty follows your browser.",
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.username_key = username_key(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)

    @property
    def is_claimed(self) -> bool:
        return self.has_usable_password()
