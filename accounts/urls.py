"""Accounts pages. Included at /accounts/ without a namespace, so the names are
Django's own (`login`, `logout`, `password_change`, ...) and LOGIN_URL works.

These are django.contrib.auth.urls spelled out with our templates: the admin
app ships `registration/password_*.html` templates of its own, and as it comes
first in INSTALLED_APPS they would win over ours under the same names.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import PasswordResetConfirmView, account_settings, signup

urlpatterns = [
    path("signup/", signup, name="signup"),
    path("settings/", account_settings, name="account_settings"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_complete.html"
        ),
        name="password_change_done",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(template_name="registration/password_reset.html"),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(template_name="registration/password_reset_new.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_finished.html"
        ),
        name="password_reset_complete",
    ),
]
