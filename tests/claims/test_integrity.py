"""Every claim's passage is its article's text at its offsets, and the text is the one
its SHA-256 was taken from: over the seeded articles (their provenance claims and the
extractor's proposals), after a reloaded article's text changes, and in the admin,
which keeps a quoted text from being edited."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from claims.models import Claim, ClaimLink
from claims.services.provenance import claims_sync_provenance
from claims.services.review import claims_propose
from questions.imports import load_document, questions_import
from questions.models import Article
from tests.factories import ArticleFactory, QuestionFactory, StaffFactory

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "questions" / "data" / "article_questions.yaml"
PASSAGE = "It is increasingly probable that the alliance will resemble a partnership."
TEXT = f"The alliance is under strain.\n{PASSAGE} Talks could resume within a year.\n"


def assert_every_claim_at_its_offsets() -> None:
    claims = list(Claim.objects.select_related("article"))
    assert claims
    for claim in claims:
        text = claim.article.text
        assert text[claim.start : claim.end] == claim.passage, (claim.pk, claim.passage[:60])
        assert claim.article.text_sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_seeded_articles_claims_and_proposals_sit_at_their_offsets():
    document = load_document(SEED.read_text(encoding="utf-8"), name=SEED.name)
    questions_import(document=document, base_dir=SEED.parent)
    claims_sync_provenance()
    for article in Article.objects.all():
        claims_propose(article_id=article.pk)
    assert Claim.objects.filter(status=Claim.Status.ACCEPTED).count() >= 15
    assert Claim.objects.filter(status=Claim.Status.PROPOSED).exists()
    assert_every_claim_at_its_offsets()


@pytest.fixture
def tracked():
    article = ArticleFactory(slug="pillar", text=TEXT, publication_date=date(2025, 12, 7))
    question = QuestionFactory(
        article=article,
        source_passage=PASSAGE,
        implied_probability_low=0.55,
        implied_probability_high=0.8,
        implied_probability_table="icd203",
        implied_probability_term="increasingly probable",
        open_time=datetime(2025, 12, 7, tzinfo=UTC),
        scheduled_close_time=datetime(2035, 12, 7, tzinfo=UTC),
        scheduled_resolve_time=datetime(2036, 1, 7, tzinfo=UTC),
    )
    claims_sync_provenance()
    return article, question, Claim.objects.get()


def test_a_claim_follows_its_passage_when_the_text_is_rewritten(tracked):
    article, question, claim = tracked
    article.text = "Editor's note: a paragraph was added.\n\n" + TEXT
    article.save()
    report = claims_sync_provenance(question_ids=[question.pk])
    assert (report.claims_moved, report.claims_created, report.unanchored) == (1, 0, [])
    moved = Claim.objects.get()
    assert moved.pk == claim.pk and moved.start > claim.start
    assert ClaimLink.objects.get().claim_id == claim.pk
    assert_every_claim_at_its_offsets()
    # Twice changes nothing.
    assert not claims_sync_provenance(question_ids=[question.pk]).changed


def test_a_claim_whose_passage_is_gone_stays_and_is_reported(tracked, caplog):
    article, question, claim = tracked
    article.text = "The alliance is under strain. Talks could resume within a year.\n"
    article.save()
    report = claims_sync_provenance(question_ids=[question.pk])
    assert report.unanchored == [claim.pk]
    assert report.unlocated == [question.slug]
    kept = Claim.objects.get(pk=claim.pk)
    assert (kept.start, kept.end, kept.passage) == (claim.start, claim.end, claim.passage)
    assert "no longer in their article's text" in caplog.text


def test_the_admin_keeps_a_quoted_text_from_being_edited(client, tracked):
    article, _, _ = tracked
    client.force_login(StaffFactory(is_superuser=True))
    page = client.get(f"/admin/questions/article/{article.pk}/change/").content.decode()
    assert 'name="text"' not in page
    bare = ArticleFactory(slug="no-claims-yet")
    page = client.get(f"/admin/questions/article/{bare.pk}/change/").content.decode()
    assert 'name="text"' in page
