"""POST /questions/<slug>/forecast/: percent in, probability stored, every
refusal a 400 on the question page with the reason next to the field."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from forecasts.forms import PERCENT_LIMITS, ForecastForm, percent_text
from forecasts.models import Forecast
from tests.factories import ForecastFactory, QuestionFactory

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


@pytest.mark.parametrize(
    ("percent", "stored"),
    [("0.1", 0.001), ("99.9", 0.999), ("50", 0.5), ("62.50", 0.625), ("62.5", 0.625)],
)
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
        # The API's rule: steps of 0.1 %, more refused rather than rounded.
        ("62.55", "at most one decimal place (steps of 0.1%), e.g. 62.5; you entered 62.55%."),
        ("0.15", "at most one decimal place"),
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


# --- The slider beside the number field -----------------------------------------------------


def form_html(page: str) -> str:
    start = page.index('<form method="post" action="/questions/')
    return page[start : page.index("</form>", start)]


def slider_tag(page: str) -> str:
    return re.search(r'<input type="range"[^>]*>', page).group(0)


def test_the_slider_is_labelled_shares_the_limits_and_waits_for_the_script(user_client, question):
    form = form_html(
        user_client.get(reverse("questions:detail", args=[question.slug])).content.decode()
    )
    number = re.search(r'<input type="number"[^>]*>', form).group(0)
    slider = slider_tag(form)
    for limit in ('min="0.1"', 'max="99.9"', 'step="0.1"'):
        assert limit in number and limit in slider
    assert 'id="id_percent"' in number
    assert 'id="id_percent_slider"' in slider
    # Only the number field is submitted: the slider has no name.
    assert "name=" not in slider
    assert '<label for="id_percent_slider">' in form
    assert 'aria-controls="id_percent"' in slider
    assert 'aria-describedby="id_percent_slider_hint"' in slider
    assert "Page Up / Page Down 10 points" in form
    # Hidden until question.js shows it, so without scripts only the working field shows.
    assert "data-percent-slider hidden" in form
    assert 'value="50"' in slider
    # The number field comes first and is required; the slider follows it.
    assert form.index('id="id_percent"') < form.index('id="id_percent_slider"')


def test_the_form_starts_from_the_latest_forecast(user_client, user, question):
    now = timezone.now()
    ForecastFactory(question=question, user=user, probability=0.3, created_at=now - timedelta(2))
    ForecastFactory(question=question, user=user, probability=0.625, created_at=now - timedelta(1))
    form = form_html(
        user_client.get(reverse("questions:detail", args=[question.slug])).content.decode()
    )
    assert re.search(r'<input type="number" name="percent" value="62.5"', form)
    assert 'value="62.5"' in slider_tag(form)
    assert 'aria-valuetext="62.5%"' in slider_tag(form)


@pytest.mark.parametrize(
    ("typed", "slider"), [("abc", "50"), ("150", "99.9"), ("-1", "0.1"), ("0.05", "0.1")]
)
def test_a_refused_number_keeps_what_was_typed_and_a_sensible_slider(
    user_client, question, typed, slider
):
    response = user_client.post(submit_url(question), {"percent": typed})
    assert response.status_code == 400
    form = form_html(response.content.decode())
    assert f'value="{typed}"' in re.search(r'<input type="number"[^>]*>', form).group(0)
    assert f'value="{slider}"' in slider_tag(form)
    assert Forecast.objects.count() == 0


@pytest.mark.parametrize(
    ("probability", "text"),
    [(0.625, "62.5"), (0.5, "50"), (0.001, "0.1"), (0.999, "99.9"), (0.3, "30")],
)
def test_percent_text(probability, text):
    assert percent_text(probability) == text


@pytest.mark.parametrize(
    ("data", "initial", "expected"),
    [
        (None, None, "50"),
        (None, {"percent": "62.5"}, "62.5"),
        ({"percent": "12.34"}, None, "12.3"),
        ({"percent": "NaN"}, None, "50"),
        ({"percent": "Infinity"}, None, "50"),
        ({"percent": ""}, {"percent": "40"}, "50"),
        ({"percent": "0"}, None, "0.1"),
    ],
)
def test_slider_value(data, initial, expected):
    assert ForecastForm(data, initial=initial).slider_value == expected


def test_the_number_field_and_slider_limits_are_the_forms():
    assert ForecastForm().percent_limits == {"min": "0.1", "max": "99.9", "step": "0.1"}
    widget = ForecastForm().fields["percent"].widget
    assert {key: widget.attrs[key] for key in ("min", "max", "step")} == PERCENT_LIMITS


def rendered_key(page: str) -> str:
    match = re.search(r'<input type="hidden" name="idempotency_key" value="([^"]+)"', page)
    assert match, "the form has no idempotency key"
    return match.group(1)


def test_the_form_carries_a_new_key_each_time_the_page_is_rendered(user_client, question):
    detail = reverse("questions:detail", args=[question.slug])
    first = rendered_key(user_client.get(detail).content.decode())
    second = rendered_key(user_client.get(detail).content.decode())
    assert first != second and len(first) == 32


def test_a_double_submit_or_a_resubmit_after_reload_stores_one_forecast(user_client, question):
    key = rendered_key(
        user_client.get(reverse("questions:detail", args=[question.slug])).content.decode()
    )
    posted = {"percent": "62.5", "rationale": "Talks stalled.", "idempotency_key": key}
    responses = [user_client.post(submit_url(question), posted) for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 302]
    forecast = Forecast.objects.get()
    assert (forecast.probability, forecast.rationale) == (0.625, "Talks stalled.")
    # Each answer is the first's: the forecast saved, and the page to see it on.
    assert [str(m) for m in get_messages(responses[-1].wsgi_request)][-1] == (
        "Forecast saved: 62.5% chance of yes."
    )


def test_a_used_form_sent_with_other_values_asks_to_submit_again(user_client, question):
    key = rendered_key(
        user_client.get(reverse("questions:detail", args=[question.slug])).content.decode()
    )
    user_client.post(submit_url(question), {"percent": "40", "idempotency_key": key})
    # Back, another number, submit: the old key no longer fits.
    response = user_client.post(submit_url(question), {"percent": "55", "idempotency_key": key})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This form was already used to save a forecast." in page
    assert 'name="percent" value="55"' in page
    fresh = rendered_key(page)
    assert fresh != key
    assert Forecast.objects.count() == 1
    # The page's new key saves the new forecast.
    again = user_client.post(submit_url(question), {"percent": "55", "idempotency_key": fresh})
    assert again.status_code == 302
    assert list(Forecast.objects.order_by("id").values_list("probability", flat=True)) == [
        0.4,
        0.55,
    ]


def test_a_bad_key_is_refused_above_the_form(user_client, question):
    response = user_client.post(
        submit_url(question), {"percent": "40", "idempotency_key": "k" * 101}
    )
    assert response.status_code == 400
    assert "This form could not be read: reload the page and submit." in response.content.decode()
    assert Forecast.objects.count() == 0
