import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from discussion.services import comment_post
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/auth/token/": {"post"},
    "/api/auth/signup/": {"post"},
    "/api/me/": {"get", "patch"},
    "/api/forecasters/{username}/": {"get"},
    "/api/questions/": {"get"},
    "/api/questions/{slug}/": {"get"},
    "/api/questions/{slug}/resolutions/": {"get"},
    "/api/questions/{slug}/resolve/": {"post"},
    "/api/questions/{slug}/scores/": {"get"},
    "/api/questions/{slug}/community/": {"get"},
    "/api/leaderboards/": {"get"},
    "/api/calibration/": {"get"},
    "/api/forecasts/": {"get", "post"},
    "/api/forecasts/{id}/": {"get"},
    "/api/staff/import/questions/": {"post"},
    "/api/staff/import/forecasts/": {"post"},
    "/api/questions/{slug}/withdraw/": {"post"},
    "/api/questions/{slug}/reaffirm/": {"post"},
    "/api/staff/export/scores/": {"get"},
    "/api/articles/": {"get", "post"},
    "/api/articles/{slug}/": {"get"},
    "/api/claims/": {"get", "post"},
    "/api/claims/{id}/": {"get", "patch"},
    "/api/claims/{id}/accept/": {"post"},
    "/api/claims/{id}/dismiss/": {"post"},
    "/api/claims/propose/": {"post"},
    "/api/speakers/": {"get", "post"},
    "/api/speakers/{slug}/": {"get", "patch"},
    "/api/outlets/": {"get", "post"},
    "/api/outlets/{slug}/": {"get", "patch"},
    "/api/track-records/": {"get"},
    "/api/track-records/terms/": {"get"},
    "/api/track-records/articles/{slug}/": {"get"},
    "/api/track-records/authors/{slug}/": {"get"},
    "/api/track-records/speakers/{slug}/": {"get"},
    "/api/track-records/outlets/{slug}/": {"get"},
    "/api/questions/{slug}/comments/": {"get", "post"},
    "/api/comments/{id}/": {"get", "patch"},
    "/api/comments/{id}/vote/": {"post", "delete"},
    "/api/comments/{id}/hide/": {"post"},
    "/api/comments/{id}/unhide/": {"post"},
    "/api/rationales/": {"get", "post"},
    "/api/following/": {"get"},
    "/api/questions/{slug}/follow/": {"get", "put", "post", "delete"},
    "/api/alerts/": {"get"},
    "/api/alerts/read/": {"post"},
    "/api/alert-preferences/": {"get", "patch"},
}


def test_schema_lists_every_endpoint_and_is_valid_openapi(api_client):
    response = api_client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert {path: set(operations) for path, operations in schema["paths"].items()} == ENDPOINTS
    # No way to change or delete a forecast is advertised.
    assert not {"put", "patch", "delete"} & set(schema["paths"]["/api/forecasts/{id}/"])


