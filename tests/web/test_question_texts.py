"""The question's texts (background, criteria, fine print, clarifications) are Markdown,
rendered and sanitised on the question page, in the draft preview and on the staff
pages that quote them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from questions.models import Question
from tests.factories import ClarificationFactory, QuestionFactory
from tests.web.test_manage_authoring import NEW_URL, draft_data

pytestmark = pytest.mark.django_db

CRITERIA = (
    "Resolves Yes if **either** happens, as reported by the\n"
    "ROK Joint Chiefs of Staff:\n\n"
    "- a long-range launch;\n"
    "- a nuclear test.\n\n"
    "See [the JCS](https://www.jcs.mil.kr/) <script>alert(1)</script>"
    " [or this](javascript:alert(1))."
)
REL = 'rel="nofollow noopener"'


def section(page: str, heading_id: str) -> str:
    start = page.index(f'<h2 id="{heading_id}">')
    return page[start : page.index("</section>", start)]


def assert_rendered(criteria: str) -> None:
    assert "<p>Resolves Yes if <strong>either</strong> happens" in criteria
    # The data file's line break does not break the line on the page.
    assert "happens, as reported by the\nROK Joint Chiefs of Staff:</p>" in criteria
    assert "<ul>\n<li>a long-range launch;</li>\n<li>a nuclear test.</li>\n</ul>" in criteria
    assert f'<a href="https://www.jcs.mil.kr/" {REL}>the JCS</a>' in criteria
    assert "<script>" not in criteria and "&lt;script&gt;alert(1)&lt;/script&gt;" in criteria
    assert 'href="javascript:' not in criteria and "[or this](javascript:alert(1))" in criteria


def test_the_question_page_renders_the_criteria_as_markdown(client, question):
    Question.objects.filter(pk=question.pk).update(
        resolution_criteria=CRITERIA,
        background="Two *earlier* tests.\n\nA second paragraph.",
        fine_print="1. first\n2. second",
    )
    ClarificationFactory(question=question, text="Launches from a **submarine** count.")
    page = client.get(reverse("questions:detail", args=[question.slug])).content.decode()

    criteria = section(page, "criteria-heading")
    assert_rendered(criteria)
    assert "Launches from a <strong>submarine</strong> count." in criteria
    background = section(page, "background-heading")
    assert "<p>Two <em>earlier</em> tests.</p>\n<p>A second paragraph.</p>" in background
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in section(page, "fine-print-heading")


def test_the_draft_preview_renders_the_markdown_it_will_publish(staff_web_client):
    response = staff_web_client.post(NEW_URL, draft_data(resolution_criteria=CRITERIA))
    assert response.status_code == 302
    # Stored as written: the API and the exports give the Markdown source.
    assert Question.objects.get().resolution_criteria == CRITERIA
    page = staff_web_client.get(response["Location"]).content.decode()
    assert "Draft preview:" in page
    assert_rendered(section(page, "criteria-heading"))


def test_the_authoring_form_says_markdown_is_accepted(staff_web_client):
    page = staff_web_client.get(NEW_URL).content.decode()
    for field in ("background", "resolution_criteria", "fine_print"):
        start = page.index(f'id="id_{field}_helptext"')
        assert "Markdown" in page[start : page.index("</div>", start)], field


def test_the_staff_pages_quoting_the_criteria_render_them(staff_web_client):
    question = QuestionFactory(resolution_criteria=CRITERIA, fine_print="*Fine* print.")
    page = staff_web_client.get(
        reverse("manage:clarification_add", args=[question.slug])
    ).content.decode()
    assert f'<a href="https://www.jcs.mil.kr/" {REL}>the JCS</a>' in page
    assert "<p><em>Fine</em> print.</p>" in page
    assert "<script>alert" not in page


def test_the_api_keeps_the_markdown_source(client, question):
    Question.objects.filter(pk=question.pk).update(resolution_criteria=CRITERIA)
    data = client.get(f"/api/questions/{question.slug}/").json()
    assert data["resolution_criteria"] == CRITERIA


def test_the_api_adds_the_rendered_html_beside_the_source(client, question):
    Question.objects.filter(pk=question.pk).update(resolution_criteria=CRITERIA, fine_print="")
    data = client.get(f"/api/questions/{question.slug}/").json()
    assert data["resolution_criteria"] == CRITERIA
    assert_rendered(data["resolution_criteria_html"])
    assert data["background_html"] == "<p>Background about the peninsula.</p>"
    assert data["fine_print_html"] == ""


def test_the_schema_documents_the_source_and_the_html(client):
    schema = client.get("/api/schema/?format=json").json()
    (detail,) = [
        value
        for name, value in schema["components"]["schemas"].items()
        if "resolution_criteria_html" in value.get("properties", {})
    ]
    properties = detail["properties"]
    assert "Markdown source" in properties["resolution_criteria"]["description"]
    for key in ("background_html", "resolution_criteria_html", "fine_print_html"):
        assert properties[key]["type"] == "string"
        assert "sanitised HTML" in properties[key]["description"]
