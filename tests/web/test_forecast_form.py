"""POST /questions/<slug>/forecast/: percent in, probability stored, every
refusal a 400 on the question page with the reason next to the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from forecasts.models import Forecast
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db


def submit_url(question) -> str:
    return reverse("forecasts:submit", args=[question.slug])


def test_url_shape(question):
    assert submit_url(question) == "/questions/nk-escalation/forecast/"


def test_a_valid_percent_is_stored_as_a_probability_from_the_web(user_client, user, question):
    response = user_client.post(
        submit_url(question), {"percent": "62.5", "rationale": "  Talks stalled.  "}
    )
    assert response.status_code == 302
    assert response.url == reverse("questions:detail", args=[question.slug])
    forecast = Forecast.objects.get()
    assert forecast.probability == 0.625
    assert forecast.origin == Forecast.Origin.WEB
    assert forecast.user == user and forecast.question == question
    assert forecast.rationale == "Talks stalled."
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Forecast saved: 62.5% chance of yes."
    ]
    page = user_client.get(response.url).content.decode()
    assert "Forecast saved: 62.5% chance of yes." in page
    assert "Talks stalled." in page


@pytest.mark.parametrize(("percent", "stored"), [("0.1", 0.001), ("99.9", 0.999), ("50", 0.5)])
def test_the_boundaries_are_accepted(user_client, question, percent, stored):
    response = user_client.post(submit_url(question), {"percent": percent})
    assert response.status_code == 302
    assert Forecast.objects.get().probability == stored


def test_rationale_is_optional_and_forecasts_append(user_client, question):
    user_client.post(submit_url(question), {"percent": "40"})
    user_client.post(submit_url(question), {"percent": "45", "rationale": ""})
    assert list(Forecast.objects.order_by("id").values_list("probability", flat=True)) == [
        0.4,
        0.45,
    ]


@pytest.mark.parametrize(
    ("percent", "message"),
    [
        ("0", "Your probability of yes must be between 0.1% and 99.9%"),
        ("100", "Your probability of yes must be between 0.1% and 99.9%"),
        ("150", "(a probability between 0.001 and 0.999); you entered 150%."),
        ("-1", "you entered -1%."),
        ("0.05", "Your probability of yes must be between 0.1% and 99.9%"),
        ("abc", "Your probability of yes must be a number of percent, e.g. 62.5."),
        ("NaN", "Your probability of yes must be a number of percent, e.g. 62.5."),
        ("", "Enter your probability of yes as a percentage from 0.1 to 99.9."),
    ],
)
def test_bad_percents_are_a_400_with_the_message_next_to_the_field(
    user_client, question, percent, message
):
    response = user_client.post(submit_url(question), {"percent": percent, "rationale": "why"})
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('<div class="field field-error">') :]
    assert field.index('<label for="id_percent">') < field.index(message)
    assert field.index(message) < field.index('name="percent"')
    assert 'aria-invalid="true"' in field
    # The page is the question page again, with what was typed kept.
    assert "<h1>Will North Korea escalate significantly?</h1>" in page
    assert ">\nwhy</textarea>" in page
    assert Forecast.objects.count() == 0


def test_missing_percent_field_is_a_400(user_client, question):
    response = user_client.post(submit_url(question), {})
    assert response.status_code == 400
    assert Forecast.objects.count() == 0


def test_a_closed_question_refuses_the_form(user_client):
    now = timezone.now()
    question = QuestionFactory(
        open_time=now - timedelta(days=10), scheduled_close_time=now - timedelta(minutes=1)
    )
    response = user_client.post(submit_url(question), {"percent": "60"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This question is closed to forecasts." in page
    assert '<div class="alert alert-error" role="alert">' in page
    assert Forecast.objects.count() == 0


def test_an_upcoming_question_refuses_the_form(user_client):
    question = QuestionFactory(open_time=timezone.now() + timedelta(days=1))
    response = user_client.post(submit_url(question), {"percent": "60"})
    assert response.status_code == 400
    assert "This question opens at" in response.content.decode()
    assert Forecast.objects.count() == 0


def test_a_resolved_question_refuses_the_form(user_client, question):
    type(question).objects.filter(pk=question.pk).update(
        resolution="yes", known_at=timezone.now() - timedelta(minutes=5)
    )
    response = user_client.post(submit_url(question), {"percent": "60"})
    assert response.status_code == 400
    assert Forecast.objects.count() == 0


def test_anonymous_post_redirects_to_login_and_stores_nothing(client, question):
    response = client.post(submit_url(question), {"percent": "60"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/questions/nk-escalation/"
    assert Forecast.objects.count() == 0


def test_get_is_not_allowed(user_client, question):
    assert user_client.get(submit_url(question)).status_code == 405


def test_unknown_question_is_404(user_client, db):
    assert user_client.post("/questions/nope/forecast/", {"percent": "60"}).status_code == 404
