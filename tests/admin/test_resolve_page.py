"""The admin's Resolve page: `admin/questions/question/<id>/resolve/`."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from questions.forms import SEEN_EVENT_INVALID
from questions.models import ResolutionEvent
from questions.services import question_resolve
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    question = QuestionFactory(
        slug="rain", title="Will it rain?", open_time=timezone.now() - timedelta(days=5)
    )
    george, kramer = UserFactory(username="george"), UserFactory(username="kramer")
    for user, hours in ((george, 1), (george, 30), (kramer, 50)):
        ForecastFactory(
            question=question, user=user, created_at=question.open_time + timedelta(hours=hours)
        )
    return question


def resolve_url(question):
    return reverse("admin:questions_question_resolve", args=[question.pk])


def form_data(**overrides):
    known = (timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    return {"outcome": "yes", "known_at": known, "note": "", "evidence_links": "", **overrides}


def test_the_page_shows_the_question_and_what_will_be_scored(admin_client, question):
    response = admin_client.get(resolve_url(question))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Resolve: Will it rain?" in html
    assert "Currently unresolved." in html
    assert "<strong>3 forecasts</strong>" in html
    assert "by 2 forecasters" in html
    for name in ("outcome", "known_at", "note", "evidence_links"):
        assert f'name="{name}"' in html
    assert [value for value, _ in response.context["form"].fields["outcome"].choices] == [
        "yes",
        "no",
        "ambiguous",
        "annulled",
    ]


def test_posting_resolves_through_the_service_and_the_question_shows_it(
    admin_client, admin_user, question, enqueued, django_capture_on_commit_callbacks
):
    data = form_data(
        note="The weather service confirmed it.",
        evidence_links="https://example.org/report\n\n  https://example.org/archive  \n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(resolve_url(question), data)
    change_url = reverse("admin:questions_question_change", args=[question.pk])
    assert response.status_code == 302
    assert response["Location"] == change_url
    enqueued.assert_called_once_with(question.pk)

    event = ResolutionEvent.objects.get(question=question)
    assert (event.outcome, event.created_by, event.note, event.evidence_links) == (
        "yes",
        admin_user,
        "The weather service confirmed it.",
        ["https://example.org/report", "https://example.org/archive"],
    )
    assert event.known_at.strftime("%Y-%m-%dT%H:%M") == data["known_at"]
    question.refresh_from_db()
    assert question.resolution == "yes"

    page = admin_client.get(change_url)
    html = page.content.decode()
    assert [str(m) for m in page.context["messages"]] == [
        "Resolved as yes; scoring has been queued."
    ]
    assert "The weather service confirmed it." in html  # the read-only history inline
    assert 'href="https://example.org/archive"' in html
    assert "Correct resolution" in html  # the object-tools button


def test_a_correction_says_what_it_corrects(admin_client, admin_user, question):
    question_resolve(
        question=question,
        outcome="yes",
        known_at=timezone.now() - timedelta(days=1),
        resolved_by=admin_user,
    )
    page = admin_client.get(resolve_url(question))
    html = page.content.decode()
    assert "Correcting: currently Yes" in html
    # The form carries the event reviewed, as the browser would send it back.
    seen = page.context["form"].initial["seen_event"]
    assert seen == ResolutionEvent.objects.get(question=question).pk
    data = form_data(outcome="no", seen_event=str(seen))
    response = admin_client.post(resolve_url(question), data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Corrected (was yes): resolved as no; scoring has been queued."
    ]
    assert list(
        ResolutionEvent.objects.filter(question=question)
        .order_by("created_at", "id")
        .values_list("outcome", flat=True)
    ) == ["yes", "no"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"known_at": "{future}"},
            "known_at",
            "The outcome cannot be known in the future.",
        ),
        ({"known_at": "{before_open}"}, "known_at", "Must not be before the question opened"),
        ({"known_at": "not a time"}, "known_at", "Enter a valid date/time."),
        ({"outcome": "maybe"}, "outcome", "Select a valid choice."),
        (
            {"evidence_links": "https://example.org/ok\nftp://example.org/x"},
            "evidence_links",
            "Link 2: 'ftp://example.org/x' is not an http(s) URL.",
        ),
    ],
    ids=["future", "before-open", "not-a-time", "bad-outcome", "bad-link"],
)
def test_an_invalid_resolution_shows_the_error_on_its_field_and_writes_nothing(
    admin_client, question, overrides, field, message
):
    times = {
        "future": (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "before_open": (question.open_time - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    data = form_data(**{key: value.format(**times) for key, value in overrides.items()})
    response = admin_client.post(resolve_url(question), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert message.split("'")[0] in response.content.decode()
    assert not ResolutionEvent.objects.exists()
    question.refresh_from_db()
    assert question.resolution == ""


def test_a_forecaster_cannot_reach_it(client, question):
    client.force_login(UserFactory(username="forecaster"))
    for response in (
        client.get(resolve_url(question)),
        client.post(resolve_url(question), form_data()),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not ResolutionEvent.objects.exists()


def test_staff_without_change_permission_is_refused(client, question):
    viewer = StaffFactory(username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_question"))
    client.force_login(viewer)
    assert client.get(resolve_url(question)).status_code == 403
    assert client.post(resolve_url(question), form_data()).status_code == 403
    assert not ResolutionEvent.objects.exists()


def test_an_unknown_question_redirects_to_the_admin_index(admin_client):
    response = admin_client.get(reverse("admin:questions_question_resolve", args=[999999]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


# --- A resolution entered by someone else between showing the form and submitting it ---


def other_resolves(question, outcome="yes", username="quicker"):
    return question_resolve(
        question=question,
        outcome=outcome,
        known_at=timezone.now() - timedelta(hours=5),
        resolved_by=StaffFactory(username=username),
        note=f"Entered by {username}.",
    )


def hidden_seen_event(html: str) -> str:
    start = html.index('name="seen_event"')
    tag = html[html.rindex("<input", 0, start) : html.index(">", start)]
    assert 'type="hidden"' in tag
    return tag.split('value="')[1].split('"')[0]


def test_the_form_carries_the_latest_event_hidden(admin_client, admin_user, question):
    html = admin_client.get(resolve_url(question)).content.decode()
    assert hidden_seen_event(html) == "0"
    assert "Seen event" not in html  # hidden, not a labelled row

    first = other_resolves(question)
    html = admin_client.get(resolve_url(question)).content.decode()
    assert hidden_seen_event(html) == str(first.pk)
    correction = other_resolves(question, outcome="no", username="corrector")
    html = admin_client.get(resolve_url(question)).content.decode()
    assert hidden_seen_event(html) == str(correction.pk)


@pytest.mark.parametrize("already_resolved", [False, True], ids=["resolve", "correct"])
def test_a_resolution_that_lands_between_review_and_confirm_is_asked_again(
    admin_client, admin_user, question, already_resolved
):
    if already_resolved:
        other_resolves(question, outcome="no", username="first")
    page = admin_client.get(resolve_url(question))
    seen = hidden_seen_event(page.content.decode())
    quicker = other_resolves(question, outcome="yes")
    data = form_data(outcome="ambiguous", note="Mine.", seen_event=seen)

    response = admin_client.post(resolve_url(question), data)

    assert response.status_code == 409
    html = response.content.decode()
    # Said clearly, with the state now in force and the whole trail.
    notice = html[html.index('id="resolution-changed"') :]
    assert "resolved or corrected by quicker" in notice[:400]
    assert "nothing you entered was saved" in notice[:400]
    assert "Correcting: currently Yes" in html
    assert "Entered by quicker." in html
    trail = [event.created_by.username for event in response.context["events"]]
    assert trail == (["quicker", "first"] if already_resolved else ["quicker"])
    # Ready to confirm again: the entry kept, the new state recorded as reviewed.
    form = response.context["form"]
    assert (form["outcome"].value(), form["note"].value()) == ("ambiguous", "Mine.")
    assert hidden_seen_event(html) == str(quicker.pk)
    assert 'value="Save correction"' in html
    # Nothing overwritten: exactly the other resolver's event stands.
    latest = ResolutionEvent.objects.order_by("-created_at", "-id").first()
    assert latest == quicker
    assert ResolutionEvent.objects.filter(created_by=admin_user).count() == 0
    question.refresh_from_db()
    assert (question.resolution, question.known_at) == ("yes", quicker.known_at)
    assert not LogEntry.objects.exists()

    # Confirmed again against what is now in force, it goes through as a correction.
    again = dict(data, seen_event=hidden_seen_event(html))
    response = admin_client.post(resolve_url(question), again, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Corrected (was yes): resolved as ambiguous; scoring has been queued."
    ]
    question.refresh_from_db()
    assert question.resolution == "ambiguous"


def test_a_resolution_committed_just_before_the_lock_is_caught_by_the_service(
    admin_client, admin_user, question
):
    """The form is current when submitted; another resolver commits just before this
    one takes the question's row lock. `question_resolve` sees it under the lock."""
    real_resolve = question_resolve
    quicker = {}

    def resolve_after_another(**kwargs):
        quicker["event"] = other_resolves(kwargs["question"])
        return real_resolve(**kwargs)

    with mock.patch("questions.admin.question_resolve", resolve_after_another):
        response = admin_client.post(resolve_url(question), form_data(outcome="no", seen_event="0"))

    assert response.status_code == 409
    html = response.content.decode()
    assert "resolved or corrected by quicker" in html
    assert hidden_seen_event(html) == str(quicker["event"].pk)
    assert list(ResolutionEvent.objects.all()) == [quicker["event"]]
    question.refresh_from_db()
    assert question.resolution == "yes"


