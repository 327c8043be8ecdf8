"""/api/articles/, /api/claims/, /api/speakers/ and /api/outlets/ with each role: everyone
reads (accepted claims only, unless staff), staff write, everyone else gets 403 and
nothing is written; bad input is a 400 naming the field; lists cost a fixed number of
queries."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimLink
from claims.services.review import (
    AuthorName,
    ClaimEdit,
    article_ingest,
    claim_accept,
    claim_create,
    claim_dismiss,
    claims_propose,
)
from questions.models import Article, Outlet, Person
from tests.claims.builders import (
    PASSAGE,
    PUBLISHED,
    SECOND,
    TEXT,
    FakeExtractor,
    default_proposals,
)
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(staff):
    article = article_ingest(
        title="The Fractured Pillar",
        text=TEXT,
        publication_date=PUBLISHED,
        outlet="The Diplomat",
        authors=[AuthorName("Jane Roe", "Asan Institute")],
        created_by=staff,
    )
    claims_propose(article_id=article.pk, extractor=FakeExtractor())
    claim_accept(claim_id=Claim.objects.get(passage=PASSAGE).pk, accepted_by=staff)
    return article


@pytest.fixture
def fake_extractor(monkeypatch):
    monkeypatch.setattr("claims.services.review.default_extractor", lambda: FakeExtractor())


@pytest.fixture
def clients(api_client, forecaster_client, staff_client):
    return {"anonymous": api_client, "forecaster": forecaster_client, "staff": staff_client}


# --- Reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "forecaster", "staff"])
def test_everyone_reads_articles_with_their_claims(clients, role, article):
    listed = clients[role].get("/api/articles/")
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["slug"] == article.slug
    assert row["outlet"]["name"] == "The Diplomat"
    assert row["authors"] == [
        {"slug": "jane-roe", "name": "Jane Roe", "affiliation": "Asan Institute"}
    ]
    detail = clients[role].get(f"/api/articles/{article.slug}/").json()
    assert detail["text"] == TEXT
    passages = [claim["passage"] for claim in detail["claims"]]
    # Proposed claims are the extractor's guesses until reviewed: staff see them.
    assert passages == ([PASSAGE, SECOND] if role == "staff" else [PASSAGE])
    for claim in detail["claims"]:
        assert TEXT[claim["start"] : claim["end"]] == claim["passage"]


@pytest.mark.parametrize("role", ["anonymous", "forecaster", "staff"])
def test_everyone_reads_claims_speakers_and_outlets(clients, role, article):
    claims = clients[role].get("/api/claims/").json()["results"]
    assert {claim["status"] for claim in claims} <= (
        {"accepted", "proposed"} if role == "staff" else {"accepted"}
    )
    [accepted] = [claim for claim in claims if claim["status"] == "accepted"]
    assert accepted["speaker"]["slug"] == "dr-emily-carter"
    assert (accepted["low"], accepted["high"], accepted["table"]) == (0.55, 0.8, "icd203")
    assert clients[role].get(f"/api/claims/{accepted['id']}/").status_code == 200
    speakers = clients[role].get("/api/speakers/").json()["results"]
    assert {s["slug"] for s in speakers} == {"jane-roe", "dr-emily-carter"}
    assert clients[role].get("/api/speakers/jane-roe/").json()["affiliation"] == "Asan Institute"
    assert clients[role].get("/api/outlets/the-diplomat/").json()["name"] == "The Diplomat"


def test_a_proposed_claim_is_not_found_by_non_staff(api_client, article):
    proposed = Claim.objects.get(passage=SECOND)
    assert api_client.get(f"/api/claims/{proposed.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"article": "the-fractured-pillar"}, [PASSAGE, SECOND]),
        ({"speaker": "dr-emily-carter"}, [PASSAGE]),
        ({"status": "proposed"}, [SECOND]),
        ({"expression": "UNLIKELY"}, [SECOND]),
        ({"article": "no-such-article"}, []),
    ],
)
def test_claims_filter(staff_client, article, query, expected):
    found = staff_client.get("/api/claims/", query).json()["results"]
    assert [claim["passage"] for claim in found] == expected


def test_a_bad_filter_is_a_400_naming_it(api_client, article):
    answer = api_client.get("/api/claims/", {"status": "maybe"})
    assert answer.status_code == 400
    assert "status" in answer.json()


def list_queries(client) -> dict[str, int]:
    counts = {}
    for url in ("/api/articles/", "/api/claims/", "/api/speakers/", "/api/outlets/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    return counts


def test_lists_cost_a_fixed_number_of_queries(staff, staff_client, article):
    few = list_queries(staff_client)
    for number in range(3):
        other = article_ingest(
            title=f"Another {number}",
            text=f"{number}. {TEXT}",
            publication_date=PUBLISHED,
            outlet=f"Outlet {number}",
            authors=[f"Writer {number}", f"Co-writer {number}"],
            created_by=staff,
        )
        claims_propose(
            article_id=other.pk,
            extractor=FakeExtractor(default_proposals(f"{number}. {TEXT}")),
        )
    many = list_queries(staff_client)
    assert many == few
    assert many["/api/articles/"] <= 3  # the count, the page, its authors
    assert many["/api/claims/"] <= 3  # the count, the page, its links


# --- Writing -------------------------------------------------------------------------------------

NEW_ARTICLE = {
    "title": "Summit Preview",
    "text": "The leaders will probably meet within six months.\nNothing else.",
    "publication_date": "2026-05-01",
    "outlet": "Asia Times",
    "authors": [{"name": "Kim Lee", "affiliation": "KDI"}],
    "url": "https://example.org/summit",
}


@pytest.mark.parametrize("role", ["anonymous", "forecaster"])
def test_only_staff_write(clients, role, article):
    client = clients[role]
    claim = Claim.objects.get(passage=SECOND)
    writes = [
        ("post", "/api/articles/", NEW_ARTICLE),
        ("post", "/api/claims/", {"article": article.slug, "passage": "Talks resumed last year."}),
        ("patch", f"/api/claims/{claim.pk}/", {"expression": "likely"}),
        ("post", f"/api/claims/{claim.pk}/accept/", {}),
        ("post", f"/api/claims/{claim.pk}/dismiss/", {"reason": "Past."}),
        ("post", "/api/claims/propose/", {"article": article.slug}),
        ("post", "/api/speakers/", {"name": "New Person"}),
        ("patch", "/api/speakers/jane-roe/", {"affiliation": "Elsewhere"}),
        ("post", "/api/outlets/", {"name": "New Outlet"}),
        ("patch", "/api/outlets/the-diplomat/", {"name": "Renamed"}),
    ]
    before = (Article.objects.count(), Claim.objects.count(), Person.objects.count())
    for method, url, body in writes:
        answer = getattr(client, method)(url, body, format="json")
        assert answer.status_code == 403, (method, url, answer.status_code)
    assert (Article.objects.count(), Claim.objects.count(), Person.objects.count()) == before
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PROPOSED
    assert Outlet.objects.get(slug="the-diplomat").name == "The Diplomat"


def test_staff_add_an_article_and_its_claims_are_proposed(staff_client, fake_extractor, article):
    answer = staff_client.post(
        "/api/articles/", {**NEW_ARTICLE, "text": TEXT.replace("Seoul", "Tokyo")}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["slug"] == "summit-preview"
    assert body["outlet"]["slug"] == "asia-times"
    assert [claim["status"] for claim in body["claims"]] == ["proposed", "proposed"]


def test_staff_can_add_an_article_without_proposing(staff_client):
    answer = staff_client.post("/api/articles/", {**NEW_ARTICLE, "propose": False}, format="json")
    assert answer.status_code == 201
    assert answer.json()["claims"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"text": ""}, "text"),
        ({"publication_date": "2026-02-30"}, "publication_date"),
        ({"publication_date": "2999-01-01"}, "publication_date"),
        ({"publication_date_precision": "week"}, "publication_date_precision"),
        ({"url": "not a url"}, "url"),
        ({"authors": [{"affiliation": "x"}]}, "authors"),
        ({"title": 12}, "title"),
        ({"title": "Bad\u0001title"}, "title"),
        # A byline is bounded: each new name would become a speaker.
        ({"authors": [{"name": f"Writer {n}"} for n in range(51)]}, "authors"),
    ],
)
def test_a_bad_article_is_a_400_naming_the_field(staff_client, change, field):
    answer = staff_client.post("/api/articles/", {**NEW_ARTICLE, **change}, format="json")
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert not Article.objects.exists()
    assert not Person.objects.exists()


def test_the_same_text_twice_is_a_400_on_text(staff_client, article):
    answer = staff_client.post(
        "/api/articles/", {**NEW_ARTICLE, "text": TEXT, "propose": False}, format="json"
    )
    assert answer.status_code == 400
    assert "text" in answer.json()


def test_staff_review_a_claim(staff_client, article):
    claim = Claim.objects.get(passage=SECOND)
    edited = staff_client.patch(
        f"/api/claims/{claim.pk}/",
        {"low": 0.1, "high": 0.3, "table": "kent1964", "speaker_name": "Park Jae-sung"},
        format="json",
    )
    assert edited.status_code == 200, edited.json()
    assert edited.json()["speaker"]["slug"] == "park-jae-sung"
    assert edited.json()["passage"] == SECOND
    accepted = staff_client.post(f"/api/claims/{claim.pk}/accept/")
    assert accepted.json()["status"] == "accepted"
    dismissed = staff_client.post(
        f"/api/claims/{claim.pk}/dismiss/", {"reason": "Not a forecast."}, format="json"
    )
    assert dismissed.json()["status"] == "dismissed"
    assert dismissed.json()["dismissed_reason"] == "Not a forecast."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"passage": "Not in the text."}, "passage"),
        ({"start": 3, "end": 1}, "end"),
        ({"low": 0.9, "high": 0.1}, "high"),
        ({"low": 2}, "low"),
        ({"table": "nato"}, "table"),
        ({"horizon_end": "soon"}, "horizon_end"),
        ({"article": "the-fractured-pillar"}, "article"),
        ({"expression": 5}, "expression"),
        ({"speaker_name": "Dr.\u0007Bell"}, "speaker_name"),
    ],
)
def test_a_bad_edit_is_a_400_naming_the_field(staff_client, article, body, field):
    claim = Claim.objects.get(passage=SECOND)
    before = Claim.objects.filter(pk=claim.pk).values().get()
    answer = staff_client.patch(f"/api/claims/{claim.pk}/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json(), answer.json()
    assert Claim.objects.filter(pk=claim.pk).values().get() == before


def test_dismissing_without_a_reason_is_a_400(staff_client, article):
    claim = Claim.objects.get(passage=SECOND)
    answer = staff_client.post(f"/api/claims/{claim.pk}/dismiss/", {}, format="json")
    assert answer.status_code == 400
    assert "reason" in answer.json()


def test_staff_add_a_claim_by_hand(staff_client, article):
    answer = staff_client.post(
        "/api/claims/",
        {"article": article.slug, "passage": "Talks resumed last year.", "speaker_name": ""},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "accepted"
    missing = staff_client.post("/api/claims/", {"passage": "Talks"}, format="json")
    assert missing.status_code == 400
    assert "article" in missing.json()


def test_proposing_twice_adds_nothing(staff_client, fake_extractor, staff):
    article = article_ingest(
        title="Fresh", text=TEXT, publication_date=date(2026, 1, 1), created_by=staff
    )
    first = staff_client.post("/api/claims/propose/", {"article": article.slug}, format="json")
    assert first.status_code == 200
    assert len(first.json()["created"]) == 2
    again = staff_client.post("/api/claims/propose/", {"article": article.slug}, format="json")
    assert again.json()["created"] == []
    unknown = staff_client.post("/api/claims/propose/", {"article": "nope"}, format="json")
    assert unknown.status_code == 400
    assert "article" in unknown.json()


def test_staff_add_and_correct_speakers_and_outlets(staff_client, article):
    made = staff_client.post(
        "/api/speakers/", {"name": "Dr. Emily Stone", "affiliation": "KAIST"}, format="json"
    )
    assert made.status_code == 201
    assert made.json()["slug"] == "dr-emily-stone"
    taken = staff_client.post("/api/speakers/", {"name": "Jane Roe"}, format="json")
    assert taken.status_code == 400
    assert "slug" in taken.json()
    fixed = staff_client.patch("/api/speakers/jane-roe/", {"affiliation": "RAND"}, format="json")
    assert fixed.json()["affiliation"] == "RAND"
    outlet = staff_client.post("/api/outlets/", {"name": "38 North"}, format="json")
    assert outlet.json()["slug"] == "38-north"
    renamed = staff_client.patch(
        "/api/outlets/38-north/", {"name": "38 North (Stimson)"}, format="json"
    )
    assert (renamed.json()["slug"], renamed.json()["name"]) == ("38-north", "38 North (Stimson)")
    blank = staff_client.patch("/api/outlets/38-north/", {"name": ""}, format="json")
    assert blank.status_code == 400
    assert "name" in blank.json()


def test_put_and_delete_are_not_offered(staff_client, article):
    claim = Claim.objects.get(passage=SECOND)
    assert staff_client.delete(f"/api/claims/{claim.pk}/").status_code == 405
    assert staff_client.put(f"/api/claims/{claim.pk}/", {}, format="json").status_code == 405
    assert staff_client.delete(f"/api/articles/{article.slug}/").status_code == 405


def test_staff_writes_are_rate_limited_and_reads_are_not(
    settings, staff_client, api_client, article
):
    settings.FORESEER_THROTTLE_RATES = {**settings.FORESEER_THROTTLE_RATES, "reviews": "2/minute"}
    claim = Claim.objects.get(passage=SECOND)
    url = f"/api/claims/{claim.pk}/accept/"
    assert [staff_client.post(url).status_code for _ in range(2)] == [200, 200]
    refused = staff_client.post(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    for _ in range(5):
        assert staff_client.get("/api/claims/").status_code == 200
        assert api_client.get("/api/articles/").status_code == 200


# --- Where a claim stands -------------------------------------------------------------------


@pytest.fixture
def standings(staff, article):
    """One claim in each standing: the accepted one tracked by a published question (and
    by a draft, which does not count), a second accepted one tracked only by a draft
    (untracked), the proposed one, and a dismissed one."""
    tracked = Claim.objects.get(passage=PASSAGE)
    ClaimLink.objects.create(claim=tracked, question=QuestionFactory(), direction="no")
    ClaimLink.objects.create(claim=tracked, question=QuestionFactory(published_at=None))
    untracked = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="Talks resumed last year."),
        created_by=staff,
    )
    ClaimLink.objects.create(claim=untracked, question=QuestionFactory(published_at=None))
    dismissed = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="drifting apart"),
        created_by=staff,
    )
    claim_dismiss(claim_id=dismissed.pk, reason="Describes the present.", dismissed_by=staff)
    return {
        "tracked": tracked,
        "untracked": untracked,
        "proposed": Claim.objects.get(passage=SECOND),
        "dismissed": dismissed,
    }


def test_each_claim_says_where_it_stands(staff_client, standings):
    found = {c["id"]: c for c in staff_client.get("/api/claims/").json()["results"]}
    for tracking, claim in standings.items():
        assert found[claim.pk]["tracking"] == tracking, tracking
    tracked = found[standings["tracked"].pk]
    # The draft's link is neither shown nor counted; the published one carries its side.
    assert [(link["kind"], link["direction"]) for link in tracked["links"]] == [("direct", "no")]
    assert found[standings["untracked"].pk]["links"] == []
    assert found[standings["dismissed"].pk]["dismissed_reason"] == "Describes the present."
    detail = staff_client.get(f"/api/claims/{standings['tracked'].pk}/").json()
    assert detail["tracking"] == "tracked"
    article = staff_client.get(f"/api/articles/{standings['tracked'].article.slug}/").json()
    assert {c["tracking"] for c in article["claims"]} == set(standings)


@pytest.mark.parametrize("tracking", ["proposed", "untracked", "tracked", "dismissed"])
def test_claims_filter_by_tracking(staff_client, api_client, standings, tracking):
    found = staff_client.get("/api/claims/", {"tracking": tracking}).json()["results"]
    assert [claim["id"] for claim in found] == [standings[tracking].pk]
    # Others see accepted claims only, whatever they filter on.
    public = api_client.get("/api/claims/", {"tracking": tracking}).json()["results"]
    expected = [standings[tracking].pk] if tracking in ("tracked", "untracked") else []
    assert [claim["id"] for claim in public] == expected


@pytest.mark.parametrize("value", ["maybe", "TRACKED", "accepted"])
def test_a_bad_tracking_filter_is_a_400_naming_it(api_client, standings, value):
    answer = api_client.get("/api/claims/", {"tracking": value})
    assert answer.status_code == 400
    assert list(answer.json()) == ["tracking"]


def test_tracking_costs_no_query_per_claim(staff_client, standings, django_assert_num_queries):
    # The count, the page, its links with their questions: however many claims and links.
    with django_assert_num_queries(3):
        assert len(staff_client.get("/api/claims/").json()["results"]) == 4
    with django_assert_num_queries(3):
        assert len(staff_client.get("/api/claims/", {"tracking": "tracked"}).json()["results"]) == 1
    with django_assert_num_queries(3):
        assert staff_client.get("/api/claims/", {"format": "csv"}).status_code == 200
    # The article, its authors, its claims, their links with their questions.
    slug = standings["tracked"].article.slug
    with django_assert_num_queries(4):
        assert len(staff_client.get(f"/api/articles/{slug}/").json()["claims"]) == 4


# --- The claims list as CSV ------------------------------------------------------------------


def csv_rows(answer) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


@pytest.mark.parametrize("role", ["anonymous", "forecaster", "staff"])
def test_the_claims_list_downloads_as_csv_page_by_page(clients, role, standings):
    client = clients[role]
    answer = client.get("/api/claims/", {"format": "csv"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert 'filename="claims.csv"' in answer["Content-Disposition"]
    rows = csv_rows(answer)
    json_rows = client.get("/api/claims/").json()["results"]
    assert [int(row["id"]) for row in rows] == [claim["id"] for claim in json_rows]
    tracked = next(row for row in rows if int(row["id"]) == standings["tracked"].pk)
    question = ClaimLink.objects.get(claim=standings["tracked"], kind="direct", direction="no")
    assert tracked["questions"] == f"{question.question.slug} (direct, no)"
    assert (tracked["tracking"], tracked["speaker"], tracked["passage"]) == (
        "tracked",
        "dr-emily-carter",
        PASSAGE,
    )
    # The same paging and filters as the JSON, and the same bounds.
    page = csv_rows(client.get("/api/claims/", {"format": "csv", "limit": 1, "offset": 1}))
    assert [row["id"] for row in page] == [rows[1]["id"]]
    accepted = csv_rows(client.get("/api/claims/", {"format": "csv", "tracking": "untracked"}))
    assert [row["tracking"] for row in accepted] == ["untracked"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"tracking": "all"}, "tracking"),
        ({"limit": "100000"}, "limit"),
        ({"status": "x"}, "status"),
    ],
)
def test_a_bad_csv_request_is_a_json_400_naming_the_parameter(api_client, standings, query, field):
    answer = api_client.get("/api/claims/", {"format": "csv", **query})
    assert answer.status_code == 400
    assert answer["Content-Type"].startswith("application/json")
    assert list(answer.json()) == [field]


def test_only_the_list_is_a_table(api_client, staff_client, standings):
    claim = standings["tracked"]
    answer = api_client.get(f"/api/claims/{claim.pk}/", {"format": "csv"})
    assert answer.status_code == 400
    assert list(answer.json()) == ["format"]
    accepted = staff_client.post(f"/api/claims/{claim.pk}/accept/?format=csv")
    assert accepted.status_code == 400
    assert list(accepted.json()) == ["format"]
    # A method nothing takes is a 405 whatever the format (to staff; others may not write).
    assert staff_client.generic("TRACE", "/api/claims/?format=csv").status_code == 405
    assert api_client.generic("TRACE", "/api/claims/?format=csv").status_code == 403


# --- A write says what it did not take ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        # Fields a claim shows but is not written through: each is a 400 saying where.
        ("patch", "claim", {"status": "dismissed"}, "status"),
        ("patch", "claim", {"dismissed_reason": "Past."}, "dismissed_reason"),
        ("patch", "claim", {"speaker": "Park Jae-sung"}, "speaker"),
        ("patch", "claim", {"tracking": "tracked", "low": 0.1, "high": 0.2}, "tracking"),
        (
            "post",
            "/api/claims/",
            {
                "article": "the-fractured-pillar",
                "passage": "Talks resumed last year.",
                "status": "proposed",
            },
            "status",
        ),
        (
            "post",
            "/api/claims/propose/",
            {"article": "the-fractured-pillar", "force": True},
            "force",
        ),
        ("post", "dismiss", {"reason": "Past.", "note": "x"}, "note"),
        ("post", "/api/articles/", {**NEW_ARTICLE, "outlet_url": "https://x.org"}, "outlet_url"),
        (
            "post",
            "/api/articles/",
            {**NEW_ARTICLE, "authors": [{"name": "Kim", "role": "x"}]},
            "authors",
        ),
        ("post", "/api/speakers/", {"name": "New Person", "outlet": "x"}, "outlet"),
        ("patch", "/api/outlets/the-diplomat/", {"slug": "diplomat"}, "slug"),
        ("patch", "/api/speakers/jane-roe/", {"slug": "jane", "affiliation": "RAND"}, "slug"),
    ],
)
def test_a_field_a_write_does_not_take_is_a_400_naming_it(
    staff_client, article, method, url, body, field
):
    claim = Claim.objects.get(passage=SECOND)
    url = {"claim": f"/api/claims/{claim.pk}/", "dismiss": f"/api/claims/{claim.pk}/dismiss/"}.get(
        url, url
    )
    tables = (Article, Claim, Person, Outlet)
    before = [list(model.objects.values()) for model in tables]
    answer = getattr(staff_client, method)(url, body, format="json")
    assert answer.status_code == 400, answer.json()
    assert list(answer.json()) == [field], answer.json()
    assert [list(model.objects.values()) for model in tables] == before


def test_a_patch_may_repeat_the_slug(staff_client, article):
    answer = staff_client.patch(
        "/api/speakers/jane-roe/", {"slug": "jane-roe", "affiliation": "RAND"}, format="json"
    )
    assert answer.status_code == 200
    assert (answer.json()["slug"], answer.json()["affiliation"]) == ("jane-roe", "RAND")


def test_a_failing_write_leaves_no_new_speaker(staff_client, article):
    claim = Claim.objects.get(passage=SECOND)
    people = Person.objects.count()
    edits = [
        ("patch", f"/api/claims/{claim.pk}/", {"passage": "Not there.", "speaker_name": "New One"}),
        (
            "post",
            "/api/claims/",
            {"article": article.slug, "passage": "Not there either.", "speaker_name": "New Two"},
        ),
        (
            "post",
            "/api/claims/",
            {"article": article.slug, "passage": PASSAGE, "speaker_name": "New Three"},
        ),
        ("patch", f"/api/claims/{claim.pk}/", {"low": 0.5, "speaker_name": "New Four"}),
    ]
    for method, url, body in edits:
        answer = getattr(staff_client, method)(url, body, format="json")
        assert answer.status_code == 400, (url, body, answer.json())
    assert Person.objects.count() == people


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"low": 0.1, "high": 0.2}, ["low", "high"]),
        ({"high": 0.9}, ["high"]),
        ({"passage": "Seoul"}, ["passage"]),
        ({"start": 0, "end": 5}, ["passage"]),
    ],
)
def test_a_tracked_claims_passage_and_range_stay_naming_the_field(
    staff_client, standings, body, fields
):
    claim = standings["tracked"]
    before = Claim.objects.filter(pk=claim.pk).values().get()
    answer = staff_client.patch(f"/api/claims/{claim.pk}/", body, format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == fields
    assert Claim.objects.filter(pk=claim.pk).values().get() == before
    # Its wording as written may still be corrected.
    fixed = staff_client.patch(
        f"/api/claims/{claim.pk}/", {"expression": "probable"}, format="json"
    )
    assert fixed.status_code == 200


@pytest.mark.parametrize(
    "query", [{"speakers": "dr-emily-carter"}, {"page": "2"}, {"q": "rupture"}]
)
def test_a_parameter_the_claims_list_does_not_take_is_a_400_naming_it(api_client, article, query):
    for extra in ({}, {"format": "csv"}):
        answer = api_client.get("/api/claims/", {**query, **extra})
        assert answer.status_code == 400
        assert list(answer.json()) == list(query)


@pytest.mark.parametrize("role", ["anonymous", "forecaster"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", "application/json"), ("name=x", "application/x-www-form-urlencoded"), ("", "")],
)
def test_a_non_staff_write_is_403_whatever_its_body(clients, article, role, body, content_type):
    """Refused for who sends it before the body is read: a 403, never a 400 or 415 that
    would tell a visitor what a staff write takes."""
    claim = Claim.objects.get(passage=SECOND)
    for url in (
        "/api/articles/",
        "/api/claims/",
        f"/api/claims/{claim.pk}/dismiss/",
        "/api/outlets/",
    ):
        answer = clients[role].generic("POST", url, body, content_type=content_type)
        assert answer.status_code == 403, (url, answer.status_code)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PROPOSED


def test_articles_filter_by_outlet_and_author(api_client, staff, article):
    other = article_ingest(
        title="Another",
        text="Something else entirely.",
        publication_date=PUBLISHED,
        outlet="Asia Times",
        authors=["Kim Lee"],
        created_by=staff,
    )
    for query, expected in [
        ({"outlet": "the-diplomat"}, [article.slug]),
        ({"outlet": "asia-times"}, [other.slug]),
        ({"author": "jane-roe"}, [article.slug]),
        ({"author": "kim-lee", "outlet": "the-diplomat"}, []),
    ]:
        found = api_client.get("/api/articles/", query).json()["results"]
        assert [row["slug"] for row in found] == expected, query


@pytest.mark.parametrize("url", ["/api/articles/", "/api/speakers/", "/api/outlets/"])
def test_a_parameter_a_list_does_not_take_is_a_400_naming_it(api_client, article, url):
    answer = api_client.get(url, {"name": "Jane Roe"})
    assert answer.status_code == 400
    assert list(answer.json()) == ["name"]
    assert api_client.get(url, {"limit": 1, "offset": 0, "format": "json"}).status_code == 200
