"""/analysis/questions/ and /analysis/questions/<slug>/: for analysts and staff, the scored
questions (search, tag, article, pages) and every forecaster's scores on one of them under
every rule, with the community forecast's row, sortable, downloadable; fixed queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from questions.models import Question, Tag
from scoring import views
from scoring.models import QuestionScoring
from scoring.services import community_user
from tests.clients import logged_in
from tests.factories import ArticleFactory, QuestionFactory, UserFactory
from tests.web.analysts import analyst_user, queries_for, score

pytestmark = pytest.mark.django_db

LIST = "/analysis/questions/"


def detail(slug: str) -> str:
    return f"/analysis/questions/{slug}/"


def resolved(slug: str, *, outcome: str = "yes", day: int = 1, **fields) -> Question:
    known = datetime(2025, 3, day, tzinfo=UTC)
    question = QuestionFactory(
        slug=slug,
        title=fields.pop("title", f"Will {slug} happen?"),
        open_time=known - timedelta(days=20),
        scheduled_close_time=known - timedelta(days=1),
        resolution=outcome,
        known_at=known,
        resolution_set_at=known,
        **fields,
    )
    QuestionScoring.objects.create(
        question=question, scored_at=known, users_scored=3, scored_days=19, crowd_mean=0.321
    )
    return question


@pytest.fixture
def analyst_client(db):
    return logged_in(analyst_user())


@pytest.fixture
def board(db) -> Question:
    """One question with three forecasters and the community forecast."""
    question = resolved("board-q", title="Will the board question happen?")
    score(question, UserFactory(username="ann"), peer=12.5, accuracy=-0.2, daily_brier=0.1)
    score(question, UserFactory(username="bob"), peer=-20.0, accuracy=0.3, daily_brier=0.9)
    score(
        question,
        UserFactory(username="cat"),
        peer=7.5,
        accuracy=None,
        daily_brier=None,
        participation=None,
        forecasts=4,
    )
    score(question, community_user(), peer=3.0, accuracy=0.01, daily_brier=0.35)
    return question


def test_url_names():
    assert reverse("scoring:analysis_questions") == LIST
    assert reverse("scoring:analysis_question", args=["x"]) == detail("x")


@pytest.mark.parametrize("url", [LIST, detail("board-q")])
def test_roles(client, user, staff, board, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")
    response = logged_in(user).get(url)
    assert response.status_code == 403
    assert 'href="/me/record/"' in response.content.decode()
    assert "ann" not in response.content.decode()
    for who in (analyst_user(), staff):
        assert logged_in(who).get(url).status_code == 200


def test_the_list_of_scored_questions(analyst_client, board):
    resolved("later-q", outcome="no", day=9, title="A later one")
    resolved("annulled-q", outcome="annulled", day=5)
    QuestionFactory(slug="open-q", title="Still open")
    draft = resolved("draft-q", day=7)
    Question.objects.filter(pk=draft.pk).update(published_at=None)
    response = analyst_client.get(LIST)
    assert [q.slug for q in response.context["questions"]] == ["later-q", "board-q"]
    page = response.content.decode()
    assert f'href="{detail("later-q")}"' in page
    assert "2 scored questions" in page and ">0.321<" in page and ">3<" in page
    nav = page[page.index('<nav class="site-nav"') : page.index("</nav>")]
    assert '<a href="/analysis/questions/" aria-current="page">Scores by question</a>' in nav


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ({"q": "board"}, ["board-q"]),
        ({"q": "LATER"}, ["later-q"]),
        ({"tag": "econ"}, ["later-q"]),
        ({"article": "art-1"}, ["board-q"]),
        ({"q": "", "tag": "", "article": ""}, ["later-q", "board-q"]),
    ],
)
def test_finding_questions(analyst_client, board, query, slugs):
    later = resolved("later-q", outcome="no", day=9, title="A later one")
    later.tags.add(Tag.objects.create(slug="econ"))
    board.article = ArticleFactory(slug="art-1")
    board.save()
    response = analyst_client.get(LIST, query)
    assert response.status_code == 200
    assert [q.slug for q in response.context["questions"]] == slugs


def test_an_unknown_tag_is_a_400_next_to_the_field(analyst_client, board):
    response = analyst_client.get(LIST, {"tag": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field field-error"' in page and "Select a valid choice" in page
    assert [q.slug for q in response.context["questions"]] == ["board-q"]


def test_pages_of_questions(analyst_client, monkeypatch, db):
    monkeypatch.setattr(views, "QUESTIONS_PER_PAGE", 2)
    for day in range(1, 6):
        resolved(f"q-{day}", day=day)
    first = analyst_client.get(LIST)
    assert [q.slug for q in first.context["questions"]] == ["q-5", "q-4"]
    assert "Page 1 of 3" in first.content.decode()
    assert [q.slug for q in analyst_client.get(LIST, {"page": 3}).context["questions"]] == ["q-1"]


def names(response) -> list[str]:
    return [row["user"] for row in response.context["rows"]]


def test_every_forecasters_scores_best_peer_first(analyst_client, board):
    response = analyst_client.get(detail("board-q"))
    assert response.status_code == 200
    assert names(response) == ["ann", "cat", "bob"]
    page = response.content.decode()
    assert "Will the board question happen?</h1>" in page
    assert "19 scored days" in page and "M = 0.321" in page
    rows = page[page.index("<tbody>") :]
    ann = rows[rows.index("ann</a>") : rows.index("</tr>", rows.index("ann</a>"))]
    for cell in (">1<", ">-0.200<", ">0.100<", ">100%<", ">7<", ">+12.5<", ">+10.0<", ">-0.500<"):
        assert cell in ann
    assert 'href="/calibration/?user=ann"' in rows
    # The community forecast: its own row group, after the forecasters, not among them.
    community = page[page.index('<tbody class="community">') :]
    assert "Community forecast" in community and ">+3.0<" in community
    assert "community" not in names(response)
    assert (
        '<th scope="col" class="num" aria-sort="descending">'
        '<a class="sort-link" href="?sort=peer">Peer' in page
    )


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("accuracy", ["ann", "bob", "cat"]),  # missing values last, whichever the direction
        ("-accuracy", ["bob", "ann", "cat"]),
        ("daily_brier", ["ann", "bob", "cat"]),
        ("user", ["ann", "bob", "cat"]),
        ("-user", ["cat", "bob", "ann"]),
        ("-forecasts", ["cat", "ann", "bob"]),
        ("peer", ["bob", "cat", "ann"]),
    ],
)
def test_sorting(analyst_client, board, sort, order):
    response = analyst_client.get(detail("board-q"), {"sort": sort})
    assert response.status_code == 200
    assert names(response) == order


def test_a_bad_sort_is_a_400_with_the_default_order(analyst_client, board):
    response = analyst_client.get(detail("board-q"), {"sort": "wealth"})
    assert response.status_code == 400
    assert "Cannot sort by &#x27;wealth&#x27;" in response.content.decode()
    assert names(response) == ["ann", "cat", "bob"]


def test_csv_download(analyst_client, board):
    page = analyst_client.get(detail("board-q")).content.decode()
    assert 'href="/api/questions/board-q/scores/?format=csv" download' in page
    response = analyst_client.get("/api/questions/board-q/scores/?format=csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["user"] for row in rows} == {"ann", "bob", "cat", "community"}


def test_unknown_and_unscored_questions(analyst_client, db):
    assert analyst_client.get(detail("nope")).status_code == 404
    QuestionFactory(slug="open-q")
    page = analyst_client.get(detail("open-q")).content.decode()
    assert "No scores: the question is not resolved yet." in page
    resolved("void-q", outcome="annulled")
    page = analyst_client.get(detail("void-q")).content.decode()
    assert "questions resolved annulled are not scored" in page


def _grow(question: Question, count: int) -> None:
    for index in range(count):
        score(question, UserFactory(), peer=float(index), accuracy=None if index % 3 else 0.1)
        other = resolved(f"grow-{question.pk}-{index}", day=1 + index % 20)
        other.tags.add(Tag.objects.create(slug=f"grow-tag-{index}"))
        other.article = ArticleFactory()
        other.save()


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (LIST, {}),
        (LIST, {"q": "grow", "page": "2"}),
        (detail("board-q"), {}),
        (detail("board-q"), {"sort": "-daily_brier"}),
    ],
)
def test_the_number_of_queries_does_not_grow(analyst_client, board, url, query, monkeypatch):
    monkeypatch.setattr(views, "QUESTIONS_PER_PAGE", 2)
    analyst_client.get(url, query)  # warm up
    resolved("grow-0", day=3)
    resolved("grow-1", day=4)
    small, _ = queries_for(analyst_client, url, query)
    _grow(board, 8)
    large, response = queries_for(analyst_client, url, query)
    if url == LIST:
        assert response.context["page_obj"].paginator.count >= 10
    else:
        assert len(response.context["rows"]) == 11
    assert small == large
