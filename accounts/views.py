from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from accounts.forms import AccountSettingsForm, SignupForm
from accounts.services import login_lockouts_clear
from common.throttling import throttle_posts


# Each POST counts against the API sign-up's rate, per address (FORESEER_THROTTLE_SIGNUP).
@throttle_posts("signup")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("questions:list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            format_html(
                "Welcome, {}. Forecast on any open question as a percentage; you can change "
                "it while the question is open. Once a question resolves, your forecasts are "
                'scored against the outcome: <a href="{}">how scoring works</a>.',
                user.username,
                reverse("scoring:how_scoring_works"),
            ),
        )
        return redirect("questions:list")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    bound = request.method == "POST"
    form = AccountSettingsForm(request.POST if bound else None, instance=request.user)
    if bound and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect("account_settings")
    return render(request, "accounts/settings.html", {"form": form}, status=400 if bound else 200)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, and a new password ends the name's login lockouts, so the person who was
    locked out and reset their password can log in with it at once."""

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        login_lockouts_clear(username=form.user.get_username())
        return response
