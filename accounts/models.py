from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A forecaster, analyst or admin.

    Accounts created by a forecast import have no usable password: they hold
    someone's history until that person claims the account.
    """

    class Origin(models.TextChoices):
        SIGNUP = "signup", "Signed up"
        IMPORT = "import", "Created by an import"
        ADMIN = "admin", "Created by an admin"
        SYSTEM = "system", "System (the community forecast)"

    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.SIGNUP)
    # Email preferences, changed on the account's settings page.
    email_on_resolution = models.BooleanField(
        default=True,
        help_text="Email me when a question I forecast is resolved, with my scores.",
    )
    email_reminders = models.BooleanField(
        default=True,
        help_text="Remind me when my forecast on an open question has not changed for a while.",
    )

    @property
    def is_claimed(self) -> bool:
        return self.has_usable_password()
