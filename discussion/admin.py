"""The discussion in the admin: read-only, since every write goes through the services
(edits keep revisions, moderation keeps its audit rows). Staff hide and show comments from
the question page or the API, where the reason is asked for."""

from django.contrib import admin

from discussion.models import Comment, CommentModeration, CommentRevision, CommentVote
from questions.admin import ReadOnlyAdminMixin


class CommentModerationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CommentModeration
    fields = ("created_at", "action", "reason", "moderator")
    readonly_fields = fields
    extra = 0


class CommentRevisionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CommentRevision
    fields = ("replaced_at", "body")
    readonly_fields = fields
    extra = 0


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "question", "author", "created_at", "upvotes", "hidden", "parent")
    list_filter = ("hidden",)
    search_fields = ("question__slug", "author__username", "body")
    list_select_related = ("question", "author")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "question",
        "author",
        "parent",
        "body",
        "created_at",
        "edited_at",
        "forecast",
        "rationale_of",
        "upvotes",
        "hidden",
        "hidden_reason",
        "alerts_recorded_at",
    )
    readonly_fields = fields
    inlines = [CommentRevisionInline, CommentModerationInline]


@admin.register(CommentModeration)
class CommentModerationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "comment", "action", "moderator", "created_at", "reason")
    list_filter = ("action",)
    list_select_related = ("comment", "moderator")
    ordering = ("-created_at", "-id")
    fields = ("comment", "action", "reason", "moderator", "created_at")
    readonly_fields = fields


@admin.register(CommentVote)
class CommentVoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "comment", "user", "created_at")
    list_select_related = ("comment", "user")
    ordering = ("-created_at", "-id")
    fields = ("comment", "user", "created_at")
    readonly_fields = fields
