"""Reading uploaded files for the staff import endpoints (questions and
forecasts): one place decides the encoding and the error shape."""

from django.core.files.uploadedfile import UploadedFile
from rest_framework.exceptions import ValidationError


def read_upload(upload: UploadedFile, *, field: str = "file") -> str:
    """The text of an uploaded file; a byte-order mark (Excel's CSVs) is dropped."""
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({field: [f"The file is not UTF-8 text ({error.reason})."]}) from None
