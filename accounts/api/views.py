"""Getting an API token: from a username and password, or by signing up."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
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
from accounts.services import user_signup


class TokenObtainView(APIView):
    # No session here: a token is obtained with the password alone, and a
    # browser session must not make this POST need a CSRF token.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Obtain an API token",
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        credentials = AuthTokenSerializer(data=request.data, context={"request": request})
        credentials.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=credentials.validated_data["user"])
        return Response({"token": token.key})


class SignupView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Sign up as a forecaster",
        description="Creates a forecaster account and returns its API token.",
        request=SignupSerializer,
        responses={
            201: SignupResponseSerializer,
            400: OpenApiResponse(description='Errors keyed by field: {"password": ["..."]}.'),
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
