"""Reading an article from a file: its main text and what it says about itself.

`article_read(content, filename)` takes a `.txt` or `.md` file as it is, and an `.html`
page through trafilatura, which finds the main text (dropping menus, footers and
comments) and the metadata (title, authors, site name, publication date). Where
trafilatura finds no text, the page's whole text is used; where it misses a field, the
page's own meta tags are read (`og:title`, `author`, `og:site_name`,
`article:published_time`, `<time datetime>`). Every field may still be blank: staff
check them before saving, and `extract_claims` asks for `--published` when there is
no date.

Nothing here touches the database; the staff ingestion page and `manage.py
extract_claims` both read through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES

_DATE = re.compile(r"((?:19|20)\d{2})-(\d{2})-(\d{2})")


class ArticleReadError(ValueError):
    """The file cannot be read as an article; the message says why."""


@dataclass(frozen=True)
class ReadArticle:
    title: str
    authors: tuple[str, ...]
    outlet: str
    date: date | None
    text: str


def _decode(content: str | bytes, filename: str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleReadError(f"{filename} is not UTF-8 text ({error.reason}).") from error


def _decode_html(content: str | bytes) -> str:
    """A page in any encoding: saved Korean pages are often EUC-KR. trafilatura reads
    the page's declared or guessed charset (and undoes gzip)."""
    if isinstance(content, str):
        return content
    from trafilatura.utils import decode_file

    return str(decode_file(content))


def _parse_date(raw: str | None) -> date | None:
    match = _DATE.search(raw or "")
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _authors(raw: str | None) -> tuple[str, ...]:
    # trafilatura joins several authors with "; "; meta tags use commas or "and".
    parts = re.split(r";|,|\band\b|&", raw or "")
    names = (" ".join(part.split()) for part in parts)
    return tuple(dict.fromkeys(name for name in names if name))


def _markdown_title(text: str) -> str:
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else ""


def _read_text(text: str, filename: str) -> ReadArticle:
    if not text.strip():
        raise ArticleReadError(f"{filename} is empty.")
    title = _markdown_title(text) if filename.lower().endswith((".md", ".markdown")) else ""
    return ReadArticle(title=title, authors=(), outlet="", date=None, text=text)


class _PageMeta:
    """The page's own metadata, for the fields trafilatura leaves blank."""

    def __init__(self, html: str) -> None:
        import lxml.html

        try:
            self.tree: Any = lxml.html.fromstring(html)
        except (ValueError, lxml.etree.ParserError):
            self.tree = None

    def first(self, *xpaths: str) -> str:
        if self.tree is None:
            return ""
        for xpath in xpaths:
            for found in self.tree.xpath(xpath):
                value = " ".join(str(found).split())
                if value:
                    return value
        return ""

    def title(self) -> str:
        return self.first('//meta[@property="og:title"]/@content', "//title/text()", "//h1//text()")

    def authors(self) -> str:
        return self.first(
            '//meta[@name="author"]/@content', '//meta[@property="article:author"]/@content'
        )

    def outlet(self) -> str:
        return self.first(
            '//meta[@property="og:site_name"]/@content', '//meta[@name="application-name"]/@content'
        )

    def date(self) -> str:
        return self.first(
            '//meta[@property="article:published_time"]/@content',
            '//meta[@name="date"]/@content',
            '//*[@itemprop="datePublished"]/@content',
            "//time/@datetime",
        )


def _read_html(html: str, filename: str) -> ReadArticle:
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        # The page's own publication date, not the date of an update or of the crawl.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    found: dict[str, Any] = {}
    if document is not None:
        found = document if isinstance(document, dict) else document.as_dict()
    text = (found.get("text") or "").strip()
    if not text:
        # trafilatura found no main text (a page with little markup): all of its text.
        text = trafilatura.html2txt(html).strip()
    if not text:
        raise ArticleReadError(f"{filename} has no text to read.")
    meta = _PageMeta(html)
    return ReadArticle(
        title=" ".join((found.get("title") or meta.title()).split()),
        authors=_authors(found.get("author") or meta.authors()),
        outlet=" ".join((found.get("sitename") or meta.outlet()).split()),
        date=_parse_date(found.get("date")) or _parse_date(meta.date()),
        text=text,
    )


def article_read(content: str | bytes, filename: str) -> ReadArticle:
    """The article in a file's content; the filename's suffix says how to read it.
    ArticleReadError for another suffix, a text file that is not UTF-8, or no text at all
    (a page is decoded by its declared or guessed charset)."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise ArticleReadError(
            f"{filename}: cannot read {suffix or 'a file without a suffix'}; "
            f"use one of {', '.join(SUFFIXES)}."
        )
    if suffix in HTML_SUFFIXES:
        return _read_html(_decode_html(content), filename)
    return _read_text(_decode(content, filename), filename)
