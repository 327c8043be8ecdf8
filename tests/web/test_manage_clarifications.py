"""Clarifications from the question page's staff tools, and those tools."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Clarification
from questions.services import question_resolve
from tests.factories import ClarificationFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def url(question) -> str:
    return reverse("manage:clarification_add", args=[question.slug])


def test_the_question_page_gives_staff_their_tools(staff_web_client, question):
    html = staff_web_client.get(reverse("questions:detail", args=[question.slug])).content.decode()
    assert "Staff tools" in html
    assert f'<form method="post" action="{url(question)}" class="clarify-form">' in html
    assert '<label for="id_staff_clarification">Add a clarification</label>' in html
    assert f'href="{reverse("manage:question_resolve", args=[question.slug])}">Resolve' in html
    assert f'href="{url(question)}">Clarifications' in html
    assert "Draft preview:" not in html


def test_forecasters_and_visitors_get_no_staff_tools(client, user_client, question):
    for visitor in (client, user_client):
        html = visitor.get(reverse("questions:detail", args=[question.slug])).content.decode()
        assert "Staff tools" not in html
        assert url(question) not in html


def test_a_draft_offers_edit_instead_of_clarifications(staff_web_client):
    QuestionFactory(slug="drafty", published_at=None)
    html = staff_web_client.get(reverse("questions:detail", args=["drafty"])).content.decode()
    assert 'href="/manage/questions/drafty/edit/">Edit the draft' in html
    assert "clarify-form" not in html


def test_staff_append_a_clarification_and_the_criteria_stay(staff_web_client, staff, question):
    criteria = question.resolution_criteria
    response = staff_web_client.post(url(question), {"text": "  Submarine launches count.  "})
    assert response.status_code == 302
    assert response["Location"] == f"/questions/{question.slug}/#clarifications"
    clarification = Clarification.objects.get()
    assert (clarification.question, clarification.text, clarification.created_by) == (
        question,
        "Submarine launches count.",
        staff,
    )
    question.refresh_from_db()
    assert question.resolution_criteria == criteria
    page = staff_web_client.get(response["Location"]).content.decode()
    assert "Clarification added." in page


def test_clarifications_can_follow_a_resolution(staff_web_client, staff, question):
    question_resolve(
        question=question,
        outcome="no",
        known_at=timezone.now() - timedelta(hours=1),
        resolved_by=staff,
    )
    assert staff_web_client.post(url(question), {"text": "Why no."}).status_code == 302
    assert question.clarifications.count() == 1


def test_the_clarification_page_lists_them_oldest_first(staff_web_client, question):
    ClarificationFactory(question=question, text="First note.")
    ClarificationFactory(question=question, text="Second note.")
    html = staff_web_client.get(url(question)).content.decode()
    assert html.index("First note.") < html.index("Second note.")
    assert "Resolution criteria (fixed)" in html


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "This field is required."), ("x" * 5001, "Ensure this value has at most 5000")],
    ids=["blank", "too-long"],
)
def test_a_bad_clarification_is_a_400_next_to_the_field(staff_web_client, question, text, message):
    response = staff_web_client.post(url(question), {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    shown_at = html.index(message)
    assert 0 < html.index('name="text"', shown_at) - shown_at < 400
    assert not Clarification.objects.exists()


def test_a_draft_takes_no_clarification(staff_web_client):
    draft = QuestionFactory(slug="drafty", published_at=None)
    response = staff_web_client.post(url(draft), {"text": "A note."})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This question is a draft: edit its criteria instead."
    ]
    assert not Clarification.objects.exists()


def test_an_unknown_question_is_404(staff_web_client):
    assert (
        staff_web_client.post("/manage/questions/nope/clarifications/", {"text": "x"}).status_code
        == 404
    )
