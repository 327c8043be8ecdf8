"""GET /api/leaderboards/: scopes, rules, the minimum-participation line, paging, live date
windows, CSV, errors naming each parameter, the community row, and query counts.

The board is read from the materialized table, so each test builds it the way the rebuild
task does: Score rows, the scopes they count in marked dirty, `scopes_rebuild_dirty()`.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from questions.models import Project, Question, Tag
from scoring.models import Score
from scoring.scopes import scopes_of_question
from scoring.services import community_user, scopes_mark_dirty, scopes_rebuild_dirty
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

URL = reverse("api:leaderboard")
ROLES = ("api_client", "forecaster_client", "analyst_client", "staff_client")
CSV_HEADER = (
    "scope,rule,rank,user,is_community,value,total,questions,coverage,ci_low,ci_high,"
    "rank_low,rank_high,per_question_mean"
)

# slug: (tags, projects, when the outcome became known)
QUESTIONS = {
    "asia-2024": (["asia"], [], datetime(2024, 3, 1, tzinfo=UTC)),
    "asia-2025": (["asia"], ["cup"], datetime(2025, 6, 1, tzinfo=UTC)),
    "europe-2025": (["europe"], ["cup"], datetime(2025, 9, 1, tzinfo=UTC)),
    "plain-2025": ([], [], datetime(2025, 10, 1, tzinfo=UTC)),
}
# Each user's peer score on each question above (None: not scored on it). The other rules
# are derived from it in `_score`, so every rule has its own expected board.
PEER = {
    "ann": (10, 20, 30, 40),
    "bob": (50, 50, 50, None),
    "cat": (200, None, None, None),
    "community": (5, 5, 5, 5),
}


def _score(question: Question, user, peer: float) -> Score:
    return Score(
        question=question,
        user=user,
        forecasts=1,
        daily_brier=peer / 100,
        active_days=1,
        participation=1.0,
        accuracy=peer / 100 - 0.3,
        baseline=peer,
        peer=peer,
        log=-peer / 100,
        coverage=1.0,
    )


def build(questions: dict, peer: dict, *, scopes: set[str] | None = None) -> None:
    """Store the scores and rebuild the scopes they count in (or only `scopes`), as
    scoring and the rebuild task would."""
    stored = {}
    for slug, (tags, projects, known_at) in questions.items():
        question = QuestionFactory(
            slug=slug,
            open_time=datetime(2024, 1, 1, tzinfo=UTC),
            scheduled_close_time=datetime(2026, 1, 1, tzinfo=UTC),
            resolution="yes",
            known_at=known_at,
        )
        question.tags.set([Tag.objects.get_or_create(slug=tag)[0] for tag in tags])
        question.projects.set(
            [Project.objects.get_or_create(slug=p, defaults={"name": p})[0] for p in projects]
        )
        stored[slug] = question
    users = {name: User(username=name) for name in peer if name != "community"}
    User.objects.bulk_create(users.values())
    users = {u.username: u for u in User.objects.filter(username__in=list(users))}
    users["community"] = community_user()
    Score.objects.bulk_create(
        _score(question, users[name], value)
        for name, values in peer.items()
        for question, value in zip(stored.values(), values, strict=True)
        if value is not None
    )
    if scopes is None:
        scopes = {scope for question in stored.values() for scope in scopes_of_question(question)}
    scopes_mark_dirty(scopes=scopes)
    scopes_rebuild_dirty()


@pytest.fixture
def board(db, settings) -> None:
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 3
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 50
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 50
    # The scopes these tests read.
    build(QUESTIONS, PEER, scopes={"all", "tag:asia", "project:cup", "year:2024"})


def table(body: dict) -> tuple[list, list]:
    """(ranked rows as (rank, user, value), rows below the line as (user, value))."""
    ranked = [(r["rank"], r["user"], r["value"]) for r in body["results"] if r["rank"]]
    below = [(r["user"], r["value"]) for r in body["results"] if r["rank"] is None]
    return ranked, below


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_same_public_board(request, board, role):
    response = request.getfixturevalue(role).get(URL)
    assert response.status_code == 200
    body = response.json()
    # The web leaderboard's default rule (Accuracy), unasked.
    assert (body["scope"], body["rule"], body["min_questions"]) == ("all", "accuracy", 3)
    assert (body["ranked"], body["count"], body["live"]) == (2, 3, False)
    assert body["built_at"] is not None
    assert table(body) == (
        [(1, "ann", pytest.approx(-0.05)), (2, "bob", pytest.approx(0.2))],
        [("cat", pytest.approx(1.7))],
    )


def test_the_default_rule_is_the_web_leaderboards(client, api_client, board):
    web = client.get("/leaderboard/")
    api = api_client.get(URL).json()
    assert web.context["rule"].key == api["rule"]
    assert [row.username for row in web.context["ranked_rows"]] == [
        r["user"] for r in api["results"] if r["rank"]
    ]


# The tests below that read values assume the peer rule (not the default), and ask for it.
PEER_RULE = {"rule": "peer"}

# (query, ranked [(rank, user, value)], below the line [(user, value)], community value)
BOARDS = [
    pytest.param(
        {},
        [(1, "ann", -0.05), (2, "bob", 0.2)],
        [("cat", 1.7)],
        -0.25,
        id="default-accuracy",
    ),
    pytest.param(
        {"rule": "peer"},
        [(1, "bob", 150 / 30), (2, "ann", 100 / 30)],
        [("cat", 200 / 30)],
        20 / 30,
        id="peer: sum / max(30, coverage), higher first",
    ),
    pytest.param(
        {"rule": "accuracy"},
        [(1, "ann", -0.05), (2, "bob", 0.2)],
        [("cat", 1.7)],
        -0.25,
        id="accuracy: mean over questions, lower first",
    ),
    pytest.param(
        {"rule": "daily_brier"},
        [(1, "ann", 0.25), (2, "bob", 0.5)],
        [("cat", 2.0)],
        0.05,
        id="daily-brier",
    ),
    pytest.param(
        {"rule": "baseline"},
        [(1, "bob", 150 / 30), (2, "ann", 100 / 30)],
        [("cat", 200 / 30)],
        20 / 30,
        id="baseline",
    ),
    pytest.param(
        {"rule": "log"},
        [(1, "ann", -1 / 30), (2, "bob", -1.5 / 30)],
        [("cat", -2 / 30)],
        -0.2 / 30,
        id="log",
    ),
    pytest.param(
        {"scope": "tag:asia", "min_questions": 2, "rule": "peer"},
        [(1, "bob", 100 / 30), (2, "ann", 30 / 30)],
        [("cat", 200 / 30)],
        10 / 30,
        id="tag-scope",
    ),
    pytest.param(
        {"scope": "project:cup", "min_questions": 1, "rule": "peer"},
        [(1, "bob", 100 / 30), (2, "ann", 50 / 30)],
        [],
        10 / 30,
        id="project-scope",
    ),
    pytest.param(
        {"scope": "year:2024", "min_questions": 1, "rule": "accuracy"},
        [(1, "ann", -0.2), (2, "bob", 0.2), (3, "cat", 1.7)],
        [],
        -0.25,
        id="year-scope",
    ),
    pytest.param(
        {"min_questions": 0, "rule": "peer"},
        [(1, "cat", 200 / 30), (2, "bob", 150 / 30), (3, "ann", 100 / 30)],
        [],
        20 / 30,
        id="no-line",
    ),
    pytest.param(
        {"min_questions": 4, "rule": "peer"},
        [(1, "ann", 100 / 30)],
        [("cat", 200 / 30), ("bob", 150 / 30)],
        20 / 30,
        id="a-higher-line: best first below it too",
    ),
]


@pytest.mark.parametrize(("query", "ranked", "below", "community"), BOARDS)
def test_scope_rule_and_line(api_client, board, query, ranked, below, community):
    body = api_client.get(URL, query).json()
    assert table(body) == (
        [(rank, user, pytest.approx(value)) for rank, user, value in ranked],
        [(user, pytest.approx(value)) for user, value in below],
    )
    # Users below the line follow the ranked ones and are counted, not hidden.
    assert [r["rank"] is None for r in body["results"]] == [False] * len(ranked) + [True] * len(
        below
    )
    assert (body["ranked"], body["count"]) == (len(ranked), len(ranked) + len(below))
    assert body["community"]["value"] == pytest.approx(community)
    assert body["scope"] == query.get("scope", "all")
    assert body["rule"] == query.get("rule", "accuracy")
    assert body["lower_is_better"] is (body["rule"] in ("accuracy", "daily_brier"))


def test_the_community_forecast_is_apart_and_never_ranked(api_client, board):
    for query in ({}, {"min_questions": 0}, {"rule": "accuracy"}):
        body = api_client.get(URL, query).json()
        community = body["community"]
        assert (community["user"], community["is_community"], community["rank"]) == (
            "community",
            True,
            None,
        )
        assert (community["rank_low"], community["rank_high"]) == (None, None)
        assert community["questions"] == 4
        assert "community" not in {row["user"] for row in body["results"]}
        assert not any(row["is_community"] for row in body["results"])


def test_rank_intervals_only_at_the_materialized_line(api_client, board):
    body = api_client.get(URL, PEER_RULE).json()
    assert body["rank_intervals"] is True
    for row in body["results"]:
        if row["rank"] is None:
            assert (row["rank_low"], row["rank_high"]) == (None, None)
        else:
            assert row["rank_low"] <= row["rank"] <= row["rank_high"]
        assert row["ci_low"] <= row["value"] <= row["ci_high"]
    # The default given explicitly is the same line.
    assert api_client.get(URL, {**PEER_RULE, "min_questions": 3}).json()["rank_intervals"] is True
    # Another line is ranked on request, without rank intervals (value intervals stay).
    body = api_client.get(URL, {**PEER_RULE, "min_questions": 1}).json()
    assert body["rank_intervals"] is False
    assert all(r["rank_low"] is None and r["rank_high"] is None for r in body["results"])
    assert all(r["ci_low"] is not None for r in body["results"])


# offset -> (users on the page, next offset, previous offset; "" = the first page)
PAGES = [  # the default rule, Accuracy
    (0, ["ann"], 1, None),
    (1, ["bob"], 2, ""),
    (2, ["cat"], None, 1),
]


@pytest.mark.parametrize(("offset", "users", "next_offset", "previous_offset"), PAGES)
def test_paging_runs_on_past_the_line(
    api_client, board, offset, users, next_offset, previous_offset
):
    body = api_client.get(URL, {"limit": 1, "offset": offset}).json()
    assert [row["user"] for row in body["results"]] == users
    assert (body["count"], body["ranked"]) == (3, 2)
    # The last page holds the user below the line, unranked.
    assert [row["rank"] for row in body["results"]] == [None if users == ["cat"] else offset + 1]
    if next_offset is None:
        assert body["next"] is None
    else:
        assert body["next"] == f"http://testserver{URL}?limit=1&offset={next_offset}"
    if previous_offset is None:
        assert body["previous"] is None
    elif previous_offset == "":
        assert body["previous"] == f"http://testserver{URL}?limit=1"
    else:
        assert body["previous"] == f"http://testserver{URL}?limit=1&offset={previous_offset}"


def test_paging_with_a_line_of_its_own(api_client, board):
    pages = [
        api_client.get(URL, {**PEER_RULE, "min_questions": 4, "limit": 2, "offset": offset}).json()
        for offset in (0, 2)
    ]
    assert [[(r["rank"], r["user"]) for r in page["results"]] for page in pages] == [
        [(1, "ann"), (None, "cat")],
        [(None, "bob")],
    ]


# (window, ranked, below): only questions whose outcome became known inside it.
WINDOWS = [
    pytest.param(
        {"resolved_after": "2025-01-01T00:00:00Z"},
        [(1, "ann", 90 / 30)],
        [("bob", 100 / 30)],
        id="after",
    ),
    pytest.param(
        {"resolved_before": "2025-01-01T00:00:00Z"},
        [],
        [("cat", 200 / 30), ("bob", 50 / 30), ("ann", 10 / 30)],
        id="before",
    ),
    pytest.param(
        {"resolved_after": "2025-06-01T00:00:00Z", "resolved_before": "2025-09-01T00:00:00Z"},
        [],
        [("bob", 50 / 30), ("ann", 20 / 30)],
        id="between: after inclusive, before exclusive",
    ),
    pytest.param(
        {"resolved_after": "2025-01-01T00:00:00Z", "min_questions": 2},
        [(1, "bob", 100 / 30), (2, "ann", 90 / 30)],
        [],
        id="after-with-a-line",
    ),
]


@pytest.mark.parametrize(("window", "ranked", "below"), WINDOWS)
def test_a_resolution_window_is_computed_live(api_client, board, window, ranked, below):
    body = api_client.get(URL, {**PEER_RULE, **window}).json()
    assert (body["live"], body["built_at"]) == (True, None)
    assert body["notes"] == ["Computed on request with 50 bootstrap replicates."]
    # Ranked users first, best first; then those below the line, best first.
    assert [(r["rank"], r["user"], r["value"]) for r in body["results"]] == [
        *((rank, user, pytest.approx(value)) for rank, user, value in ranked),
        *((None, user, pytest.approx(value)) for user, value in below),
    ]
    assert (body["ranked"], body["count"]) == (len(ranked), len(ranked) + len(below))
    assert body["community"]["rank"] is None


def test_csv_download_has_every_row_and_the_community_last(api_client, board):
    response = api_client.get(URL, {**PEER_RULE, "format": "csv", "limit": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="leaderboard-all-peer.csv"'
    text = response.content.decode()
    assert text.splitlines()[0] == CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    # Paging does not apply to the download: every user, then the community forecast.
    assert [(r["rank"], r["user"], r["is_community"]) for r in rows] == [
        ("1", "bob", "False"),
        ("2", "ann", "False"),
        ("", "cat", "False"),
        ("", "community", "True"),
    ]
    assert {(r["scope"], r["rule"]) for r in rows} == {("all", "peer")}
    assert float(rows[0]["value"]) == pytest.approx(5.0)
    assert float(rows[0]["total"]) == pytest.approx(150.0)


def test_csv_cells_a_spreadsheet_would_run_are_neutralized(api_client, db, settings):
    """A username like =HYPERLINK(...) reaches the download as text, as on the pages;
    negative numbers stay numbers."""
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 10
    build(
        {"q1": ((), (), datetime(2024, 3, 1, tzinfo=UTC))},
        {"=cmd|calc": [5.0], "@ann": [-5.0]},
        scopes={"all"},
    )
    response = api_client.get(URL, {**PEER_RULE, "format": "csv", "min_questions": 0})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["user"] for row in rows] == ["'=cmd|calc", "'@ann"]
    assert float(rows[1]["value"]) < 0


def test_csv_of_another_scope_and_rule(api_client, board):
    response = api_client.get(
        URL, {"scope": "tag:asia", "rule": "accuracy", "min_questions": 2}, HTTP_ACCEPT="text/csv"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="leaderboard-tag-asia-accuracy.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["rank"], r["user"]) for r in rows] == [
        ("1", "ann"),
        ("2", "bob"),
        ("", "cat"),
        ("", "community"),
    ]
    assert rows[0]["total"] == ""  # no plain sum for a mean rule


# (query, the parameters the 400 names)
BAD_QUERIES = [
    ({"rule": "brier"}, {"rule"}),
    ({"scope": "everything"}, {"scope"}),
    ({"scope": "tag:"}, {"scope"}),
    ({"scope": "year:25"}, {"scope"}),
    ({"scope": "year:twenty"}, {"scope"}),
    ({"scope": "group:Analysts"}, {"scope"}),
    ({"limit": 0}, {"limit"}),
    ({"limit": 501}, {"limit"}),
    ({"limit": "ten"}, {"limit"}),
    ({"offset": -1}, {"offset"}),
    # Whole numbers in ASCII digits only, as the questions' paging reads them.
    ({"offset": "0.0"}, {"offset"}),
    ({"limit": "5.0"}, {"limit"}),
    ({"limit": "１０"}, {"limit"}),
    ({"min_questions": "+1"}, {"min_questions"}),
    ({"min_questions": " 1"}, {"min_questions"}),
    ({"min_questions": -1}, {"min_questions"}),
    ({"resolved_after": "last week"}, {"resolved_after"}),
    (
        {"resolved_after": "2025-01-01T00:00:00Z", "resolved_before": "2025-01-01T00:00:00Z"},
        {"resolved_before"},
    ),
    (
        {"resolved_after": "2025-06-01T00:00:00Z", "resolved_before": "2025-01-01T00:00:00Z"},
        {"resolved_before"},
    ),
    ({"rule": "brier", "scope": "year:25", "limit": 0}, {"rule", "scope", "limit"}),
]


@pytest.mark.parametrize(("query", "named"), BAD_QUERIES)
def test_bad_parameters_are_a_400_naming_each(api_client, query, named):
    response = api_client.get(URL, query)
    assert response.status_code == 400
    assert set(response.json()) == named


def test_bad_parameters_in_a_csv_request_are_a_json_400(api_client):
    """As CSV, the errors read as a table whose header is a field name (`rule.0`)."""
    for query, accept in (({"format": "csv"}, {}), ({}, {"HTTP_ACCEPT": "text/csv"})):
        response = api_client.get(URL, {"rule": "brier", **query}, **accept)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"rule"}


@pytest.mark.parametrize(
    ("scope", "words"),
    [("year:25", "year:<yyyy>"), ("group:Analysts", "no leaderboard")],
)
def test_scope_errors_say_what_is_expected(api_client, scope, words):
    (message,) = api_client.get(URL, {"scope": scope}).json()["scope"]
    assert words in message


def test_an_empty_board(api_client):
    body = api_client.get(URL).json()
    assert (body["results"], body["community"], body["count"], body["next"]) == ([], None, 0, None)


def _many(users: int, batch: str) -> None:
    """`users` forecasters scored on three new questions (and the community forecast)."""
    names = [f"{batch}-user-{n}" for n in range(users)]
    build(
        {f"{batch}-{slug}": QUESTIONS[slug] for slug in ("asia-2024", "asia-2025", "plain-2025")},
        {name: (n, n + 1, n + 2) for n, name in enumerate(names)} | {"community": (1, 1, 1)},
        scopes={"all"},
    )


def _queries(client, query: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({}, id="materialized"),
        pytest.param({"min_questions": 1}, id="materialized-own-line"),
        pytest.param({"limit": 500}, id="one-page-of-everyone"),
        pytest.param({"resolved_after": "2020-01-01T00:00:00Z"}, id="live-window"),
    ],
)
def test_queries_do_not_grow_with_the_number_of_users(
    api_client, settings, django_assert_num_queries, query
):
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 20
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 20
    _many(3, "small")
    small = _queries(api_client, query)
    assert small <= 8
    _many(40, "large")
    with django_assert_num_queries(small):
        response = api_client.get(URL, query)
    assert response.json()["count"] == 43


@pytest.mark.parametrize("window", [{}, {"resolved_after": "2024-01-01"}], ids=["stored", "live"])
def test_the_per_question_mean_sits_beside_the_coverage_weighted_value(api_client, board, window):
    """A log total of -1.0 over 4 questions is -1.0 / max(30, 4) on the board, far from
    any one question's score; the plain mean (-0.25) is given beside it."""
    body = api_client.get(URL, {"rule": "log", **window}).json()
    ann = next(row for row in body["results"] if row["user"] == "ann")
    assert ann["value"] == pytest.approx(-1.0 / 30)
    assert ann["per_question_mean"] == pytest.approx(-0.25)
    assert body["community"]["per_question_mean"] == pytest.approx(-0.05)


def test_the_per_question_mean_of_a_mean_rule_is_its_value(api_client, board):
    body = api_client.get(URL, {"rule": "accuracy"}).json()
    assert body["results"]
    for row in body["results"]:
        assert row["per_question_mean"] == pytest.approx(row["value"])


def test_the_per_question_mean_is_described_in_the_schema(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()
    field = schema["components"]["schemas"]["LeaderboardRow"]["properties"]["per_question_mean"]
    assert "max(30, coverage)" in field["description"]
