from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from questions.models import Question

# SCORING.md conventions: binary probabilities live in [0.001, 0.999].
MIN_PROBABILITY = 0.001
MAX_PROBABILITY = 0.999
# The finest step a forecast takes on the web and through the API: 0.001, one tenth of a
# percentage point (the web form's step, its slider's, and every page's display).
PROBABILITY_PLACES = 3
# The longest rationale a forecast keeps, whichever way it comes in.
RATIONALE_MAX_LENGTH = 10_000


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a forecast."""


class ForecastQuerySet(models.QuerySet["Forecast"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Forecasts are append-only: submit a new forecast instead.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Forecasts are append-only and are never deleted.")


class Forecast(models.Model):
    """One probability a user gave a question at a moment. Never edited or
    deleted: an update is a new row, and the database refuses UPDATE and DELETE
    on this table (see the migration's triggers)."""

    class Origin(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        IMPORT = "import", "Import"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forecasts"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="forecasts")
    probability = models.FloatField(help_text="Probability of yes, 0.001 to 0.999.")
    created_at = models.DateTimeField(default=timezone.now)
    rationale = models.TextField(blank=True)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    reaffirmed = models.BooleanField(
        default=False,
        help_text="The forecaster recorded their standing forecast anew, unchanged.",
    )

    objects = ForecastQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=MIN_PROBABILITY, probability__lte=MAX_PROBABILITY),
                name="forecast_probability_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["question", "created_at", "id"]),
            models.Index(fields=["user", "question", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.probability:.1%} on {self.question_id} at {self.created_at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Forecasts are append-only: submit a new forecast instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Forecasts are append-only and are never deleted.")


class WithdrawalQuerySet(models.QuerySet["Withdrawal"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Withdrawals are append-only: forecast again instead.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Withdrawals are append-only and are never deleted.")


class Withdrawal(models.Model):
    """The moment a user withdrew their standing forecast on a question: from
    `created_at` they have no forecast there until they forecast again. Kept in the
    history, never edited or deleted, like the forecasts themselves; every rule counts
    the withdrawn span as time without a forecast (docs/scoring.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="withdrawals"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="withdrawals")
    created_at = models.DateTimeField(default=timezone.now)
    origin = models.CharField(max_length=8, choices=Forecast.Origin.choices)

    objects = WithdrawalQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["question", "created_at"]),
            models.Index(fields=["user", "question", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} withdrew from {self.question_id} at {self.created_at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Withdrawals are append-only: forecast again instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Withdrawals are append-only and are never deleted.")


class CommunityPoint(models.Model):
    """Derived: the community forecast from `at` until the question's next point, by every
    method of SCORING.md §5. Rebuilt from the forecasts, never edited by hand."""

    # No database-level constraint on derived rows: see scoring.models.DERIVED.
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="community_points", db_constraint=False
    )
    at = models.DateTimeField()
    forecasters = models.PositiveIntegerField()
    # Null from a moment every forecaster had withdrawn (0 forecasters): no community
    # forecast until the next forecast.
    median = models.FloatField(null=True)
    mean = models.FloatField(null=True)
    geometric_mean_odds = models.FloatField(null=True)
    extremized_log_odds = models.FloatField(null=True)
    recency_weighted_median = models.FloatField(null=True)

    class Meta:
        ordering = ["question", "at"]
        constraints = [
            models.UniqueConstraint(fields=["question", "at"], name="community_point_unique_at"),
        ]

    def __str__(self) -> str:
        value = "none" if self.median is None else f"{self.median:.3f}"
        return f"community of {self.question_id} at {self.at}: {value}"


class CommunityState(models.Model):
    """How far a question's community history is built, and what is waiting.

    Every forecast lowers `dirty_since` to its own time inside the transaction that saves
    it, and flips `pending` with a conditional UPDATE, queueing the update task only if it
    was not already pending: a burst of forecasts costs one task, and the task, which
    claims and clears `dirty_since` under the row lock, never misses a forecast whatever
    order concurrent transactions commit in."""

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, primary_key=True, related_name="community_state"
    )
    pending = models.BooleanField(default=False)
    requested_at = models.DateTimeField(null=True, blank=True)
    dirty_since = models.DateTimeField(
        null=True, blank=True, help_text="Earliest forecast time not yet in the history."
    )
    built_until = models.DateTimeField(null=True, blank=True)
    extremizing_a = models.FloatField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)
    # The median's history thinned for the question page's chart, [[at, value,
    # forecasters], ...], rebuilt with the history so a page view never reads every point
    # of a long history. None until the first update after this field existed.
    chart = models.JSONField(null=True, blank=True)
    # The community forecast as of the history's end: its last point's median and standing
    # forecasters. Pages and the API read these, never the forecasts, so a list costs the
    # same whatever the number of forecasts; the chart's last point says the same.
    median = models.FloatField(null=True, blank=True)
    forecasters = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"community state of {self.question_id}"


IDEMPOTENCY_KEY_MAX_LENGTH = 100


class ForecastRequest(models.Model):
    """A request's idempotency key: what the first request with this key stored (a
    forecast, a reaffirmed forecast or a withdrawal), so a retry (a client that lost the
    answer, a double click, a reload) is answered with it instead of storing another. Keys
    are the user's own; the unique constraint, not a read before the write, decides between
    two requests that race. Kept FORESEER_IDEMPOTENCY_KEY_DAYS, then pruned
    (pipeline.tasks.prune_forecast_requests); what they stored stays."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    forecast = models.OneToOneField(
        Forecast, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    withdrawal = models.OneToOneField(
        Withdrawal, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="forecast_request_unique_key"),
            models.CheckConstraint(
                condition=(
                    models.Q(forecast__isnull=False, withdrawal__isnull=True)
                    | models.Q(forecast__isnull=True, withdrawal__isnull=False)
                ),
                name="forecast_request_stored_one",
            ),
        ]

    def __str__(self) -> str:
        if self.withdrawal_id is not None:
            return f"key {self.key!r} of {self.user_id}: withdrawal {self.withdrawal_id}"
        return f"key {self.key!r} of {self.user_id}: forecast {self.forecast_id}"
