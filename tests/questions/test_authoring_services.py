"""Services behind the staff pages: drafts, publishing, clarifications, and
the resolution check that runs before the confirmation step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from questions.models import Clarification, Question, ResolutionEvent, Tag
from questions.services import (
    QuestionDraft,
    clarification_add,
    question_draft_create,
    question_draft_update,
    question_publish,
    question_resolve_check,
)
from tests.factories import ArticleFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def draft(**fields) -> QuestionDraft:
    opens = timezone.now() + timedelta(days=1)
    values = {
        "title": "Will the summit happen?",
        "resolution_criteria": "Resolves yes if it happens.",
        "open_time": opens,
        "scheduled_close_time": opens + timedelta(days=90),
        "scheduled_resolve_time": opens + timedelta(days=120),
        **fields,
    }
    return QuestionDraft(**values)


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value.message_dict


def test_a_draft_is_created_unpublished_with_its_tags(staff):
    Tag.objects.create(slug="existing")
    question = question_draft_create(
        draft=draft(tags=["Existing", "Brand New", "  ", "brand-new"]), created_by=staff
    )
    assert question.is_draft
    assert question.slug == "will-the-summit-happen"
    assert sorted(question.tags.values_list("slug", flat=True)) == ["brand-new", "existing"]
    assert Tag.objects.count() == 2


def test_accents_come_off_tags_but_other_scripts_are_not_dropped(staff):
    question = question_draft_create(
        draft=draft(tags=["Café Culture", "ＡＢＣ", "C++"]), created_by=staff
    )
    assert sorted(question.tags.values_list("slug", flat=True)) == ["abc", "c", "cafe-culture"]


@pytest.mark.parametrize("word", ["북한", "++", "Korea 북한", "Straße"])
def test_a_tag_that_would_lose_its_letters_is_refused_by_name(staff, word):
    bad = draft(tags=["missiles", word])
    errors = errors_of(lambda: question_draft_create(draft=bad, created_by=staff))
    assert list(errors) == ["tags"]
    assert errors["tags"] == [
        f"“{word}” cannot be a tag: tags are written with Latin letters (a–z), "
        "digits and hyphens, e.g. north-korea."
    ]
    assert not Question.objects.exists()
    assert not Tag.objects.exists()


def test_editing_a_draft_refuses_such_a_tag_and_keeps_the_old_ones(staff):
    question = question_draft_create(draft=draft(tags=["missiles"]), created_by=staff)
    errors = errors_of(
        lambda: question_draft_update(
            question=question, draft=draft(tags=["missiles", "북한"]), updated_by=staff
        )
    )
    assert "“북한” cannot be a tag" in errors["tags"][0]
    assert list(question.tags.values_list("slug", flat=True)) == ["missiles"]
    assert list(Tag.objects.values_list("slug", flat=True)) == ["missiles"]


def test_only_staff_author_publish_and_clarify(user):
    assert "created_by" in errors_of(lambda: question_draft_create(draft=draft(), created_by=user))
    waiting = QuestionFactory(published_at=None)
    assert "published_by" in errors_of(
        lambda: question_publish(question=waiting, published_by=user)
    )
    assert "created_by" in errors_of(
        lambda: clarification_add(question=QuestionFactory(), text="x", created_by=user)
    )
    assert Question.objects.filter(published_at__isnull=False).count() == 1
    assert not Clarification.objects.exists()


def test_every_wrong_field_is_named_at_once(staff):
    bad = draft(
        title="",
        resolution_criteria="",
        scheduled_close_time=timezone.now() - timedelta(days=400),
        implied_probability_low=0.9,
        implied_probability_high=0.1,
        type=Question.Type.NUMERIC,
    )
    errors = errors_of(lambda: question_draft_create(draft=bad, created_by=staff))
    assert set(errors) == {
        "title",
        "resolution_criteria",
        "scheduled_close_time",
        "implied_probability_high",
        "type",
    }
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "passage",
    [
        "it is likely that the alliance endures",
        "it is   likely\nthat the alliance endures",
        "It’s “likely”",
    ],
)
def test_the_passage_is_found_whatever_the_spacing_and_quotes(staff, passage):
    article = ArticleFactory(
        text='Intro. It\'s "likely"\n it is likely  that the\nalliance endures.'
    )
    question = question_draft_create(
        draft=draft(article=article, source_passage=passage), created_by=staff
    )
    assert question.source_passage == passage.strip()


def test_a_passage_without_an_article_is_kept_as_given(staff):
    question = question_draft_create(draft=draft(source_passage="Quoted."), created_by=staff)
    assert question.source_passage == "Quoted."


def test_naive_times_are_refused(staff):
    naive = draft(open_time=timezone.now().replace(tzinfo=None))
    assert errors_of(lambda: question_draft_create(draft=naive, created_by=staff)) == {
        "open_time": ["Give a time zone offset (times are UTC)."]
    }


def test_a_published_question_is_not_rewritten(staff):
    published = QuestionFactory(resolution_criteria="Original.")
    errors = errors_of(
        lambda: question_draft_update(
            question=published, draft=draft(resolution_criteria="New."), updated_by=staff
        )
    )
    assert list(errors) == ["question"]
    published.refresh_from_db()
    assert published.resolution_criteria == "Original."


def test_a_draft_can_keep_its_own_slug(staff):
    question = question_draft_create(draft=draft(slug="mine"), created_by=staff)
    updated = question_draft_update(
        question=question, draft=draft(slug="mine", title="Renamed?"), updated_by=staff
    )
    assert (updated.slug, updated.title) == ("mine", "Renamed?")


def test_publish_sets_the_time_once_and_refuses_after_the_close(staff):
    now = timezone.now()
    question = QuestionFactory(published_at=None)
    question_publish(question=question, published_by=staff, now=now)
    assert question.published_at == now
    assert list(errors_of(lambda: question_publish(question=question, published_by=staff))) == [
        "question"
    ]
    # A stale copy of the draft (another tab) cannot publish it a second time.
    stale_copy = Question.objects.get(pk=question.pk)
    stale_copy.published_at = None
    assert "question" in errors_of(
        lambda: question_publish(question=stale_copy, published_by=staff)
    )
    question.refresh_from_db()
    assert question.published_at == now

    late = QuestionFactory(
        published_at=None,
        open_time=now - timedelta(days=10),
        scheduled_close_time=now - timedelta(seconds=1),
    )
    assert list(errors_of(lambda: question_publish(question=late, published_by=staff))) == [
        "scheduled_close_time"
    ]
    late.refresh_from_db()
    assert late.is_draft


def test_clarifications_are_appended_to_published_questions_only(staff):
    question = QuestionFactory()
    first = clarification_add(question=question, text=" One. ", created_by=staff)
    clarification_add(question=question, text="Two.", created_by=staff)
    assert first.text == "One."
    assert list(question.clarifications.values_list("text", flat=True)) == ["One.", "Two."]
    assert list(
        errors_of(lambda: clarification_add(question=question, text=" ", created_by=staff))
    ) == ["text"]
    draft_question = QuestionFactory(published_at=None)
    assert list(
        errors_of(lambda: clarification_add(question=draft_question, text="x", created_by=staff))
    ) == ["question"]


def test_the_resolution_check_writes_nothing(staff):
    question = QuestionFactory()
    links = question_resolve_check(
        question=question,
        outcome="yes",
        known_at=timezone.now() - timedelta(hours=1),
        resolved_by=staff,
        evidence_links=[" https://example.org/a ", ""],
    )
    assert links == ["https://example.org/a"]
    assert not ResolutionEvent.objects.exists()
    assert "resolved_by" in errors_of(
        lambda: question_resolve_check(
            question=question,
            outcome="yes",
            known_at=timezone.now(),
            resolved_by=UserFactory(),
        )
    )


# --- Placeholders ----------------------------------------------------------------


def test_placeholders_are_filled_from_the_window_and_the_slug_from_the_filled_title(staff):
    opens = timezone.now().replace(year=2031, month=3, day=1, hour=0, minute=0, second=0)
    window = {
        "open_time": opens,
        "scheduled_close_time": opens.replace(year=2032, month=2, day=29),
        "scheduled_resolve_time": opens.replace(year=2032, month=4, day=1),
    }
    question = question_draft_create(
        draft=draft(
            title="A test between {open_date} and {close_date}?",
            resolution_criteria="Yes if reported in {open_year} or {close_year}; {{braces}} stay.",
            fine_print="Counted to {close_date}.",
            **window,
        ),
        created_by=staff,
    )
    assert question.title == "A test between 2031-03-01 and 2032-02-29?"
    assert question.slug == "a-test-between-2031-03-01-and-2032-02-29"
    assert question.resolution_criteria == "Yes if reported in 2031 or 2032; {braces} stay."
    assert question.fine_print == "Counted to 2032-02-29."

    moved = opens.replace(year=2033)
    updated = question_draft_update(
        question=question,
        draft=draft(
            title="Still by {close_year}?",
            open_time=moved,
            scheduled_close_time=moved + timedelta(days=400),
            scheduled_resolve_time=moved + timedelta(days=430),
        ),
        updated_by=staff,
    )
    assert updated.title == "Still by 2034?"


def test_an_unknown_placeholder_is_refused_on_its_field_beside_other_problems(staff):
    bad = draft(
        title="Between {open_date} and {closing_date}?",
        fine_print="A lone { brace",
        resolution_criteria="",
    )
    errors = errors_of(lambda: question_draft_create(draft=bad, created_by=staff))
    assert sorted(errors) == ["fine_print", "resolution_criteria", "title"]
    assert errors["title"] == [
        "Unknown placeholder: only {open_date}, {close_date}, {open_year} and {close_year} "
        "may stand in braces ('{closing_date}' is not a placeholder)."
    ]
    assert "'{' is not a placeholder" in errors["fine_print"][0]
    assert not Question.objects.exists()


def test_placeholders_are_checked_even_when_the_window_is_missing(staff):
    bad = draft(title="By {close_dat}?", open_time=None)
    errors = errors_of(lambda: question_draft_create(draft=bad, created_by=staff))
    assert sorted(errors) == ["open_time", "title"]
