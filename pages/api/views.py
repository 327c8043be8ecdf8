"""The questions endpoint: each question with its community forecast and, for the
requesting user, their own forecasts; its resolution audit trail; resolving it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.decorators import method_decorator
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from accounts.signed_in import signed_in_user
from common.cache import anonymous_cache
from forecasts.selectors import (
    community_forecasts_for_viewer,
    forecast_spread,
    forecasts_of_user,
)
from pages.api.serializers import QuestionDetailSerializer, QuestionListSerializer
from questions.api.filters import QuestionFilter
from questions.api.serializers import ResolutionEventSerializer, ResolveSerializer
from questions.models import Question
from questions.selectors import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS, questions_open_first
from questions.services import question_resolve


@extend_schema_view(
    list=extend_schema(
        summary="List questions",
        description=(
            "Filter by derived `status`, `tag`, `article` (slugs) and `search`: words that "
            "must each appear in the question's title, background or resolution criteria, "
            "ignoring case, as the web list searches. `search` takes at most "
            f"{SEARCH_MAX_WORDS} words and {SEARCH_MAX_LENGTH} characters; more is a 400 "
            f'naming it: `{{"search": ["Search for at most {SEARCH_MAX_WORDS} words."]}}`. '
            "`community` is the median of each forecaster's standing probability of yes."
        ),
    ),
    retrieve=extend_schema(
        summary="One question",
        description=(
            "Adds the question's text, its provenance (the article and passage it comes "
            "from, and the probability the wording implies), the community forecast frozen "
            "at close, and, when authenticated, your own forecasts."
        ),
    ),
)
@method_decorator(anonymous_cache, name="dispatch")
class QuestionViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filterset_class = QuestionFilter

    def get_queryset(self) -> QuerySet[Question]:
        questions = (
            Question.objects.visible_to(self.request.user)
            .select_related("article__outlet")
            .prefetch_related("tags", "article__authors")
        )
        if self.action == "retrieve":
            questions = questions.select_related("successor_of").prefetch_related("projects")
        if self.action == "list":
            # The web list's order: open first, then upcoming, closed and resolved.
            return questions_open_first(questions=questions, now=timezone.now())
        return questions

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "retrieve":
            return QuestionDetailSerializer
        if self.action == "resolutions":
            return ResolutionEventSerializer
        if self.action == "resolve":
            return ResolveSerializer
        return QuestionListSerializer

    def _context(self, questions: list[Question], **extra: Any) -> dict[str, Any]:
        now = timezone.now()
        return {
            **self.get_serializer_context(),
            "now": now,
            # One query for the whole page, not one per question.
            "community": community_forecasts_for_viewer(
                questions=questions, user=self.request.user, now=now
            ),
            **extra,
        }

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        questions = list(page if page is not None else queryset)
        data = QuestionListSerializer(questions, many=True, context=self._context(questions)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        question = self.get_object()
        mine = None
        if request.user.is_authenticated:
            mine = list(forecasts_of_user(user=request.user, question=question))
        context = self._context([question], my_forecasts=mine)
        # The spread shows the crowd as plainly as the median: hidden with it.
        if not context["community"][question.pk].hidden:
            context["spread"] = forecast_spread(question=question)
        return Response(QuestionDetailSerializer(question, context=context).data)

    @extend_schema(
        summary="The resolution audit trail",
        description="Every resolution and correction, oldest first; the latest one is in force.",
        responses=ResolutionEventSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], permission_classes=[AllowAny], pagination_class=None)
    def resolutions(self, request: Request, slug: str | None = None) -> Response:
        question = self.get_object()
        events = question.resolution_events.select_related("created_by").order_by(
            "created_at", "id"
        )
        return Response(ResolutionEventSerializer(events, many=True).data)

    @extend_schema(
        summary="Resolve or correct a question (staff)",
        description=(
            "Records a new resolution event; the latest event wins. Scores are rebuilt by "
            "a background task started once the resolution is committed. `known_at` is when "
            "the outcome became known in the world (ISO 8601 with an offset, not in the future)."
        ),
        request=ResolveSerializer,
        responses={
            201: ResolutionEventSerializer,
            400: OpenApiResponse(description='Errors keyed by field: {"known_at": ["..."]}.'),
            403: OpenApiResponse(description="Not staff."),
            404: OpenApiResponse(description="No such question."),
        },
        filters=False,
        examples=[
            OpenApiExample(
                "Resolve yes",
                request_only=True,
                value={
                    "outcome": "yes",
                    "known_at": "2026-01-31T12:00:00Z",
                    "note": "Reported by the ROK JCS.",
                    "evidence_links": ["https://example.org/report"],
                },
            )
        ],
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAdminUser])
    def resolve(self, request: Request, slug: str | None = None) -> Response:
        question = self.get_object()
        given = ResolveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        event = question_resolve(
            question=question, resolved_by=signed_in_user(request.user), **given.validated_data
        )
        return Response(ResolutionEventSerializer(event).data, status=status.HTTP_201_CREATED)
