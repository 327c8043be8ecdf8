from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Question, ResolutionEvent
from scoring.models import Score
from scoring.services import question_score
from tests.factories import ForecastFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def resolve_url(slug: str) -> str:
    return reverse("api:question-resolve", kwargs={"slug": slug})


def trail_url(slug: str) -> str:
    return reverse("api:question-resolutions", kwargs={"slug": slug})


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_staff_resolves_and_scoring_is_enqueued_only_after_commit(
    staff_client, staff, open_question, enqueued, queued, django_capture_on_commit_callbacks
):
    known = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            resolve_url("open-q"),
            {
                "outcome": "yes",
                "known_at": known.astimezone(timezone.get_fixed_timezone(540)).isoformat(),
                "note": "Reported by the JCS.",
                "evidence_links": ["https://example.org/jcs"],
            },
            format="json",
        )
        # The response is out, yet nothing was sent: the task waits for the commit.
        enqueued.assert_not_called()
    assert response.status_code == 201
    queued.update_community.assert_not_called()
    # One event, question_resolved: the pipeline queues scoring, and the community
    # history cut at the new actual close.
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    enqueued.assert_called_once_with(open_question.pk)
    queued.update_community.assert_called_once_with(open_question.pk)

    open_question.refresh_from_db()
    assert (open_question.resolution, open_question.known_at) == ("yes", known)
    assert open_question.status == Question.Status.RESOLVED
    event = ResolutionEvent.objects.get()
    assert (event.question, event.outcome, event.known_at, event.created_by) == (
        open_question,
        "yes",
        known,
        staff,
    )
    assert (event.note, event.evidence_links) == (
        "Reported by the JCS.",
        ["https://example.org/jcs"],
    )
    body = response.json()
    assert body == {
        "id": event.pk,
        "outcome": "yes",
        "known_at": body["known_at"],
        "created_at": body["created_at"],
        "created_by": "root-admin",
        "note": "Reported by the JCS.",
        "evidence_links": ["https://example.org/jcs"],
    }
    assert datetime.fromisoformat(body["known_at"]) == known


def test_commit_runs_the_enqueue_once(
    staff_client, open_question, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            resolve_url("open-q"),
            {"outcome": "no", "known_at": iso(timezone.now() - timedelta(minutes=5))},
            format="json",
        )
    enqueued.assert_called_once_with(open_question.pk)


