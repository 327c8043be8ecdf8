"""The viewer's time zone for the pages."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.profiles import time_zone_or_none

# Set by foreseer/time-zone.js from the browser's own zone.
TIME_ZONE_COOKIE = "tz"


def viewer_time_zone(request: HttpRequest) -> ZoneInfo | None:
    """The zone the account chose, else the browser's (the cookie), else None (UTC). A
    cookie that names no IANA zone is ignored."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        chosen = time_zone_or_none(getattr(user, "time_zone", ""))
        if chosen is not None:
            return chosen
    return time_zone_or_none(request.COOKIES.get(TIME_ZONE_COOKIE))


class ViewerTimeZoneMiddleware:
    """Pages show times in the viewer's zone (Django's templates convert aware times to
    the active zone). The API and its CSV stay in UTC whoever asks: its paths get no
    zone, so DRF writes every time in UTC (a trailing Z). After the authentication middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None if request.path.startswith("/api/") else viewer_time_zone(request)
        if zone is None:
            timezone.deactivate()
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
