"""Resolving and correcting on the site: /manage/questions/<slug>/resolve/,
a form, then a confirmation that says what will happen."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from questions.models import Question, ResolutionEvent
from questions.services import question_resolve
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def enqueued():
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay


@pytest.fixture
def question():
    """Closed two days ago: three forecasts by two forecasters before the close."""
    close = timezone.now() - timedelta(days=2)
    question = QuestionFactory(
        slug="rain",
        title="Will it rain?",
        open_time=close - timedelta(days=10),
        scheduled_close_time=close,
        scheduled_resolve_time=close + timedelta(days=1),
    )
    george, kramer = UserFactory(username="george"), UserFactory(username="kramer")
    for user, days in ((george, 1), (george, 5), (kramer, 8)):
        ForecastFactory(
            question=question, user=user, created_at=question.open_time + timedelta(days=days)
        )
    return question


def url(question: Question) -> str:
    return reverse("manage:question_resolve", args=[question.slug])


def local(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def form_data(question: Question, **overrides) -> dict[str, str]:
    known = question.scheduled_close_time - timedelta(hours=1)
    return {
        "outcome": "yes",
        "known_at": local(known),
        "note": "",
        "evidence_links": "",
        "seen_event": "0",
        **overrides,
    }


def test_url_shape(question):
    assert url(question) == "/manage/questions/rain/resolve/"


def test_anonymous_and_forecasters_cannot_reach_it(client, user_client, question):
    response = client.get(url(question))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.post(url(question), form_data(question, confirm="1")).status_code == 302
    assert user_client.get(url(question)).status_code == 403
    assert user_client.post(url(question), form_data(question, confirm="1")).status_code == 403
    assert not ResolutionEvent.objects.exists()


def test_the_form_shows_the_question_and_what_would_be_scored(staff_web_client, question):
    response = staff_web_client.get(url(question))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Resolve: Will it rain?" in html
    assert "<strong>3 forecasts</strong> from\n      <strong>2 forecasters</strong>" in html
    for name in ("outcome", "known_at", "note", "evidence_links"):
        assert f'name="{name}"' in html
    assert 'type="datetime-local"' in html
    assert "Known at (UTC)" in html and "does not convert it" in html
    assert [value for value, _ in response.context["form"].fields["outcome"].choices] == [
        "yes",
        "no",
        "ambiguous",
        "annulled",
    ]
    assert "Not resolved yet." in html


def test_review_shows_a_confirmation_and_writes_nothing(staff_web_client, question, enqueued):
    # Known a day before the close: the last forecast (made after it) is not scored.
    known = question.scheduled_close_time - timedelta(days=2, hours=12)
    data = form_data(
        question,
        known_at=local(known),
        note="Line one\nline two",
        evidence_links="https://example.org/a\nhttps://example.org/b",
    )
    response = staff_web_client.post(url(question), data)
    assert response.status_code == 200
    assert response.templates[0].name == "pages/manage/resolve_confirm.html"
    html = response.content.decode()
    assert "This will score 2 forecasts from 1 forecaster</strong>" in html
    assert "before the scheduled close" in html
    # The data travels in hidden fields, multi-line values intact.
    assert '<input type="hidden" name="outcome" value="yes"' in html
    assert f'name="known_at" value="{data["known_at"]}"' in html
    assert "https://example.org/a\nhttps://example.org/b</textarea>" in html
    assert "Line one\nline two</textarea>" in html
    assert 'name="confirm"' in html and 'name="edit"' in html
    assert not ResolutionEvent.objects.exists()
    enqueued.assert_not_called()


def test_confirm_resolves_records_the_event_and_queues_scoring(
    staff_web_client, staff, question, enqueued, django_capture_on_commit_callbacks
):
    data = form_data(
        question,
        note="The weather service confirmed it.\r\nSee the links.",
        evidence_links="https://example.org/report\n\n  https://example.org/archive  \n",
        confirm="1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_web_client.post(url(question), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("questions:detail", args=[question.slug])
    enqueued.assert_called_once_with(question.pk)
    event = ResolutionEvent.objects.get(question=question)
    assert (event.outcome, event.created_by, event.note, event.evidence_links) == (
        "yes",
        staff,
        "The weather service confirmed it.\nSee the links.",
        ["https://example.org/report", "https://example.org/archive"],
    )
    assert local(event.known_at) == data["known_at"]
    question.refresh_from_db()
    assert question.resolution == "yes"
    page = staff_web_client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        "Resolved as Yes; scoring has been queued."
    ]


def test_ambiguous_says_nothing_will_be_scored(staff_web_client, question):
    response = staff_web_client.post(url(question), form_data(question, outcome="ambiguous"))
    html = response.content.decode()
    assert "<strong>Nothing will be scored</strong>" in html
    assert "The 3 forecasts from 2 forecasters stay on record" in html
    assert "This will score" not in html


def test_back_to_edit_keeps_the_values(staff_web_client, question):
    data = form_data(question, outcome="no", note="Kept", edit="1")
    response = staff_web_client.post(url(question), data)
    assert response.status_code == 200
    assert response.templates[0].name == "pages/manage/resolve.html"
    html = response.content.decode()
    assert 'value="no" id="id_outcome_1" required checked' in html
    assert "Kept</textarea>" in html
    assert not ResolutionEvent.objects.exists()


def test_a_correction_describes_the_change_and_keeps_the_audit_trail(
    staff_web_client, staff, question, enqueued, django_capture_on_commit_callbacks
):
    first_known = question.scheduled_close_time - timedelta(hours=3)
    first = question_resolve(
        question=question,
        outcome="yes",
        known_at=first_known,
        resolved_by=StaffFactory(username="first-admin"),
        note="First reading.",
        evidence_links=["https://example.org/first"],
    )
    enqueued.reset_mock()
    page = staff_web_client.get(url(question))
    html = page.content.decode()
    assert "Correct the resolution: Will it rain?" in html
    assert "A correction is recorded as a new event" in html
    assert "first-admin" in html and "First reading." in html
    assert 'href="https://example.org/first"' in html
    assert page.context["form"].initial["seen_event"] == first.pk

    new_known = question.scheduled_close_time - timedelta(days=2, hours=12)
    data = form_data(question, outcome="no", known_at=local(new_known), seen_event=str(first.pk))
    confirm = staff_web_client.post(url(question), data).content.decode()
    assert "<strong>Yes → No</strong>" in confirm
    assert "Known at: <strong>" in confirm
    assert "This will rescore 2 forecasts from 1 forecaster</strong>" in confirm
    assert "every score of this question changes" in confirm

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_web_client.post(url(question), {**data, "confirm": "1"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Corrected (was Yes): now No; scoring has been queued."
    ]
    enqueued.assert_called_once_with(question.pk)
    events = list(ResolutionEvent.objects.filter(question=question).order_by("created_at", "id"))
    assert [(e.outcome, e.created_by.username) for e in events] == [
        ("yes", "first-admin"),
        ("no", staff.username),
    ]
    # The trail shows both, the newest first and in force.
    trail = staff_web_client.get(url(question))
    assert [e.outcome for e in trail.context["events"]] == ["no", "yes"]
    assert trail.content.decode().count('class="panel in-force"') == 1


def test_a_note_only_correction_keeps_known_at_to_the_second(
    staff_web_client, question, django_capture_on_commit_callbacks
):
    """Resolved elsewhere (the API takes seconds), corrected here only to add a note:
    the form carries the seconds, so known_at does not move back to the minute."""
    known = (question.scheduled_close_time - timedelta(hours=1)).replace(second=45, microsecond=0)
    first = question_resolve(
        question=question, outcome="yes", known_at=known, resolved_by=StaffFactory()
    )
    page = staff_web_client.get(url(question)).content.decode()
    assert f'value="{known:%Y-%m-%dT%H:%M:%S}"' in page
    data = form_data(
        question,
        known_at=f"{known:%Y-%m-%dT%H:%M:%S}",
        note="Source added.",
        seen_event=str(first.pk),
    )
    confirm = staff_web_client.post(url(question), data).content.decode()
    assert "Known at: unchanged" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        staff_web_client.post(url(question), {**data, "confirm": "1"})
    question.refresh_from_db()
    assert question.known_at == known
    assert question.resolution_events.latest().note == "Source added."


def test_a_correction_to_annulled_says_the_scores_go(staff_web_client, staff, question):
    event = question_resolve(
        question=question,
        outcome="yes",
        known_at=question.scheduled_close_time - timedelta(hours=3),
        resolved_by=staff,
    )
    data = form_data(question, outcome="annulled", seen_event=str(event.pk))
    html = staff_web_client.post(url(question), data).content.decode()
    assert "<strong>Yes → Annulled</strong>" in html
    assert "existing scores of this question are removed" in html


def test_a_confirmation_made_stale_by_another_resolver_asks_again(
    staff_web_client, question, enqueued
):
    data = form_data(question, outcome="no", confirm="1", seen_event="0")
    # Someone else resolves while this author looks at the confirmation.
    other = question_resolve(
        question=question,
        outcome="yes",
        known_at=question.scheduled_close_time - timedelta(hours=5),
        resolved_by=StaffFactory(username="quicker"),
    )
    enqueued.reset_mock()
    response = staff_web_client.post(url(question), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone resolved or corrected this question since you started" in html
    assert "<strong>Yes → No</strong>" in html
    assert f'name="seen_event" value="{other.pk}"' in html
    assert ResolutionEvent.objects.filter(question=question).count() == 1
    enqueued.assert_not_called()


def test_a_resolution_arriving_between_the_check_and_the_lock_asks_again(
    staff_web_client, question, enqueued
):
    """The page's own staleness check passes; another resolver commits just before
    this one takes the question's lock. The service sees it under the lock."""
    real_resolve = question_resolve
    quicker = {}

    def resolve_after_another(**kwargs):
        quicker["event"] = real_resolve(
            question=kwargs["question"],
            outcome="yes",
            known_at=question.scheduled_close_time - timedelta(hours=5),
            resolved_by=StaffFactory(username="quicker"),
        )
        return real_resolve(**kwargs)

    data = form_data(question, outcome="no", confirm="1", seen_event="0")
    with mock.patch("pages.views.manage.question_resolve", resolve_after_another):
        response = staff_web_client.post(url(question), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone resolved or corrected this question since you started" in html
    assert f'name="seen_event" value="{quicker["event"].pk}"' in html
    assert list(question.resolution_events.values_list("outcome", flat=True)) == ["yes"]


@pytest.mark.parametrize("step", ["review", "confirm"])
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"known_at": "{future}"}, "known_at", "The outcome cannot be known in the future."),
        ({"known_at": "{before_open}"}, "known_at", "Must not be before the question opened"),
        ({"known_at": "not a time"}, "known_at", "Enter a valid date/time."),
        ({"known_at": ""}, "known_at", "This field is required."),
        ({"outcome": "maybe"}, "outcome", "Select a valid choice."),
        (
            {"evidence_links": "https://example.org/ok\nftp://example.org/x"},
            "evidence_links",
            "Link 2: &#x27;ftp://example.org/x&#x27; is not an http(s) URL.",
        ),
    ],
    ids=["future", "before-open", "not-a-time", "missing-time", "bad-outcome", "bad-link"],
)
def test_an_invalid_resolution_is_a_400_with_the_error_on_its_field(
    staff_web_client, question, enqueued, step, overrides, field, message
):
    times = {
        "future": local(timezone.now() + timedelta(days=1)),
        "before_open": local(question.open_time - timedelta(hours=1)),
    }
    data = form_data(question, **{k: v.format(**times) for k, v in overrides.items()})
    data[step] = "1"
    response = staff_web_client.post(url(question), data)
    assert response.status_code == 400
    assert response.templates[0].name == "pages/manage/resolve.html"
    assert list(response.context["form"].errors) == [field]
    html = response.content.decode()
    # The message sits in the field's own block, just before its input.
    shown_at = html.index(message)
    assert 0 < html.index(f'name="{field}"', shown_at) - shown_at < 1000
    assert 'class="alert alert-error"' not in html
    assert not ResolutionEvent.objects.exists()
    enqueued.assert_not_called()
    question.refresh_from_db()
    assert question.resolution == ""


