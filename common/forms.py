"""Glue between services and Django forms."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone


def add_service_errors(
    form: forms.Form, error: ValidationError, *, fields: Mapping[str, str] | None = None
) -> None:
    """Put each of a service's errors on the form field it names (`fields` maps a
    service's name for a field to the form's, e.g. probability -> percent); the rest
    (the question as a whole, the acting user) go above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    renamed = fields or {}
    for field, field_messages in error.message_dict.items():
        name = renamed.get(field, field)
        form.add_error(name if name in form.fields else None, field_messages)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's choice field `name`, for setting its choices when the form is made
    (`form.fields` is typed as holding plain fields)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field


class UTCDateTimeField(forms.DateTimeField):
    """A time typed and shown in UTC whatever the viewer's zone: pages show times in the
    viewer's zone, but the staff's forms that say "UTC" mean it."""

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(UTC):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(UTC):
            return super().prepare_value(value)
