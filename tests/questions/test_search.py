"""One search for questions: `questions_search`, held to its limits by
`QuestionSearchField`, behind both the web list's box (`/?q=`) and the API's
`GET /api/questions/?search=`. The same words find the same questions through each, and
the same text is refused by each."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from questions.forms import QuestionSearchField
from questions.models import Question
from questions.selectors import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS, questions_search
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

WEB_LIST = reverse("questions:list")
API_LIST = reverse("api:question-list")


@pytest.fixture
def searchable(db):
    """Questions whose words sit in different parts of their text, and a draft that
    matches but is listed by neither (the visitor is anonymous)."""
    QuestionFactory(slug="danube", title="Will the Danube flood Budapest?")
    QuestionFactory(
        slug="snowmelt",
        title="River levels",
        background="Heavy snowmelt upstream of BUDAPEST.",
    )
    QuestionFactory(
        slug="bridges",
        title="Bridge closures",
        resolution_criteria="Resolves yes if a bridge in budapest closes for a day.",
    )
    QuestionFactory(
        slug="summit",
        title="Will Vienna host the summit?",
        background="A 50% chance, some say; the_summit is planned for spring.",
    )
    QuestionFactory(slug="draft", title="Budapest draft", published_at=None)


def web_slugs(client, text: str) -> set[str]:
    response = client.get(WEB_LIST, {"q": text})
    assert response.status_code == 200
    return {row["question"].slug for row in response.context["rows"]}


def api_slugs(api_client, text: str) -> set[str]:
    response = api_client.get(API_LIST, {"search": text})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None  # every match on one page
    return {item["slug"] for item in body["results"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("budapest", {"danube", "snowmelt", "bridges"}),
        ("BUDAPEST", {"danube", "snowmelt", "bridges"}),
        ("  Budapest  ", {"danube", "snowmelt", "bridges"}),
        ("danube budapest", {"danube"}),
        ("budapest bridge", {"bridges"}),
        ("snowmelt bridge", set()),  # each word, but not in the same question
        ("upstream", {"snowmelt"}),  # background only
        ("closes", {"bridges"}),  # resolution criteria only
        ("will", {"danube", "summit"}),
        ("zanzibar", set()),
        ("%", {"summit"}),  # the character itself, not a LIKE wildcard
        ("_", {"summit"}),
        ("", {"danube", "snowmelt", "bridges", "summit"}),
        ("   ", {"danube", "snowmelt", "bridges", "summit"}),
    ],
)
def test_the_web_list_and_the_api_find_the_same_questions(
    client, api_client, searchable, text, expected
):
    assert web_slugs(client, text) == expected
    assert api_slugs(api_client, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (" ".join(["word"] * (SEARCH_MAX_WORDS + 1)), "Search for at most 10 words."),
        (
            "x" * (SEARCH_MAX_LENGTH + 1),
            "Ensure this value has at most 200 characters (it has 201).",
        ),
    ],
    ids=["too-many-words", "too-long"],
)
def test_the_web_list_and_the_api_refuse_the_same_text(
    client, api_client, searchable, text, message
):
    page = client.get(WEB_LIST, {"q": text})
    assert page.status_code == 400
    assert page.context["filters"].errors == {"q": [message]}
    # The page still lists everything, unsearched.
    assert len(page.context["rows"]) == 4

    response = api_client.get(API_LIST, {"search": text})
    assert response.status_code == 400
    assert response.json() == {"search": [message]}


def test_the_limits_themselves_are_accepted_by_both(client, api_client, searchable):
    most_words = " ".join(["budapest"] * SEARCH_MAX_WORDS)
    longest = "budapest " + "b" * (SEARCH_MAX_LENGTH - len("budapest "))
    assert len(longest) == SEARCH_MAX_LENGTH
    assert (
        web_slugs(client, most_words)
        == api_slugs(api_client, most_words)
        == {
            "danube",
            "snowmelt",
            "bridges",
        }
    )
    assert web_slugs(client, longest) == api_slugs(api_client, longest) == set()


def test_the_api_searches_within_its_other_filters(api_client, searchable):
    Question.objects.filter(slug="snowmelt").update(resolution="no")
    response = api_client.get(API_LIST, {"search": "budapest", "status": "open"})
    assert {item["slug"] for item in response.json()["results"]} == {"danube", "bridges"}


# --- The pieces ----------------------------------------------------------------------------


def test_questions_search_narrows_any_queryset(searchable):
    drafts = Question.objects.drafts()
    assert list(questions_search(questions=drafts, text="budapest")) == [
        Question.objects.get(slug="draft")
    ]
    assert questions_search(questions=drafts, text="").count() == 1


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("", ""),
        ("  two   words ", "two words"),
        ("tab\tand\nnewline", "tab and newline"),
    ],
)
def test_the_field_joins_the_words_with_single_spaces(given, cleaned):
    assert QuestionSearchField().clean(given) == cleaned


def test_the_field_counts_words_not_spaces():
    spaced = "a" + " " * 150 + "b"
    assert QuestionSearchField().clean(spaced) == "a b"
    with pytest.raises(ValidationError) as refused:
        QuestionSearchField().clean(" ".join("abcdefghijk"))
    assert refused.value.messages == ["Search for at most 10 words."]


def test_the_api_schema_says_what_search_matches_and_refuses(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/questions/"]["get"]
    (search,) = [p for p in operation["parameters"] if p["name"] == "search"]
    assert "title, background or resolution criteria" in search["description"]
    assert "At most 10 words and 200 characters" in search["description"]
    assert "title, background or resolution criteria" in operation["description"]
    assert "(title)" not in operation["description"]
