"""Request checks every view relies on."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from common.text import CONTROL_MESSAGE, control_character


class ControlCharactersMiddleware:
    """A query string holding a control character (NUL above all: PostgreSQL refuses it
    in any text) is a 400 naming the parameter, before any view or query sees it. The API
    answers in JSON, the pages in text. Bodies are checked by the API's parsers and the
    forms' fields."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in request.GET:
            for value in [name, *request.GET.getlist(name)]:
                found = control_character(value)
                if found:
                    message = CONTROL_MESSAGE.format(found)
                    if request.path.startswith("/api/"):
                        return JsonResponse({name: [message]}, status=400)
                    return HttpResponseBadRequest(f"{name}: {message}", content_type="text/plain")
        return self.get_response(request)
