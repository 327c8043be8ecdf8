"""The admin's Resolve page: `admin/questions/question/<id>/resolve/`."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

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
    html = admin_client.get(resolve_url(question)).content.decode()
    assert "Correcting: currently Yes" in html
    response = admin_client.post(resolve_url(question), form_data(outcome="no"), follow=True)
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
            "'ftp://example.org/x' is not an http(s) URL.",
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
