"""Scores are derived data, rebuilt by `question_score`: read-only here, so a
hand edit can never disagree with the forecasts (rescore instead)."""

from django.contrib import admin

from questions.admin import ReadOnlyAdminMixin
from scoring.models import QuestionScoring, Score


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("question", "user", "rule", "value", "coverage")
    list_filter = ("rule",)
    search_fields = ("question__slug", "user__username")
    list_select_related = ("question", "user")
    ordering = ("question__slug", "user__username", "rule")


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
