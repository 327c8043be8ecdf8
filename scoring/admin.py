"""Scores, leaderboards and calibration are derived data, rebuilt by the scoring
services: read-only here, so a hand edit can never disagree with the forecasts
(rescore instead)."""

from django.contrib import admin

from questions.admin import ReadOnlyAdminMixin
from scoring import registry
from scoring.models import (
    CalibrationReport,
    LeaderboardEntry,
    MaterializedScope,
    QuestionScoring,
    RescoreRun,
    Score,
)


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("question", "user", *registry.stored_columns(), "coverage")
    search_fields = ("question__slug", "user__username")
    list_select_related = ("question", "user")
    ordering = ("question__slug", "user__username")


@admin.register(QuestionScoring)
class QuestionScoringAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "question",
        "scored_at",
        "resolution_event",
        "forecasts_scored",
        "users_scored",
    )
    search_fields = ("question__slug",)
    list_select_related = ("question", "resolution_event")
    ordering = ("-scored_at",)


@admin.register(LeaderboardEntry)
class LeaderboardEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("scope", "rule", "rank", "user", "value", "questions", "ci_low", "ci_high")
    list_filter = ("rule",)
    search_fields = ("scope", "user__username")
    list_select_related = ("user",)
    ordering = ("scope", "rule", "rank")


@admin.register(MaterializedScope)
class MaterializedScopeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("scope", "dirty", "requested_at", "built_at", "questions")
    list_filter = ("dirty",)
    ordering = ("scope",)


@admin.register(CalibrationReport)
class CalibrationReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("scope", "weighting", "closed_only", "built_at")
    ordering = ("scope", "weighting")


@admin.register(RescoreRun)
class RescoreRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "created_at", "questions", "chunks_done", "chunks_total", "finished_at")
    ordering = ("-created_at",)
