from django.conf import settings
from django.db import models

from questions.models import Question, ResolutionEvent


class Rule(models.TextChoices):
    DAILY_BRIER = "daily_brier", "Daily Brier (0 best, 2 worst)"
    ACCURACY = "accuracy", "Accuracy score (negative beats the crowd)"


class Score(models.Model):
    """Derived: one row per (question, user, rule). Rebuilt from the forecasts
    whenever the question is scored, never patched."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scores"
    )
    rule = models.CharField(max_length=24, choices=Rule.choices)
    value = models.FloatField()
    coverage = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "user", "rule"], name="score_unique_question_user_rule"
            ),
        ]
        indexes = [models.Index(fields=["rule", "user"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.value:.6f} for {self.user_id} on {self.question_id}"


class QuestionScoring(models.Model):
    """When a question's scores were last rebuilt, and from which resolution.

    The sweep compares `resolution_event` with the question's latest event to
    find questions whose scores are missing or stale (a lost task, a broker
    outage), so nothing depends on every message arriving.
    """

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, primary_key=True, related_name="scoring"
    )
    resolution_event = models.ForeignKey(
        ResolutionEvent, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField()
    forecasts_scored = models.PositiveIntegerField(default=0)
    users_scored = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"scores for {self.question_id} at {self.scored_at}"
