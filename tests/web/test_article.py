"""The article page: escaped text with each quoted passage marked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from questions.templatetags.foreseer import PassageMark, highlight_passages, locate_passage
from tests.factories import ArticleFactory, QuestionFactory
from tests.web.conftest import PASSAGE


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
        assert "A. Writer · Example Outlet · " + article.publication_date_display in page
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
