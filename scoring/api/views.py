"""Scores of a question (public) and the staff score export."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from questions.models import Question
from scoring.api.serializers import (
    RULE_DESCRIPTIONS,
    QuestionScoresSerializer,
    ScoreExportQuerySerializer,
    ScoreRowSerializer,
)
from scoring.exports import EXPORT_FORMATS, score_rows, scores_render
from scoring.selectors import scores_for_question


class QuestionScoresView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Scores of a resolved question",
        description=(
            "One entry per scored user, best accuracy first: `daily_brier` (Brier, 0 best, "
            "2 worst), `accuracy` (negative beats the crowd) and `participation`. Empty until "
            "the question is resolved yes or no and scored."
        ),
        responses={
            200: QuestionScoresSerializer,
            404: OpenApiResponse(description="No such question."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        question = get_object_or_404(Question, slug=slug)
        scores = [
            {
                "user": entry["user"],
                "participation": entry["participation"],
                "daily_brier": entry.get("daily_brier"),
                "accuracy": entry.get("accuracy"),
            }
            for entry in scores_for_question(question=question)
        ]
        data = {
            "question": question.slug,
            "resolution": question.resolution,
            "rules": RULE_DESCRIPTIONS,
            "scores": scores,
        }
        return Response(QuestionScoresSerializer(data).data)


class ScoreExportView(APIView):
    permission_classes = [IsAdminUser]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # `format` here picks the file type, not DRF's renderer: without this,
        # DRF would answer ?format=csv with 404 before the view runs. Errors
        # are JSON; the file itself is a plain HttpResponse.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        summary="Export scores as a file (staff)",
        operation_id="staff_export_scores",
        description="Columns question, user, rule, value, coverage; one row per score.",
        parameters=[
            OpenApiParameter(
                "question", str, description="A question slug; all questions when left out."
            ),
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="csv"),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV file."),
            (200, "application/json"): ScoreRowSerializer(many=True),
            (400, "application/json"): OpenApiResponse(
                description='Unknown question or format: {"question": ["..."]}.'
            ),
            (403, "application/json"): OpenApiResponse(description="Not staff."),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        query = ScoreExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        question = query.validated_data.get("question")
        fmt = query.validated_data["format"]
        content = scores_render(score_rows(question=question), fmt=fmt)
        content_type = "text/csv" if fmt == "csv" else "application/json"
        response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
        name = f"scores-{question.slug if question else 'all'}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
