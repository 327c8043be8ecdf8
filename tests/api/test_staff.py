"""Staff imports and exports: staff only; a bad file writes nothing."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forecasts.models import Forecast
from questions.models import Article, Question
from scoring.models import Score
from scoring.services import community_user
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

QUESTIONS_URL = reverse("api:staff-import-questions")
FORECASTS_URL = reverse("api:staff-import-forecasts")
EXPORT_URL = reverse("api:staff-export-scores")


def question_document(**overrides) -> dict:
    entry = {
        "slug": "imported-q",
        "title": "Will the imported event happen by {close_date}?",
        "type": "binary",
        "open_time": "2030-01-01T00:00:00Z",
        "scheduled_close_time": "2030-07-01T00:00:00Z",
        "scheduled_resolve_time": "2030-08-01T00:00:00Z",
        "resolution_criteria": "Resolves yes if it happens.",
        "tags": ["Korea", "security"],
        "provenance": {
            "article": "pillar",
            "passage": "It is likely to happen.",
            "implied_probability": {"low": 0.55, "high": 0.8, "table": "icd203", "term": "likely"},
        },
        **overrides,
    }
    return {
        "articles": [
            {
                "slug": "pillar",
                "title": "The Pillar",
                "publication_date": "2025-12-07",
                "text": "It is likely to happen.",
            }
        ],
        "questions": [entry],
    }


def upload(name: str, content: str, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content.encode(), content_type=content_type)


# --- question import ---------------------------------------------------------


def test_import_questions_from_an_uploaded_json_file(staff_client):
    file = upload("questions.json", json.dumps(question_document()), "application/json")
    response = staff_client.post(QUESTIONS_URL, {"file": file}, format="multipart")
    assert response.status_code == 201
    assert response.json() == {
        "created": ["imported-q"],
        "updated": [],
        "unchanged": [],
        "articles_created": ["pillar"],
        "summary": "1 created, 0 updated, 0 unchanged; 1 new articles",
    }
    question = Question.objects.get(slug="imported-q")
    assert question.title == "Will the imported event happen by 2030-07-01?"
    assert question.article.slug == "pillar"
    assert sorted(question.tags.values_list("slug", flat=True)) == ["korea", "security"]
    assert (question.implied_probability_low, question.implied_probability_term) == (0.55, "likely")


def test_import_questions_from_yaml_then_again_unchanged(staff_client):
    text = (
        "articles:\n"
        "  - {slug: pillar, title: The Pillar, publication_date: 2025-12-07, text: Likely.}\n"
        "questions:\n"
        "  - slug: yaml-q\n"
        "    title: Will it happen?\n"
        "    type: binary\n"
        "    open_time: 2030-01-01T00:00:00Z\n"
        "    scheduled_close_time: 2030-07-01T00:00:00Z\n"
        "    scheduled_resolve_time: 2030-08-01T00:00:00Z\n"
        "    resolution_criteria: Yes if it happens.\n"
    )
    first = staff_client.post(QUESTIONS_URL, {"file": upload("q.yaml", text)}, format="multipart")
    assert (first.status_code, first.json()["created"]) == (201, ["yaml-q"])
    again = staff_client.post(QUESTIONS_URL, {"file": upload("q.yaml", text)}, format="multipart")
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["unchanged"]) == ([], ["yaml-q"])
    assert Question.objects.count() == 1


def test_import_questions_from_a_raw_json_body(staff_client):
    response = staff_client.post(QUESTIONS_URL, question_document(), format="json")
    assert response.status_code == 201
    assert response.json()["created"] == ["imported-q"]
    changed = question_document(resolution_criteria="Resolves yes if it really happens.")
    response = staff_client.post(QUESTIONS_URL, changed, format="json")
    assert (response.status_code, response.json()["updated"]) == (200, ["imported-q"])
    assert Question.objects.get().resolution_criteria == "Resolves yes if it really happens."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            json.dumps(question_document(title="")),
            "question 'imported-q': title: This field is required.",
        ),
        (
            json.dumps(question_document(open_time="2030-01-01T00:00:00")),
            "question 'imported-q': open_time: Give a time zone offset (times are UTC).",
        ),
        (
            json.dumps(question_document(slug="Bad Slug")),
            "question 'Bad Slug': slug: Use lowercase letters, digits and hyphens only.",
        ),
        ('{"questions": [', "Cannot parse the file"),
        ("questions: [unclosed", "Cannot parse the file"),
        (json.dumps({"questions": []}), "questions: must be a non-empty list."),
    ],
)
def test_a_bad_question_file_is_a_400_and_writes_nothing(staff_client, content, message):
    response = staff_client.post(
        QUESTIONS_URL, {"file": upload("q.yaml", content)}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["file"]
    assert message in body["file"][0]
    assert (Question.objects.count(), Article.objects.count()) == (0, 0)


def test_a_relative_text_file_cannot_reach_the_server_disk(staff_client):
    document = question_document()
    document["articles"][0].pop("text")
    document["articles"][0]["text_file"] = "articles/fractured-pillar.txt"
    response = staff_client.post(QUESTIONS_URL, document, format="json")
    assert response.status_code == 400
    assert "text_file: cannot read" in response.json()["file"][0]
    assert (Question.objects.count(), Article.objects.count()) == (0, 0)


def test_non_utf8_upload_is_a_400(staff_client):
    file = SimpleUploadedFile("q.json", b"\xff\xfe\x00bad")
    response = staff_client.post(QUESTIONS_URL, {"file": file}, format="multipart")
    assert response.status_code == 400
    assert "not UTF-8" in response.json()["file"][0]


def test_import_without_a_file_is_a_400_naming_file(staff_client):
    response = staff_client.post(QUESTIONS_URL, {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.parametrize("client_fixture", ["api_client", "forecaster_client"])
def test_only_staff_may_import_questions(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(QUESTIONS_URL, question_document(), format="json")
    assert response.status_code == 403
    assert not Question.objects.exists()


# --- forecast import ---------------------------------------------------------


@pytest.fixture
def window_question(db):
    return QuestionFactory(slug="window-q", open_time=timezone.now() - timedelta(days=5))


def forecast_csv(*rows: str) -> str:
    return "question,user,probability,created_at,rationale\n" + "".join(r + "\n" for r in rows)


def test_import_forecasts_from_csv(staff_client, window_question):
    day = (window_question.open_time + timedelta(days=1)).isoformat()
    later = (window_question.open_time + timedelta(days=2)).isoformat()
    UserFactory(username="alice")
    text = forecast_csv(f"window-q,alice,0.3,{day},seen", f"window-q,newcomer,0.65,{later},")
    response = staff_client.post(
        FORECASTS_URL, {"file": upload("f.csv", "\ufeff" + text, "text/csv")}, format="multipart"
    )
    assert response.status_code == 201
    assert response.json() == {
        "created": 2,
        "already_present": 0,
        "users_created": ["newcomer"],
        "summary": "2 forecasts imported, 0 already present; 1 new unclaimed accounts",
    }
    assert sorted(
        Forecast.objects.values_list("user__username", "probability", "origin", "rationale")
    ) == [("alice", 0.3, "import", "seen"), ("newcomer", 0.65, "import", "")]
    newcomer = User.objects.get(username="newcomer")
    assert (newcomer.origin, newcomer.has_usable_password()) == ("import", False)

    again = staff_client.post(
        FORECASTS_URL, {"file": upload("f.csv", text, "text/csv")}, format="multipart"
    )
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["already_present"]) == (0, 2)
    assert Forecast.objects.count() == 2


def test_a_bad_forecast_file_lists_every_problem_by_line(staff_client, window_question):
    day = (window_question.open_time + timedelta(days=1)).isoformat()
    text = forecast_csv(
        f"window-q,alice,0.3,{day},",
        f"window-q,bob,1.5,{day},",
        f"no-such-q,carol,0.5,{day},",
        "window-q,dave,0.5,2030-01-01T00:00:00,",
    )
    response = staff_client.post(
        FORECASTS_URL, {"file": upload("f.csv", text, "text/csv")}, format="multipart"
    )
    assert response.status_code == 400
    problems = response.json()["file"]
    assert [problem.split(":")[0] for problem in problems] == ["line 3", "line 4", "line 5"]
    assert "probability" in problems[0]
    assert "no question with slug 'no-such-q'" in problems[1]
    assert "no UTC offset" in problems[2]
    assert Forecast.objects.count() == 0
    assert not User.objects.filter(username__in=["alice", "bob", "carol", "dave"]).exists()


@pytest.mark.parametrize("moment", ["2026-01-01T12:99:00Z", "2026-02-30T00:00:00Z"])
def test_a_created_at_that_is_no_time_is_named_with_its_column(
    staff_client, window_question, moment
):
    response = staff_client.post(
        FORECASTS_URL,
        {"file": upload("f.csv", forecast_csv(f"window-q,alice,0.3,{moment},"), "text/csv")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {
        "file": [f"line 2: created_at: {moment!r} is not an ISO 8601 date-time"]
    }


def test_a_forecast_file_with_a_bad_header(staff_client):
    response = staff_client.post(
        FORECASTS_URL, {"file": upload("f.csv", "slug,who\nx,y\n", "text/csv")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["file"][0].startswith("line 1: header must be")


def test_forecast_import_needs_a_file(staff_client):
    response = staff_client.post(FORECASTS_URL, {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.parametrize("client_fixture", ["api_client", "forecaster_client"])
def test_only_staff_may_import_forecasts(request, client_fixture, window_question):
    client = request.getfixturevalue(client_fixture)
    day = (window_question.open_time + timedelta(days=1)).isoformat()
    text = forecast_csv(f"window-q,mallory,0.3,{day},")
    response = client.post(
        FORECASTS_URL, {"file": upload("f.csv", text, "text/csv")}, format="multipart"
    )
    assert response.status_code == 403
    assert Forecast.objects.count() == 0


# --- score export ------------------------------------------------------------


SCORE_COLUMNS = (
    "forecasts",
    "daily_brier",
    "active_days",
    "participation",
    "accuracy",
    "baseline",
    "peer",
    "log",
    "coverage",
)


@pytest.fixture
def scores(db):
    """One wide row per (question, user), the community forecast's included. Bob's
    forecast on the first question came after its last full day: no daily values."""
    first, second = QuestionFactory(slug="a-question"), QuestionFactory(slug="b-question")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for question, user, values in [
        (first, alice, (2, 0.125, 1, 0.5, -0.25, 10.0, 5.0, -0.5, 0.75)),
        (first, bob, (1, None, 0, None, None, -3.0, -5.0, -0.9, 0.25)),
        (first, community_user(), (3, 0.25, 1, 0.5, 0.0, 4.0, 0.5, -0.6, 0.75)),
        (second, bob, (1, 1.5, 2, 1.0, 0.0, -60.0, 0.0, -1.6, 1.0)),
    ]:
        Score.objects.create(
            question=question, user=user, **dict(zip(SCORE_COLUMNS, values, strict=True))
        )


def test_export_one_question_as_csv(staff_client, scores):
    response = staff_client.get(EXPORT_URL, {"question": "a-question", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="scores-a-question.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # Long rows, every rule; a null daily value is left out; coverage is participation for
    # the daily rules and the time coverage for the others.
    assert rows == [
        ["question", "user", "rule", "value", "coverage"],
        ["a-question", "alice", "accuracy", "-0.25", "0.5"],
        ["a-question", "alice", "baseline", "10.0", "0.75"],
        ["a-question", "alice", "daily_brier", "0.125", "0.5"],
        ["a-question", "alice", "log", "-0.5", "0.75"],
        ["a-question", "alice", "peer", "5.0", "0.75"],
        ["a-question", "bob", "baseline", "-3.0", "0.25"],
        ["a-question", "bob", "log", "-0.9", "0.25"],
        ["a-question", "bob", "peer", "-5.0", "0.25"],
        ["a-question", "community", "accuracy", "0.0", "0.5"],
        ["a-question", "community", "baseline", "4.0", "0.75"],
        ["a-question", "community", "daily_brier", "0.25", "0.5"],
        ["a-question", "community", "log", "-0.6", "0.75"],
        ["a-question", "community", "peer", "0.5", "0.75"],
    ]


def test_export_everything_as_json(staff_client, scores):
    response = staff_client.get(EXPORT_URL, {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="scores-all.json"'
    rows = json.loads(response.content)
    assert len(rows) == 5 + 3 + 5 + 5
    assert rows[-2:] == [
        {"question": "b-question", "user": "bob", "rule": "log", "value": -1.6, "coverage": 1.0},
        {"question": "b-question", "user": "bob", "rule": "peer", "value": 0.0, "coverage": 1.0},
    ]


def test_export_defaults_to_csv(staff_client, scores):
    response = staff_client.get(EXPORT_URL, {"question": "b-question"})
    assert response.content.decode() == (
        "question,user,rule,value,coverage\n"
        "b-question,bob,accuracy,0.0,1.0\n"
        "b-question,bob,baseline,-60.0,1.0\n"
        "b-question,bob,daily_brier,1.5,1.0\n"
        "b-question,bob,log,-1.6,1.0\n"
        "b-question,bob,peer,0.0,1.0\n"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"question": "nope", "format": "csv"}, "question"),
        ({"question": "a-question", "format": "xml"}, "format"),
    ],
)
def test_export_bad_parameters_are_a_400_naming_them(staff_client, scores, params, field):
    response = staff_client.get(EXPORT_URL, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("client_fixture", ["api_client", "forecaster_client"])
def test_only_staff_may_export(request, client_fixture, scores):
    client = request.getfixturevalue(client_fixture)
    response = client.get(EXPORT_URL, {"format": "csv"})
    assert response.status_code == 403
    assert b"alice" not in response.content
