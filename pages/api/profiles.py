"""A forecaster's public profile in the API, as the page shows it to the same viewer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import refuse_unknown_parameters
from pages.selectors import PROFILE_QUESTIONS, PROFILE_SCORES, profile_for, profile_user
from scoring.api.serializers import CalibrationSerializer


class ProfileQuestionSerializer(serializers.Serializer):
    slug = serializers.CharField(source="question.slug")
    title = serializers.CharField(source="question.title")
    resolution = serializers.CharField(source="question.resolution")
    last_forecast_at = serializers.DateTimeField()
    probability = serializers.FloatField(
        allow_null=True,
        help_text="The forecaster's latest probability of yes; on resolved questions only.",
    )


class ProfileScoreSerializer(serializers.Serializer):
    slug = serializers.CharField(source="question.slug")
    title = serializers.CharField(source="question.title")
    resolution = serializers.CharField(source="question.resolution")
    score = serializers.FloatField(allow_null=True, help_text="Under `rule`.")
    crowd = serializers.FloatField(
        allow_null=True, help_text="The community forecast's score under `rule`."
    )


class ProfileStandingSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule.key")
    rank = serializers.IntegerField(allow_null=True, help_text="Null below the line.")
    ranked = serializers.IntegerField(help_text="How many forecasters the board ranks.")
    value = serializers.FloatField()
    questions = serializers.IntegerField()


class ProfileSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(
        help_text="Empty when there is none, and on a closed account (except for staff)."
    )
    closed = serializers.BooleanField(
        help_text="The account was deactivated: its display name and bio are shown to staff "
        "only; its record stays."
    )
    joined = serializers.DateTimeField(source="user.date_joined")
    profile_public = serializers.BooleanField(source="user.profile_public")
    calibration_public = serializers.BooleanField(
        help_text="Whether everyone sees the calibration (on a public profile)."
    )
    record_shown = serializers.BooleanField(
        help_text="False: the forecaster keeps their record private, and the fields below "
        "but `rule` are null. The forecaster and staff always see it."
    )
    bio = serializers.CharField(allow_null=True, help_text="Markdown.")
    rule = serializers.CharField(source="rule.key", help_text="The rule of `scores`.")
    questions_count = serializers.IntegerField(allow_null=True)
    questions = ProfileQuestionSerializer(
        many=True,
        allow_null=True,
        help_text=f"The {PROFILE_QUESTIONS} questions forecast most recently.",
    )
    scores_count = serializers.IntegerField(allow_null=True)
    scores = ProfileScoreSerializer(
        many=True, allow_null=True, help_text=f"The {PROFILE_SCORES} latest scored questions."
    )
    standings = ProfileStandingSerializer(
        many=True, allow_null=True, help_text="On the site-wide leaderboards."
    )
    calibration = CalibrationSerializer(
        allow_null=True,
        help_text="Null unless the forecaster shows it (or you are them, or staff).",
    )


class ForecasterProfileView(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        summary="A forecaster's profile",
        description=(
            "What the profile page shows you: the name always; the bio, the questions "
            "forecast, the scores on resolved questions and the standings unless the "
            "forecaster keeps them private (`record_shown` false); the calibration if they "
            "show it. The forecaster and staff see everything. Times are UTC."
        ),
        parameters=[
            OpenApiParameter(
                "username", str, OpenApiParameter.PATH, description="The forecaster's username."
            )
        ],
        responses={
            200: ProfileSerializer,
            400: OpenApiResponse(description="A query parameter this endpoint does not take."),
            404: OpenApiResponse(description="No such forecaster."),
        },
    )
    def get(self, request: Request, username: str) -> Response:
        refuse_unknown_parameters(request, ["format"])
        user = profile_user(username)
        if user is None:
            raise NotFound(f"No forecaster named {username!r}.")
        return Response(ProfileSerializer(profile_for(user=user, viewer=request.user)).data)
