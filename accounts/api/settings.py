"""The signed-in forecaster's own settings: profile, emails, time zone."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.services import USER_SETTINGS, user_settings_update
from accounts.signed_in import signed_in_user
from common.api import StrictBooleanField, TextTakesText, refuse_unknown_parameters
from common.parsers import StrictJSONParser


class UserSettingsSerializer(TextTakesText, serializers.ModelSerializer):
    # Checked again by `user_settings_update` (the model's validators); here so that a
    # wrong type is a 400 naming the field before the service runs.
    time_zone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="An IANA time zone name (Europe/London); empty follows the browser. The "
        "web pages show times in it; the API always answers in UTC.",
    )
    profile_public = StrictBooleanField(
        required=False,
        help_text="Others see your bio, questions, scores and standings (default true).",
    )
    calibration_public = StrictBooleanField(
        required=False, help_text="Others also see your calibration (default false)."
    )
    email_on_resolution = StrictBooleanField(required=False)
    email_reminders = StrictBooleanField(required=False)

    class Meta:
        model = User
        fields = ["username", *USER_SETTINGS]
        read_only_fields = ["username"]
        # The model's validators run once, in the service, so messages are the page's.
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
            name: {"validators": []} for name in USER_SETTINGS
        }


class UserSettingsView(APIView):
    permission_classes = [IsAuthenticated]
    # JSON only: a form's "0" or "off" is not the true or false the schema promises.
    parser_classes = [StrictJSONParser]

    @extend_schema(summary="Your settings", responses={200: UserSettingsSerializer})
    def get(self, request: Request) -> Response:
        refuse_unknown_parameters(request, ())
        return Response(UserSettingsSerializer(signed_in_user(request.user)).data)

    @extend_schema(
        summary="Change your settings",
        description=(
            "Send only the settings to change. `profile_public` (default true) shows your "
            "bio, questions, scores and standings on /forecasters/<username>/; "
            "`calibration_public` (default false) also shows your calibration there. A "
            "field this endpoint does not take is a 400 naming it."
        ),
        request=UserSettingsSerializer,
        responses={
            200: UserSettingsSerializer,
            400: OpenApiResponse(description='Errors keyed by field: {"time_zone": ["..."]}.'),
        },
    )
    def patch(self, request: Request) -> Response:
        user = signed_in_user(request.user)
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object of settings."]})
        unknown = sorted(set(request.data) - set(USER_SETTINGS))
        if unknown:
            raise ValidationError(
                {
                    name: [f"Not a setting; the settings are {', '.join(USER_SETTINGS)}."]
                    for name in unknown
                }
            )
        given = UserSettingsSerializer(user, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        try:
            user = user_settings_update(user=user, changes=dict(given.validated_data))
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(UserSettingsSerializer(user).data)
