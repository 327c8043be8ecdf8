"""Questions: public reads, the resolution audit trail, and staff writes
(resolving, importing). Views validate and shape; services do the work."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import read_upload
from forecasts.selectors import community_forecasts_for_viewer, forecasts_of_user
from questions.api.filters import QuestionFilter
from questions.api.serializers import (
    QuestionDetailSerializer,
    QuestionImportReportSerializer,
    QuestionListSerializer,
    QuestionUploadSerializer,
    ResolutionEventSerializer,
    ResolveSerializer,
)
from questions.imports import ImportFileError, load_document, questions_import
from questions.models import Question
from questions.services import question_resolve


@extend_schema_view(
    list=extend_schema(
        summary="List questions",
        description=(
            "Filter by derived `status`, `tag`, `article` (slugs) and `search` (title). "
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
class QuestionViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filterset_class = QuestionFilter

    def get_queryset(self) -> QuerySet[Question]:
        questions = (
            Question.objects.visible_to(self.request.user)
            .select_related("article")
            .prefetch_related("tags")
        )
        if self.action == "retrieve":
            questions = questions.select_related("successor_of").prefetch_related("projects")
        return questions

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
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
            question=question, resolved_by=request.user, **given.validated_data
        )
        return Response(ResolutionEventSerializer(event).data, status=status.HTTP_201_CREATED)


class QuestionImportView(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Import questions and articles (staff)",
        description=(
            "Upload a JSON or YAML file as `file`, or send the document as a JSON body. "
            "The whole document is validated before anything is written; an error names the "
            'entry and field: `{"file": ["question \'x\': missing title."]}`. Loading is '
            "idempotent by slug. Relative `text_file` paths cannot be read here: give "
            "articles their `text` inline."
        ),
        request={
            "multipart/form-data": QuestionUploadSerializer,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={
            200: QuestionImportReportSerializer,
            201: QuestionImportReportSerializer,
            400: OpenApiResponse(description='The file was rejected: {"file": ["..."]}.'),
            403: OpenApiResponse(description="Not staff."),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            if "file" in request.FILES:
                upload = request.FILES["file"]
                document = load_document(read_upload(upload), name=upload.name or "")
            elif isinstance(request.data, list | dict) and not isinstance(request.data, QueryDict):
                document = request.data
            else:
                raise ValidationError(
                    {"file": ["Upload a JSON or YAML file as `file`, or send a JSON body."]}
                )
            # An uploaded file has no folder of its own: relative `text_file`
            # paths resolve into an empty directory and fail with a clear error
            # instead of reading whatever sits next to the server.
            with TemporaryDirectory(prefix="foreseer-import-") as base_dir:
                report = questions_import(document=document, base_dir=Path(base_dir))
        except ImportFileError as error:
            raise ValidationError({"file": error.messages}) from None
        data = {**asdict(report), "summary": report.summary()}
        return Response(
            QuestionImportReportSerializer(data).data,
            status=status.HTTP_201_CREATED if report.created else status.HTTP_200_OK,
        )
