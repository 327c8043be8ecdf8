"""Two requests with one idempotency key at the same moment, on two threads and two
database connections: both look the key up before either has stored it (held at a
barrier), so a read before the write cannot keep them apart."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from rest_framework.test import APIClient

from forecasts import services


def race_with_one_key(
    monkeypatch: Any, user: Any, send: Callable[[APIClient], Any]
) -> list[tuple[int, Any, str | None]]:
    """`send` from two clients of `user` at once, each past its key lookup before either
    stores; the answers as (status, JSON body, Idempotent-Replayed)."""
    start, looked_up = threading.Barrier(2), threading.Barrier(2)
    first_lookup = threading.local()
    lookup = services._key_stored

    def lookup_then_wait(**kwargs: Any) -> Any:
        found = lookup(**kwargs)
        if not getattr(first_lookup, "done", False):
            first_lookup.done = True
            looked_up.wait(timeout=10)
        return found

    monkeypatch.setattr(services, "_key_stored", lookup_then_wait)
    answers: list[tuple[int, Any, str | None]] = []

    def request() -> None:
        client = APIClient()
        client.force_authenticate(user)
        try:
            start.wait(timeout=10)
            response = send(client)
            answers.append(
                (response.status_code, response.json(), response.get("Idempotent-Replayed"))
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
