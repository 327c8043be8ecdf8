"""The model admins: the question's resolution is read-only in its change form,
and records written only by services cannot be added, changed or deleted."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasts.models import Forecast
from questions.models import Question, ResolutionEvent
from questions.services import question_resolve
from scoring.models import QuestionScoring, Score
from scoring.services import question_score
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(admin_user):
    question = QuestionFactory(slug="done", open_time=timezone.now() - timedelta(days=3))
    ForecastFactory(
        question=question,
        user=UserFactory(username="george"),
        probability=0.7,
        created_at=question.open_time + timedelta(hours=1),
    )
    question_resolve(
        question=question,
        outcome="yes",
        known_at=timezone.now() - timedelta(hours=1),
        resolved_by=admin_user,
        note="older-note",
    )
    question_resolve(
        question=question,
        outcome="no",
        known_at=timezone.now() - timedelta(hours=1),
        resolved_by=admin_user,
        note="newer-note",
    )
    question_score(question_id=question.pk)
    return question


def test_question_list_shows_status_resolution_and_a_resolve_link(admin_client, resolved):
    open_question = QuestionFactory(slug="still-open")
    response = admin_client.get(reverse("admin:questions_question_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Resolved" in html and "Open" in html
    assert reverse("admin:questions_question_resolve", args=[open_question.pk]) in html
    assert reverse("admin:questions_question_resolve", args=[resolved.pk]) in html

    filtered = admin_client.get(
        reverse("admin:questions_question_changelist"), {"status": "resolved"}
    )
    assert [q.slug for q in filtered.context["cl"].result_list] == ["done"]
    filtered = admin_client.get(reverse("admin:questions_question_changelist"), {"status": "open"})
    assert [q.slug for q in filtered.context["cl"].result_list] == ["still-open"]


def test_change_form_cannot_edit_the_resolution_and_lists_events_newest_first(
    admin_client, resolved
):
    response = admin_client.get(reverse("admin:questions_question_change", args=[resolved.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    for name in ("resolution", "known_at", "resolution_set_at"):
        assert name not in fields
        assert f'name="{name}"' not in html
    # Forecasts exist, so the type and opening time no longer move.
    assert "type" not in fields and "open_time" not in fields
    assert "title" in fields and "tags" in fields
    assert html.index("newer-note") < html.index("older-note")
    assert reverse("admin:questions_question_resolve", args=[resolved.pk]) in html


def test_posting_a_resolution_to_the_change_form_is_ignored(admin_client, resolved):
    question = QuestionFactory(slug="plain")
    url = reverse("admin:questions_question_change", args=[question.pk])
    data = {
        "slug": "plain",
        "title": "Renamed",
        "type": "binary",
        "background": "",
        "resolution_criteria": question.resolution_criteria,
        "fine_print": "",
        "resolution_source": "",
        "open_time_0": question.open_time.strftime("%Y-%m-%d"),
        "open_time_1": question.open_time.strftime("%H:%M:%S"),
        "scheduled_close_time_0": question.scheduled_close_time.strftime("%Y-%m-%d"),
        "scheduled_close_time_1": question.scheduled_close_time.strftime("%H:%M:%S"),
        "scheduled_resolve_time_0": question.scheduled_resolve_time.strftime("%Y-%m-%d"),
        "scheduled_resolve_time_1": question.scheduled_resolve_time.strftime("%H:%M:%S"),
        "source_passage": "",
        "implied_probability_table": "",
        "implied_probability_term": "",
        "resolution": "yes",
        "known_at": "2020-01-01 00:00",
        "resolution_events-TOTAL_FORMS": "0",
        "resolution_events-INITIAL_FORMS": "0",
        "resolution_events-MIN_NUM_FORMS": "0",
        "resolution_events-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    question.refresh_from_db()
    assert question.title == "Renamed"
    assert (question.resolution, question.known_at) == ("", None)
    assert not ResolutionEvent.objects.filter(question=question).exists()


@pytest.mark.parametrize(
    ("model", "app"),
    [(Forecast, "forecasts"), (ResolutionEvent, "questions"), (Score, "scoring")],
    ids=["forecast", "resolution-event", "score"],
)
def test_service_written_records_offer_no_add_change_or_delete(admin_client, resolved, model, app):
    name = model._meta.model_name
    obj = model.objects.order_by("pk").first()
    changelist = admin_client.get(reverse(f"admin:{app}_{name}_changelist"))
    assert changelist.status_code == 200
    assert len(changelist.context["cl"].result_list) == model.objects.count() > 0
    assert reverse(f"admin:{app}_{name}_add") not in changelist.content.decode()
    assert "delete_selected" not in changelist.content.decode()

    assert admin_client.get(reverse(f"admin:{app}_{name}_add")).status_code == 403
    change_url = reverse(f"admin:{app}_{name}_change", args=[obj.pk])
    view = admin_client.get(change_url)
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert admin_client.post(change_url, {}).status_code == 403
    delete_url = reverse(f"admin:{app}_{name}_delete", args=[obj.pk])
    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_question_scoring_is_read_only(admin_client, resolved):
    scoring = QuestionScoring.objects.get(question=resolved)
    changelist = admin_client.get(reverse("admin:scoring_questionscoring_changelist"))
    assert [row.pk for row in changelist.context["cl"].result_list] == [scoring.pk]
    assert admin_client.get(reverse("admin:scoring_questionscoring_add")).status_code == 403
    url = reverse("admin:scoring_questionscoring_delete", args=[scoring.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403


def test_forecast_list_filters(admin_client, resolved):
    ForecastFactory(question=QuestionFactory(slug="other"), origin=Forecast.Origin.WEB)
    response = admin_client.get(reverse("admin:forecasts_forecast_changelist"), {"origin": "web"})
    assert [f.question.slug for f in response.context["cl"].result_list] == ["other"]
    response = admin_client.get(
        reverse("admin:forecasts_forecast_changelist"), {"question__resolution": "no"}
    )
    assert [f.question.slug for f in response.context["cl"].result_list] == ["done"]


def test_article_and_tag_admins_load(admin_client, resolved):
    resolved.tags.create(slug="weather")
    for name in ("questions_article", "questions_tag"):
        assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    add = admin_client.get(reverse("admin:questions_question_add"))
    assert add.status_code == 200
    assert Question.objects.count() == 1
