"""Question files may put questions in projects (tournaments) and hide the community
forecast until a forecaster has forecast: created, updated, and refused with the field
named; through the importer and through the staff API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from questions.imports import ImportFileError, questions_import
from questions.models import Project, Question

pytestmark = pytest.mark.django_db


def question(**changes) -> dict:
    return {
        "slug": "q-one",
        "title": "Will it happen by {close_date}?",
        "type": "binary",
        "open_time": "2026-01-01T00:00:00Z",
        "scheduled_close_time": "2026-07-01T00:00:00Z",
        "scheduled_resolve_time": "2026-08-01T00:00:00Z",
        "resolution_criteria": "Yes if it happens.",
        **changes,
    }


def load(**changes):
    return questions_import(document=[question(**changes)], base_dir=Path("."))


def stored() -> tuple[list[str], bool]:
    q = Question.objects.get(slug="q-one")
    return sorted(q.projects.values_list("slug", flat=True)), q.hide_community_until_forecast


def test_created_with_projects_and_the_hiding_flag():
    report = load(projects=["Korea 2026", "cup", "cup"], hide_community_until_forecast=True)
    assert report.created == ["q-one"]
    assert stored() == (["cup", "korea-2026"], True)
    # Projects named after their slug until someone names them in the admin.
    assert dict(Project.objects.values_list("slug", "name")) == {
        "cup": "Cup",
        "korea-2026": "Korea 2026",
    }


def test_left_out_means_no_projects_and_not_hidden():
    load()
    assert stored() == ([], False)


# (the second load's changes, what is stored after it, and how the report counts it)
UPDATES = [
    ({"projects": ["cup"]}, (["cup"], False), "unchanged"),
    ({"projects": ["cup", "league"]}, (["cup", "league"], False), "updated"),
    ({"projects": []}, ([], False), "updated"),
    ({}, ([], False), "updated"),
    ({"projects": ["cup"], "hide_community_until_forecast": True}, (["cup"], True), "updated"),
]


@pytest.mark.parametrize(("changes", "after", "counted"), UPDATES)
def test_a_second_load_updates_projects_and_the_flag(changes, after, counted):
    load(projects=["cup"])
    report = load(**changes)
    assert getattr(report, counted) == ["q-one"]
    assert stored() == after


def test_an_existing_project_keeps_its_name_and_kind():
    Project.objects.create(slug="cup", name="The Forecasting Cup", kind="tournament")
    load(projects=["cup"])
    assert Project.objects.values_list("slug", "name", "kind").get() == (
        "cup",
        "The Forecasting Cup",
        "tournament",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"projects": "cup"}, "projects: must be a list of project slugs."),
        ({"projects": [1, 2]}, "projects: must be a list of project slugs."),
        ({"projects": {"cup": True}}, "projects: must be a list of project slugs."),
        ({"projects": ["x" * 121]}, "slug: longer than 120 characters"),
        ({"hide_community_until_forecast": "yes"}, "hide_community_until_forecast: must be"),
        ({"hide_community_until_forecast": 1}, "hide_community_until_forecast: must be"),
    ],
)
def test_a_bad_value_names_the_field_and_writes_nothing(changes, message):
    good = question(slug="q-good", projects=["cup"])
    with pytest.raises(ImportFileError) as raised:
        questions_import(document=[good, question(**changes)], base_dir=Path("."))
    assert message in raised.value.messages[0]
    assert "q-one" in raised.value.messages[0]
    assert (Question.objects.count(), Project.objects.count()) == (0, 0)


def test_through_the_staff_api_and_back_in_the_question_detail(staff_client):
    response = staff_client.post(
        reverse("api:staff-import-questions"),
        {"questions": [question(projects=["cup"], hide_community_until_forecast=True)]},
        format="json",
    )
    assert response.status_code == 201
    detail = APIClient().get(reverse("api:question-detail", kwargs={"slug": "q-one"})).json()
    assert (detail["projects"], detail["hide_community_until_forecast"]) == (["cup"], True)

    bad = staff_client.post(
        reverse("api:staff-import-questions"),
        {"questions": [question(hide_community_until_forecast="no")]},
        format="json",
    )
    assert bad.status_code == 400
    assert "hide_community_until_forecast: must be true or false." in bad.json()["file"][0]
    assert stored() == (["cup"], True)
