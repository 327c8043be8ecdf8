"""Questions: public reads, the resolution audit trail, and staff writes
(resolving, importing). Views validate and shape; services do the work."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from tempfile import TemporaryDirectory

from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import read_upload
from common.parsers import StrictFormParser, StrictJSONParser, StrictMultiPartParser
from common.throttling import RETRY_AFTER, THROTTLED
from questions.api.serializers import (
    QuestionImportReportSerializer,
    QuestionUploadSerializer,
)
from questions.imports import ImportFileError, load_document, questions_import


class QuestionImportView(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [StrictJSONParser, StrictMultiPartParser, StrictFormParser]
    # Per staff user, shared with the forecast import.
    throttle_scope = "imports"

    @extend_schema(
        summary="Import questions and articles (staff)",
        description=(
            "Upload a JSON or YAML file as `file`, or send the document as a JSON body. "
            "The whole document is validated before anything is written; every problem is "
            "listed with the entry and field, in the words the authoring page uses: "
            '`{"file": ["question \'x\': title: This field is required."]}`. Loading is '
            "idempotent by slug. Relative `text_file` paths cannot be read here: give "
            "articles their `text` inline."
        ),
        request={
            "multipart/form-data": QuestionUploadSerializer,
            "application/json": OpenApiTypes.OBJECT,
        },
        parameters=[RETRY_AFTER],
        responses={
            200: QuestionImportReportSerializer,
            201: QuestionImportReportSerializer,
            400: OpenApiResponse(description='The file was rejected: {"file": ["..."]}.'),
            403: OpenApiResponse(description="Not staff."),
            429: THROTTLED,
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