def test_a_normal_resolve_with_the_hidden_value_goes_through(admin_client, admin_user, question):
    seen = hidden_seen_event(admin_client.get(resolve_url(question)).content.decode())
    response = admin_client.post(resolve_url(question), form_data(seen_event=seen))
    assert response.status_code == 302
    event = ResolutionEvent.objects.get()
    assert (event.outcome, event.created_by) == ("yes", admin_user)


def test_a_missing_hidden_value_means_no_event_was_reviewed(admin_client, admin_user, question):
    """Missing is 0: it resolves a question nobody has resolved (the test above that
    posts without it), and is asked again about one that has been resolved."""
    first = other_resolves(question)
    response = admin_client.post(resolve_url(question), form_data(outcome="no"))
    assert response.status_code == 409
    assert hidden_seen_event(response.content.decode()) == str(first.pk)
    assert list(ResolutionEvent.objects.all()) == [first]


@pytest.mark.parametrize("tampered", ["abc", "1.5", "-1", "1e3"])
def test_a_tampered_hidden_value_is_a_400_form_error_and_writes_nothing(
    admin_client, admin_user, question, tampered
):
    first = other_resolves(question)
    response = admin_client.post(
        resolve_url(question), form_data(outcome="no", seen_event=tampered)
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"seen_event": [SEEN_EVENT_INVALID]}
    html = response.content.decode()
    assert SEEN_EVENT_INVALID.split(":")[0].replace("'", "&#x27;") in html
    assert 'id="resolution-changed"' not in html
    assert list(ResolutionEvent.objects.all()) == [first]
    question.refresh_from_db()
    assert question.resolution == "yes"
    # The page now records the history it shows, so submitting again after checking it
    # applies the entry.
    assert hidden_seen_event(html) == str(first.pk)
    data = form_data(outcome="no", seen_event=hidden_seen_event(html))
    assert admin_client.post(resolve_url(question), data).status_code == 302
    question.refresh_from_db()
    assert question.resolution == "no"


def test_every_bad_evidence_link_is_listed_with_its_position(admin_client, question):
    links = "ftp://example.org/a\nhttps://example.org/ok\n\nnot a link\nhttps://example.org/fine"
    response = admin_client.post(resolve_url(question), form_data(evidence_links=links))
    assert response.status_code == 200
    assert response.context["form"].errors["evidence_links"] == [
        "Link 1: 'ftp://example.org/a' is not an http(s) URL.",
        "Link 3: 'not a link' is not an http(s) URL.",
    ]
    assert not ResolutionEvent.objects.exists()