@pytest.mark.parametrize("client_fixture", ["api_client", "forecaster_client"])
def test_only_staff_may_resolve(request, open_question, enqueued, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(
        resolve_url("open-q"),
        {"outcome": "yes", "known_at": iso(timezone.now() - timedelta(hours=1))},
        format="json",
    )
    # Anonymous: 403 (session auth answers first, without a WWW-Authenticate).
    assert response.status_code == 403
    open_question.refresh_from_db()
    assert open_question.resolution == ""
    assert not ResolutionEvent.objects.exists()
    enqueued.assert_not_called()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"outcome": "yes", "known_at": "FUTURE"}, "known_at", "in the future"),
        ({"outcome": "yes", "known_at": "2020-01-01T00:00:00"}, "known_at", "offset"),
        ({"outcome": "yes", "known_at": "yesterday"}, "known_at", "format"),
        # Well formed, but no such time: Django's parser raises rather than answering None.
        ({"outcome": "yes", "known_at": "2024-01-01T12:99:00Z"}, "known_at", "format"),
        ({"outcome": "yes", "known_at": "2024-02-30T00:00:00+09:00"}, "known_at", "format"),
        ({"outcome": "yes", "known_at": "BEFORE_OPEN"}, "known_at", "before the question opened"),
        ({"outcome": "yes"}, "known_at", "required"),
        ({"outcome": "maybe", "known_at": "PAST"}, "outcome", "not a valid choice"),
        ({"outcome": "yes", "known_at": "PAST", "note": 12}, "note", "Not a valid string"),
        ({"known_at": "PAST"}, "outcome", "required"),
        (
            {"outcome": "yes", "known_at": "PAST", "evidence_links": ["ftp://example.org/x"]},
            "evidence_links",
            "not an http(s) URL",
        ),
        (
            {"outcome": "yes", "known_at": "PAST", "evidence_links": ["not a url"]},
            "evidence_links",
            "Link 1: 'not a url' is not an http(s) URL.",
        ),
    ],
)
def test_bad_resolution_is_a_400_naming_the_field(
    staff_client,
    open_question,
    enqueued,
    django_capture_on_commit_callbacks,
    payload,
    field,
    message,
):
    times = {
        "FUTURE": timezone.now() + timedelta(hours=1),
        "PAST": timezone.now() - timedelta(hours=1),
        "BEFORE_OPEN": open_question.open_time - timedelta(days=1),
    }
    if payload.get("known_at") in times:
        payload = {**payload, "known_at": iso(times[payload["known_at"]])}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(resolve_url("open-q"), payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert message in str(body[field])
    open_question.refresh_from_db()
    assert (open_question.resolution, open_question.known_at) == ("", None)
    assert not ResolutionEvent.objects.exists()
    assert callbacks == []
    enqueued.assert_not_called()


def test_yes_no_refused_for_non_binary_questions(staff_client):
    QuestionFactory(slug="numeric-q", type="numeric")
    response = staff_client.post(
        resolve_url("numeric-q"),
        {"outcome": "yes", "known_at": iso(timezone.now() - timedelta(hours=1))},
        format="json",
    )
    assert response.status_code == 400
    assert "binary" in response.json()["outcome"][0]


def test_resolving_an_unknown_question_is_a_404(staff_client):
    response = staff_client.post(
        resolve_url("nope"), {"outcome": "yes", "known_at": iso(timezone.now())}, format="json"
    )
    assert response.status_code == 404


def test_a_correction_is_in_the_public_audit_trail_and_the_latest_wins(
    staff_client, api_client, open_question, enqueued, django_capture_on_commit_callbacks
):
    first_known = open_question.open_time + timedelta(hours=1)
    corrected_known = open_question.open_time + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            resolve_url("open-q"),
            {"outcome": "yes", "known_at": iso(first_known), "note": "First call."},
            format="json",
        )
        staff_client.post(
            resolve_url("open-q"),
            {
                "outcome": "no",
                "known_at": iso(corrected_known),
                "note": "The report was retracted.",
                "evidence_links": ["https://example.org/retraction"],
            },
            format="json",
        )
    assert enqueued.call_count == 2  # each event triggers a rescore

    open_question.refresh_from_db()
    assert (open_question.resolution, open_question.known_at) == ("no", corrected_known)
    response = api_client.get(trail_url("open-q"))
    assert response.status_code == 200
    trail = response.json()
    assert [(e["outcome"], e["note"], e["created_by"]) for e in trail] == [
        ("yes", "First call.", "root-admin"),
        ("no", "The report was retracted.", "root-admin"),
    ]
    assert [datetime.fromisoformat(e["known_at"]) for e in trail] == [first_known, corrected_known]
    assert trail[1]["evidence_links"] == ["https://example.org/retraction"]
    detail = api_client.get(reverse("api:question-detail", kwargs={"slug": "open-q"})).json()
    assert (detail["resolution"], detail["status"]) == ("no", "resolved")
    assert datetime.fromisoformat(detail["known_at"]) == corrected_known


def test_audit_trail_of_an_unresolved_question_is_empty(api_client, open_question):
    response = api_client.get(trail_url("open-q"))
    assert (response.status_code, response.json()) == (200, [])


def test_annulment_removes_scores(staff_client):
    # Opened days ago, so the first resolution leaves at least one full scored day.
    question = QuestionFactory(slug="annul-q", open_time=timezone.now() - timedelta(days=3))
    ForecastFactory(question=question, created_at=question.open_time)
    staff_client.post(
        resolve_url("annul-q"),
        {"outcome": "yes", "known_at": iso(timezone.now() - timedelta(minutes=1))},
        format="json",
    )
    question_score(question_id=question.pk)
    assert Score.objects.filter(question=question).count() == 2
    response = staff_client.post(
        resolve_url("annul-q"),
        {"outcome": "annulled", "known_at": iso(timezone.now() - timedelta(minutes=1))},
        format="json",
    )
    assert response.status_code == 201
    question_score(question_id=question.pk)
    assert not Score.objects.filter(question=question).exists()


def test_every_bad_evidence_link_is_listed_with_its_position(staff_client, open_question, enqueued):
    known = iso(timezone.now() - timedelta(hours=1))
    links = ["https://example.org/ok", "not a url", "ftp://example.org/x", ""]
    response = staff_client.post(
        resolve_url("open-q"),
        {"outcome": "yes", "known_at": known, "evidence_links": links},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "evidence_links": [
            "Link 2: 'not a url' is not an http(s) URL.",
            "Link 3: 'ftp://example.org/x' is not an http(s) URL.",
        ]
    }
    assert not ResolutionEvent.objects.exists()
