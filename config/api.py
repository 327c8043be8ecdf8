"""API-wide glue: services raise Django's ValidationError naming the field;
the API answers 400 with that field as the key."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


def read_upload(upload: UploadedFile, *, field: str = "file") -> str:
    """The text of an uploaded file; a byte-order mark (Excel's CSVs) is dropped."""
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise exceptions.ValidationError(
            {field: [f"The file is not UTF-8 text ({error.reason})."]}
        ) from None
