"""The API's parsers: bodies the project can store. (Apart from `common.api`: DRF
imports its settings' classes while `rest_framework.views` loads.)"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from common.text import CONTROL_MESSAGE, control_character

MAX_JSON_DEPTH = 32


def _check_strings(data: Any) -> None:
    """Refuse, naming the field, a string holding a control character, and nesting deeper
    than MAX_JSON_DEPTH. Walked with a stack: a deep document must not exhaust Python's."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, str):
            found = control_character(value)
            if found:
                field = path or "non_field_errors"
                raise exceptions.ValidationError({field: [CONTROL_MESSAGE.format(found)]})
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and control_character(key):
                    raise exceptions.ValidationError(
                        {"non_field_errors": ["A field name contains a control character."]}
                    )
                stack.append((item, name, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


class StrictJSONParser(JSONParser):
    """JSON bodies the API can store: no control characters in any string (a 400 naming
    the field), nesting bounded, and a document too deep for the decoder is a 400 rather
    than a crash."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                f"JSON nested deeper than {MAX_JSON_DEPTH} levels."
            ) from None
        _check_strings(data)
        return data


def _check_form(data: Any) -> None:
    for name in data:
        for value in data.getlist(name):
            found = control_character(value) if isinstance(value, str) else None
            if found:
                raise exceptions.ValidationError({name: [CONTROL_MESSAGE.format(found)]})


class StrictFormParser(FormParser):
    """Form bodies without control characters (a 400 naming the field)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class StrictMultiPartParser(MultiPartParser):
    """Multipart bodies whose fields hold no control characters (files are read by the
    importers, which check their own text)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _check_form(parsed.data)
        return parsed
