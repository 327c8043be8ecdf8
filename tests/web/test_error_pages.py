"""With DEBUG off, as in production and under `make run`, a missing page, a refused page
and a failure are the site's own styled pages; staff pages refuse a forecaster without
logging a traceback; the favicon is found."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.test import Client, override_settings


@override_settings(DEBUG=False)
def test_404_is_the_styled_page(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'class="site-header"' in body
    assert "Back to the questions" in body


@override_settings(DEBUG=False)
def test_api_404_stays_json(client, db):
    response = client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@override_settings(DEBUG=False)
def test_a_forecaster_at_manage_gets_the_styled_403_and_no_traceback(user_client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = user_client.get("/manage/", follow=True)
    assert response.status_code == 403
    body = response.content.decode()
    assert "Not allowed" in body
    assert "This page is for staff." in body
    assert 'class="site-header"' in body
    assert not [record for record in caplog.records if record.exc_info], caplog.text


@override_settings(DEBUG=False)
def test_a_raised_permission_denied_is_the_styled_403(db):
    # A page that raises PermissionDenied (the signed-in check, the admin) reaches
    # handler403.
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from common.views import permission_denied

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied("Not yours."))
    assert response.status_code == 403
    assert "Not yours." in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF="tests.web.error_urls")
def test_500_is_the_static_styled_page(db):
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "foreseer/site.css" in body
    api = client.get("/api/broken/")
    assert api.status_code == 500
    assert api.json() == {"detail": "Server error."}


@override_settings(DEBUG=False, ROOT_URLCONF="tests.web.error_urls")
def test_500_page_renders_when_the_database_is_down(db, django_db_blocker):
    # The page needs no database and no context processor: block the database
    # entirely (as when it is the database that failed) and render it.
    from django.test import RequestFactory

    from common.views import server_error

    with django_db_blocker.block():
        response = server_error(RequestFactory().get("/broken/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_every_page_links_the_favicon_and_favicon_ico_redirects_to_it(client, db):
    page = client.get("/")
    assert 'rel="icon" href="/static/foreseer/favicon.svg"' in page.content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/foreseer/favicon.svg"
    from django.contrib.staticfiles import finders

    found = finders.find("foreseer/favicon.svg")
    assert found and "<svg" in Path(found).read_text(encoding="utf-8")


@pytest.mark.parametrize("template", ["403.html", "404.html", "500.html"])
def test_error_pages_are_in_the_site_templates(template):
    from django.template.loader import get_template

    assert get_template(template).origin.name.endswith(f"common/templates/{template}")
