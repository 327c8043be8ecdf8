"""Rate limits: DRF throttles by scope, kept in the cache (Redis in production, each
process's memory by default), and the same limits for the web forms that are not DRF.

A view takes part by naming its scope (`throttle_scope = "signup"`); the rates are
`settings.FORESEER_THROTTLE_RATES` (`FORESEER_THROTTLE_*` in the environment), read at
each request. A signed-in user is counted by account, anyone else by IP address
(common.client_ip). A refused request answers 429 with `Retry-After`: JSON with a
`detail` from the API, a page from the web forms."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, throttling

from common.client_ip import client_ip

logger = logging.getLogger(__name__)


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle (the REST_FRAMEWORK default here), with:

    - the rates read from settings at each request, not frozen when DRF was imported;
    - the client address from common.client_ip, which reads X-Forwarded-For only behind
      `NUM_PROXIES` trusted proxies (DRF's own, unset, would take the header whole, and a
      client could name a new address with every request);
    - a wait that is never None, so every 429 carries Retry-After;
    - a cache that cannot be reached lets the request through, logged: the limits guard
      against abuse, and must not turn a Redis outage into failed sign-ups and lost
      forecasts (the broker's outage is already survived; docs/lifecycle.md)."""

    def get_rate(self) -> str | None:
        rates: dict[str, str | None] = settings.FORESEER_THROTTLE_RATES
        return rates[str(self.scope)]

    def get_ident(self, request: Any) -> str:
        return client_ip(request) or "unknown"

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else None
        return self.cache_format % {
            "scope": self.scope,
            "ident": ident or f"ip-{self.get_ident(request)}",
        }

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return bool(super().allow_request(request, view))
        except Exception:  # the cache's own errors: redis.ConnectionError, a timeout, ...
            logger.warning(
                "Rate limit %r not checked: the cache cannot be reached.",
                getattr(view, self.scope_attr, None),
                exc_info=True,
            )
            return True

    def wait(self) -> float:
        # DRF's answers None when the history is longer than the rate allows (the rate
        # was lowered since): then a whole period.
        waited = super().wait()
        if waited is not None:
            return float(waited)
        _count, period = self.parse_rate(self.rate)
        return float(period or 1)


def throttled_seconds(request: HttpRequest, scope: str) -> int | None:
    """Count this request against `scope`: None if it is within the rate, else the
    seconds until it would be."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return max(1, math.ceil(throttle.wait()))


View = Callable[..., HttpResponse]


def throttle_posts(scope: str) -> Callable[[View], View]:
    """The API's rate limit for a web form's view: each POST counts against `scope`
    (the same counter as the API's endpoints of that scope), and one over the rate gets
    the "slow down" page, 429 with Retry-After, instead of the view. GETs are free."""

    def decorator(view: View) -> View:
        @wraps(view)
        def throttled_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                wait = throttled_seconds(request, scope)
                if wait is not None:
                    return too_many_requests_page(request, wait)
            return view(request, *args, **kwargs)

        return throttled_view

    return decorator


def too_many_requests_page(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(
        request,
        "throttled.html",
        {"wait_minutes": max(1, math.ceil(wait / 60)), "wait_seconds": wait},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


# --- The OpenAPI schema of a throttled operation ------------------------------------------

THROTTLED = OpenApiResponse(
    response=inline_serializer("Throttled", {"detail": serializers.CharField()}),
    description=(
        "Too many requests: the rate limit of this endpoint was reached "
        '(`{"detail": "Request was throttled. Expected available in 42 seconds."}`). '
        "Retry after the seconds in the `Retry-After` header."
    ),
)
RETRY_AFTER = OpenApiParameter(
    name="Retry-After",
    type=OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the request can succeed.",
)
