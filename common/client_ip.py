"""The client's IP address, one rule for the login lockout (django-axes) and the rate
limits (DRF throttles, and the web forms' decorator in common.throttling)."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: Any) -> str | None:
    """REMOTE_ADDR, unless `NUM_PROXIES` trusted proxies stand in front of the site: then
    the address the outermost of them saw, which is that many entries from the right of
    X-Forwarded-For (each proxy appends the address it was reached from; what lies to the
    left of that came from the client and proves nothing). With NUM_PROXIES=0, the
    default, X-Forwarded-For is ignored, so a client cannot pick its own address to slip a
    limit. The same rule as DRF's NUM_PROXIES; a header too short for the count, or an
    entry that is not an address, falls back to REMOTE_ADDR. `request` is Django's or
    DRF's request."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or None
    proxies: int = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = forwarded.split(",")
    if len(hops) < proxies:
        return remote
    return _address(hops[-proxies]) or remote