def test_schema_documents_requests_and_responses(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    submit = paths["/api/forecasts/"]["post"]
    assert submit["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Forecast"
    }
    probability = components["ForecastSubmitRequest"]["properties"]["probability"]
    assert (probability["type"], probability["minimum"], probability["maximum"]) == (
        "number",
        0.001,
        0.999,
    )
    filters = {p["name"] for p in paths["/api/questions/"]["get"]["parameters"]}
    assert {"status", "tag", "article", "search", "limit", "offset"} <= filters
    export = {p["name"] for p in paths["/api/staff/export/scores/"]["get"]["parameters"]}
    assert export == {"question", "format"}
    assert set(paths["/api/staff/export/scores/"]["get"]["responses"]["200"]["content"]) == {
        "text/csv",
        "application/json",
    }
    assert "Daily Brier: " in str(components["Rules"])
    assert "0 best, 2 worst" in str(components["Rules"])
    assert set(components["QuestionDetail"]["properties"]) >= {
        "provenance",
        "successor_of",
        "community_at_close",
        "my_forecasts",
        "community",
    }


def test_schema_generates_without_warnings():
    # --fail-on-warn turns any drf-spectacular warning (an undocumented
    # parameter, a guessed type) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


def test_docs_page_is_html(api_client):
    response = api_client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()
    assert reverse("api:schema").encode() in response.content


THROTTLED_OPERATIONS = {
    ("/api/auth/token/", "post"),
    ("/api/auth/signup/", "post"),
    ("/api/forecasts/", "post"),
    ("/api/staff/import/questions/", "post"),
    ("/api/staff/import/forecasts/", "post"),
    ("/api/questions/{slug}/withdraw/", "post"),
    ("/api/questions/{slug}/reaffirm/", "post"),
    # Staff writes to articles, claims, speakers and outlets.
    ("/api/articles/", "post"),
    ("/api/claims/", "post"),
    ("/api/claims/{id}/", "patch"),
    ("/api/claims/{id}/accept/", "post"),
    ("/api/claims/{id}/dismiss/", "post"),
    ("/api/claims/propose/", "post"),
    ("/api/speakers/", "post"),
    ("/api/speakers/{slug}/", "patch"),
    ("/api/outlets/", "post"),
    ("/api/outlets/{slug}/", "patch"),
    # Comments, replies, edits, upvotes, moderation and shared rationales.
    ("/api/questions/{slug}/comments/", "post"),
    ("/api/comments/{id}/", "patch"),
    ("/api/comments/{id}/vote/", "post"),
    ("/api/comments/{id}/vote/", "delete"),
    ("/api/comments/{id}/hide/", "post"),
    ("/api/comments/{id}/unhide/", "post"),
    ("/api/rationales/", "post"),
    # Following, marking alerts read or seen, and the alert preferences.
    ("/api/questions/{slug}/follow/", "put"),
    ("/api/questions/{slug}/follow/", "post"),
    ("/api/questions/{slug}/follow/", "delete"),
    ("/api/alerts/read/", "post"),
    ("/api/alert-preferences/", "patch"),
}


def test_schema_documents_429_where_a_rate_limit_applies(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    documented = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "429" in operation["responses"]
    }
    assert documented == THROTTLED_OPERATIONS
    for path, method in THROTTLED_OPERATIONS:
        throttled = schema["paths"][path][method]["responses"]["429"]
        assert throttled["headers"]["Retry-After"]["schema"] == {"type": "integer"}
        assert throttled["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Throttled"
        }
        # Only the 429 carries the header.
        others = schema["paths"][path][method]["responses"]
        assert [code for code in others if "headers" in others[code]] == ["429"]
    assert schema["components"]["schemas"]["Throttled"]["required"] == ["detail"]
    token = schema["paths"]["/api/auth/token/"]["post"]["responses"]["429"]
    assert "too many failed logins" in token["description"]


def test_every_operation_documents_the_errors_it_can_answer_as_json(api_client):
    """Every endpoint refuses a control character in the query string (400); an endpoint
    that authenticates refuses a token that does not exist (403); one with a path
    parameter may find nothing (404); one with a body may not read its Content-Type
    (415). Each error is JSON with a schema: what tests/api/test_schemathesis.py holds
    the answers to."""
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert components["ValidationErrors"]["type"] == "object"
    unauthenticated = {("/api/auth/token/", "post"), ("/api/auth/signup/", "post")}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"400"}
            if (path, method) not in unauthenticated:
                expected.add("403")
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected.add("415")
            assert expected <= set(responses), (method, path)
            for code, response in responses.items():
                if code.startswith("4") and code != "429":  # 429: Throttled, tested above
                    body = "ValidationErrors" if code == "400" else "Error"
                    assert response["content"] == {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}
                    }, (method, path, code)
    # A view's own words about an error are kept.
    resolve = schema["paths"]["/api/questions/{slug}/resolve/"]["post"]["responses"]
    assert resolve["403"]["description"] == "Not staff."


def test_an_empty_query_value_is_documented_as_a_parameter_not_given(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    assert parameter.get("allowEmptyValue") is True, (method, path, parameter)
    board = api_client.get("/api/leaderboards/", {"scope": "", "rule": "", "limit": ""})
    assert board.status_code == 200
    assert (board.json()["scope"], board.json()["rule"]) == ("all", "accuracy")


TRACKING = (
    "/api/articles/",
    "/api/claims/",
    "/api/speakers/",
    "/api/outlets/",
    "/api/track-records/",
)


def test_prediction_tracking_operations_are_described(api_client):
    """Each operation on articles, claims, speakers, outlets and track records has a
    summary and a tag, says in words what each of its parameters is, and lists its
    answers; those that download as CSV say so."""
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    csv = set()
    for path, operations in schema["paths"].items():
        if not path.startswith(TRACKING):
            continue
        for method, operation in operations.items():
            where = (method, path)
            assert operation.get("summary"), where
            assert operation.get("tags"), where
            for parameter in operation.get("parameters", []):
                assert parameter.get("description"), (*where, parameter["name"])
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            if "text/csv" in operation["responses"][ok].get("content", {}):
                csv.add(path)
    assert csv == {
        "/api/claims/",
        "/api/track-records/",
        "/api/track-records/terms/",
        *(
            f"/api/track-records/{kind}/{{slug}}/"
            for kind in ("articles", "authors", "speakers", "outlets")
        ),
    }
    claims = schema["paths"]["/api/claims/"]["get"]
    [tracking] = [p for p in claims["parameters"] if p["name"] == "tracking"]
    assert tracking["schema"]["enum"] == ["dismissed", "proposed", "tracked", "untracked"]
    claim = schema["components"]["schemas"]["Claim"]["properties"]
    assert claim["tracking"]["readOnly"] is True


@pytest.mark.parametrize(
    "url", ["/api/me/", "/api/questions/open-q/follow/", "/api/comments/{comment}/"]
)
def test_single_reads_refuse_a_query_parameter_they_do_not_take(db, url):
    user = UserFactory()
    question = QuestionFactory(slug="open-q")
    comment = comment_post(author=user, question=question, body="x")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(url.format(comment=comment.pk) + "?bogus=1")
    assert response.status_code == 400
    assert list(response.json()) == ["bogus"]
