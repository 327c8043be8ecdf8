"""Every CSV the project writes (the pages' downloads, the API's `format=csv`, the staff
export and `manage.py export_scores`) goes through one writer that neutralises cells a
spreadsheet would run as a formula. Text from people (usernames, question titles) may
start with = + - or @; a number may be negative and stays a number."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from questions.services import question_resolve
from scoring.services import question_score, scopes_rebuild_dirty
from tests.factories import (
    EXAMPLE_B_FORECASTS,
    EXAMPLE_B_WINDOW,
    ForecastFactory,
    QuestionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Names an older database may hold (the sign-up rules refuse them today).
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1,2)", "@SUM(1)"]
TITLE = '=HYPERLINK("http://example.org","click")'


@pytest.fixture
def world(client):
    """Worked example B's forecasts under formula-like names, on a question whose title
    is a formula, resolved and scored, with every table built."""
    question = QuestionFactory(slug="formula-q", title=TITLE, **EXAMPLE_B_WINDOW)
    people = dict(zip(("george", "kramer"), FORMULAS, strict=False))
    for name, probability, moment in EXAMPLE_B_FORECASTS:
        ForecastFactory(
            user=UserFactory(username=people[name]),
            question=question,
            probability=probability,
            created_at=datetime.fromisoformat(moment).replace(tzinfo=UTC),
        )
    question_resolve(
        question=question,
        outcome="yes",
        known_at=datetime(2016, 11, 8, tzinfo=UTC),
        resolved_by=StaffFactory(),
    )
    question_score(question_id=question.pk)
    scopes_rebuild_dirty()
    return question


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_neutralised(text: str, *, expect: list[str]) -> None:
    found = cells(text)
    for cell in found:
        assert not cell.startswith(("=", "+", "@")), cell
        if cell.startswith("-"):
            float(cell)  # only numbers may start with a minus
    for value in expect:
        assert f"'{value}" in found, (value, found)


def test_the_api_downloads(world, client):
    scores = client.get(reverse("api:question-scores", args=[world.slug]), {"format": "csv"})
    assert_neutralised(scores.content.decode(), expect=FORMULAS[:2])
    board = client.get(
        reverse("api:leaderboard"), {"format": "csv", "rule": "peer", "min_questions": 0}
    )
    assert_neutralised(board.content.decode(), expect=FORMULAS[:2])


def test_the_staff_export_and_the_command(world, client):
    client.force_login(StaffFactory())
    export = client.get(reverse("api:staff-export-scores"), {"format": "csv"})
    assert export.status_code == 200
    assert_neutralised(export.content.decode(), expect=FORMULAS[:2])
    out = io.StringIO()
    call_command("export_scores", stdout=out)
    assert_neutralised(out.getvalue(), expect=FORMULAS[:2])


def test_my_record(world, client):
    from accounts.models import User

    client.force_login(User.objects.get(username=FORMULAS[0]))
    record = client.get(reverse("forecasts:record"), {"format": "csv", "table": "questions"})
    assert record.status_code == 200
    assert_neutralised(record.content.decode(), expect=[TITLE])


def test_the_claims_list_and_a_track_record(client):
    """An article's text, and so a claim's passage, its speaker's name and a dismissal's
    reason, may start with = + - or @."""
    from claims.models import ClaimLink
    from claims.services.review import ClaimEdit, article_ingest, claim_create, claim_dismiss

    staff = StaffFactory()
    text = "=HYPERLINK(1) is likely to happen. +SUM(2) could follow."
    article = article_ingest(
        title="Formulas", text=text, publication_date=datetime(2026, 1, 1).date(), created_by=staff
    )
    claim = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="=HYPERLINK(1) is likely to happen.", speaker="@Carter"),
        created_by=staff,
    )
    ClaimLink.objects.create(claim=claim, question=QuestionFactory(slug="formula-claim-q"))
    other = claim_create(
        article_id=article.pk, edit=ClaimEdit(passage="+SUM(2) could follow."), created_by=staff
    )
    claim_dismiss(claim_id=other.pk, reason="-Not a forecast.", dismissed_by=staff)
    client.force_login(staff)
    claims = client.get(reverse("api:claim-list"), {"format": "csv"})
    assert claims.status_code == 200
    assert claims["Content-Type"].startswith("text/csv")
    assert_neutralised(
        claims.content.decode(),
        expect=[
            "=HYPERLINK(1) is likely to happen.",
            "@Carter",
            "+SUM(2) could follow.",
            "-Not a forecast.",
        ],
    )
    record = client.get(reverse("api:track-record-article", args=[article.slug]), {"format": "csv"})
    assert_neutralised(record.content.decode(), expect=["=HYPERLINK(1) is likely to happen."])
