"""Forecasts are append-only (the model and the database refuse UPDATE and
DELETE), so the admin lists them and offers nothing to add, change or delete."""

from django.contrib import admin

from forecasts.models import Forecast, Withdrawal
from questions.admin import ReadOnlyAdminMixin


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "question", "user", "probability", "created_at", "origin", "reaffirmed")
    list_filter = ("origin", "reaffirmed", "question__type", "question__resolution")
    search_fields = ("question__slug", "question__title", "user__username")
    list_select_related = ("question", "user")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = ("question", "user", "probability", "created_at", "origin", "reaffirmed", "rationale")
    readonly_fields = fields


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Withdrawals are append-only like the forecasts they end."""

    list_display = ("id", "question", "user", "created_at", "origin")
    list_filter = ("origin",)
    search_fields = ("question__slug", "question__title", "user__username")
    list_select_related = ("question", "user")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = ("question", "user", "created_at", "origin")
    readonly_fields = fields
