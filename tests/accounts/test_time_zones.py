"""Times in the viewer's zone: which zone a request gets (the account's setting, else the
browser's cookie, else UTC), the `when` tag, the staff's UTC forms, and the API staying
in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.middleware import TIME_ZONE_COOKIE, ViewerTimeZoneMiddleware
from questions.forms import QuestionResolveForm
from tests.factories import ClarificationFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)


def zone_seen(*, user=None, cookie: str | None = None, path: str = "/questions/") -> str:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    if cookie is not None:
        request.COOKIES[TIME_ZONE_COOKIE] = cookie
    ViewerTimeZoneMiddleware(view)(request)
    # The zone does not outlive the request.
    assert timezone.get_current_timezone_name() == "UTC"
    return seen[0]


def test_the_accounts_setting_beats_the_browsers_cookie():
    seoul = UserFactory(time_zone="Asia/Seoul")
    assert zone_seen(user=seoul, cookie="Europe/Paris") == "Asia/Seoul"


def test_the_browsers_cookie_is_used_without_a_setting():
    assert zone_seen(user=UserFactory(), cookie="Europe/Paris") == "Europe/Paris"
    assert zone_seen(cookie="America/New_York") == "America/New_York"


@pytest.mark.parametrize("cookie", [None, "", "Mars/Olympus", "../../etc/passwd", "x" * 300])
def test_otherwise_utc_and_a_bad_cookie_is_ignored(cookie):
    assert zone_seen(cookie=cookie) == "UTC"


def test_the_api_gets_no_zone():
    seoul = UserFactory(time_zone="Asia/Seoul")
    assert zone_seen(user=seoul, cookie="Europe/Paris", path="/api/questions/") == "UTC"


# --- The tag --------------------------------------------------------------------------------------


def render_when(value) -> str:
    return Template("{% load foreseer %}{% when value %}").render(Context({"value": value}))


def test_when_shows_the_viewers_time_with_utc_as_value_and_title():
    with timezone.override("Asia/Seoul"):
        html = render_when(MOMENT)
    assert html == (
        '<time datetime="2026-03-05T18:00:00+00:00" title="2026-03-05 18:00 UTC">'
        "2026-03-06 03:00 KST</time>"
    )
    assert render_when(MOMENT).endswith(">2026-03-05 18:00 UTC</time>")
    assert render_when(None) == "—"


# --- The staff's forms mean UTC ----------------------------------------------------------------


def test_a_form_labelled_utc_reads_and_shows_utc_in_any_zone():
    with timezone.override("Asia/Seoul"):
        form = QuestionResolveForm({"outcome": "yes", "known_at": "2026-03-05T18:00:00"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["known_at"] == MOMENT
        shown = QuestionResolveForm(initial={"known_at": MOMENT})["known_at"].value()
    assert shown.replace(tzinfo=None) == MOMENT.replace(tzinfo=None)


# --- The pages in the viewer's zone, the API in UTC ---------------------------------------------


def test_a_seoul_reader_gets_seoul_on_the_page_and_utc_from_the_api():
    seoul = UserFactory(username="seoul", time_zone="Asia/Seoul")
    question = QuestionFactory(
        open_time=MOMENT - timedelta(days=1), scheduled_close_time=MOMENT + timedelta(days=900)
    )
    ClarificationFactory(question=question, text="A note.", created_at=MOMENT)

    web = Client()
    web.force_login(seoul)
    page = web.get(f"/questions/{question.slug}/").content.decode()
    assert (
        '<time datetime="2026-03-05T18:00:00+00:00" title="2026-03-05 18:00 UTC">'
        "2026-03-06 03:00 KST</time>"
    ) in page

    api = APIClient()
    api.force_authenticate(seoul)
    body = api.get(f"/api/questions/{question.slug}/").json()
    assert body["open_time"] == "2026-03-04T18:00:00Z"
    # The same through the session the pages use, with the browser's cookie.
    web.cookies[TIME_ZONE_COOKIE] = "Asia/Seoul"
    body = web.get(f"/api/questions/{question.slug}/").json()
    assert body["open_time"] == "2026-03-04T18:00:00Z"


def test_the_browsers_zone_reaches_an_anonymous_page():
    question = QuestionFactory(open_time=MOMENT, scheduled_close_time=MOMENT + timedelta(days=900))
    client = Client()
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Seoul"
    page = client.get(f"/questions/{question.slug}/").content.decode()
    assert 'title="2026-03-05 18:00 UTC">2026-03-06 03:00 KST</time>' in page
    client.cookies[TIME_ZONE_COOKIE] = "Nowhere/Special"
    page = client.get(f"/questions/{question.slug}/").content.decode()
    assert 'title="2026-03-05 18:00 UTC">2026-03-05 18:00 UTC</time>' in page


def test_the_base_template_loads_the_zone_script(client):
    page = client.get("/questions/").content.decode()
    assert "foreseer/time-zone.js" in page
    # The script reads which zone the page's times are in, and whether the account chose it.
    assert '<html lang="en" data-time-zone="UTC">' in page
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Seoul"
    assert (
        '<html lang="en" data-time-zone="Asia/Seoul">' in client.get("/questions/").content.decode()
    )
    client.force_login(UserFactory(time_zone="Europe/Lisbon"))
    page = client.get("/questions/").content.decode()
    assert '<html lang="en" data-time-zone="Europe/Lisbon" data-time-zone-chosen>' in page


def test_anonymous_pages_are_cached_per_time_zone(settings):
    from django.core.cache import cache

    settings.FORESEER_ANONYMOUS_CACHE_SECONDS = 30
    cache.clear()
    question = QuestionFactory(open_time=MOMENT, scheduled_close_time=MOMENT + timedelta(days=900))
    url = f"/questions/{question.slug}/"
    try:
        utc_page = Client().get(url).content.decode()
        seoul = Client()
        seoul.cookies[TIME_ZONE_COOKIE] = "Asia/Seoul"
        seoul_page = seoul.get(url).content.decode()
    finally:
        cache.clear()
    assert ">2026-03-05 18:00 UTC</time>" in utc_page
    assert ">2026-03-06 03:00 KST</time>" in seoul_page


# --- Emails in the recipient's zone ----------------------------------------------------------


def test_local_and_utc():
    from common.templatetags.foreseer import local_and_utc

    assert local_and_utc(MOMENT) == "2026-03-05 18:00 UTC"
    with timezone.override("Asia/Seoul"):
        assert local_and_utc(MOMENT) == "2026-03-06 03:00 KST (2026-03-05 18:00 UTC)"
    assert local_and_utc(None) == "—"


def test_a_reminder_gives_times_in_the_recipients_zone_with_utc(settings):
    from django.core import mail

    from notifications.reminders import forecast_reminders_send

    seoul = UserFactory(username="seoul", time_zone="Asia/Seoul")
    plain = UserFactory(username="plain")
    opened = timezone.now() - timedelta(days=60)
    question = QuestionFactory(open_time=opened, scheduled_close_time=MOMENT + timedelta(days=3650))
    made = timezone.now() - timedelta(days=40)
    from tests.factories import ForecastFactory

    ForecastFactory(user=seoul, question=question, probability=0.3, created_at=made)
    ForecastFactory(user=plain, question=question, probability=0.3, created_at=made)
    assert forecast_reminders_send() == 2
    bodies = {message.to[0]: message.body for message in mail.outbox}
    close = question.scheduled_close_time
    assert (
        f"Closes: {close + timedelta(hours=9):%Y-%m-%d %H:%M} KST ({close:%Y-%m-%d %H:%M} UTC)"
        in (bodies["seoul@example.org"])
    )
    assert f"Closes: {close:%Y-%m-%d %H:%M} UTC\n" in bodies["plain@example.org"]


def test_texts_that_say_utc_stay_in_utc_in_any_zone():
    from django.template.loader import render_to_string

    question = QuestionFactory(
        published_at=None,
        open_time=MOMENT - timedelta(days=2),
        scheduled_close_time=MOMENT,
        scheduled_resolve_time=MOMENT + timedelta(days=1),
    )
    with timezone.override("Asia/Seoul"):
        banner = render_to_string(
            "pages/manage/_draft_banner.html",
            {"question": question, "user": UserFactory(is_staff=True)},
        )
    assert "Its close time (2026-03-05 18:00 UTC) has passed" in banner
