"""A user's own forecasts: list, read one, submit. No update or delete: a
forecast is appended, never changed (PUT, PATCH and DELETE answer 405)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.signed_in import signed_in_user
from common.api import read_upload, slug_parameter
from common.parsers import StrictFormParser, StrictJSONParser, StrictMultiPartParser
from common.throttling import RETRY_AFTER, THROTTLED
from forecasts.api.filters import ForecastFilter
from forecasts.api.serializers import (
    CsvUploadSerializer,
    ForecastImportReportSerializer,
    ForecastSerializer,
    ForecastSubmitSerializer,
    WithdrawalSerializer,
)
from forecasts.imports import ForecastImportError, forecasts_import_csv
from forecasts.models import Forecast
from forecasts.selectors import (
    forecasts_of_user,
)
from forecasts.services import (
    ForecastKeyConflict,
    NoStandingForecast,
    forecast_change,
    forecast_submit,
    forecast_submit_once,
    idempotency_key_clean,
)
from questions.models import Question

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"


def _idempotency_key(request: Request) -> str | None:
    """The request's `Idempotency-Key`, checked before the body, so a bad key is never
    mistaken for no key; None without one."""
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is None:
        return None
    try:
        return idempotency_key_clean(key, field=IDEMPOTENCY_KEY_HEADER)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None


def _key_conflict(conflict: ForecastKeyConflict) -> Response:
    return Response(
        {IDEMPOTENCY_KEY_HEADER: [str(conflict)]}, status=status.HTTP_422_UNPROCESSABLE_ENTITY
    )


def _idempotency_parameter(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        name=IDEMPOTENCY_KEY_HEADER,
        location=OpenApiParameter.HEADER,
        required=False,
        type=str,
        description=(
            "A key of your choosing (1 to 100 printable ASCII characters; a UUID "
            f"will do), new for each {what}. Keys are your own, not shared with "
            f"other users, and remembered for {settings.FORESEER_IDEMPOTENCY_KEY_DAYS} "
            "days. "
            f"A retry with the same key and the same {what} stores nothing new; "
            f"the same key with a different {what} is refused (422)."
        ),
    )


def _retry_safe(recorded: str) -> str:
    return (
        "Send an `Idempotency-Key` header to make the request safe to retry: a retry with "
        f"the same key answers with the {recorded} the first request stored (the same status "
        "and body, and `Idempotent-Replayed: true`) and stores nothing new."
    )


_KEY_CONFLICT = OpenApiResponse(
    description='The key already stored something else: {"Idempotency-Key": ["..."]}.'
)


class NonFiniteJSONParser(StrictJSONParser):
    """Reads the non-standard tokens NaN and Infinity as floats instead of
    failing the whole body, so they reach `probability_clean` and are refused
    like any other bad probability, with the field named."""

    strict = False


@extend_schema_view(
    list=extend_schema(summary="Your forecasts, newest first"),
    retrieve=extend_schema(summary="One of your forecasts"),
)
class ForecastViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ForecastSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [NonFiniteJSONParser, StrictFormParser, StrictMultiPartParser]
    filterset_class = ForecastFilter
    # Submissions per user, shared with the question page's form; reading is not limited.
    throttle_scope = "forecasts"

    def get_throttles(self) -> list[BaseThrottle]:
        return super().get_throttles() if self.action == "create" else []

    def get_queryset(self) -> QuerySet[Forecast]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Forecast.objects.none()
        return forecasts_of_user(user=signed_in_user(self.request.user))

    @extend_schema(
        summary="Submit a forecast",
        description=(
            "Appends a forecast stamped with the server's time. The question must be open; "
            "the probability of yes must lie in [0.001, 0.999]. Errors are keyed by field.\n\n"
            + _retry_safe("forecast")
        ),
        parameters=[_idempotency_parameter("forecast"), RETRY_AFTER],
        request=ForecastSubmitSerializer,
        responses={
            201: ForecastSerializer,
            400: OpenApiResponse(
                description=(
                    'Errors keyed by field, e.g. {"probability": ["..."]}, or by the header, '
                    '{"Idempotency-Key": ["..."]}.'
                )
            ),
            422: _KEY_CONFLICT,
            429: THROTTLED,
        },
    )
    def create(self, request: Request) -> Response:
        key = _idempotency_key(request)
        submitted = ForecastSubmitSerializer(data=request.data)
        submitted.is_valid(raise_exception=True)
        arguments = {
            "user": signed_in_user(request.user),
            "question": submitted.validated_data["question"],
            "probability": submitted.validated_data["probability"],
            "rationale": submitted.validated_data["rationale"],
            "origin": Forecast.Origin.API,
        }
        if key is None:
            forecast = forecast_submit(**arguments)
            return Response(ForecastSerializer(forecast).data, status=status.HTTP_201_CREATED)
        try:
            submission = forecast_submit_once(key=key, **arguments)
        except ForecastKeyConflict as conflict:
            return _key_conflict(conflict)
        response = Response(
            ForecastSerializer(submission.forecast).data, status=status.HTTP_201_CREATED
        )
        if submission.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class ForecastImportView(APIView):
    permission_classes = [IsAdminUser]
    parser_classes = [StrictMultiPartParser, StrictFormParser]
    # Per staff user, shared with the question import.
    throttle_scope = "imports"

    @extend_schema(
        summary="Import forecast history from a CSV file (staff)",
        description=(
            "Every row is checked before anything is written; one bad row rejects the file "
            'and the answer lists every problem: `{"file": ["line 3: ...", ...]}`. '
            "Rows already present are skipped, so importing a file twice adds nothing."
        ),
        request={"multipart/form-data": CsvUploadSerializer},
        parameters=[RETRY_AFTER],
        responses={
            200: ForecastImportReportSerializer,
            201: ForecastImportReportSerializer,
            400: OpenApiResponse(description='{"file": ["line 3: ...", ...]}'),
            403: OpenApiResponse(description="Not staff."),
            429: THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        upload = CsvUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        text = read_upload(upload.validated_data["file"])
        try:
            report = forecasts_import_csv(text=text)
        except ForecastImportError as error:
            raise ValidationError({"file": error.messages}) from None
        data = {**asdict(report), "summary": report.summary()}
        return Response(
            ForecastImportReportSerializer(data).data,
            status=status.HTTP_201_CREATED if report.created else status.HTTP_200_OK,
        )


_NO_STANDING = OpenApiResponse(
    description=(
        "You have no standing forecast on the question: "
        '{"detail": "...", "forecast": ["..."]} (the same message twice).'
    ),
)
_REFUSED = OpenApiResponse(
    description='The question takes no forecasts now: {"question": ["... closed ..."]}.'
)


class _StandingForecastChange(APIView):
    """A change to your standing forecast on one question: no body, stamped with the
    server's time. Sending it twice without a key is safe: a second withdrawal finds no
    standing forecast (409), a second reaffirm records the same probability again. With
    an `Idempotency-Key`, a retry answers as the first request did and stores nothing."""

    permission_classes = [IsAuthenticated]
    parser_classes = [StrictJSONParser, StrictFormParser, StrictMultiPartParser]
    throttle_scope = "forecasts"

    def question(self, request: Request, slug: str) -> Question:
        return get_object_or_404(Question.objects.visible_to(request.user), slug=slug)

    def change(
        self,
        request: Request,
        slug: str,
        action: str,
        serializer: type[serializers.BaseSerializer[Any]],
    ) -> Response:
        """Withdraw or reaffirm (`action`) the user's standing forecast on the question:
        201 with what it recorded, 409 naming `forecast` when there is none, 422 naming
        the header when its key stored something else."""
        key = _idempotency_key(request)
        question = self.question(request, slug)
        try:
            change = forecast_change(
                user=signed_in_user(request.user),
                question=question,
                action=action,
                origin=Forecast.Origin.API,
                key=key,
            )
        except NoStandingForecast as error:
            message = str(error)
            return Response(
                {"detail": message, "forecast": [message]}, status=status.HTTP_409_CONFLICT
            )
        except ForecastKeyConflict as conflict:
            return _key_conflict(conflict)
        response = Response(serializer(change.recorded).data, status=status.HTTP_201_CREATED)
        if change.replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _change_schema(
    *,
    summary: str,
    description: str,
    action: str,
    recorded: str,
    serializer: type[serializers.Serializer],
) -> Any:
    """The OpenAPI schema of a withdraw or a reaffirm (`action`): no body, what it
    `recorded` in the 201."""
    return extend_schema(
        summary=summary,
        description=f"{description}\n\n{_retry_safe(recorded)}",
        request=None,
        parameters=[slug_parameter("question"), _idempotency_parameter(action), RETRY_AFTER],
        responses={
            201: serializer,
            400: _REFUSED,
            403: OpenApiResponse(description="Not logged in."),
            404: OpenApiResponse(description="No such question."),
            409: _NO_STANDING,
            422: _KEY_CONFLICT,
            429: THROTTLED,
        },
    )


class ForecastWithdrawView(_StandingForecastChange):
    @_change_schema(
        summary="Withdraw your forecast on a question",
        description=(
            "Ends your standing forecast from now. It stays in your history; from now until "
            "you forecast again you have no forecast on the question: the community forecast "
            "leaves you out, and every scoring rule counts the time as time without a forecast "
            "(no coverage for the continuous rules, no active day for the daily ones). Only "
            "while the question is open and you have a standing forecast."
        ),
        action="withdrawal",
        recorded="withdrawal",
        serializer=WithdrawalSerializer,
    )
    def post(self, request: Request, slug: str) -> Response:
        return self.change(request, slug, "withdraw", WithdrawalSerializer)


class ForecastReaffirmView(_StandingForecastChange):
    @_change_schema(
        summary="Reaffirm your forecast on a question",
        description=(
            "Records your standing forecast anew: the same probability, made now, marked "
            "`reaffirmed`. It counts as an update (a forecast left unchanged for a while is "
            "fresh again); the scores of the continuous rules do not change, as the "
            "probability does not. Only while the question is open and you have a standing "
            "forecast."
        ),
        action="reaffirm",
        recorded="forecast",
        serializer=ForecastSerializer,
    )
    def post(self, request: Request, slug: str) -> Response:
        return self.change(request, slug, "reaffirm", ForecastSerializer)
