"""The staff's review of a new article, through its services: storing the article with
its outlet and authors, proposing claims (idempotently), accepting, editing, dismissing,
and drafting a question that tracks a claim."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from claims.models import ArticleForecaster, Claim, ClaimLink
from claims.provenance import provenance_out_of_sync
from claims.services.provenance import claims_sync_provenance
from claims.services.review import (
    AuthorName,
    ClaimEdit,
    article_ingest,
    claim_accept,
    claim_create,
    claim_dismiss,
    claim_draft_question,
    claim_update,
    claims_propose,
)
from questions.models import Article, Outlet, Person, Question
from questions.people import record_slug
from questions.services import question_publish, question_resolve
from scoring.models import Score
from scoring.services import question_score
from tests.claims.builders import (
    PASSAGE,
    PUBLISHED,
    SECOND,
    TEXT,
    FakeExtractor,
    proposal_of,
)
from tests.factories import ForecastFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


def ingest(staff, **fields):
    values = {
        "title": "The Fractured Pillar",
        "text": TEXT,
        "publication_date": PUBLISHED,
        "outlet": "The Diplomat",
        "authors": [AuthorName("Jane Roe", "Asan Institute"), "John Doe"],
        "url": "https://example.org/pillar",
        "created_by": staff,
        "today": date(2026, 7, 1),
    }
    values.update(fields)
    return article_ingest(**values)


@pytest.fixture
def article(staff):
    return ingest(staff)


@pytest.fixture
def proposed(article):
    claims_propose(article_id=article.pk, extractor=FakeExtractor())
    return {claim.passage: claim for claim in Claim.objects.filter(article=article)}


# --- article_ingest -------------------------------------------------------------------------


def test_ingest_stores_the_article_its_outlet_and_authors_in_order(article):
    assert article.slug == "the-fractured-pillar"
    assert article.text == TEXT
    assert article.outlet == Outlet.objects.get(slug="the-diplomat")
    assert [p.name for p in article.authors.order_by("bylines__position")] == [
        "Jane Roe",
        "John Doe",
    ]
    assert Person.objects.get(slug="jane-roe").affiliation == "Asan Institute"
    assert article.url == "https://example.org/pillar"


def test_ingest_finds_known_people_and_outlets_by_the_slug_of_their_name(staff, article):
    second = ingest(staff, title="Another", text="Something else will likely happen.")
    assert second.outlet == article.outlet
    assert Person.objects.filter(slug="jane-roe").count() == 1
    assert Outlet.objects.count() == 1
    assert second.slug == "another"


def test_ingest_fills_a_blank_affiliation_but_never_overwrites_one(staff):
    PersonFactory(name="Jane Roe", affiliation="")
    PersonFactory(name="John Doe", affiliation="RAND")
    ingest(staff, authors=[AuthorName("Jane Roe", "Asan"), AuthorName("John Doe", "Brookings")])
    assert Person.objects.get(slug="jane-roe").affiliation == "Asan"
    assert Person.objects.get(slug="john-doe").affiliation == "RAND"


def test_a_title_already_taken_gets_a_numbered_slug(staff, article):
    again = ingest(staff, text="A different text that will probably matter.")
    assert again.slug == "the-fractured-pillar-2"


def test_crlf_is_stored_as_lf_so_offsets_match_what_browsers_send(staff):
    article = ingest(staff, text="One line.\r\nIt will likely rain.\r\n")
    assert article.text == "One line.\nIt will likely rain."


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"text": ""}, "text"),
        ({"publication_date": None}, "publication_date"),
        ({"publication_date": date(2026, 7, 2)}, "publication_date"),
        ({"precision": "week"}, "precision"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"outlet": "o" * 201}, "outlet"),
        ({"authors": ["a" * 201]}, "authors"),
        ({"authors": [f"Writer {n}" for n in range(51)]}, "authors"),
    ],
)
def test_ingest_refuses_bad_input_naming_the_field_and_writes_nothing(staff, fields, field):
    with pytest.raises(ValidationError) as caught:
        ingest(staff, **fields)
    assert field in caught.value.message_dict
    assert not Article.objects.exists()
    assert not Outlet.objects.exists()
    assert not Person.objects.exists()


def test_the_same_text_twice_is_refused_naming_the_article(staff, article):
    with pytest.raises(ValidationError) as caught:
        ingest(staff, title="Copy")
    assert "the-fractured-pillar" in caught.value.message_dict["text"][0]


def test_only_staff_ingest(db):
    with pytest.raises(ValidationError) as caught:
        ingest(UserFactory())
    assert "created_by" in caught.value.message_dict


def test_names_without_latin_letters_get_a_stable_slug():
    assert record_slug("박재성", prefix="person") == record_slug("박재성", prefix="person")
    assert record_slug("박재성", prefix="person").startswith("person-")
    assert record_slug("Dr. Emily Carter", prefix="person") == "dr-emily-carter"


# --- claims_propose ---------------------------------------------------------------------------


def test_proposals_are_stored_verbatim_with_their_speaker(article, proposed):
    claim = proposed[PASSAGE]
    assert claim.status == Claim.Status.PROPOSED
    assert article.text[claim.start : claim.end] == claim.passage
    assert (claim.expression, claim.low, claim.high, claim.table) == (
        "increasingly probable",
        0.55,
        0.8,
        "icd203",
    )
    assert claim.horizon_end == date(2031, 6, 1)
    assert claim.speaker == Person.objects.get(slug="dr-emily-carter")
    assert proposed[SECOND].speaker is None


def test_the_extractor_reads_the_text_and_the_publication_date(article):
    extractor = FakeExtractor()
    claims_propose(article_id=article.pk, extractor=extractor)
    assert extractor.calls == [(TEXT, PUBLISHED)]


def test_proposing_again_adds_nothing_and_keeps_reviews(staff, article, proposed):
    claim_dismiss(claim_id=proposed[SECOND].pk, reason="Not a forecast.", dismissed_by=staff)
    assert claims_propose(article_id=article.pk, extractor=FakeExtractor()) == []
    assert Claim.objects.filter(article=article).count() == 2
    assert Claim.objects.get(pk=proposed[SECOND].pk).status == Claim.Status.DISMISSED
    assert Person.objects.filter(slug="dr-emily-carter").count() == 1


def test_a_proposal_not_verbatim_at_its_offsets_is_left_out(article):
    good = proposal_of(PASSAGE)
    shifted = proposal_of(SECOND)
    shifted = type(shifted)(
        **{**shifted.__dict__, "start": shifted.start + 1, "end": shifted.end + 1}
    )
    created = claims_propose(article_id=article.pk, extractor=FakeExtractor([good, shifted]))
    assert [claim.passage for claim in created] == [PASSAGE]


def test_a_range_outside_zero_to_one_is_stored_without_a_range(article):
    wrong = proposal_of(PASSAGE, low=0.9, high=0.2, table="icd203", expression="likely")
    [claim] = claims_propose(article_id=article.pk, extractor=FakeExtractor([wrong]))
    assert (claim.low, claim.high, claim.table) == (None, None, "")


def test_proposing_for_a_missing_article_names_it(db):
    with pytest.raises(ValidationError) as caught:
        claims_propose(article_id=999, extractor=FakeExtractor())
    assert "article" in caught.value.message_dict


# --- accept, dismiss, edit -----------------------------------------------------------------------


def test_accept_and_dismiss(staff, proposed):
    accepted = claim_accept(claim_id=proposed[PASSAGE].pk, accepted_by=staff)
    assert accepted.status == Claim.Status.ACCEPTED
    dismissed = claim_dismiss(claim_id=proposed[SECOND].pk, reason=" Past. ", dismissed_by=staff)
    assert (dismissed.status, dismissed.dismissed_reason) == (Claim.Status.DISMISSED, "Past.")
    restored = claim_accept(claim_id=dismissed.pk, accepted_by=staff)
    assert (restored.status, restored.dismissed_reason) == (Claim.Status.ACCEPTED, "")


def test_dismissing_needs_a_reason(staff, proposed):
    with pytest.raises(ValidationError) as caught:
        claim_dismiss(claim_id=proposed[SECOND].pk, reason="  ", dismissed_by=staff)
    assert "reason" in caught.value.message_dict
    assert Claim.objects.get(pk=proposed[SECOND].pk).status == Claim.Status.PROPOSED


def test_forecasters_cannot_review(proposed):
    forecaster = UserFactory()
    with pytest.raises(ValidationError):
        claim_accept(claim_id=proposed[PASSAGE].pk, accepted_by=forecaster)
    with pytest.raises(ValidationError):
        claim_dismiss(claim_id=proposed[PASSAGE].pk, reason="x", dismissed_by=forecaster)
    assert Claim.objects.get(pk=proposed[PASSAGE].pk).status == Claim.Status.PROPOSED


def test_edit_every_field(staff, article, proposed):
    claim = proposed[SECOND]
    start = TEXT.index("troop levels")
    edit = ClaimEdit(
        passage="troop levels will fall below 25,000 by 2030",
        start=start,
        end=start + len("troop levels will fall below 25,000 by 2030"),
        expression="unlikely",
        low=0.25,
        high=0.4,
        table="kent1964",
        horizon_text="by 2030",
        horizon_start=PUBLISHED,
        horizon_end=date(2030, 12, 31),
        speaker="Park Jae-sung",
        speaker_affiliation="Korea Economic Research Institute",
    )
    updated = claim_update(claim_id=claim.pk, edit=edit, updated_by=staff)
    assert TEXT[updated.start : updated.end] == updated.passage == edit.passage
    assert (updated.low, updated.high, updated.table) == (0.25, 0.4, "kent1964")
    assert updated.speaker.affiliation == "Korea Economic Research Institute"


def test_a_passage_without_offsets_is_found_in_the_text(staff, proposed):
    claim = proposed[SECOND]
    edit = ClaimEdit.of(claim)
    edit = ClaimEdit(
        **{**edit.__dict__, "passage": "Talks resumed last year.", "start": None, "end": None}
    )
    updated = claim_update(claim_id=claim.pk, edit=edit, updated_by=staff)
    assert TEXT[updated.start : updated.end] == "Talks resumed last year."


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"passage": "Not in the text at all.", "start": None, "end": None}, "passage"),
        ({"passage": "It is unlikely"}, "passage"),  # the offsets still mark the whole sentence
        ({"start": 5, "end": 3}, "end"),
        ({"start": 0, "end": 10_000}, "end"),
        ({"start": None}, "start"),
        ({"low": 1.5}, "low"),
        ({"low": 0.6, "high": 0.2}, "high"),
        ({"high": None}, "high"),
        ({"table": "nato"}, "table"),
        ({"low": None, "high": None, "table": "icd203"}, "low"),
        ({"horizon_start": date(2031, 1, 1), "horizon_end": date(2030, 1, 1)}, "horizon_end"),
        ({"expression": "x" * 201}, "expression"),
    ],
)
def test_a_bad_edit_names_the_field_and_changes_nothing(staff, proposed, change, field):
    claim = proposed[SECOND]
    before = Claim.objects.filter(pk=claim.pk).values().get()
    edit = ClaimEdit(**{**ClaimEdit.of(claim).__dict__, **change})
    with pytest.raises(ValidationError) as caught:
        claim_update(claim_id=claim.pk, edit=edit, updated_by=staff)
    assert field in caught.value.message_dict, caught.value.message_dict
    assert Claim.objects.filter(pk=claim.pk).values().get() == before


def test_moving_onto_another_claims_passage_is_refused(staff, proposed):
    other = proposed[PASSAGE]
    edit = ClaimEdit(
        **{
            **ClaimEdit.of(proposed[SECOND]).__dict__,
            "start": other.start,
            "end": other.end,
            "passage": other.passage,
        }
    )
    with pytest.raises(ValidationError) as caught:
        claim_update(claim_id=proposed[SECOND].pk, edit=edit, updated_by=staff)
    assert "passage" in caught.value.message_dict


def test_staff_can_add_a_claim_by_hand(staff, article):
    claim = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="Talks resumed last year."),
        created_by=staff,
    )
    assert claim.status == Claim.Status.ACCEPTED
    assert TEXT[claim.start : claim.end] == "Talks resumed last year."


# --- drafting a question ---------------------------------------------------------------


def test_a_draft_tracks_the_claim_with_its_provenance_and_horizon(staff, article, proposed):
    claim = claim_accept(claim_id=proposed[PASSAGE].pk, accepted_by=staff)
    question = claim_draft_question(claim_id=claim.pk, by=staff, now=NOW)
    assert question.is_draft
    assert question.article == article
    assert question.source_passage == PASSAGE
    assert (question.implied_probability_low, question.implied_probability_high) == (0.55, 0.8)
    assert question.implied_probability_table == "icd203"
    assert question.implied_probability_term == "increasingly probable"
    assert question.provenance_link == Question.ProvenanceLink.DIRECT
    assert question.provenance_direction == Question.ProvenanceDirection.YES
    # Opens now (publication is past), closes at the end of the horizon's last day.
    assert question.open_time == NOW.replace(second=0)
    assert question.scheduled_close_time == datetime(2031, 6, 1, 23, 59, 59, tzinfo=UTC)
    assert question.scheduled_resolve_time > question.scheduled_close_time
    link = ClaimLink.objects.get(claim=claim)
    assert (link.question, link.kind, link.direction) == (question, "direct", "yes")


def test_drafting_twice_returns_the_same_draft(staff, proposed):
    claim = claim_accept(claim_id=proposed[PASSAGE].pk, accepted_by=staff)
    first = claim_draft_question(claim_id=claim.pk, by=staff, now=NOW)
    assert claim_draft_question(claim_id=claim.pk, by=staff, now=NOW) == first
    assert Question.objects.count() == 1


def test_the_published_draft_keeps_its_direct_link(staff, proposed):
    claim = claim_accept(claim_id=proposed[PASSAGE].pk, accepted_by=staff)
    question = claim_draft_question(claim_id=claim.pk, by=staff)
    question_publish(question=question, published_by=staff)
    link = ClaimLink.objects.get(claim=claim)
    assert link.question.published_at is not None
    assert link.kind == ClaimLink.Kind.DIRECT


def test_a_claim_without_horizon_gets_a_year_from_publication(staff, article):
    claim = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="Talks resumed last year."),
        created_by=staff,
    )
    question = claim_draft_question(claim_id=claim.pk, by=staff, now=NOW)
    assert question.scheduled_close_time == datetime(2027, 6, 1, 23, 59, 59, tzinfo=UTC)
    assert question.implied_probability_low is None


def test_a_claim_whose_horizon_is_over_drafts_a_successor(staff, article):
    claim = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(
            passage=SECOND,
            expression="unlikely",
            low=0.2,
            high=0.45,
            table="icd203",
            horizon_text="by 2030",
            horizon_start=PUBLISHED,
            horizon_end=date(2026, 6, 20),
        ),
        created_by=staff,
    )
    question = claim_draft_question(claim_id=claim.pk, by=staff, now=NOW)
    assert question.provenance_link == Question.ProvenanceLink.SUCCESSOR
    assert question.open_time == datetime(2026, 7, 1, tzinfo=UTC)
    assert question.scheduled_close_time == datetime(2026, 7, 31, 23, 59, 59, tzinfo=UTC)
    assert ClaimLink.objects.get(claim=claim).kind == ClaimLink.Kind.SUCCESSOR


def test_a_stated_number_is_the_questions_range_too_and_survives_the_sync(staff, article):
    claim = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage=SECOND, expression="60 %", low=0.6, high=0.6, table="number"),
        created_by=staff,
    )
    question = claim_draft_question(claim_id=claim.pk, by=staff, now=NOW)
    assert (
        question.implied_probability_low,
        question.implied_probability_high,
        question.implied_probability_table,
    ) == (0.6, 0.6, "number")
    assert ClaimLink.objects.filter(claim=claim, question=question).exists()
    # The question is newer than the claim once it is edited: the sync then copies the
    # question's provenance onto the claim, and the stated figure is still there.
    Question.objects.filter(pk=question.pk).update(updated_at=timezone.now() + timedelta(1))
    claims_sync_provenance(question_ids=[question.pk])
    claim.refresh_from_db()
    assert (claim.low, claim.high, claim.table) == (0.6, 0.6, "number")


def test_only_accepted_claims_are_drafted(staff, proposed):
    with pytest.raises(ValidationError) as caught:
        claim_draft_question(claim_id=proposed[PASSAGE].pk, by=staff, now=NOW)
    assert "claim" in caught.value.message_dict
    assert not Question.objects.exists()


def test_a_tracked_claim_is_neither_dismissed_nor_moved(staff, proposed):
    claim = claim_accept(claim_id=proposed[PASSAGE].pk, accepted_by=staff)
    claim_draft_question(claim_id=claim.pk, by=staff, now=NOW)
    with pytest.raises(ValidationError) as caught:
        claim_dismiss(claim_id=claim.pk, reason="Changed my mind.", dismissed_by=staff)
    assert "claim" in caught.value.message_dict
    edit = ClaimEdit(**{**ClaimEdit.of(claim).__dict__, "low": 0.6})
    with pytest.raises(ValidationError) as caught:
        claim_update(claim_id=claim.pk, edit=edit, updated_by=staff)
    assert list(caught.value.message_dict) == ["low"]
    # Its speaker and wording as written may still be corrected.
    edit = ClaimEdit(**{**ClaimEdit.of(claim).__dict__, "speaker": "Emily Carter"})
    assert (
        claim_update(claim_id=claim.pk, edit=edit, updated_by=staff).speaker.name == "Emily Carter"
    )


def test_a_drafted_question_is_in_step_with_the_provenance_sync(staff, article):
    """The provenance sync (claims.services.provenance) reads a question's provenance back
    into its claim: a freshly drafted question must need nothing from it, and a stated
    number's range, which the question cannot hold, must survive it."""
    number = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage=SECOND, expression="60 %", low=0.6, high=0.6, table="number"),
        created_by=staff,
    )
    words = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(
            passage=PASSAGE,
            expression="increasingly probable",
            low=0.55,
            high=0.8,
            table="icd203",
            horizon_start=PUBLISHED,
            horizon_end=date(2031, 6, 1),
        ),
        created_by=staff,
    )
    for claim in (number, words):
        claim_draft_question(claim_id=claim.pk, by=staff, now=NOW)
    assert ArticleForecaster.objects.filter(article=article).exists()
    assert provenance_out_of_sync() == []
    before = {c.pk: (c.low, c.high, c.table, c.horizon_end) for c in Claim.objects.all()}
    claims_sync_provenance()
    after = {c.pk: (c.low, c.high, c.table, c.horizon_end) for c in Claim.objects.all()}
    assert after == before
    assert ClaimLink.objects.count() == 2


def test_the_published_question_scores_the_claim_as_its_article(staff, article, proposed):
    """The walk the review page makes: accept, draft, write, publish; once resolved, the
    article's forecaster is scored on the question at the claim's midpoint."""
    claim = claim_accept(claim_id=proposed[PASSAGE].pk, accepted_by=staff)
    drafted_on = timezone.now() - timedelta(days=10)
    question = claim_draft_question(claim_id=claim.pk, by=staff, now=drafted_on)
    question_publish(question=question, published_by=staff, now=drafted_on)
    ForecastFactory(
        user=UserFactory(username="kramer"),
        question=question,
        probability=0.3,
        created_at=question.open_time + timedelta(days=1),
    )
    known = question.open_time + timedelta(days=3)
    with mock.patch("pipeline.tasks.score_question.delay"):
        question_resolve(question=question, outcome="yes", known_at=known, resolved_by=staff)
    question_score(question_id=question.pk)
    scored = set(Score.objects.filter(question=question).values_list("user__username", flat=True))
    assert f"article:{article.slug}" in scored
    assert "kramer" in scored
