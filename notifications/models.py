from django.db import models

from accounts.models import User


class SentEmail(models.Model):
    """One row per email the service sent, keyed so that a task run twice
    (or two workers) never sends the same message again."""

    class Kind(models.TextChoices):
        RESOLUTION = "resolution", "A question you forecast was resolved"
        REMINDER = "reminder", "Reminder to update a forecast"
        DIGEST = "digest", "Questions awaiting resolution"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sent_emails")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What the email is about: a resolution event, a forecast, a day.
    key = models.CharField(max_length=120)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The model was born in accounts; it moved here in the migrations' state only, so
        # the table, its constraint and its index keep their names (no table is rewritten).
        db_table = "accounts_sentemail"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="sent_email_once")
        ]
        indexes = [models.Index(fields=["kind", "sent_at"], name="accounts_se_kind_57b441_idx")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id} ({self.key})"
