from typing import TypedDict

from django.conf import settings
from django.db import models

from questions.models import Question, ResolutionEvent
from scoring import registry


# Derived tables are written a million rows at a time. A database-level foreign key
# queues a check per row that PostgreSQL runs at commit (Django makes them deferred):
# measured at 0.45 s per 22,500 score rows, a third of a rescore chunk. These rows are only
# ever written by the scoring services from rows they have just read, and Django still
# cascades deletes (on_delete), so the constraint is left out (db_constraint=False).
class _Derived(TypedDict):
    db_constraint: bool


DERIVED: _Derived = {"db_constraint": False}


class Score(models.Model):
    """Derived: one row per (question, user) holding every rule (a column per rule, named
    by `scoring.registry`; see below). Rebuilt from the forecasts whenever the question is
    scored, never patched. The community forecast is scored too, as the system user
    `community`."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="scores", **DERIVED
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scores", **DERIVED
    )
    forecasts = models.PositiveIntegerField(help_text="Forecasts made before the close.")
    # What weights the rules: full scored days with a forecast standing (SCORING.md §3; null
    # when the question had no full scored day) and the share of the window (§4).
    active_days = models.PositiveIntegerField()
    participation = models.FloatField(null=True)
    coverage = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="score_unique_question_user"),
        ]
        indexes = [models.Index(fields=["user", "question"])]
        permissions = [
            ("view_all_scores", "Can see every forecaster's scores and calibration"),
        ]

    def __str__(self) -> str:
        return f"scores of {self.user_id} on {self.question_id}"

    def value(self, rule: registry.Rule | str) -> float | None:
        """This row's value under `rule` (a Rule, or its key)."""
        column = (registry.get(rule) if isinstance(rule, str) else rule).column
        value: float | None = getattr(self, column)
        return value


# A column per rule, as the registry declares them.
for _rule in registry.rules():
    if not hasattr(Score, _rule.column):
        Score.add_to_class(_rule.column, models.FloatField(null=_rule.nullable))


class QuestionScoring(models.Model):
    """When a question's scores were last rebuilt, and from which resolution.

    The sweep compares `resolution_event` with the question's latest event, and
    `forecasts_seen` with the question's forecasts, to find questions whose scores are
    missing or stale (a lost task, a broker outage), so nothing depends on every message
    arriving.
    """

    question = models.OneToOneField(
        Question, on_delete=models.CASCADE, primary_key=True, related_name="scoring"
    )
    resolution_event = models.ForeignKey(
        ResolutionEvent, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField()
    forecasts_scored = models.PositiveIntegerField(default=0)
    # Every forecast on the question when the scores were built, in the window or not.
    # Forecasts are never deleted, so the question having more now means some were added
    # since (an import of history onto a resolved question): the scores are stale.
    forecasts_seen = models.PositiveIntegerField(default=0)
    users_scored = models.PositiveIntegerField(default=0)
    scored_days = models.PositiveIntegerField(default=0)
    crowd_mean = models.FloatField(
        null=True, help_text="M: mean over days of the crowd's median daily Brier."
    )
    # The leaderboard and calibration scopes the scores last counted in, so a rescore that
    # moves the question (a new tag, a corrected known_at) also refreshes the old ones.
    scopes = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"scores for {self.question_id} at {self.scored_at}"


class MaterializedScope(models.Model):
    """A leaderboard and calibration scope ("all", "tag:<slug>", "article:<slug>",
    "project:<slug>", "year:<yyyy>", "group:<name>") and whether its rows are stale.

    Scoring marks the scopes it touched dirty; the rebuild task claims dirty scopes with a
    conditional UPDATE, so any number of marks collapse into one rebuild."""

    scope = models.CharField(max_length=160, primary_key=True)
    dirty = models.BooleanField(default=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    questions = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.scope


class LeaderboardEntry(models.Model):
    """Derived: one user's standing on one rule in one scope (SCORING.md §8)."""

    scope = models.CharField(max_length=160)
    rule = models.CharField(max_length=24, choices=registry.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="leaderboard_entries",
        **DERIVED,
    )
    is_community = models.BooleanField(default=False)
    rank = models.PositiveIntegerField(
        null=True, help_text="Null below the minimum-participation line, and for the community."
    )
    value = models.FloatField(
        help_text="Mean over questions (accuracy, daily Brier) or sum / max(30, coverage)."
    )
    total = models.FloatField(null=True, help_text="Plain sum over questions (coverage rules).")
    questions = models.PositiveIntegerField()
    coverage = models.FloatField(help_text="Sum of coverage (coverage rules) or participation.")
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    rank_low = models.PositiveIntegerField(null=True)
    rank_high = models.PositiveIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "rule", "user"], name="leaderboard_unique_scope_rule_user"
            ),
        ]
        # Every read of a board filters on scope, rule and is_community, then walks the
        # ranks (or, below the line or with the line moved, the values).
        indexes = [
            models.Index(fields=["scope", "rule", "is_community", "rank", "value"]),
            models.Index(fields=["scope", "rule", "is_community", "value"]),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.rule}: {self.user_id} #{self.rank}"


class CalibrationReport(models.Model):
    """Derived: the calibration statistics of a scope (SCORING.md §6), read in one query."""

    class Weighting(models.TextChoices):
        TIME = "time", "Each forecast weighted by how long it stood"
        LAST = "last", "Only the last forecast before the close"

    scope = models.CharField(max_length=160)
    weighting = models.CharField(max_length=8, choices=Weighting.choices)
    closed_only = models.BooleanField(
        help_text="Only questions whose scheduled close has passed (the default view)."
    )
    payload = models.JSONField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "weighting", "closed_only"], name="calibration_unique_view"
            ),
        ]

    def __str__(self) -> str:
        return f"calibration {self.scope} ({self.weighting})"


class RescoreRun(models.Model):
    """A full rescore fanned out over Celery as chunks of questions."""

    created_at = models.DateTimeField(auto_now_add=True)
    chunks_total = models.PositiveIntegerField()
    chunks_done = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rescore {self.pk}: {self.chunks_done}/{self.chunks_total}"


class RescoreChunk(models.Model):
    """One task's share of a fanned-out rescore. The times say where its message is: sent
    (or re-sent by the sweep), taken by a worker, finished. A run none of whose chunks has
    moved for FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS has lost a message (a killed worker, a
    broker restart): the sweep sends its unfinished chunks again (docs/lifecycle.md)."""

    run = models.ForeignKey(RescoreRun, on_delete=models.CASCADE, related_name="chunks")
    question_ids = models.JSONField()
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When its message was last sent (or queued on commit)."
    )
    # A database default too: code from before the column (a replica not yet upgraded)
    # can still create chunks while the migration is applied.
    sends = models.PositiveSmallIntegerField(
        default=1, db_default=1, help_text="Messages sent for it: 1, and one more for each re-send."
    )
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last took it."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"chunk {self.pk} of rescore {self.run_id}"
