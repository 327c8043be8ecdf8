"""The API's paging: bounded, and strict about what it is given. (Apart from
`common.api`: DRF imports its settings' classes while `rest_framework.views` loads.)"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination

MAX_PAGE_SIZE = 500
MAX_OFFSET = 10_000_000


def _whole_number(request: Any, name: str, *, minimum: int, maximum: int) -> int | None:
    """The query parameter `name` as a whole number in [minimum, maximum], None when not
    given; anything else is a 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise exceptions.ValidationError({name: [f"A whole number from {minimum} to {maximum}."]})
    value = int(raw)
    if not minimum <= value <= maximum:
        raise exceptions.ValidationError({name: [f"A whole number from {minimum} to {maximum}."]})
    return value


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`limit` and `offset` paging with a maximum page size; a limit or offset that is not
    a whole number in range is a 400 naming it (the database would refuse an offset past
    a bigint, and a client asking for a million rows must learn the page size). A
    subclass sets its own `default_limit` and `max_limit`."""

    default_limit = 50
    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request: Any) -> int:
        limit = _whole_number(request, self.limit_query_param, minimum=1, maximum=self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Any) -> int:
        offset = _whole_number(request, self.offset_query_param, minimum=0, maximum=MAX_OFFSET)
        return offset or 0

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: (1, self.max_limit),
            self.offset_query_param: (0, MAX_OFFSET),
        }
        for parameter in parameters:
            if parameter["name"] in bounds:
                low, high = bounds[parameter["name"]]
                parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
        return parameters
