"""Anonymous visitors share a page rendered a few seconds ago; anyone identified gets a
fresh one."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/questions/cached-q/", "/api/questions/", "/api/questions/cached-q/"]


@pytest.fixture(autouse=True)
def caching(settings):
    settings.FORESEER_ANONYMOUS_CACHE_SECONDS = 30
    cache.clear()
    QuestionFactory(slug="cached-q", title="A cached question")
    yield
    cache.clear()


def queries(client, path: str, **extra) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content


@pytest.mark.parametrize("path", PAGES)
def test_a_second_anonymous_visit_is_served_from_the_cache(client, path):
    first, body = queries(client, path)
    assert first > 0
    again, same = queries(client, path)
    assert again == 0 and same == body


def test_a_new_question_appears_once_the_page_expires(client):
    queries(client, "/")
    QuestionFactory(title="Published a moment later")
    assert b"Published a moment later" not in client.get("/").content
    cache.clear()  # as the period ending does
    assert b"Published a moment later" in client.get("/").content


@pytest.mark.parametrize("path", PAGES)
def test_a_logged_in_visitor_always_gets_a_fresh_page(client, path):
    queries(client, path)  # cached for the anonymous
    client.force_login(UserFactory())
    fresh, _ = queries(client, path)
    assert fresh > 0


def test_an_api_client_with_a_token_gets_a_fresh_answer(api_client):
    queries(api_client, "/api/questions/cached-q/")
    token = Token.objects.create(user=UserFactory())
    fresh, body = queries(
        api_client, "/api/questions/cached-q/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert fresh > 0
    assert b'"my_forecasts":[]' in body


def test_formats_are_kept_apart(api_client):
    _, json_body = queries(api_client, "/api/questions/")
    _, page_body = queries(api_client, "/api/questions/", HTTP_ACCEPT="text/html")
    assert json_body != page_body


def test_the_cache_can_be_turned_off(client, settings):
    settings.FORESEER_ANONYMOUS_CACHE_SECONDS = 0
    queries(client, "/")
    again, _ = queries(client, "/")
    assert again > 0
