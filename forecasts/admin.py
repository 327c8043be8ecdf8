"""Forecasts are append-only (the model and the database refuse UPDATE and
DELETE), so the admin lists them and offers nothing to add, change or delete."""

from django.contrib import admin

from forecasts.models import Forecast
from questions.admin import ReadOnlyAdminMixin


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "question", "user", "probability", "created_at", "origin")
    list_filter = ("origin", "question__type", "question__resolution")
    search_fields = ("question__slug", "question__title", "user__username")
    list_select_related = ("question", "user")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = ("question", "user", "probability", "created_at", "origin", "rationale")
    readonly_fields = fields
