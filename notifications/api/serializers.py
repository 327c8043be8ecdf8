from __future__ import annotations

from typing import Any

from rest_framework import serializers

from common.api import SlugRelation, StrictBooleanField
from notifications.models import Alert, AlertPreference
from questions.models import Question


class JSONIntegerField(serializers.IntegerField):
    """A JSON whole number: DRF's would also take "5" and 5.0."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class FollowStateSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question's slug.")
    following = serializers.BooleanField()
    automatic = serializers.BooleanField(
        help_text="Following only because you forecast on it (no choice of your own)."
    )
    chosen = serializers.BooleanField(
        allow_null=True, help_text="Your own choice: true, false, or null for none."
    )


class FollowRequestSerializer(serializers.Serializer):
    """The body of PUT/POST: empty to follow, or `{"following": false}` to unfollow."""

    following = StrictBooleanField(required=False, default=True)


class FollowedQuestionSerializer(serializers.Serializer):
    slug = serializers.CharField(source="question.slug")
    title = serializers.CharField(source="question.title")
    status = serializers.CharField(source="question.status")
    resolution = serializers.CharField(source="question.resolution")
    automatic = serializers.BooleanField(
        help_text="Followed because you forecast on it, not by your choice."
    )
    since = serializers.DateTimeField(
        allow_null=True,
        help_text="When you last marked your alerts as seen (POST /api/alerts/read/ with "
        "`seen: true`, or the following page); null: never.",
    )
    new_clarifications = serializers.IntegerField(help_text="Clarifications added since then.")
    resolved_since = serializers.BooleanField()
    community_then = serializers.FloatField(
        allow_null=True, source="median_then", help_text="The community median then."
    )
    community_now = serializers.FloatField(
        allow_null=True,
        source="median_now",
        help_text="The community median now; null while the question hides it from you.",
    )
    community_move_points = serializers.FloatField(
        allow_null=True, source="move_points", help_text="now − then, in percentage points."
    )


class AlertSerializer(serializers.ModelSerializer):
    question: SlugRelation[Question] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Alert
        fields = ["id", "kind", "summary", "url", "question", "created_at", "read_at"]


class AlertsReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=JSONIntegerField(min_value=1),
        required=False,
        max_length=500,
        help_text="The alerts to mark read; all your unread alerts when left out.",
    )
    seen = StrictBooleanField(
        required=False,
        default=False,
        help_text="Also measure your followed questions' changes from now on (the "
        "following page's “Mark all as seen”). Not with `ids`.",
    )


class AlertsReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many alerts were unread.")


class AlertPreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertPreference
        fields = [
            "community_move_threshold",
            "delivery",
            "clarification",
            "community_move",
            "resolution",
            "replies",
        ]
        extra_kwargs = {
            "community_move_threshold": {
                "help_text": "Percentage points, 1 to 50; null turns move alerts off."
            },
            "replies": {"help_text": "Replies and mentions."},
        }
