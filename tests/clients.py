"""Clients that act as a user: a page client logged in, and an API client
authenticated (or anonymous)."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User


def logged_in(user: User) -> Client:
    """A page client with `user` logged in."""
    client = Client()
    client.force_login(user)
    return client


def api_as(user: User | None) -> APIClient:
    """An API client authenticated as `user`, or anonymous for None."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
