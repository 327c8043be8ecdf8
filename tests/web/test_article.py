"""The article page: escaped text with each quoted passage marked."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from common.passages import PassageMark, highlight_passages, locate_passage
from tests.factories import ArticleFactory, ForecastFactory, QuestionFactory, UserFactory
from tests.web.conftest import PASSAGE, count_queries


def test_locate_passage_verbatim_and_across_rewrapped_lines_and_quotes():
    text = "He said it’s “likely”\n  that the alliance   endures. Then more."
    assert locate_passage(text, "Then more.") == (text.index("Then"), len(text))
    start, end = locate_passage(text, 'it\'s "likely" that the alliance endures.')
    assert text[start:end] == "it’s “likely”\n  that the alliance   endures."
    assert locate_passage(text, "not in the text") is None
    assert locate_passage(text, "   ") is None


def test_highlight_escapes_everything_and_marks_passages():
    text = "<b>Bold</b> & it is likely that X happens. <script>alert(1)</script>"
    result = highlight_passages(
        text,
        [PassageMark(slug="q1", passage="it is likely that X happens.", url="/q/1/", label="1")],
    )
    assert result.html == (
        "&lt;b&gt;Bold&lt;/b&gt; &amp; "
        '<mark class="passage" id="passage-q1">it is likely that X happens.</mark>'
        ' <a class="passage-ref" href="/q/1/">[1]</a>'
        " &lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert result.located == {"q1"}


def test_a_passage_with_html_in_it_is_found_and_escaped():
    text = "Intro. Odds <are> 3 & 4. End."
    result = highlight_passages(text, [PassageMark(slug="q", passage="Odds <are> 3 & 4.")])
    assert '<mark class="passage" id="passage-q">Odds &lt;are&gt; 3 &amp; 4.</mark>' in result.html


def test_shared_nested_and_crossing_passages():
    text = "AAA BBB CCC DDD"
    result = highlight_passages(
        text,
        [
            PassageMark(slug="outer", passage="AAA BBB CCC"),
            PassageMark(slug="same", passage="AAA BBB CCC"),
            PassageMark(slug="inner", passage="BBB"),
            PassageMark(slug="crossing", passage="CCC DDD"),
            PassageMark(slug="missing", passage="EEE"),
        ],
    )
    assert result.html == (
        '<mark class="passage" id="passage-outer"><mark class="passage" id="passage-same">'
        'AAA <mark class="passage" id="passage-inner">BBB</mark> CCC</mark></mark> DDD'
    )
    assert result.located == {"outer", "same", "inner"}


@pytest.mark.django_db
def test_article_page_renders_for_anonymous_and_logged_in(client, user_client, question, article):
    url = reverse("questions:article", args=[article.slug])
    assert url == "/articles/fractured-pillar/"
    for response in (client.get(url), user_client.get(url)):
        assert response.status_code == 200
        page = response.content.decode()
        assert "<h1>The Fractured Pillar</h1>" in page
        # The byline and the outlet lead to their track records.
        assert (
            '<a href="/authors/a-writer/">A. Writer</a> · '
            '<a href="/outlets/example-outlet/">Example Outlet</a> · '
            + article.publication_date_display
        ) in page
        assert 'href="/articles/fractured-pillar/track-record/"' in page
        assert f'<mark class="passage" id="passage-nk-escalation">{PASSAGE}</mark>' in page
        assert "A significant escalation could trigger a rapid deterioration." in page
        assert 'href="/questions/nk-escalation/"' in page
        assert 'href="#passage-nk-escalation">Jump to the passage</a>' in page


@pytest.mark.django_db
def test_article_page_escapes_the_text_and_reports_unlocated_passages(client):
    article = ArticleFactory(
        slug="risky",
        url="https://example.org/a?x=1&y=2",
        text='Tom & "Jerry" <script>alert("x")</script> say it is likely that rain falls.',
    )
    QuestionFactory(slug="rain", article=article, source_passage="it is likely that rain falls.")
    QuestionFactory(slug="lost", article=article, source_passage="A sentence that is not there.")
    page = client.get(reverse("questions:article", args=["risky"])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Tom &amp; &quot;Jerry&quot;" in page
    assert '<mark class="passage" id="passage-rain">it is likely that rain falls.</mark>' in page
    assert 'id="passage-lost"' not in page
    assert "The quoted passage could not be located in the text below." in page
    assert 'href="https://example.org/a?x=1&amp;y=2"' in page


@pytest.mark.django_db
def test_unknown_article_is_404(client):
    assert client.get("/articles/nope/").status_code == 404


@pytest.mark.django_db
def test_the_linked_passage_is_emphasized_when_targeted(client, question, article):
    # The question page links to the passage's anchor on the article page...
    detail = client.get(reverse("questions:detail", args=[question.slug])).content.decode()
    assert 'href="/articles/fractured-pillar/#passage-nk-escalation"' in detail
    # ...where the passage carries that id and the page loads the rule that marks it.
    page = client.get(reverse("questions:article", args=[article.slug])).content.decode()
    assert 'id="passage-nk-escalation"' in page
    assert '<link rel="stylesheet" href="/static/foreseer/question.css">' in page
    css = (Path(settings.BASE_DIR) / "common/static/foreseer/question.css").read_text()
    rule = css[css.index("mark.passage:target {") :]
    rule = rule[: rule.index("}")]
    # Emphasis that does not rely on colour alone: an outline and an underline.
    assert "outline: 3px solid" in rule
    assert "text-decoration: underline" in rule
    assert 'mark.passage:target::before {\n  content: "▶ linked passage: ";' in css


@pytest.mark.django_db
def test_staff_tools_on_the_article_page_are_for_staff_only(
    client, user_client, staff_web_client, article
):
    tools = "pages/manage/_article_staff_tools.html"
    url = reverse("questions:article", args=[article.slug])

    def names(response):
        assert response.status_code == 200
        return {template.name for template in response.templates}

    assert tools in names(staff_web_client.get(url))
    assert tools not in names(user_client.get(url))
    assert tools not in names(client.get(url))


@pytest.mark.django_db
def test_drafts_are_not_marked_on_the_article_page(client, staff_web_client, article):
    QuestionFactory(
        slug="draft-q",
        article=article,
        source_passage="Diplomats will keep talking.",
        published_at=None,
    )
    url = reverse("questions:article", args=[article.slug])
    for viewer in (client, staff_web_client):
        page = viewer.get(url).content.decode()
        assert 'id="passage-draft-q"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True])
def test_article_page_query_count_does_not_grow(client, user, logged_in):
    if logged_in:
        client.force_login(user)

    def build(slug: str, count: int) -> str:
        sentences = [f"Sentence number {n} says something likely." for n in range(count)]
        article = ArticleFactory(slug=slug, text=" ".join(sentences))
        people = UserFactory.create_batch(3)
        for number, sentence in enumerate(sentences):
            question = QuestionFactory(
                article=article,
                source_passage=sentence,
                hide_community_until_forecast=number % 2 == 0,
            )
            for person in people:
                ForecastFactory(question=question, user=person)
        return reverse("questions:article", args=[slug])

    small_url = build("small", 2)
    client.get(small_url)
    small, _ = count_queries(client, small_url)
    large, response = count_queries(client, build("large", 25))
    assert len(response.context["rows"]) == 25
    assert small == large
