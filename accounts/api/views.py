"""Getting an API token: from a username and password, or by signing up."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import (
    AuthTokenSerializer,
    SignupResponseSerializer,
    SignupSerializer,
    TokenSerializer,
)
from accounts.lockout import LoginLockedOut, lockout_seconds_left, login_locked_out, login_succeeded
from accounts.services import user_signup
from common.throttling import RETRY_AFTER, THROTTLED


class TokenObtainView(APIView):
    # No session here: a token is obtained with the password alone, and a
    # browser session must not make this POST need a CSRF token.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "token"

    @extend_schema(
        summary="Obtain an API token",
        description=(
            "After too many wrong passwords for one username from one address, that "
            "username is refused from that address for a while, even with the right "
            "password (429, with Retry-After)."
        ),
        request=AuthTokenSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(
                response=THROTTLED.response,
                description=(
                    "Too many requests from this address, or too many failed logins for "
                    'this username from it: `{"detail": "..."}`. Retry after the seconds '
                    "in the `Retry-After` header."
                ),
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        # DRF's serializer authenticates with the request (django.contrib.auth's
        # authenticate), so the lockout counts and refuses these logins as the web's.
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = credentials.is_valid()
        if login_locked_out(request):
            counted = getattr(request, "axes_credentials", None)
            raise LoginLockedOut(wait=lockout_seconds_left(request, counted))
        if not valid:
            raise ValidationError(credentials.errors)
        user = credentials.validated_data["user"]
        login_succeeded(request, user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class SignupView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Shared with the web's sign-up form, per address.
    throttle_scope = "signup"

    @extend_schema(
        summary="Sign up as a forecaster",
        description="Creates a forecaster account and returns its API token.",
        request=SignupSerializer,
        parameters=[RETRY_AFTER],
        responses={
            201: SignupResponseSerializer,
            400: OpenApiResponse(description='Errors keyed by field: {"password": ["..."]}.'),
            429: THROTTLED,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        given = SignupSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transaction.atomic():
            user = user_signup(**given.validated_data)
            token = Token.objects.create(user=user)
        return Response(
            {"token": token.key, "username": user.username}, status=status.HTTP_201_CREATED
        )
