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
        ALERTS = "alerts", "Alerts about the questions you follow"

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


class Follow(models.Model):
    """A forecaster's choice about following a question, and what they last saw of it.

    Following is derived, never copied: a user follows a question when they chose to
    (`following` True), or when they forecast on it and did not choose otherwise (no row,
    or `following` None). So forecasting follows a question without a write here, and
    `following` False unfollows it even after forecasting.

    A row also keeps the follower's baselines: the community median their last "moved"
    alert was about (small drifts add up against it until one move crosses their
    threshold), and the moment and median of their last "mark all as seen" on the
    following page (what changed since is measured from them). A row made only for the
    baselines leaves `following` None."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follows")
    question = models.ForeignKey(
        "questions.Question", on_delete=models.CASCADE, related_name="follows"
    )
    following = models.BooleanField(null=True, blank=True)
    alerted_median = models.FloatField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_median = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question"], name="follow_once"),
        ]
        indexes = [models.Index(fields=["question", "following"], name="follow_question")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.question_id}: {self.following}"


class AlertPreference(models.Model):
    """How a forecaster wants their alerts: which kinds, how large a community move
    counts, and whether they are emailed at once, in a daily digest, or not at all. One
    row per user, made on their first change; without one the defaults apply."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", "By email as they happen"
        DAILY = "daily", "In a daily digest email"
        OFF = "off", "No email: only on the following page"

    DEFAULT_THRESHOLD = 10
    MIN_THRESHOLD = 1
    MAX_THRESHOLD = 50

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="alert_preference"
    )
    # Percentage points; None turns the community-move alerts off.
    community_move_threshold = models.PositiveSmallIntegerField(
        null=True, blank=True, default=DEFAULT_THRESHOLD
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.DAILY)
    clarification = models.BooleanField(default=True)
    community_move = models.BooleanField(default=True)
    resolution = models.BooleanField(default=True)
    replies = models.BooleanField(default=True, help_text="Replies and mentions.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(community_move_threshold__isnull=True)
                | models.Q(community_move_threshold__gte=1, community_move_threshold__lte=50),
                name="alert_threshold_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"alert preferences of {self.user_id}"

    # The toggle that keeps each kind of alert (a community move also needs a threshold).
    KIND_FIELDS = {
        Alert.Kind.CLARIFICATION: "clarification",
        Alert.Kind.COMMUNITY_MOVE: "community_move",
        Alert.Kind.RESOLUTION: "resolution",
        Alert.Kind.REPLY: "replies",
        Alert.Kind.MENTION: "replies",
    }

    @classmethod
    def wanting(cls, kind: str, *, path: str = "") -> models.Q:
        """Users whose preferences keep alerts of `kind` (no preferences: every kind); from
        another model through `path` (`"user__"` for an alert's user)."""
        preference = f"{path}alert_preference__"
        keeps = models.Q(**{f"{preference}{cls.KIND_FIELDS[Alert.Kind(kind)]}": True})
        if kind == Alert.Kind.COMMUNITY_MOVE:
            keeps &= models.Q(**{f"{preference}community_move_threshold__isnull": False})
        return models.Q(**{f"{preference}isnull": True}) | keeps

    def wants(self, kind: str) -> bool:
        """Whether alerts of `kind` (an Alert.Kind) are recorded for this user."""
        if kind == Alert.Kind.COMMUNITY_MOVE and self.community_move_threshold is None:
            return False
        return bool(getattr(self, self.KIND_FIELDS[Alert.Kind(kind)]))
