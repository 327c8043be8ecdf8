"""Pages that every anonymous visitor sees alike (the question list, a question, an
article, the questions API) are kept in the cache for a few seconds: a crowd of visitors,
or a crawler, costs one render per page per period instead of one per request. Anyone
identified (a session, a token, a pending message) always gets a fresh page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

View = Callable[..., Any]


def _identified(request: HttpRequest) -> bool:
    """Whether the page may be personal: a session (logged in, or holding messages or a
    form's state), a messages cookie, or credentials for the API."""
    return bool(
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or "messages" in request.COOKIES
        or "HTTP_AUTHORIZATION" in request.META
    )


def _key(request: HttpRequest) -> str:
    # The full path carries the query string; Accept chooses the API's renderer (JSON,
    # CSV, the browsable page); the active time zone, the browser's (see
    # accounts.middleware), is the one pages show times in.
    zone = timezone.get_current_timezone_name()
    text = f"{request.get_full_path()}|{request.META.get('HTTP_ACCEPT', '')}|{zone}"
    return "anonymous-page:" + hashlib.sha256(text.encode()).hexdigest()


def anonymous_cache(view: View) -> View:
    """Serve `view`'s successful GETs to anonymous visitors from the cache for
    FORESEER_ANONYMOUS_CACHE_SECONDS (0 turns it off)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        seconds = settings.FORESEER_ANONYMOUS_CACHE_SECONDS
        if seconds <= 0 or request.method != "GET" or _identified(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            return HttpResponse(content, headers=headers)
        response = view(request, *args, **kwargs)
        render = getattr(response, "render", None)
        if callable(render):  # a TemplateResponse or DRF's Response renders lazily
            response = render()
        if (
            isinstance(response, HttpResponse)
            and response.status_code == 200
            and not response.cookies
        ):
            # The bytes and headers only: a DRF Response would carry its data, which costs
            # more to unpickle than the page costs to serve.
            cache.set(key, (response.content, dict(response.headers)), seconds)
        return response

    return wrapper
