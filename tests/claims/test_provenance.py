"""Questions' provenance becomes claims: offsets, ranges, sharing, links, the article's
forecaster, idempotence, changes, the import path, the sweep and the data migration."""

from datetime import UTC, date, datetime
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from accounts.models import User
from claims.models import ArticleForecaster, Claim, ClaimLink
from claims.provenance import attributed_speaker, claim_range, provenance_out_of_sync
from claims.services.provenance import claims_sync_provenance
from pipeline.beat import beat_schedule
from pipeline.tasks import provenance_sweep, sync_provenance
from questions.imports import load_document, questions_import
from questions.models import Article, Question
from tests.factories import ArticleFactory, QuestionFactory

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "questions" / "data" / "article_questions.yaml"
TEXT = (
    "The alliance is under strain.\n"
    "It is increasingly probable that the alliance will resemble a partnership. "
    "Talks could resume within a year.\n"
    '"The Security Barrier was built on a presumption," explains Dr. Emily Carter, a '
    "specialist in Korean security policy at Georgetown University. “That presumption is "
    "rapidly dissolving.”\n"
)
PARTNERSHIP = "It is increasingly probable that the alliance will resemble a partnership."
TALKS = "Talks could resume within a year."


@pytest.fixture
def article():
    return ArticleFactory(
        slug="the-pillar",
        title="The Pillar",
        text=TEXT,
        publication_date=date(2025, 12, 7),
        author="Jane Byline",
    )


def quoting(article, passage, **fields):
    defaults = {
        "article": article,
        "source_passage": passage,
        "open_time": datetime(2025, 12, 7, tzinfo=UTC),
        "scheduled_close_time": datetime(2026, 6, 7, tzinfo=UTC),
        "scheduled_resolve_time": datetime(2026, 7, 7, tzinfo=UTC),
    }
    return QuestionFactory(**{**defaults, **fields})


def test_a_quoted_passage_becomes_an_accepted_claim_at_its_offsets(article):
    question = quoting(
        article,
        PARTNERSHIP,
        implied_probability_low=0.55,
        implied_probability_high=0.80,
        implied_probability_table="icd203",
        implied_probability_term="increasingly probable",
    )
    report = claims_sync_provenance()
    assert report.claims_created == 1
    claim = Claim.objects.get()
    assert article.text[claim.start : claim.end] == claim.passage == PARTNERSHIP
    assert claim.status == Claim.Status.ACCEPTED
    assert (claim.expression, claim.low, claim.high, claim.table) == (
        "increasingly probable",
        0.55,
        0.80,
        "icd203",
    )
    assert (claim.horizon_start, claim.horizon_end) == (date(2025, 12, 7), date(2026, 6, 7))
    assert claim.speaker is None  # the byline's
    link = ClaimLink.objects.get()
    assert (link.question, link.kind, link.direction) == (question, "direct", "yes")


def test_the_article_forecaster_is_a_system_user_that_cannot_log_in(article):
    quoting(article, PARTNERSHIP)
    claims_sync_provenance()
    forecaster = ArticleForecaster.objects.get(article=article)
    user = forecaster.user
    assert user.username == "article:the-pillar"
    assert user.origin == User.Origin.SYSTEM
    assert not user.is_active
    assert not user.has_usable_password()


def test_no_forecaster_without_a_direct_link(article):
    quoting(article, PARTNERSHIP, provenance_link="proxy")
    claims_sync_provenance()
    assert ClaimLink.objects.get().kind == "proxy"
    assert not ArticleForecaster.objects.exists()


def test_questions_quoting_one_passage_share_its_claim_and_a_no_side_is_mirrored(article):
    yes = quoting(article, PARTNERSHIP, implied_probability_low=0.55, implied_probability_high=0.80)
    no = quoting(
        article,
        PARTNERSHIP,
        implied_probability_low=0.20,
        implied_probability_high=0.45,
        provenance_direction="no",
        provenance_link="proxy",
    )
    claims_sync_provenance()
    claim = Claim.objects.get()
    assert (claim.low, claim.high) == (0.55, 0.80)
    assert {(link.question_id, link.direction) for link in claim.links.all()} == {
        (yes.pk, "yes"),
        (no.pk, "no"),
    }
    assert claim_range(0.20, 0.45, "no") == (0.55, 0.8)


