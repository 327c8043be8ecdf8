"""The discussion's JSON. A comment hidden by a moderator keeps its place with its reason;
its body is given to staff only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from common.api import SlugRelation, TextTakesText
from discussion.models import MAX_BODY_CHARS, MAX_REASON_CHARS, Comment
from discussion.selectors import MAX_REPLIES_SHOWN
from discussion.text import body_html, comment_path, profile_path
from questions.models import Question


class HeldForecastSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    probability = serializers.FloatField()
    created_at = serializers.DateTimeField()


class CommentSerializer(serializers.ModelSerializer):
    question: SlugRelation[Question] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    author: SlugRelation[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    author_url = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    edited = serializers.SerializerMethodField()
    held_forecast = serializers.SerializerMethodField(
        help_text="The forecast the author held on the question when writing, or null."
    )
    upvoted = serializers.SerializerMethodField(help_text="Whether you upvoted it.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "question",
            "parent",
            "author",
            "author_url",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "edited",
            "held_forecast",
            "rationale_of",
            "upvotes",
            "upvoted",
            "hidden",
            "hidden_reason",
            "url",
        ]
        read_only_fields = fields

    def _shown(self, comment: Comment) -> bool:
        request = self.context.get("request")
        return not comment.hidden or bool(request and request.user.is_staff)

    def get_author_url(self, comment: Comment) -> str:
        return profile_path(comment.author.username)

    @extend_schema_field(OpenApiTypes.STR)
    def get_body(self, comment: Comment) -> str:
        """Empty when hidden by a moderator (except for staff)."""
        return comment.body if self._shown(comment) else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_body_html(self, comment: Comment) -> str:
        return body_html(comment.body) if self._shown(comment) else ""

    def get_edited(self, comment: Comment) -> bool:
        return comment.edited_at is not None

    @extend_schema_field(HeldForecastSerializer(allow_null=True))
    def get_held_forecast(self, comment: Comment) -> dict[str, Any] | None:
        forecast = comment.forecast
        if forecast is None:
            return None
        return {
            "id": forecast.pk,
            "probability": forecast.probability,
            "created_at": serializers.DateTimeField().to_representation(forecast.created_at),
        }

    def get_upvoted(self, comment: Comment) -> bool:
        return comment.pk in self.context.get("voted", set())

    def get_url(self, comment: Comment) -> str:
        return comment_path(comment)


class ThreadSerializer(CommentSerializer):
    replies = serializers.SerializerMethodField()
    replies_count = serializers.IntegerField(
        read_only=True,
        help_text="How many replies the comment has; `replies` holds the first "
        f"{MAX_REPLIES_SHOWN} of them.",
    )

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "replies", "replies_count"]
        read_only_fields = fields

    @extend_schema_field(CommentSerializer(many=True))
    def get_replies(self, comment: Comment) -> Any:
        return CommentSerializer(
            getattr(comment, "shown_replies", []), many=True, context=self.context
        ).data


class RationaleSerializer(CommentSerializer):
    question_title = serializers.CharField(source="question.title", read_only=True)

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "question_title"]
        read_only_fields = fields


class CommentCreateSerializer(TextTakesText):
    body = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        help_text=f"Markdown, at most {MAX_BODY_CHARS:,} characters.",
    )
    parent = serializers.IntegerField(  # type: ignore[assignment]
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The comment this replies to (threads are one level deep: a reply to a "
        "reply joins its thread).",
    )


class CommentEditSerializer(TextTakesText):
    body = serializers.CharField(
        trim_whitespace=False,
        allow_blank=True,
        help_text=f"Markdown, at most {MAX_BODY_CHARS:,} characters.",
    )


class ReasonSerializer(TextTakesText):
    reason = serializers.CharField(
        max_length=MAX_REASON_CHARS * 2, required=False, allow_blank=True, default=""
    )


class RationaleShareSerializer(serializers.Serializer):
    forecast = serializers.IntegerField(min_value=1, help_text="One of your forecasts.")
