"""Hostile and careless input gets a 400 naming what was wrong, never a 500, and nothing
the API sends or reads is unbounded."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from common.pagination import MAX_OFFSET, MAX_PAGE_SIZE
from forecasts.models import RATIONALE_MAX_LENGTH, Forecast
from forecasts.services import probability_clean
from questions.imports import load_document, placeholders_render
from scoring.api.serializers import COMMUNITY_DEFAULT_POINTS
from scoring.services.community import community_update
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

QUESTIONS = "/api/questions/"
FORECASTS = "/api/forecasts/"


@pytest.fixture
def open_question():
    return QuestionFactory(slug="open-q")


# --- Paging -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "99999999999999999999"}, "limit"),
        ({"limit": str(MAX_PAGE_SIZE + 1)}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "１０"}, "limit"),
        ({"offset": "99999999999999999999"}, "offset"),
        ({"offset": str(MAX_OFFSET + 1)}, "offset"),
        ({"offset": "-1"}, "offset"),
    ],
)
def test_paging_out_of_bounds_is_a_400_naming_it(api_client, open_question, params, field):
    response = api_client.get(QUESTIONS, params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_largest_page_is_served_and_documented(api_client, open_question):
    response = api_client.get(QUESTIONS, {"limit": MAX_PAGE_SIZE, "offset": MAX_OFFSET})
    assert response.status_code == 200
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    parameters = {p["name"]: p for p in schema["paths"][QUESTIONS]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == MAX_PAGE_SIZE


def test_a_leaderboard_offset_past_any_board_is_refused(api_client):
    response = api_client.get(reverse("api:leaderboard"), {"offset": "99999999999999999999"})
    assert response.status_code == 400
    assert "offset" in response.json()


@pytest.mark.parametrize(
    ("url", "formats"),
    [
        (QUESTIONS, "json, api"),
        ("/api/questions/open-q/", "json, api"),
        ("/api/leaderboards/", "json, api, csv"),
        ("/api/questions/open-q/community/", "json, api, csv"),
    ],
)
def test_an_unknown_format_is_a_400_naming_format(api_client, open_question, url, formats):
    """Not DRF's 404: the resource is there, in the formats the answer lists."""
    response = api_client.get(url, {"format": "xml"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"format": [f"One of {formats}."]}
    assert api_client.get(url, {"format": "json"}).status_code == 200


# --- Control characters and nesting -----------------------------------------------------


@pytest.mark.parametrize("text", ["x\u0000", "x\u0007y", "\u001bq", "a\u009bb", "a\u007fb"])
def test_a_control_character_in_a_json_field_is_a_400_naming_it(
    forecaster_client, open_question, text
):
    for body, field in (
        ({"question": text, "probability": 0.5}, "question"),
        ({"question": "open-q", "probability": 0.5, "rationale": text}, "rationale"),
    ):
        response = forecaster_client.post(FORECASTS, body, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert not Forecast.objects.exists()


def test_tabs_and_line_breaks_are_text(forecaster_client, open_question):
    body = {"question": "open-q", "probability": 0.5, "rationale": "one\ttwo\r\nthree"}
    assert forecaster_client.post(FORECASTS, body, format="json").status_code == 201


def test_a_control_character_in_a_form_field_is_a_400(forecaster_client, open_question):
    response = forecaster_client.post(FORECASTS, {"question": "x\u0000", "probability": "0.5"})
    assert response.status_code == 400
    assert "question" in response.json()


@pytest.mark.parametrize("path", [QUESTIONS, "/", "/leaderboard/"])
def test_a_control_character_in_a_query_string_is_a_400(client, path):
    response = client.get(path, {"search" if path == QUESTIONS else "q": "x\u0000"})
    assert response.status_code == 400


def test_deep_json_is_a_400_not_a_crash(forecaster_client, staff_client):
    deep = "[" * 100_000 + "]" * 100_000
    response = forecaster_client.post(FORECASTS, deep, content_type="application/json")
    assert response.status_code == 400
    nested = json.dumps(
        {"question": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
    )
    response = forecaster_client.post(FORECASTS, nested, content_type="application/json")
    assert response.status_code == 400
    response = staff_client.post(
        "/api/staff/import/questions/", deep, content_type="application/json"
    )
    assert response.status_code == 400


def test_an_oversized_body_gets_a_json_400(forecaster_client, open_question, settings):
    body = json.dumps(
        {"question": "open-q", "probability": 0.5, "rationale": "a" * 2 * 1024 * 1024}
    )
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    response = forecaster_client.post(FORECASTS, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "larger than" in response.json()["detail"]


def test_one_rationale_limit_for_the_api_and_the_web(forecaster_client, client, open_question):
    too_long = "a" * (RATIONALE_MAX_LENGTH + 1)
    body = {"question": "open-q", "probability": 0.5, "rationale": too_long}
    response = forecaster_client.post(FORECASTS, body, format="json")
    assert response.status_code == 400
    assert "rationale" in response.json()
    client.force_login(UserFactory())
    page = client.post(
        reverse("forecasts:submit", args=["open-q"]), {"percent": "50", "rationale": too_long}
    )
    assert page.status_code == 400
    assert not Forecast.objects.exists()


# --- Probabilities ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0.5", " 0.5 ", ".5", "5e-1", "0.62", 0.5, 1 / 3])
def test_plain_decimals_are_probabilities(value):
    assert probability_clean(value) == pytest.approx(float(value))


@pytest.mark.parametrize("value", ["0.５", "0.5_0", "٠.٥", "0x1p-1", "½", "0,5", "5%"])
def test_other_spellings_are_not(value):
    with pytest.raises(Exception, match="not a number"):
        probability_clean(value)


# --- Files and placeholders -------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["{open_date.year}", "{open_date:>30000000}", "{open_date[0]}", "{nope}", "{", "}"]
)
def test_a_title_may_name_placeholders_and_nothing_else(text):
    values = {"open_date": "2026-01-01"}
    with pytest.raises(ValueError, match="is not a placeholder"):
        placeholders_render(f"Before {text} after", values)
    assert placeholders_render("{open_date} {{braces}}", values) == "2026-01-01 {braces}"


def test_a_question_file_with_a_nul_or_too_deep_is_rejected_by_name():
    from questions.imports import ImportFileError

    with pytest.raises(ImportFileError, match=r"line 2: .*U\+0000"):
        load_document("questions:\n- slug: a\u0000b\n")
    with pytest.raises(ImportFileError, match="deeper than"):
        load_document("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ImportFileError, match="deeper than"):
        load_document("x: " + "[" * 40 + "]" * 40)


def test_a_file_with_a_nul_is_a_400_from_the_import_endpoint(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("q.yaml", b"questions:\n- slug: a\x00b\n")
    response = staff_client.post("/api/staff/import/questions/", {"file": upload})
    assert response.status_code == 400
    assert "U+0000" in str(response.json())


# --- The community history --------------------------------------------------------------


def test_the_community_history_is_thinned_and_compressed_by_default(api_client):
    opened = timezone.now() - timedelta(days=20)
    question = QuestionFactory(slug="busy", open_time=opened)
    users = [UserFactory() for _ in range(40)]
    for i in range(COMMUNITY_DEFAULT_POINTS + 200):
        ForecastFactory(
            question=question,
            user=users[i % len(users)],
            probability=0.1 + (i % 80) / 100,
            created_at=opened + timedelta(minutes=10 * i),
        )
    community_update(question_id=question.pk)
    url = reverse("api:question-community", args=["busy"])
    response = api_client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(response.content))
    assert len(data["points"]) <= COMMUNITY_DEFAULT_POINTS
    assert api_client.get(url, {"max_points": 10_001}).status_code == 400