def test_running_twice_changes_nothing(article):
    quoting(article, PARTNERSHIP, implied_probability_low=0.55, implied_probability_high=0.8)
    quoting(article, TALKS)
    claims_sync_provenance()
    before = list(Claim.objects.values()), list(ClaimLink.objects.values())
    report = claims_sync_provenance()
    assert not report.changed
    assert (list(Claim.objects.values()), list(ClaimLink.objects.values())) == before
    assert User.objects.filter(username__startswith="article:").count() == 1


def test_a_changed_provenance_moves_the_link(article):
    question = quoting(article, PARTNERSHIP)
    claims_sync_provenance()
    first = ClaimLink.objects.get().claim
    question.source_passage = TALKS
    question.provenance_direction = "no"
    question.save()
    claims_sync_provenance(question_ids=[question.pk])
    link = ClaimLink.objects.get(question=question)
    assert link.claim.passage == TALKS
    assert link.direction == "no"
    # The first claim stays, tracked by nothing now.
    assert not first.links.exists()


def test_a_question_that_no_longer_quotes_the_article_loses_its_link(article):
    question = quoting(article, PARTNERSHIP)
    other = quoting(article, TALKS)
    claims_sync_provenance()
    Question.objects.filter(pk=question.pk).update(article=None, source_passage="")
    # A sync of every article leaves questions without provenance alone...
    claims_sync_provenance()
    assert ClaimLink.objects.filter(question=question).exists()
    # ...one told about the question (an import that wrote it) unlinks it.
    report = claims_sync_provenance(question_ids=[question.pk, other.pk])
    assert report.links_removed == 1
    assert list(ClaimLink.objects.values_list("question_id", flat=True)) == [other.pk]


def test_a_range_edited_in_the_question_follows_into_the_claim(article):
    question = quoting(
        article, PARTNERSHIP, implied_probability_low=0.55, implied_probability_high=0.8
    )
    claims_sync_provenance()
    question.implied_probability_low, question.implied_probability_high = 0.6, 0.9
    question.save()
    assert provenance_out_of_sync() == [question.pk]
    claims_sync_provenance(question_ids=[question.pk])
    assert (Claim.objects.get().low, Claim.objects.get().high) == (0.6, 0.9)
    assert provenance_out_of_sync() == []


def test_a_passage_not_in_the_text_makes_no_claim(article):
    question = quoting(article, "Nothing like this is in the text.")
    report = claims_sync_provenance()
    assert report.unlocated == [question.slug]
    assert not Claim.objects.exists()


def test_quoted_speech_is_attributed_to_its_speaker(article):
    passage = "The Security Barrier was built on a presumption,"
    quoting(article, passage)
    quoting(article, "That presumption is rapidly dissolving.")
    claims_sync_provenance()
    speakers = {claim.passage: claim.speaker for claim in Claim.objects.all()}
    carter = speakers[passage]
    assert carter.name == "Dr. Emily Carter"
    assert carter.affiliation == ("a specialist in Korean security policy at Georgetown University")
    # The next quotation, after the attribution, is hers too: one record.
    assert speakers["That presumption is rapidly dissolving."] == carter
    start = TEXT.index(PARTNERSHIP)
    assert attributed_speaker(TEXT, start, start + len(PARTNERSHIP)) is None


def test_a_changed_link_on_a_resolved_question_asks_for_its_rescore(
    article, staff, django_capture_on_commit_callbacks
):
    question = quoting(
        article, PARTNERSHIP, implied_probability_low=0.55, implied_probability_high=0.8
    )
    Question.objects.filter(pk=question.pk).update(resolution="yes")
    with django_capture_on_commit_callbacks() as callbacks:
        report = claims_sync_provenance()
    assert report.rescored == [question.pk]
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        assert claims_sync_provenance().rescored == []
    assert callbacks == []


# --- The import path and the sweep ------------------------------------------------------


