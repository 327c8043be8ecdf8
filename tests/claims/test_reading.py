"""Reading an article file (claims/reading.py): text files as they are, HTML pages
through trafilatura with the page's meta tags and its whole text as fallbacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from claims.reading import ArticleReadError, article_read

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "article_sample.html"


def test_an_html_page_gives_its_main_text_and_metadata() -> None:
    article = article_read(SAMPLE.read_bytes(), SAMPLE.name)
    assert article.title == "Seoul weighs its options"
    assert article.authors == ("Jane Roe", "John Doe")
    assert article.outlet == "The Peninsula Review"
    assert article.date == date(2026, 3, 2)
    assert "likely to reach a new cost-sharing deal within six months" in article.text
    # The menu, the sidebar and the footer are not the article.
    for boilerplate in ("Subscribe now", "Most read", "All rights reserved"):
        assert boilerplate not in article.text


def test_a_page_without_metadata_leaves_the_fields_blank() -> None:
    html = (
        "<html><body><article><p>Officials in Seoul are likely to sign a deal within "
        "six months, according to the ministry, which has been negotiating for a year "
        "and expects the talks to close soon.</p></article></body></html>"
    )
    article = article_read(html, "page.html")
    assert (article.authors, article.outlet, article.date) == ((), "", None)
    assert article.text.startswith("Officials in Seoul are likely")


def test_the_pages_meta_tags_fill_what_trafilatura_misses() -> None:
    html = (
        "<html><head><meta name='date' content='2024-05-06'></head><body>"
        "<time datetime='2024-05-06'>6 May</time>"
        "<p>Seoul is likely to sign within six months.</p></body></html>"
    )
    article = article_read(html.encode(), "page.htm")
    assert article.date == date(2024, 5, 6)
    assert "Seoul is likely to sign within six months." in article.text


def test_a_page_in_another_encoding_is_decoded_by_its_charset() -> None:
    html = (
        '<html><head><meta charset="euc-kr"></head><body><article><p>한국은 동맹을 유지할 '
        "가능성이 높다. Officials in Seoul are likely to sign a new cost-sharing agreement "
        "within six months, the ministry said on Monday.</p></article></body></html>"
    )
    article = article_read(html.encode("euc-kr"), "page.html")
    assert "한국은 동맹을 유지할" in article.text


def test_a_page_trafilatura_finds_nothing_in_falls_back_to_its_whole_text() -> None:
    html = "<html><body><div>Seoul may leave by 2030.</div></body></html>"
    assert article_read(html, "page.html").text == "Seoul may leave by 2030."


@pytest.mark.parametrize(
    ("content", "name", "title"),
    [
        ("Seoul may leave by 2030.\n", "a.txt", ""),
        ("# The Pillar\n\nSeoul may leave by 2030.\n", "a.md", "The Pillar"),
    ],
)
def test_text_files_are_read_as_they_are(content: str, name: str, title: str) -> None:
    article = article_read(content.encode(), name)
    assert (article.text, article.title, article.date) == (content, title, None)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"x", "a.pdf", "a.pdf: cannot read .pdf; use one of .txt, .md"),
        (b"x", "README", "cannot read a file without a suffix"),
        (b"\xff\xfe\x00", "a.txt", "a.txt is not UTF-8 text"),
        (b"  \n", "a.txt", "a.txt is empty."),
        (b"<html><body></body></html>", "a.html", "a.html has no text to read."),
    ],
)
def test_what_cannot_be_read_says_why(content: bytes, name: str, message: str) -> None:
    with pytest.raises(ArticleReadError, match=message.replace(".", r"\.")):
        article_read(content, name)
