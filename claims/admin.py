"""Admin for claims, the questions that track them and the articles' forecasters.

Links follow the questions' provenance (`claims.services.provenance`) and are read-only
here; an article's forecaster is a system account made by that service. A claim's words
(its expression, range, table, horizon, speaker, status) may be corrected: saving touches
the claim, so the rescore sweep rebuilds the scores of the resolved questions that score
it. Its passage and offsets stay as they were found in the article's text."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from claims.models import ArticleForecaster, Claim, ClaimLink
from questions.admin import ReadOnlyAdminMixin


class ClaimLinkInline(admin.TabularInline):
    model = ClaimLink
    fields = ("question", "kind", "direction", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "questions tracking this claim (from their provenance)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ("article", "short_passage", "speaker", "expression", "low", "high", "status")
    list_filter = ("status", "table", "article")
    search_fields = ("passage", "expression", "article__slug", "article__title", "speaker__name")
    list_select_related = ("article", "speaker")
    autocomplete_fields = ("speaker",)
    readonly_fields = (
        "article",
        "passage",
        "start",
        "end",
        "created_by",
        "created_at",
        "updated_at",
    )
    fields = (
        "article",
        "passage",
        ("start", "end"),
        "speaker",
        "expression",
        ("low", "high"),
        "table",
        "horizon_text",
        ("horizon_start", "horizon_end"),
        "status",
        "dismissed_reason",
        ("created_by", "created_at", "updated_at"),
    )
    inlines = (ClaimLinkInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A claim is found in an article's text (by a question's provenance or the
        # extractor), never typed in at its offsets by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="passage")
    def short_passage(self, claim: Claim) -> str:
        return claim.passage if len(claim.passage) <= 80 else claim.passage[:77] + "..."


@admin.register(ClaimLink)
class ClaimLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("question", "claim", "kind", "direction", "created_at")
    list_filter = ("kind", "direction")
    search_fields = ("question__slug", "question__title", "claim__passage")
    list_select_related = ("question", "claim__article")
    fields = ("question", "claim", "kind", "direction", "created_at")
    readonly_fields = fields


@admin.register(ArticleForecaster)
class ArticleForecasterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "article")
    search_fields = ("article__slug", "article__title", "user__username")
    list_select_related = ("user", "article")
    fields = ("article", "user")
    readonly_fields = fields
