"""Admin for claims, the questions that track them and the articles' forecasters.

Links follow the questions' provenance (`claims.services.provenance`) and are read-only
here; an article's forecaster is a system account made by that service. A claim's words
(its expression, range, table, horizon, speaker, status) may be corrected: saving touches
the claim, so the rescore sweep rebuilds the scores of the resolved questions that score
it. Its passage and offsets stay as they were found in the article's text."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Prefetch, QuerySet
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


class TrackingFilter(admin.SimpleListFilter):
    title = "tracking"
    parameter_name = "tracking"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(Claim.Tracking.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> QuerySet[Claim]:
        if self.value() not in Claim.Tracking.values:
            return queryset
        return queryset.filter(Claim.tracking_filter(str(self.value())))


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = (
        "article",
        "short_passage",
        "speaker",
        "expression",
        "low",
        "high",
        "status",
        "tracking",
    )
    list_filter = ("status", TrackingFilter, "table", "article")
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        # `tracking` reads each claim's links and their questions: one query for the page.
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("links", queryset=ClaimLink.objects.select_related("question"))
            )
        )

    @admin.display(description="tracking")
    def tracking(self, claim: Claim) -> str:
        return Claim.Tracking(claim.tracking).label

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
