"""The API's content negotiation. (Apart from `common.api`: DRF imports its settings'
classes while `rest_framework.views` loads.)"""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF's, but `?format=` naming no format the endpoint writes is a 400 naming
    `format`, not a 404: the resource is there, in other formats."""

    def filter_renderers(
        self, renderers: Iterable[BaseRenderer], format: str
    ) -> list[BaseRenderer]:
        available = list(renderers)
        matching = [renderer for renderer in available if renderer.format == format]
        if not matching:
            formats = ", ".join(dict.fromkeys(str(renderer.format) for renderer in available))
            raise exceptions.ValidationError({"format": [f"One of {formats}."]})
        return matching
