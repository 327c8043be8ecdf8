"""Following questions and reading alerts through the API: each signed-in user's own."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.signed_in import signed_in_user
from common.api import refuse_unknown_parameters, slug_parameter
from common.parsers import StrictJSONParser
from common.throttling import RETRY_AFTER, THROTTLED
from notifications.api.serializers import (
    AlertPreferenceSerializer,
    AlertSerializer,
    AlertsReadResultSerializer,
    AlertsReadSerializer,
    FollowedQuestionSerializer,
    FollowRequestSerializer,
    FollowStateSerializer,
)
from notifications.models import Alert
from notifications.selectors import (
    alert_preferences_for,
    alerts_of,
    follow_state,
    followed_rows,
    questions_followed,
)
from notifications.services import (
    alert_preferences_update,
    alerts_mark_read,
    follow_set,
    following_mark_seen,
)
from questions.models import Question

PAGING = ("limit", "offset")


class FollowingView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = FollowedQuestionSerializer
    queryset = Question.objects.none()  # the schema's; get() reads the user's own

    @extend_schema(
        summary="The questions you follow, with what changed",
        description=(
            "Every published question you follow: by your choice, or because you forecast "
            "on it and did not unfollow it. Each with what changed since you last marked "
            "your alerts seen: new clarifications, the community forecast's move, the "
            "resolution. Open questions first, soonest close first."
        ),
        responses={200: FollowedQuestionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        refuse_unknown_parameters(request, PAGING)
        user = signed_in_user(request.user)
        followed = questions_followed(user=user).order_by(
            "resolution", "scheduled_close_time", "id"
        )
        page = self.paginate_queryset(followed)
        rows = followed_rows(user=user, questions=list(page or []))
        return self.get_paginated_response(FollowedQuestionSerializer(rows, many=True).data)


class _WritesThrottled(APIView):
    """Signed-in users only, JSON only (its booleans and numbers are typed, as the schema
    says), and each write counted against the `following` rate limit; reads are free."""

    permission_classes = [IsAuthenticated]
    parser_classes = [StrictJSONParser]
    throttle_scope = "following"

    def get_throttles(self) -> list[BaseThrottle]:
        return [] if self.request.method in ("GET", "HEAD", "OPTIONS") else super().get_throttles()


class FollowView(_WritesThrottled):
    def _question(self, slug: str) -> Question:
        return get_object_or_404(Question.objects.published(), slug=slug)

    def _answer(self, request: Request, question: Question) -> Response:
        state = follow_state(user=request.user, question=question)
        assert state is not None
        return Response(
            {
                "question": question.slug,
                "following": state.following,
                "automatic": state.automatic,
                "chosen": state.chosen,
            }
        )

    @extend_schema(
        summary="Whether you follow a question",
        parameters=[slug_parameter("question")],
        responses={200: FollowStateSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        refuse_unknown_parameters(request, ())
        return self._answer(request, self._question(slug))

    @extend_schema(
        summary="Follow a question",
        description='An empty body follows; `{"following": false}` unfollows (as DELETE).',
        parameters=[slug_parameter("question"), RETRY_AFTER],
        request=FollowRequestSerializer,
        responses={
            200: FollowStateSerializer,
            400: OpenApiResponse(description='{"following": ["Must be a valid boolean."]}'),
            404: OpenApiResponse(description="No published question with this slug."),
            429: THROTTLED,
        },
    )
    def put(self, request: Request, slug: str) -> Response:
        question = self._question(slug)
        given = FollowRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        follow_set(
            user=signed_in_user(request.user),
            question=question,
            following=given.validated_data["following"],
        )
        return self._answer(request, question)

    @extend_schema(
        summary="Follow a question",
        description="As PUT.",
        parameters=[slug_parameter("question"), RETRY_AFTER],
        request=FollowRequestSerializer,
        responses={200: FollowStateSerializer, 429: THROTTLED},
    )
    def post(self, request: Request, slug: str) -> Response:
        return self.put(request, slug)

    @extend_schema(
        summary="Stop following a question",
        description="Stops alerts about it even when you forecast on it.",
        parameters=[slug_parameter("question"), RETRY_AFTER],
        responses={200: FollowStateSerializer, 429: THROTTLED},
    )
    def delete(self, request: Request, slug: str) -> Response:
        question = self._question(slug)
        follow_set(user=signed_in_user(request.user), question=question, following=False)
        return self._answer(request, question)


class AlertListView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = AlertSerializer
    queryset = Alert.objects.none()  # the schema's; get() reads the user's own

    @extend_schema(
        summary="Your alerts, newest first",
        description="Kinds: clarification, community_move, resolution, reply, mention. "
        "`read_at` is null while unread.",
        responses={200: AlertSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        refuse_unknown_parameters(request, PAGING)
        page = self.paginate_queryset(alerts_of(user=signed_in_user(request.user)))
        return self.get_paginated_response(AlertSerializer(page, many=True).data)


class AlertsReadView(_WritesThrottled):
    @extend_schema(
        summary="Mark alerts read",
        description="All your unread alerts, or those of `ids`. With `seen: true` your "
        "followed questions' changes are also measured from now on.",
        request=AlertsReadSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: AlertsReadResultSerializer,
            400: OpenApiResponse(description='Errors keyed by field: {"ids": ["..."]}.'),
            429: THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        given = AlertsReadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        user = signed_in_user(request.user)
        ids = given.validated_data.get("ids")
        if given.validated_data["seen"]:
            if ids is not None:
                raise ValidationError({"seen": ["Marks every alert: leave out ids."]})
            marked = following_mark_seen(user=user)
        else:
            marked = alerts_mark_read(user=user, ids=ids)
        return Response({"marked": marked}, status=status.HTTP_200_OK)


class AlertPreferencesView(_WritesThrottled):
    @extend_schema(
        summary="Your alert preferences",
        description="The defaults until you change them: a 10-point threshold, a daily "
        "digest, every kind on.",
        responses={200: AlertPreferenceSerializer},
    )
    def get(self, request: Request) -> Response:
        refuse_unknown_parameters(request, ())
        preference = alert_preferences_for(user=signed_in_user(request.user))
        return Response(AlertPreferenceSerializer(preference).data)

    @extend_schema(
        summary="Change your alert preferences",
        description='Any of the fields; `delivery` is "immediate", "daily" or "off". A bad '
        "value is a 400 naming its field, and nothing is saved.",
        request=AlertPreferenceSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: AlertPreferenceSerializer,
            400: OpenApiResponse(
                description='Errors keyed by field: {"community_move_threshold": ["..."]}.'
            ),
            429: THROTTLED,
        },
    )
    def patch(self, request: Request) -> Response:
        data: Any = request.data
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Send an object of preferences."]})
        # A refused change is a Django ValidationError: common.api's exception handler
        # makes it the 400 naming each field.
        preference = alert_preferences_update(user=signed_in_user(request.user), changes=dict(data))
        return Response(AlertPreferenceSerializer(preference).data)
