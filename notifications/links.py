"""Absolute links for emails."""

from __future__ import annotations

from django.conf import settings


def site_url(path: str) -> str:
    """An absolute link for an email: there is no request to take the host from."""
    return f"{settings.FORESEER_SITE_URL}{path}"
