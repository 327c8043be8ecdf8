"""The login lockout's authentication backend (django-axes)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in AUTHENTICATION_BACKENDS: a locked-out username and
    address are refused before any password is checked.

    axes refuses to authenticate without a request, as it has no address to count. Every
    login a client can reach passes one (Django's LoginView and the admin's through
    AuthenticationForm, the token endpoint through DRF's AuthTokenSerializer:
    tests/accounts/test_lockout.py locks each of them out). A call without a request
    comes from code run by the operator (the shell, `manage.py`, a test's
    `Client.login`), with no client to lock out: this backend stands aside and the
    password is checked as usual."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