def test_a_draft_cannot_be_resolved(staff_web_client):
    draft = QuestionFactory(slug="a-draft", published_at=None)
    page = staff_web_client.get(url(draft))
    assert "publish it before resolving it" in page.content.decode()
    assert 'name="outcome"' not in page.content.decode()
    data = form_data(draft, known_at=local(timezone.now() - timedelta(hours=1)), confirm="1")
    response = staff_web_client.post(url(draft), data)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Publish the question before resolving it."
    ]
    assert not ResolutionEvent.objects.exists()


def test_an_unknown_question_is_404(staff_web_client):
    assert staff_web_client.get("/manage/questions/nope/resolve/").status_code == 404


def test_the_resolve_page_costs_the_same_queries_however_long_the_trail(staff_web_client, question):
    def resolve_times(count: int) -> None:
        for _ in range(count):
            question_resolve(
                question=question,
                outcome="yes",
                known_at=question.scheduled_close_time - timedelta(hours=1),
                resolved_by=StaffFactory(),
            )
            ForecastFactory(question=question, created_at=question.open_time + timedelta(1))

    resolve_times(1)
    staff_web_client.get(url(question))
    with CaptureQueriesContext(connection) as few:
        staff_web_client.get(url(question))
    resolve_times(6)
    with CaptureQueriesContext(connection) as many:
        response = staff_web_client.get(url(question))
    assert len(response.context["events"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


BAD_LINKS = "ftp://example.org/a\nhttps://example.org/ok\n\nnot a link\nhttps://example.org/fine"
BAD_LINK_MESSAGES = [
    "Link 1: 'ftp://example.org/a' is not an http(s) URL.",
    "Link 3: 'not a link' is not an http(s) URL.",
]


@pytest.mark.parametrize("step", ["review", "confirm"])
def test_every_bad_evidence_link_is_listed_with_its_position(
    staff_web_client, question, enqueued, step
):
    data = form_data(question, evidence_links=BAD_LINKS)
    data[step] = "1"
    response = staff_web_client.post(url(question), data)
    assert response.status_code == 400
    assert response.context["form"].errors["evidence_links"] == BAD_LINK_MESSAGES
    assert not ResolutionEvent.objects.exists()
