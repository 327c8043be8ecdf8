"""The staff pages for a new article, with each role: reading it (pasted or uploaded),
checking what was read before saving, the review page's accept, edit, dismiss and
"Draft a question" forms, and the list of articles. Forecasters get a 403, anonymous
visitors the login page, and neither writes anything."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from claims.models import Claim, ClaimLink
from claims.services.review import (
    AuthorName,
    ClaimEdit,
    article_ingest,
    claim_accept,
    claim_create,
    claim_draft_question,
    claims_propose,
)
from pages.views import manage_articles
from pages.views.manage_articles import ReadArticle
from questions.forms import QuestionDraftForm
from questions.models import Article, Question
from tests.claims.builders import (
    PASSAGE,
    PUBLISHED,
    SECOND,
    TEXT,
    FakeExtractor,
    default_proposals,
)
from tests.web.conftest import count_queries

pytestmark = pytest.mark.django_db

CONFIRM = {
    "title": "Summit Preview",
    "authors": "Kim Lee | KDI\nJane Roe",
    "outlet": "Asia Times",
    "publication_date": "2026-05-01",
    "precision": "day",
    "url": "https://example.org/summit",
    "text": TEXT.replace("\n", "\r\n"),
}


@pytest.fixture(autouse=True)
def fake_extractor(monkeypatch):
    monkeypatch.setattr("claims.services.review.default_extractor", lambda: FakeExtractor())


@pytest.fixture
def read_as(monkeypatch):
    """Reading through a stand-in that returns `found` and records what it was given."""
    given = []

    def install(found: ReadArticle):
        def read(content, *, name):
            given.append((content, name))
            return found

        monkeypatch.setattr(manage_articles, "read_article", read)
        return given

    return install


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
    return article


def claim(passage: str) -> Claim:
    return Claim.objects.get(passage=passage)


def urls(article: Article) -> list[tuple[str, str]]:
    pk = claim(PASSAGE).pk
    return [
        ("get", reverse("manage:articles")),
        ("get", reverse("manage:article_add")),
        ("post", reverse("manage:article_add")),
        ("post", reverse("manage:article_save")),
        ("get", reverse("manage:article_review", args=[article.slug])),
        ("post", reverse("manage:article_propose", args=[article.slug])),
        ("post", reverse("manage:claim_accept", args=[pk])),
        ("get", reverse("manage:claim_edit", args=[pk])),
        ("post", reverse("manage:claim_edit", args=[pk])),
        ("post", reverse("manage:claim_dismiss", args=[pk])),
        ("post", reverse("manage:claim_draft", args=[pk])),
    ]


# --- Who may -----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(article):
    client = Client()
    for method, url in urls(article):
        answer = getattr(client, method)(url, {**CONFIRM, "reason": "x"})
        assert answer.status_code == 302, url
        assert answer["Location"].startswith(reverse("login"))
    assert Article.objects.count() == 1
    assert claim(PASSAGE).status == Claim.Status.PROPOSED


def test_forecasters_get_403_and_write_nothing(user_client, article):
    for method, url in urls(article):
        answer = getattr(user_client, method)(url, {**CONFIRM, "reason": "x"})
        assert answer.status_code == 403, url
    assert Article.objects.count() == 1
    assert claim(PASSAGE).status == Claim.Status.PROPOSED
    assert not Question.objects.exists()


def test_the_staff_menu_links_the_article_pages(staff_web_client):
    page = staff_web_client.get(reverse("manage:questions")).content.decode()
    assert reverse("manage:articles") in page
    assert reverse("manage:article_add") in page


# --- Adding an article ---------------------------------------------------------------------------


def test_pasting_reads_and_shows_the_confirmation_without_saving(staff_web_client, read_as):
    given = read_as(
        ReadArticle(
            title="Summit Preview",
            authors=[AuthorName("Kim Lee", "KDI")],
            outlet="Asia Times",
            publication_date=date(2026, 5, 1),
            text=TEXT,
        )
    )
    answer = staff_web_client.post(reverse("manage:article_add"), {"pasted": "<p>the page</p>"})
    assert answer.status_code == 200
    assert given == [("<p>the page</p>", "")]
    page = answer.content.decode()
    assert 'id="article-confirm-form"' in page
    assert 'value="Summit Preview"' in page
    assert "Kim Lee | KDI" in page
    assert 'value="2026-05-01"' in page
    assert "article-missing-fields" not in page
    assert not Article.objects.exists()


def test_fields_not_found_are_left_empty_and_named(staff_web_client, read_as):
    read_as(ReadArticle(title="", authors=[], outlet="", publication_date=None, text=TEXT))
    answer = staff_web_client.post(reverse("manage:article_add"), {"pasted": TEXT})
    page = answer.content.decode()
    assert 'id="article-missing-fields"' in page
    assert "title, authors, outlet, publication date" in page


def test_an_uploaded_file_is_read_with_its_name(staff_web_client, read_as):
    given = read_as(ReadArticle("T", [], "", None, TEXT))
    upload = SimpleUploadedFile("pillar.html", "<html><p>Ünïcode</p></html>".encode())
    answer = staff_web_client.post(reverse("manage:article_add"), {"upload": upload})
    assert answer.status_code == 200
    assert given == [("<html><p>Ünïcode</p></html>", "pillar.html")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste the article, or upload it as a file."),
        ({"upload": ("notes.pdf", b"%PDF-1.4")}, "Upload a .txt, .md or .html file"),
        ({"upload": ("empty.txt", b"")}, "The submitted file is empty."),
        ({"upload": ("big.txt", b"x" * (5 * 1024 * 1024 + 1))}, "larger than 5 MB"),
        ({"upload": ("bytes.txt", b"\x81\x8d\x8f\x90\x9d")}, "The file is not text"),
        ({"pasted": "Text", "upload": ("a.txt", b"Text")}, "not both"),
    ],
)
def test_a_bad_file_or_nothing_is_a_form_error(staff_web_client, read_as, data, message):
    read_as(ReadArticle("T", [], "", None, TEXT))
    if "upload" in data:
        name, content = data["upload"]
        data = {**data, "upload": SimpleUploadedFile(name, content)}
    answer = staff_web_client.post(reverse("manage:article_add"), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Article.objects.exists()


def test_reading_that_finds_no_text_says_so(staff_web_client, read_as):
    read_as(ReadArticle("T", [], "", None, "  "))
    answer = staff_web_client.post(reverse("manage:article_add"), {"pasted": "<nav></nav>"})
    assert answer.status_code == 400
    assert "No article text was found" in answer.content.decode()


def test_saving_stores_the_article_and_proposes_its_claims(staff_web_client):
    answer = staff_web_client.post(reverse("manage:article_save"), CONFIRM)
    article = Article.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("manage:article_review", args=[article.slug])
    # The browser's CRLF is stored as LF: the claims' offsets are into the stored text.
    assert article.text == TEXT
    assert [(p.name, p.affiliation) for p in article.authors.order_by("bylines__position")] == [
        ("Kim Lee", "KDI"),
        ("Jane Roe", ""),
    ]
    assert article.outlet.name == "Asia Times"
    assert Claim.objects.filter(article=article, status="proposed").count() == 2


def test_a_failing_extractor_keeps_the_article_and_says_so(staff_web_client, monkeypatch):
    def broken():
        def extract(text, published):
            raise RuntimeError("the extractor broke")

        return extract

    monkeypatch.setattr("claims.services.review.default_extractor", broken)
    answer = staff_web_client.post(reverse("manage:article_save"), CONFIRM, follow=True)
    assert answer.status_code == 200
    assert Article.objects.count() == 1
    assert not Claim.objects.exists()
    assert "proposing its claims failed" in answer.content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"publication_date": "2026-02-30"}, "publication_date"),
        ({"publication_date": "2999-01-01"}, "publication_date"),
        ({"text": ""}, "text"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_a_bad_confirmation_is_shown_on_its_field(staff_web_client, change, field):
    answer = staff_web_client.post(reverse("manage:article_save"), {**CONFIRM, **change})
    assert answer.status_code == 400
    assert answer.context["form"].errors[field]
    assert not Article.objects.exists()


def test_saving_a_text_twice_names_the_article_that_has_it(staff_web_client, article):
    answer = staff_web_client.post(reverse("manage:article_save"), CONFIRM)
    assert answer.status_code == 400
    assert article.slug in answer.context["form"].errors["text"][0]


# --- Reviewing -----------------------------------------------------------------------------------


def test_the_review_page_lists_each_claim_in_its_context(staff_web_client, article):
    page = staff_web_client.get(reverse("manage:article_review", args=[article.slug]))
    html = page.content.decode()
    first = claim(PASSAGE)
    assert f'id="claim-{first.pk}"' in html
    assert f'<mark class="passage claim-passage">{PASSAGE}</mark>' in html
    assert "Seoul and Washington are drifting apart." in html  # the context before it
    assert "increasingly probable" in html
    assert "55–80%" in html
    assert "within five years" in html
    assert "Dr. Emily Carter" in html
    for action in ("accept", "edit", "dismiss"):
        assert f'id="claim-{first.pk}-{action}"' in html
    assert f'id="claim-{first.pk}-draft"' not in html  # only accepted claims are drafted
    # The byline and the outlet link to their track records; a claim quoting no one says so.
    assert '<a href="/outlets/the-diplomat/">The Diplomat</a>' in html
    assert '<a href="/authors/jane-roe/">Jane Roe</a>' in html
    assert "no one quoted: the article’s own claim" in html


def test_the_context_shows_a_markdown_heading_as_its_words(staff, staff_web_client):
    text = "# Drifting Apart\n\n" + TEXT
    heading = article_ingest(
        title="Drifting", text=text, publication_date=PUBLISHED, created_by=staff
    )
    claims_propose(article_id=heading.pk, extractor=FakeExtractor(default_proposals(text)))
    html = staff_web_client.get(reverse("manage:article_review", args=[heading.slug])).content
    page = html.decode()
    assert "Drifting Apart\n\nSeoul and Washington" in page
    assert "# Drifting Apart" not in page


def test_accept_then_draft_a_question_in_the_draft_editor(staff_web_client, article):
    first = claim(PASSAGE)
    answer = staff_web_client.post(reverse("manage:claim_accept", args=[first.pk]))
    assert answer["Location"].endswith(f"#claim-{first.pk}")
    assert claim(PASSAGE).status == Claim.Status.ACCEPTED
    page = staff_web_client.get(reverse("manage:article_review", args=[article.slug]))
    assert f'id="claim-{first.pk}-draft"' in page.content.decode()

    drafted = staff_web_client.post(reverse("manage:claim_draft", args=[first.pk]))
    question = Question.objects.get()
    assert drafted["Location"] == reverse("manage:question_edit", args=[question.slug])
    editor = staff_web_client.get(drafted["Location"])
    assert editor.status_code == 200
    assert editor.context["form"].initial["source_passage"] == PASSAGE
    assert editor.context["form"].initial["article"] == article.slug
    assert ClaimLink.objects.get().question == question


def test_drafting_a_proposed_claim_is_refused_with_a_message(staff_web_client, article):
    answer = staff_web_client.post(reverse("manage:claim_draft", args=[claim(PASSAGE).pk]))
    assert answer.status_code == 302
    assert not Question.objects.exists()
    page = staff_web_client.get(answer["Location"]).content.decode()
    assert "Accept the claim before drafting a question." in page


def test_dismiss_with_a_reason(staff_web_client, article):
    second = claim(SECOND)
    url = reverse("manage:claim_dismiss", args=[second.pk])
    missing = staff_web_client.post(url, {"reason": " "})
    assert missing.status_code == 400
    assert missing.context["form"].errors["reason"]
    assert claim(SECOND).status == Claim.Status.PROPOSED
    done = staff_web_client.post(url, {"reason": "Describes the past."})
    assert done.status_code == 302
    assert (claim(SECOND).status, claim(SECOND).dismissed_reason) == (
        Claim.Status.DISMISSED,
        "Describes the past.",
    )


def test_edit_a_claim(staff_web_client, article):
    second = claim(SECOND)
    url = reverse("manage:claim_edit", args=[second.pk])
    form = staff_web_client.get(url)
    assert form.status_code == 200
    assert 'id="claim-edit-form"' in form.content.decode()
    data = {
        "passage": "troop levels will fall below 25,000 by 2030",
        "start": "",
        "end": "",
        "expression": "unlikely",
        "low": "0.2",
        "high": "0.45",
        "table": "icd203",
        "horizon_text": "by 2030",
        "horizon_start": "2026-06-01",
        "horizon_end": "2030-12-31",
        "speaker": "Park Jae-sung",
        "speaker_affiliation": "KERI",
    }
    saved = staff_web_client.post(url, data)
    assert saved.status_code == 302
    edited = claim(data["passage"])
    assert TEXT[edited.start : edited.end] == edited.passage
    assert edited.speaker.name == "Park Jae-sung"

    wrong = staff_web_client.post(url, {**data, "passage": "Not in the article."})
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["passage"]
    badrange = staff_web_client.post(url, {**data, "low": "0.9", "high": "0.1"})
    assert badrange.status_code == 400
    assert badrange.context["form"].errors["high"]


def test_proposing_again_adds_nothing(staff_web_client, article):
    answer = staff_web_client.post(reverse("manage:article_propose", args=[article.slug]))
    assert answer.status_code == 302
    assert Claim.objects.count() == 2


def test_gets_on_post_only_pages_are_refused(staff_web_client, article):
    pk = claim(PASSAGE).pk
    for url in (
        reverse("manage:article_save"),
        reverse("manage:claim_accept", args=[pk]),
        reverse("manage:claim_draft", args=[pk]),
        reverse("manage:article_propose", args=[article.slug]),
    ):
        assert staff_web_client.get(url).status_code == 405


def test_unknown_articles_and_claims_are_404(staff_web_client, article):
    assert staff_web_client.get(reverse("manage:article_review", args=["nope"])).status_code == 404
    assert staff_web_client.get(reverse("manage:claim_edit", args=[999])).status_code == 404


# --- Query counts --------------------------------------------------------------------------------


def test_the_list_and_the_review_page_cost_fixed_queries(staff, staff_web_client, article):
    list_url = reverse("manage:articles")
    review_url = reverse("manage:article_review", args=[article.slug])
    few_list, _ = count_queries(staff_web_client, list_url)
    few_review, _ = count_queries(staff_web_client, review_url)
    for number in range(4):
        other = article_ingest(
            title=f"Another {number}",
            text=f"{number}. {TEXT}",
            publication_date=PUBLISHED,
            outlet=f"Outlet {number}",
            authors=[f"Writer {number}"],
            created_by=staff,
        )
        claims_propose(article_id=other.pk, extractor=FakeExtractor(None))
    extra = article_ingest(
        title="Many claims", text=TEXT + "\n\nMore.", publication_date=PUBLISHED, created_by=staff
    )
    claims_propose(article_id=extra.pk, extractor=FakeExtractor())
    for accepted in Claim.objects.filter(article=article):
        claim_accept(claim_id=accepted.pk, accepted_by=staff)
    many_list, _ = count_queries(staff_web_client, list_url)
    many_review, _ = count_queries(staff_web_client, review_url)
    assert many_list == few_list
    assert many_review == few_review


# --- Reading for real ----------------------------------------------------------------

PAGE = """<!doctype html><html><head><title>Summit Preview | Asia Times</title>
<meta property="og:title" content="Summit Preview">
<meta name="author" content="Kim Lee">
<meta property="og:site_name" content="Asia Times">
<meta property="article:published_time" content="2026-05-01T08:00:00Z">
</head><body><nav>Home · World · Opinion</nav><article><h1>Summit Preview</h1>
<p>The leaders will probably meet within six months, diplomats in Seoul say, though the
agenda is not settled and both sides have cancelled meetings before.</p>
<p>A joint statement on export controls is unlikely before the end of the year.</p>
</article><footer>© Asia Times</footer></body></html>"""


def test_a_saved_page_is_read_into_the_confirmation_form(staff_web_client):
    upload = SimpleUploadedFile("summit.html", PAGE.encode())
    answer = staff_web_client.post(reverse("manage:article_add"), {"upload": upload})
    assert answer.status_code == 200
    initial = answer.context["form"].initial
    assert initial["title"] == "Summit Preview"
    assert initial["authors"] == "Kim Lee"
    assert initial["outlet"] == "Asia Times"
    assert initial["publication_date"] == date(2026, 5, 1)
    assert "The leaders will probably meet within six months" in initial["text"]
    assert "Home · World" not in initial["text"]
    assert answer.context["missing"] == []


def test_pasted_markdown_is_read_as_text_and_missing_fields_are_named(staff_web_client):
    pasted = "# Summit Preview\n\nThe leaders will probably meet within six months."
    answer = staff_web_client.post(reverse("manage:article_add"), {"pasted": pasted})
    assert answer.status_code == 200
    assert answer.context["form"].initial["title"] == "Summit Preview"
    assert answer.context["missing"] == ["authors", "outlet", "publication date"]


def test_a_page_with_no_text_is_a_form_error(staff_web_client):
    upload = SimpleUploadedFile("empty.html", b"<html><body>   </body></html>")
    answer = staff_web_client.post(reverse("manage:article_add"), {"upload": upload})
    assert answer.status_code == 400
    assert answer.context["form"].errors
    assert not Article.objects.exists()


def test_the_whole_walk_from_a_page_to_a_drafted_question(staff_web_client, monkeypatch):
    """Read a page, save it with the real extractor, accept a proposal, draft from it."""
    monkeypatch.undo()  # the real extractor, not the stand-in
    upload = SimpleUploadedFile("summit.html", PAGE.encode())
    read = staff_web_client.post(reverse("manage:article_add"), {"upload": upload})
    form = read.context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["publication_date"] = "2026-05-01"
    data["precision"] = "day"
    saved = staff_web_client.post(reverse("manage:article_save"), data)
    assert saved.status_code == 302
    article = Article.objects.get()
    proposed = list(Claim.objects.filter(article=article))
    assert proposed, "the extractor proposed nothing"
    meet = next(c for c in proposed if "probably meet" in c.passage)
    assert article.text[meet.start : meet.end] == meet.passage
    staff_web_client.post(reverse("manage:claim_accept", args=[meet.pk]))
    drafted = staff_web_client.post(reverse("manage:claim_draft", args=[meet.pk]))
    question = Question.objects.get()
    assert drafted["Location"] == reverse("manage:question_edit", args=[question.slug])
    assert question.source_passage == meet.passage


def test_editing_a_successor_draft_keeps_its_link(staff, staff_web_client, article):
    """The draft editor carries the provenance link and side: saving a draft made as a
    successor of an old claim must not turn it into a direct link that scores the article."""
    old = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="Talks resumed last year.", horizon_end=date(2026, 6, 10)),
        created_by=staff,
    )
    question = claim_draft_question(claim_id=old.pk, by=staff)
    assert question.provenance_link == Question.ProvenanceLink.SUCCESSOR
    data = QuestionDraftForm.data_for(question)
    data["title"] = "Will talks resume again by the close?"
    saved = staff_web_client.post(reverse("manage:question_edit", args=[question.slug]), data)
    assert saved.status_code == 302
    question.refresh_from_db()
    assert question.title == "Will talks resume again by the close?"
    assert question.provenance_link == Question.ProvenanceLink.SUCCESSOR
    assert question.provenance_direction == Question.ProvenanceDirection.YES
