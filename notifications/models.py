from django.db import models
from django.utils import timezone

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


class Alert(models.Model):
    """Something a forecaster should hear about: a question they follow was clarified,
    resolved or moved, or someone replied to or mentioned them. Shown on the following
    dashboard and delivered by email at once or in a daily digest, as they choose.

    `key` names the event (a clarification, a resolution event, a comment), so recording
    the same event twice for one user adds nothing: every writer can run twice."""

    class Kind(models.TextChoices):
        CLARIFICATION = "clarification", "A question you follow was clarified"
        COMMUNITY_MOVE = "community_move", "The community forecast moved"
        RESOLUTION = "resolution", "A question you follow was resolved"
        REPLY = "reply", "A reply to your comment"
        MENTION = "mention", "You were mentioned"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=120)
    question = models.ForeignKey(
        "questions.Question", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    # A path on this site (no scheme or host); emails make it absolute with site_url.
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when an email (immediate or digest) carried it; a digest picks up the rest.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"], name="alert_once")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="alert_user_recent"),
            models.Index(fields=["emailed_at", "created_at"], name="alert_unemailed"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} ({self.key})"
