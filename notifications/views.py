from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.services import user_unsubscribe
from notifications.unsubscribe import BadUnsubscribeToken, unsubscribe_target


# The token is the credential, so there is nothing for CSRF to protect, and mail providers
# that honour List-Unsubscribe-Post (RFC 8058) POST here without a session or a form.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks; only POST unsubscribes, so link scanners that follow every URL in an
    email do not unsubscribe anyone."""
    try:
        target = unsubscribe_target(token=token)
    except BadUnsubscribeToken as error:
        return render(request, "notifications/unsubscribe.html", {"error": str(error)}, status=400)
    done = False
    if request.method == "POST":
        user_unsubscribe(user=target.user, kind=target.kind)
        done = True
    return render(request, "notifications/unsubscribe.html", {"target": target, "done": done})
