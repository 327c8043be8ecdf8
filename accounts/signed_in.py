"""The user of a view that only signed-in users reach."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from accounts.models import User


def signed_in_user(user: User | AnonymousUser) -> User:
    """`request.user` in a view behind login_required, a permission or IsAuthenticated,
    for the services that record who acted. Anonymous here would be a missing guard."""
    if not isinstance(user, User):
        raise PermissionDenied
    return user