def test_the_seeded_provenance_becomes_tracked_claims(queued):
    document = load_document(SEED.read_text(encoding="utf-8"), name=SEED.name)
    questions_import(document=document, base_dir=SEED.parent)
    # What the queued task does, as the worker would.
    with_provenance = list(
        Question.objects.filter(article__isnull=False)
        .exclude(source_passage="")
        .values_list("pk", flat=True)
    )
    assert provenance_out_of_sync() == sorted(with_provenance)
    claims_sync_provenance(question_ids=with_provenance)
    assert provenance_out_of_sync() == []
    for question in Question.objects.filter(pk__in=with_provenance).select_related("article"):
        link = ClaimLink.objects.select_related("claim").get(question=question)
        claim = link.claim
        assert question.article.text[claim.start : claim.end] == claim.passage
        assert (link.kind, link.direction) == (
            question.provenance_link,
            question.provenance_direction,
        )
        if question.implied_probability_low is not None and link.direction == "yes":
            assert (claim.low, claim.high) == (
                question.implied_probability_low,
                question.implied_probability_high,
            )
    assert ArticleForecaster.objects.count() == Article.objects.count()


def test_the_import_hands_the_questions_to_the_pipeline(queued, django_capture_on_commit_callbacks):
    document = load_document(SEED.read_text(encoding="utf-8"), name=SEED.name)
    with django_capture_on_commit_callbacks(execute=True):
        questions_import(document=document, base_dir=SEED.parent)
    written = sorted(Question.objects.values_list("pk", flat=True))
    queued.sync_provenance.assert_called_once_with(written)


def test_the_import_command_says_what_it_always_said(queued, capsys):
    call_command("import_questions", str(SEED))
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{SEED}: ")
    assert all(
        line.startswith(("  created: ", "  updated: ", "  held back: ", "  retired: "))
        for line in out.splitlines()[1:]
    )


def test_the_sweep_syncs_what_a_lost_message_left(queued, article):
    question = quoting(article, PARTNERSHIP)
    assert provenance_sweep() == [question.pk]
    queued.sync_provenance.assert_called_once_with([question.pk])
    claims_sync_provenance(question_ids=[question.pk])
    queued.sync_provenance.reset_mock()
    assert provenance_sweep() == []
    queued.sync_provenance.assert_not_called()


# --- The data migration -----------------------------------------------------------------


def test_the_data_migration_makes_what_the_service_makes(article):
    migration = import_module("claims.migrations.0002_provenance_claims")
    quoting(article, PARTNERSHIP, implied_probability_low=0.2, implied_probability_high=0.45)
    quoting(
        article,
        TALKS,
        implied_probability_low=0.2,
        implied_probability_high=0.8,
        provenance_direction="no",
    )
    quoting(article, TALKS, provenance_link="successor")
    fields = ("article_id", "passage", "start", "end", "expression", "low", "high", "table")
    fields += ("horizon_start", "horizon_end", "status")

    migration.forward(apps, None)
    migrated = sorted(Claim.objects.values_list(*fields))
    links = sorted(ClaimLink.objects.values_list("question_id", "kind", "direction"))
    user = ArticleForecaster.objects.get(article=article).user
    assert (user.username, user.username_key, user.is_active) == (
        "article:the-pillar",
        "article:the-pillar",
        False,
    )
    migration.forward(apps, None)  # twice: nothing more
    assert Claim.objects.count() == 2

    Claim.objects.all().delete()
    ArticleForecaster.objects.all().delete()
    claims_sync_provenance()
    assert sorted(Claim.objects.values_list(*fields)) == migrated
    assert sorted(ClaimLink.objects.values_list("question_id", "kind", "direction")) == links


def test_the_task_runs_the_sync_and_beat_sweeps_for_lost_messages(article):
    question = quoting(
        article, PARTNERSHIP, implied_probability_low=0.55, implied_probability_high=0.8
    )
    assert sync_provenance([question.pk]) == {
        "claims_created": 1,
        "claims_updated": 0,
        "links_written": 1,
        "rescored": 0,
    }
    assert sync_provenance([question.pk])["links_written"] == 0
    schedule = beat_schedule()["provenance-sweep"]
    assert schedule["task"] == "pipeline.tasks.provenance_sweep"
