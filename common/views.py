from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views import defaults


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 for a request it refuses before any view runs (a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad Host): JSON, saying what was
    wrong, for the API; the site's page otherwise."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = f"The request body is larger than the {limit:,} bytes the API accepts."
    elif isinstance(exception, TooManyFieldsSent):
        detail = "The request has more fields than the API accepts."
    else:
        detail = "Bad request."
    return JsonResponse({"detail": detail}, status=400)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for a URL no pattern matches (a slug with a character no slug has):
    JSON, as the API's own 404s are, under /api/; the site's page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 403: JSON under /api/, the site's styled page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exception) or "Forbidden."}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500: JSON under /api/; otherwise 500.html, which is rendered without a
    request context because whatever failed (the database, a context processor) may
    fail again."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page links to: send them to the SVG
    (permanently, so they stop asking) instead of logging a 404 on every first visit."""
    return HttpResponsePermanentRedirect(static("foreseer/favicon.svg"))
