"""The admin knows outlets, people, bylines, claims, their links and the articles'
forecasters; links and forecasters are read-only, and a claim's offsets stay put."""

import warnings
from datetime import UTC, date, datetime

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.urls import reverse

from claims.models import ArticleForecaster, Claim, ClaimLink
from claims.services.provenance import claims_sync_provenance
from tests.factories import ArticleFactory, QuestionFactory

pytestmark = pytest.mark.django_db

PASSAGE = "It is likely that something happens."


@pytest.fixture
def claim():
    article = ArticleFactory(
        slug="pillar", text=PASSAGE, publication_date=date(2025, 1, 1), author="Ann Author"
    )
    QuestionFactory(
        article=article,
        source_passage=PASSAGE,
        implied_probability_low=0.55,
        implied_probability_high=0.8,
        open_time=datetime(2025, 1, 1, tzinfo=UTC),
    )
    claims_sync_provenance()
    return Claim.objects.get()


@pytest.mark.parametrize(
    "name",
    [
        "questions_outlet",
        "questions_person",
        "questions_article",
        "claims_claim",
        "claims_claimlink",
        "claims_articleforecaster",
    ],
)
def test_every_list_and_change_page_answers(admin_client, claim, name):
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    objects = {
        "questions_outlet": claim.article.outlet,
        "questions_person": claim.article.authors.get(),
        "questions_article": claim.article,
        "claims_claim": claim,
        "claims_claimlink": ClaimLink.objects.get(),
        "claims_articleforecaster": ArticleForecaster.objects.get(),
    }
    response = admin_client.get(reverse(f"admin:{name}_change", args=[objects[name].pk]))
    assert response.status_code == 200


def test_the_article_form_lists_its_byline(admin_client, claim):
    response = admin_client.get(reverse("admin:questions_article_change", args=[claim.article_id]))
    assert "Ann Author" in response.content.decode()


def test_a_claims_words_may_be_corrected_but_not_its_offsets(admin_client, claim):
    response = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    form = response.context["adminform"].form
    assert {"expression", "low", "high", "status", "speaker"} <= set(form.fields)
    assert not {"passage", "start", "end", "article"} & set(form.fields)
    assert admin_client.get(reverse("admin:claims_claim_add")).status_code == 403


@pytest.mark.parametrize("name", ["claims_claimlink", "claims_articleforecaster"])
def test_links_and_forecasters_are_read_only(admin_client, claim, name):
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 403


def test_the_claim_list_shows_and_filters_where_each_claim_stands(admin_client, claim):
    Claim.objects.create(
        article=claim.article, passage="likely", start=8, end=14, status="proposed"
    )
    url = reverse("admin:claims_claim_changelist")
    page = admin_client.get(url)
    assert [claim.tracking for claim in page.context["cl"].result_list] == ["tracked", "proposed"]
    assert "Proposed (awaiting review)" in page.content.decode()
    tracked = admin_client.get(url, {"tracking": "tracked"})
    assert [c.pk for c in tracked.context["cl"].result_list] == [claim.pk]
    untracked = admin_client.get(url, {"tracking": "untracked"})
    assert list(untracked.context["cl"].result_list) == []


def test_the_question_forms_article_search_is_ordered(admin_client, claim):
    """The question form's article field searches articles page by page: ordered, so
    each page holds every match once."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        found = admin_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "questions",
                "model_name": "question",
                "field_name": "article",
                "term": "pil",
            },
        )
    assert found.status_code == 200
    assert [row["text"] for row in found.json()["results"]] == [str(claim.article)]
