"""API-wide glue: services raise Django's ValidationError naming the field;
the API answers 400 with that field as the key."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar

import rest_framework_csv.renderers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from common.csv import csv_cell
from common.renderers import BrowsableAPIRenderer

_Model = TypeVar("_Model", bound=models.Model)
# A SlugRelatedField as DRF's stubs type it: `many=True` makes it a ManyRelatedField.
SlugRelation: TypeAlias = (
    "serializers.RelatedField[_Model, str, str] | serializers.ManyRelatedField"
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


# For a serializer of a request body: its text fields take only strings. DRF's CharField
# reads a JSON number as its digits (`"password": 1e16` would set the password "1e+16");
# the schema promises a string, so a number is a 400 naming the field, in DRF's words for
# a list or an object there. (Comments, not a docstring: drf-spectacular would describe
# every subclass's schema with it.)
class TextTakesText(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {
                name: [serializers.CharField.default_error_messages["invalid"]]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and isinstance(data.get(name), int | float)
            }
            if errors:
                raise exceptions.ValidationError(errors)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, as the schema says: DRF's would also take 0, 1, "yes" and "off"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class WholeNumberField(serializers.IntegerField):
    """A whole number in ASCII digits, as the paging reads `limit` and `offset`; DRF's
    IntegerField would also take "5.0", "+5", " 5" and "５" for 5."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not (data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


def read_upload(upload: UploadedFile, *, field: str = "file") -> str:
    """The text of an uploaded file; a byte-order mark (Excel's CSVs) is dropped."""
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise exceptions.ValidationError(
            {field: [f"The file is not UTF-8 text ({error.reason})."]}
        ) from None


class CSVRenderer(rest_framework_csv.renderers.CSVRenderer):
    """CSV through content negotiation (`?format=csv` or `Accept: text/csv`); views give
    the column order through `csv_header` (see CsvExportMixin). Cells are written as the
    pages write theirs (common.csv): nothing a spreadsheet would run as a formula."""

    def tablize(self, data: Any, header: Any = None, labels: Any = None) -> Iterator[list[Any]]:
        rows = super().tablize(data, header=header, labels=labels)
        first = next(rows, None)
        if first is None:
            return
        yield first  # the header row
        for row in rows:
            yield [csv_cell(value) for value in row]


class CsvExportMixin(APIView):
    """For views whose tables can be downloaded: JSON by default, CSV on request. A view
    answers CSV by returning `csv_response(rows, header=..., filename=...)`."""

    renderer_classes: Sequence[type[BaseRenderer]] = [
        JSONRenderer,
        BrowsableAPIRenderer,
        CSVRenderer,
    ]

    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", "") == "csv"

    def csv_response(
        self, rows: list[dict[str, Any]], *, header: list[str], filename: str
    ) -> Response:
        self.csv_header = header
        response = Response(rows)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def get_renderer_context(self) -> dict[str, Any]:
        context = super().get_renderer_context()
        context["header"] = getattr(self, "csv_header", None)
        return context

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        # An error is JSON even when CSV was asked for: written as CSV, the errors would
        # read as a table whose header is a field name.
        if getattr(response, "exception", False) and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def unknown_parameters(given: Iterable[str], takes: Sequence[str]) -> dict[str, list[str]]:
    """Errors for the query parameters an endpoint does not take, by name: a misspelt
    filter (`?speakers=`) would otherwise be ignored and answered as if it had matched."""
    takes_text = ", ".join(takes) if takes else "none"
    message = f"Not a parameter of this endpoint; it takes {takes_text}."
    return {name: [message] for name in sorted(set(given) - set(takes))}


def refuse_unknown_parameters(request: Request, takes: Sequence[str]) -> None:
    """A 400 naming each query parameter the endpoint does not take (unknown_parameters)."""
    errors = unknown_parameters(request.query_params, takes)
    if errors:
        raise exceptions.ValidationError(errors)


def csv_format_parameter(what: str) -> OpenApiParameter:
    """The `format` query parameter of a view that downloads as CSV, described (the
    schema's own has no words): `what` says what the CSV holds."""
    return OpenApiParameter(
        "format",
        str,
        OpenApiParameter.QUERY,
        enum=["csv", "json"],
        description=f"`csv` for {what} as CSV (as `Accept: text/csv` does); `json`, the "
        "default, otherwise. Errors are JSON either way.",
    )


def slug_parameter(what: str) -> OpenApiParameter:
    """A `{slug}` in an operation's path, described."""
    return OpenApiParameter("slug", str, OpenApiParameter.PATH, description=f"The {what}'s slug.")
