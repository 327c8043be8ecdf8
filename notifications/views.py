from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.signed_in import signed_in_user
from common.forms import add_service_errors
from common.throttling import throttle_posts
from notifications.forms import AlertPreferenceForm
from notifications.selectors import (
    ALERTS_SHOWN,
    alert_preferences_for,
    alerts_of,
    followed_rows,
    questions_followed,
)
from notifications.services import (
    alert_preferences_update,
    follow_set,
    following_mark_seen,
    user_unsubscribe,
)
from notifications.unsubscribe import BadUnsubscribeToken, unsubscribe_target
from questions.models import Question

# Followed questions per page of the following page.
FOLLOWED_PER_PAGE = 25


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


@require_GET
@login_required
def following_dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request.user)
    return _dashboard(request, form=AlertPreferenceForm.of(alert_preferences_for(user=user)))


def _dashboard(
    request: HttpRequest, *, form: AlertPreferenceForm, status: int = 200
) -> HttpResponse:
    """The questions you follow with what changed since you last marked them seen, your
    newest alerts (unread marked), and your alert preferences. Reading it changes
    nothing: "Mark all as seen" does, by POST."""
    user = signed_in_user(request.user)
    now = timezone.now()
    followed = questions_followed(user=user)
    page_obj = Paginator(
        followed.order_by("resolution", "scheduled_close_time", "id"), FOLLOWED_PER_PAGE
    ).get_page(request.GET.get("page"))
    alerts = list(alerts_of(user=user)[:ALERTS_SHOWN])
    return render(
        request,
        "notifications/following.html",
        {
            "page_obj": page_obj,
            "rows": followed_rows(user=user, questions=list(page_obj.object_list), now=now),
            "alerts": alerts,
            "unread": sum(1 for alert in alerts if alert.read_at is None),
            "form": form,
        },
        status=status,
    )


@require_POST
@login_required
@throttle_posts("following")
def following_preferences(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request.user)
    form = AlertPreferenceForm(request.POST)
    if form.is_valid():
        try:
            alert_preferences_update(user=user, changes=form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Alert preferences saved.")
            return redirect("following:dashboard")
    return _dashboard(request, form=form, status=400)


@require_POST
@login_required
@throttle_posts("following")
def following_seen(request: HttpRequest) -> HttpResponse:
    following_mark_seen(user=signed_in_user(request.user))
    messages.success(request, "All marked as seen.")
    return redirect("following:dashboard")


@require_POST
@throttle_posts("following")
def follow_toggle(request: HttpRequest, slug: str) -> HttpResponse:
    """Follow (`following=1`) or stop following (`following=0`) a question, then back to
    its page."""
    question = get_object_or_404(Question.objects.published(), slug=slug)
    detail_url = reverse("questions:detail", args=[question.slug])
    if not request.user.is_authenticated:
        # Back to the question after logging in, not to this POST-only URL.
        return redirect_to_login(detail_url)
    wanted = request.POST.get("following")
    if wanted not in ("0", "1"):
        messages.error(request, "Choose to follow or to stop following.")
    else:
        follow_set(user=signed_in_user(request.user), question=question, following=wanted == "1")
        messages.success(
            request,
            "You follow this question." if wanted == "1" else "You no longer follow it.",
        )
    return redirect(f"{detail_url}#follow")
