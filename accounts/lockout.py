"""What a client locked out by django-axes is told (AXES_* in config/settings/base.py).

The lockout is counted in the authentication flow: `LoginLockoutBackend` refuses a
locked-out username and address, and axes' signal handler counts each failure and flags
the request (`request.axes_locked_out`) when the limit is reached. The web login and the
admin's login are answered by `lockout_response` (AxesMiddleware calls it); the token
endpoint raises `LoginLockedOut` itself, as DRF wraps the request axes flags."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework import exceptions

from accounts.models import User

LOCKED_OUT = "Too many failed logins for this username from your address."


class LoginLockedOut(exceptions.Throttled):
    """429 with Retry-After, and a `detail` that ends "Expected available in N seconds"."""

    default_detail = LOCKED_OUT
    default_code = "locked_out"


def login_locked_out(request: Any) -> bool:
    """Whether axes refused (or has just locked out) the login this request tried."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_seconds_left(request: Any, credentials: dict[str, Any] | None = None) -> int:
    """Seconds until the lockout that refused this request lifts: the cool-off after the
    last failure it counted (tries during a lockout are not counted)."""
    cool_off: timedelta = get_cool_off(request) or timedelta(0)
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    last_failure = now
    handler = AxesProxyHandler.get_implementation()
    if isinstance(handler, AxesDatabaseHandler):
        counted = handler.get_user_attempts(request, credentials)
        times = [attempts.aggregate(last=Max("attempt_time"))["last"] for attempts in counted]
        last_failure = max((t for t in times if t is not None), default=now)
    return max(1, math.ceil((last_failure + cool_off - now).total_seconds()))


def login_succeeded(request: Any, user: User) -> None:
    """A login that is not a session (the token endpoint) resets the failure count as
    Django's login() does, through axes' own handler."""
    AxesProxyHandler.user_logged_in(sender=login_succeeded, request=request, user=user)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 (Too Many Requests, as the lock lifts by itself after
    the cool-off; axes' default too) with Retry-After; JSON with a `detail` under /api/,
    the lockout page elsewhere."""
    wait = lockout_seconds_left(request, credentials)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": f"{LOCKED_OUT} Expected available in {wait} seconds."}, status=429
        )
    else:
        context = {
            "username": get_client_username(request, credentials) or "",
            "wait_minutes": max(1, math.ceil(wait / 60)),
        }
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response
