"""Authoring questions on the site: drafts at /manage/questions/, previewed on
the normal question page, then published; drafts stay hidden from everyone
else, on the pages and in the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.staticfiles import finders
from django.db import connection
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from questions.models import Project, Question, Tag
from tests.factories import ArticleFactory, QuestionFactory
from tests.web.conftest import PASSAGE

pytestmark = pytest.mark.django_db

LIST_URL = "/manage/questions/"
NEW_URL = "/manage/questions/new/"


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def draft_data(**overrides) -> dict[str, object]:
    opens = timezone.now() + timedelta(days=1)
    return {
        "title": "Will the alliance hold its summer exercise?",
        "slug": "",
        "type": "binary",
        "background": "Some background.",
        "resolution_criteria": "Resolves yes if the exercise is held.",
        "fine_print": "",
        "resolution_source": "Ministry of Defense statements.",
        "tags": "Korea, exercises, korea",
        "open_time": local(opens),
        "scheduled_close_time": local(opens + timedelta(days=180)),
        "scheduled_resolve_time": local(opens + timedelta(days=210)),
        "source_passage": "",
        "implied_probability_low": "",
        "implied_probability_high": "",
        "implied_probability_table": "",
        "implied_probability_term": "",
        **overrides,
    }


@pytest.fixture
def draft(db) -> Question:
    question = QuestionFactory(
        slug="a-draft",
        title="A draft question?",
        published_at=None,
        open_time=timezone.now() + timedelta(days=1),
        scheduled_close_time=timezone.now() + timedelta(days=30),
        scheduled_resolve_time=timezone.now() + timedelta(days=40),
    )
    question.tags.add(Tag.objects.create(slug="drafting"))
    return question


# --- Who may see what ------------------------------------------------------------


def test_url_names():
    assert reverse("manage:questions") == LIST_URL
    assert reverse("manage:question_new") == NEW_URL
    assert reverse("manage:question_edit", args=["x"]) == "/manage/questions/x/edit/"
    assert reverse("manage:question_publish", args=["x"]) == "/manage/questions/x/publish/"
    assert reverse("manage:clarification_add", args=["x"]) == "/manage/questions/x/clarifications/"


def staff_pages(draft: Question, published: Question) -> list[tuple[str, str]]:
    return [
        ("get", LIST_URL),
        ("get", NEW_URL),
        ("post", NEW_URL),
        ("get", f"/manage/questions/{draft.slug}/edit/"),
        ("post", f"/manage/questions/{draft.slug}/edit/"),
        ("post", f"/manage/questions/{draft.slug}/publish/"),
        ("get", f"/manage/questions/{published.slug}/clarifications/"),
        ("post", f"/manage/questions/{published.slug}/clarifications/"),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, draft, question):
    for method, url in staff_pages(draft, question):
        response = getattr(client, method)(url, {})
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{reverse('login')}?next="), url


def test_forecasters_are_refused_and_nothing_changes(user_client, draft, question):
    for method, url in staff_pages(draft, question):
        data = {**draft_data(), "text": "A clarification."} if method == "post" else {}
        assert getattr(user_client, method)(url, data).status_code == 403, url
    draft.refresh_from_db()
    assert draft.is_draft
    assert Question.objects.count() == 2
    assert not question.clarifications.exists()


def test_staff_reach_every_page(staff_web_client, draft, question):
    for url in (LIST_URL, NEW_URL, f"/manage/questions/{draft.slug}/edit/"):
        assert staff_web_client.get(url).status_code == 200, url
    page = staff_web_client.get(f"/manage/questions/{question.slug}/clarifications/")
    assert page.status_code == 200


def test_drafts_are_invisible_to_forecasters_and_anonymous_visitors(
    client, user_client, forecaster_client, api_client, draft
):
    detail = reverse("questions:detail", args=[draft.slug])
    for visitor in (client, user_client):
        assert "A draft question?" not in visitor.get("/").content.decode()
        assert visitor.get(detail).status_code == 404
        assert visitor.get(f"{reverse('questions:list')}?status=upcoming").status_code == 200
    for api in (api_client, forecaster_client):
        listing = api.get("/api/questions/").json()
        slugs = [row["slug"] for row in listing.get("results", listing)]
        assert draft.slug not in slugs
        assert api.get(f"/api/questions/{draft.slug}/").status_code == 404


# --- The list --------------------------------------------------------------------------


def test_the_list_shows_drafts_and_links_to_published_questions(staff_web_client, draft, question):
    response = staff_web_client.get(LIST_URL)
    html = response.content.decode()
    assert [row["question"].slug for row in response.context["drafts"]] == ["a-draft"]
    assert [q.slug for q in response.context["published"]] == ["nk-escalation"]
    assert f'href="/questions/{draft.slug}/">Preview' in html
    assert f'href="/manage/questions/{draft.slug}/edit/">Edit' in html
    assert f'action="/manage/questions/{draft.slug}/publish/"' in html
    assert f'href="/manage/questions/{question.slug}/clarifications/">Clarify' in html
    assert f'href="/questions/{question.slug}/"' in html


def test_a_draft_past_its_close_offers_no_publish_button(staff_web_client):
    QuestionFactory(
        slug="stale-draft",
        published_at=None,
        open_time=timezone.now() - timedelta(days=40),
        scheduled_close_time=timezone.now() - timedelta(days=2),
    )
    html = staff_web_client.get(LIST_URL).content.decode()
    assert "Close passed: move the window" in html
    assert 'action="/manage/questions/stale-draft/publish/"' not in html


def test_the_list_costs_the_same_queries_however_many_drafts(staff_web_client, article):
    def grow(count: int) -> None:
        for _ in range(count):
            draft = QuestionFactory(published_at=None, article=article)
            draft.tags.add(Tag.objects.get_or_create(slug="t")[0])
            QuestionFactory()

    grow(1)
    staff_web_client.get(LIST_URL)
    with CaptureQueriesContext(connection) as few:
        staff_web_client.get(LIST_URL)
    grow(10)
    with CaptureQueriesContext(connection) as many:
        response = staff_web_client.get(LIST_URL)
    assert len(response.context["drafts"]) == 11
    assert len(response.context["published"]) == 11
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Creating -----------------------------------------------------------------------


def test_a_new_draft_is_saved_unpublished_and_shown_as_a_preview(staff_web_client, article):
    project = Project.objects.create(slug="korea-2026", name="Korea 2026")
    data = draft_data(
        article=article.slug,
        source_passage="More likely,   the situation\nwill remain tense but stable.",
        implied_probability_low="0.2",
        implied_probability_high="0.45",
        implied_probability_table="icd203",
        implied_probability_term="More likely",
        projects=[project.slug],
        hide_community_until_forecast="on",
    )
    response = staff_web_client.post(NEW_URL, data)
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/questions/{question.slug}/"
    assert question.is_draft
    assert question.slug == "will-the-alliance-hold-its-summer-exercise"
    assert sorted(question.tags.values_list("slug", flat=True)) == ["exercises", "korea"]
    assert list(question.projects.all()) == [project]
    assert question.article == article
    assert (question.implied_probability_low, question.implied_probability_high) == (0.2, 0.45)
    assert question.hide_community_until_forecast
    assert local(question.open_time) == data["open_time"]

    preview = staff_web_client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Draft preview:" in html
    assert f'href="/manage/questions/{question.slug}/edit/"' in html
    assert f'action="/manage/questions/{question.slug}/publish/"' in html
    assert "Draft saved." in html
    # A preview, not a place to forecast: the service would refuse it anyway.
    assert 'id="forecast-form"' not in html
    assert "Forecasts open once the question is published." in html


def test_a_blank_slug_that_is_taken_gets_a_number(staff_web_client):
    QuestionFactory(slug="will-it-rain")
    staff_web_client.post(NEW_URL, draft_data(title="Will it rain?"))
    staff_web_client.post(NEW_URL, draft_data(title="Will it rain?"))
    assert sorted(Question.objects.values_list("slug", flat=True)) == [
        "will-it-rain",
        "will-it-rain-2",
        "will-it-rain-3",
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"scheduled_close_time": "{open}"},
            "scheduled_close_time",
            "The close time must be after the open time.",
        ),
        (
            {"scheduled_resolve_time": "{before_close}"},
            "scheduled_resolve_time",
            "The resolve time must not be before the close time.",
        ),
        ({"open_time": "soon"}, "open_time", "Enter a valid date/time."),
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 301}, "title", "At most 300 characters."),
        ({"resolution_criteria": "  "}, "resolution_criteria", "This field is required."),
        ({"slug": "Not A Slug"}, "slug", "Use lowercase letters, digits and hyphens only."),
        ({"slug": "nk-escalation"}, "slug", "Another question already uses"),
        ({"type": "numeric"}, "type", "Select a valid choice."),
        (
            {"source_passage": "A sentence the article never wrote."},
            "source_passage",
            "This passage does not occur in the text of",
        ),
        (
            {"implied_probability_low": "1.5", "implied_probability_high": "0.9"},
            "implied_probability_low",
            "A probability between 0 and 1, e.g. 0.55.",
        ),
        (
            {"implied_probability_low": "0.8", "implied_probability_high": "0.2"},
            "implied_probability_high",
            "The high end must not be below the low end.",
        ),
        (
            {"implied_probability_low": "0.3"},
            "implied_probability_high",
            "Give both ends of the range",
        ),
        ({"article": "no-such-article"}, "article", "Select a valid choice."),
    ],
    ids=[
        "close-not-after-open",
        "resolve-before-close",
        "bad-time",
        "no-title",
        "long-title",
        "blank-criteria",
        "bad-slug",
        "taken-slug",
        "not-binary",
        "passage-not-in-article",
        "probability-above-one",
        "low-above-high",
        "half-a-range",
        "unknown-article",
    ],
)
def test_a_bad_draft_is_a_400_with_the_error_on_its_field_and_nothing_saved(
    staff_web_client, question, overrides, field, message
):
    data = draft_data(article=question.article.slug)
    times = {
        "open": data["open_time"],
        "before_close": local(datetime.fromisoformat(data["open_time"]) + timedelta(days=10)),
    }
    data.update({key: value.format(**times) for key, value in overrides.items()})
    response = staff_web_client.post(NEW_URL, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert response.context["form"].errors[field][0].startswith(message)
    html = response.content.decode()
    shown_at = html.index(message.replace("'", "&#x27;"))
    assert 0 < html.index(f'name="{field}"', shown_at) - shown_at < 600
    assert list(Question.objects.values_list("slug", flat=True)) == ["nk-escalation"]


# --- Drafting from a passage of an article ----------------------------------------------


def test_the_article_page_offers_staff_a_way_to_draft_from_a_passage(
    staff_web_client, user_client, article
):
    url = reverse("questions:article", args=[article.slug])
    html = staff_web_client.get(url).content.decode()
    assert 'action="/manage/questions/new/" id="draft-from-passage"' in html
    assert f'<input type="hidden" name="article" value="{article.slug}">' in html
    assert '<label for="id_draft_passage">Passage</label>' in html
    assert '<option value="6m">6 months</option>' in html
    assert '<option value="today">' in html
    # The selection handling is a static script (the Content-Security-Policy runs no
    # inline one).
    script = static("foreseer/passage-draft.js")
    assert f'<script src="{script}" defer></script>' in html
    assert "selectionchange" in Path(finders.find("foreseer/passage-draft.js")).read_text()
    assert "draft-from-passage" not in user_client.get(url).content.decode()


def test_a_passage_prefills_the_provenance_and_a_window_from_publication(staff_web_client):
    ArticleFactory(
        slug="pillar",
        title="The Pillar",
        publication_date=date(2025, 12, 7),
        text=f"Intro.\n\n{PASSAGE} More.",
    )
    response = staff_web_client.get(
        NEW_URL, {"article": "pillar", "passage": f"  {PASSAGE}\n", "horizon": "6m"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["article"] == "pillar"
    assert form.initial["source_passage"] == PASSAGE
    assert form.initial["open_time"] == datetime(2025, 12, 7, tzinfo=UTC)
    assert form.initial["scheduled_close_time"] == datetime(2026, 6, 7, tzinfo=UTC)
    assert form.initial["scheduled_resolve_time"] == datetime(2026, 7, 7, tzinfo=UTC)
    html = response.content.decode()
    assert 'value="2026-06-07T00:00:00"' in html
    assert "“The Pillar”" in html
    # "More likely" carries an ICD 203 reading, offered as a hint, not filled in.
    assert "The passage uses <strong>“likely”</strong>" in html
    assert form.initial.get("implied_probability_low") is None

    ten_years = staff_web_client.get(NEW_URL, {"article": "pillar", "horizon": "10y"})
    assert ten_years.context["form"].initial["scheduled_close_time"] == datetime(
        2035, 12, 7, tzinfo=UTC
    )


def test_a_window_that_has_closed_is_flagged_and_can_start_today(staff_web_client):
    ArticleFactory(slug="old", publication_date=timezone.now().date() - timedelta(days=3 * 365))
    stale = staff_web_client.get(NEW_URL, {"article": "old", "horizon": "6m"})
    assert "This window has already closed" in stale.content.decode()

    today = timezone.now().date()
    fresh = staff_web_client.get(NEW_URL, {"article": "old", "horizon": "1y", "anchor": "today"})
    initial = fresh.context["form"].initial
    assert initial["open_time"] == datetime(today.year, today.month, today.day, tzinfo=UTC)
    assert initial["scheduled_close_time"].date() == today + relativedelta(years=1)
    assert f"The window runs 1 year from {today.isoformat()}." in initial["background"]
    assert "This window has already closed" not in fresh.content.decode()


def test_an_unknown_article_or_horizon_in_the_query_is_a_400(staff_web_client, article):
    response = staff_web_client.get(NEW_URL, {"article": "nope", "passage": "x"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert (
        staff_web_client.get(NEW_URL, {"article": article.slug, "horizon": "2d"}).status_code == 400
    )


# --- Editing and publishing ------------------------------------------------------------


def test_editing_a_draft_rewrites_it(staff_web_client, draft):
    edit_url = f"/manage/questions/{draft.slug}/edit/"
    page = staff_web_client.get(edit_url)
    assert page.context["form"].initial["tags"] == "drafting"
    assert 'value="A draft question?"' in page.content.decode()
    data = draft_data(title="A better title?", slug="a-draft", tags="new-tag")
    response = staff_web_client.post(edit_url, data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "A better title?"
    assert draft.is_draft
    assert list(draft.tags.values_list("slug", flat=True)) == ["new-tag"]


def test_an_invalid_edit_is_a_400_and_changes_nothing(staff_web_client, draft):
    data = draft_data(slug="a-draft", title="Changed?", scheduled_close_time="")
    response = staff_web_client.post(f"/manage/questions/{draft.slug}/edit/", data)
    assert response.status_code == 400
    assert "scheduled_close_time" in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.title == "A draft question?"


def test_a_published_question_is_not_edited_here(staff_web_client, question):
    before = question.resolution_criteria
    for response in (
        staff_web_client.get(f"/manage/questions/{question.slug}/edit/"),
        staff_web_client.post(
            f"/manage/questions/{question.slug}/edit/",
            draft_data(slug=question.slug, resolution_criteria="Rewritten."),
        ),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"/manage/questions/{question.slug}/clarifications/"
    question.refresh_from_db()
    assert question.resolution_criteria == before


def test_draft_preview_publish_then_forecasters_see_it(staff_web_client, user_client, draft):
    detail = reverse("questions:detail", args=[draft.slug])
    assert user_client.get(detail).status_code == 404
    preview = staff_web_client.get(detail).content.decode()
    assert "Draft preview:" in preview

    publish = f"/manage/questions/{draft.slug}/publish/"
    # The first press asks, showing what forecasters will read; only "yes" publishes.
    asked = staff_web_client.post(publish)
    assert asked.status_code == 200
    assert asked.templates[0].name == "pages/manage/publish_confirm.html"
    draft.refresh_from_db()
    assert draft.is_draft
    response = staff_web_client.post(publish, {"confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(detail, 302)]
    assert "Published: forecasters can now see this question." in response.content.decode()
    assert "Draft preview:" not in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_draft
    assert user_client.get(detail).status_code == 200
    assert "A draft question?" in user_client.get("/?status=upcoming").content.decode()

    again = staff_web_client.post(publish, {"confirm": "yes"}, follow=True)
    assert "This question is already published." in again.content.decode()


def test_publishing_after_the_close_is_refused_next_to_the_close_time(staff_web_client):
    stale = QuestionFactory(
        slug="stale",
        published_at=None,
        open_time=timezone.now() - timedelta(days=40),
        scheduled_close_time=timezone.now() - timedelta(days=1),
    )
    preview = staff_web_client.get(reverse("questions:detail", args=["stale"])).content.decode()
    assert "move the window before publishing" in preview
    assert 'action="/manage/questions/stale/publish/"' not in preview

    response = staff_web_client.post("/manage/questions/stale/publish/")
    assert response.status_code == 400
    assert response.context["form"].errors["scheduled_close_time"] == [
        "The close time has passed: move the window before publishing."
    ]
    html = response.content.decode()
    shown_at = html.index("The close time has passed")
    assert 0 < html.index('name="scheduled_close_time"', shown_at) - shown_at < 600
    stale.refresh_from_db()
    assert stale.is_draft


@pytest.mark.parametrize("confirm", [None, "", "no", "1", "YES"])
def test_publishing_without_a_yes_only_asks(staff_web_client, draft, confirm):
    data = {} if confirm is None else {"confirm": confirm}
    response = staff_web_client.post(f"/manage/questions/{draft.slug}/publish/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Publish this question?" in html
    assert "A draft question?" in html
    assert 'name="confirm" value="yes"' in html
    draft.refresh_from_db()
    assert draft.is_draft


def test_the_confirmation_shows_what_forecasters_will_read(staff_web_client):
    QuestionFactory(
        slug="shown",
        published_at=None,
        title="Shown title?",
        resolution_criteria="Criteria line one.\nCriteria line two.",
        fine_print="The fine print.",
        background="The background.",
        resolution_source="The source.",
        hide_community_until_forecast=True,
    )
    html = staff_web_client.post("/manage/questions/shown/publish/").content.decode()
    for text in (
        "Shown title?",
        # Rendered as the question page renders it: Markdown, one paragraph.
        "<p>Criteria line one.\nCriteria line two.</p>",
        "The fine print.",
        "The background.",
        "The source.",
        "hidden from each forecaster until they have forecast",
    ):
        assert text in html


def test_get_on_publish_changes_nothing(staff_web_client, draft):
    response = staff_web_client.get(f"/manage/questions/{draft.slug}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_long_passage_arrives_by_post_and_only_fills_the_form_in(staff_web_client):
    """Thousands of characters (Korean takes nine bytes each in a URL) would not fit
    in a request line; the article page posts them instead, and nothing is saved."""
    passage = "한미동맹은 " * 700  # 4,200 characters
    ArticleFactory(slug="long", publication_date=date(2025, 12, 7), text=f"Intro. {passage}")
    response = staff_web_client.post(
        NEW_URL, {"prefill": "1", "article": "long", "passage": passage, "horizon": "1y"}
    )
    assert response.status_code == 200
    assert response.context["form"].initial["source_passage"] == passage.strip()
    assert not Question.objects.exists()
    # The window picker is part of the draft's form, so the passage goes along again.
    html = response.content.decode()
    start = html.index('id="question-form"')
    draft_form = html[start : html.index("</form>", start)]
    assert 'name="set_window"' in draft_form and 'name="source_passage"' in draft_form


def test_setting_the_window_keeps_everything_typed_and_saves_nothing(staff_web_client):
    article = ArticleFactory(
        slug="pillar",
        title="The Pillar",
        publication_date=date(2025, 12, 7),
        text=f"Intro.\n\n{PASSAGE} More.",
    )
    typed = draft_data(
        title="Will the alliance still stand by {close_year}?",
        resolution_criteria="Resolves yes if it stands,\r\nas reported.",
        fine_print="Typed fine print.",
        article=article.slug,
        source_passage=PASSAGE,
        projects=[Project.objects.create(slug="korea", name="Korea").slug],
        hide_community_until_forecast="on",
        background="Drawn from “The Pillar” (7 December 2025). "
        "The window runs 1 year from the article's publication.",
    )
    response = staff_web_client.post(
        NEW_URL, {**typed, "horizon": "3y", "anchor": "publication", "set_window": "1"}
    )
    assert response.status_code == 200
    assert not Question.objects.exists()
    form = response.context["form"]
    assert not form.is_bound
    for name in ("title", "resolution_criteria", "fine_print", "source_passage", "tags"):
        assert form.initial[name] == typed[name]
    assert form.initial["projects"] == ["korea"]
    assert form.initial["hide_community_until_forecast"] == "on"
    assert form.initial["open_time"] == "2025-12-07T00:00:00"
    assert form.initial["scheduled_close_time"] == "2028-12-07T00:00:00"
    assert form.initial["scheduled_resolve_time"] == "2029-01-07T00:00:00"
    html = response.content.decode()
    assert 'value="Will the alliance still stand by {close_year}?"' in html
    assert "Typed fine print." in html
    assert 'value="2028-12-07T00:00:00"' in html
    assert '<option value="3y" selected>' in html
    assert "Window set: it opens 2025-12-07 and closes 2028-12-07. Not saved yet." in html
    assert "errorlist" not in html


def test_setting_the_window_keeps_a_rewritten_background_and_updates_a_written_one(
    staff_web_client,
):
    ArticleFactory(slug="pillar", publication_date=date(2025, 12, 7), text=f"x {PASSAGE} y")
    first = staff_web_client.get(NEW_URL, {"article": "pillar", "horizon": "1y"})
    written = first.context["form"].initial["background"]
    data = draft_data(article="pillar", source_passage=PASSAGE, horizon="5y", set_window="1")
    kept = staff_web_client.post(NEW_URL, {**data, "background": "My own words."})
    assert kept.context["form"].initial["background"] == "My own words."
    followed = staff_web_client.post(NEW_URL, {**data, "background": written})
    assert (
        followed.context["form"]
        .initial["background"]
        .endswith("The window runs 5 years from the article's publication.")
    )
    assert not Question.objects.exists()


def test_a_slug_taken_at_the_same_moment_is_a_400_on_the_slug(staff_web_client):
    from django.db import IntegrityError

    with mock.patch("pages.views.manage.question_draft_create", side_effect=IntegrityError("slug")):
        response = staff_web_client.post(NEW_URL, draft_data())
    assert response.status_code == 400
    assert "That slug was just taken" in str(response.context["form"].errors["slug"])
    assert not Question.objects.exists()


# --- Placeholders ------------------------------------------------------------------------


def test_placeholders_are_filled_in_the_preview_and_in_what_is_published(
    staff_web_client, user_client
):
    opens = datetime(2031, 3, 1, tzinfo=UTC)
    data = draft_data(
        title="Will it happen between {open_date} and {close_date}?",
        resolution_criteria="Yes if reported between {open_date} and {close_date}.",
        fine_print="Only reports from {open_year} to {close_year} count.",
        open_time=local(opens),
        scheduled_close_time=local(datetime(2032, 2, 29, tzinfo=UTC)),
        scheduled_resolve_time=local(datetime(2032, 4, 1, tzinfo=UTC)),
    )
    response = staff_web_client.post(NEW_URL, data)
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.slug == "will-it-happen-between-2031-03-01-and-2032-02-29"
    preview = staff_web_client.get(response["Location"]).content.decode()
    confirm = staff_web_client.post(f"/manage/questions/{question.slug}/publish/")
    staff_web_client.post(f"/manage/questions/{question.slug}/publish/", {"confirm": "yes"})
    published = user_client.get(response["Location"]).content.decode()
    for html in (preview, confirm.content.decode(), published):
        assert "Will it happen between 2031-03-01 and 2032-02-29?" in html
        assert "Yes if reported between 2031-03-01 and 2032-02-29." in html
        assert "Only reports from 2031 to 2032 count." in html
        assert "{open_date}" not in html and "{close_year}" not in html
        assert "open_date" not in html


def test_an_unknown_placeholder_is_a_400_on_its_field(staff_web_client):
    response = staff_web_client.post(
        NEW_URL, draft_data(resolution_criteria="Yes by {closing_date}.")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["resolution_criteria"] == [
        "Unknown placeholder: only {open_date}, {close_date}, {open_year} and {close_year} "
        "may stand in braces ('{closing_date}' is not a placeholder)."
    ]
    html = response.content.decode()
    shown_at = html.index("Unknown placeholder")
    assert 0 < html.index('name="resolution_criteria"', shown_at) - shown_at < 1000
    assert not Question.objects.exists()


def test_a_draft_being_edited_sets_its_window_without_losing_the_edits(staff_web_client):
    article = ArticleFactory(slug="pillar", publication_date=date(2025, 12, 7), text=PASSAGE)
    QuestionFactory(slug="editing", published_at=None, article=article, source_passage=PASSAGE)
    url = "/manage/questions/editing/edit/"
    assert 'name="set_window"' in staff_web_client.get(url).content.decode()
    data = draft_data(
        title="An edited title?",
        article="pillar",
        source_passage=PASSAGE,
        horizon="6m",
        set_window="1",
    )
    response = staff_web_client.post(url, data)
    assert response.status_code == 200
    assert response.context["question"].slug == "editing"
    assert response.context["form"].initial["title"] == "An edited title?"
    assert response.context["form"].initial["scheduled_close_time"] == "2026-06-07T00:00:00"
    assert 'action="/manage/questions/editing/edit/"' in response.content.decode()
    assert Question.objects.get(slug="editing").title != "An edited title?"


def test_the_window_picker_stays_after_a_refused_save(staff_web_client):
    ArticleFactory(slug="pillar", publication_date=date(2025, 12, 7), text=PASSAGE)
    data = draft_data(title="", article="pillar", source_passage=PASSAGE, horizon="5y")
    response = staff_web_client.post(NEW_URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="set_window"' in html
    assert '<option value="5y" selected>' in html


def test_setting_a_window_without_an_article_says_to_choose_one(staff_web_client):
    response = staff_web_client.post(NEW_URL, draft_data(title="Kept?", set_window="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose the article the question is drawn from to set its window." in html
    assert response.context["form"].initial["title"] == "Kept?"
    assert not Question.objects.exists()
