"""`manage.py ensure_admin`: make sure there is an admin to log in as.

`make run` calls this on every start, so it must be idempotent: it creates the
superuser only when the username is free, and otherwise just says where the
password was written."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.usernames import username_clean, username_key


def password_write(path: Path, password: str) -> None:
    """Write `password` readable by the owner only, even if the file existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # The mode given to open() only applies to a new file (and is masked by
    # the umask): set it explicitly so an old, wider file is narrowed too.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")


class Command(BaseCommand):
    help = "Create a superuser with a random password if it does not exist yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--password-file",
            type=Path,
            default=None,
            help="Where to write the password (default: var/admin-password, mode 0600).",
        )

    def handle(self, *args: Any, username: str, password_file: Path | None, **options: Any) -> None:
        path = password_file or Path(settings.VAR_DIR) / "admin-password"
        try:
            # A system path: the reserved `admin` is what it is for.
            username = username_clean(username, system=True)
        except ValidationError as error:
            raise CommandError(f"--username: {error.message_dict['username'][0]}") from None
        existing = User.objects.filter(username_key=username_key(username)).first()
        if existing is not None:
            username = existing.username
            if not existing.is_superuser:
                self.stderr.write(f"Note: {username!r} exists but is not a superuser.")
            if path.exists():
                self.stdout.write(f"Admin {username!r} exists; its password is in {path}.")
            else:
                self.stdout.write(
                    f"Admin {username!r} exists; {path} does not hold its password "
                    f"(set one with `manage.py changepassword {username}`)."
                )
            return
        password = secrets.token_urlsafe(18)
        # One transaction: if the password cannot be written, no account is
        # left behind whose password nobody knows.
        with transaction.atomic():
            User.objects.create_superuser(
                username=username, email="", password=password, origin=User.Origin.ADMIN
            )
            try:
                password_write(path, password)
            except OSError as error:
                raise CommandError(
                    f"--password-file: cannot write {path} ({error.strerror}); no user created."
                ) from None
        self.stdout.write(f"Created superuser {username!r} with password {password}")
        self.stdout.write(f"(saved in {path}, readable by you only)")
