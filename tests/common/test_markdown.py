"""Question texts are Markdown rendered to sanitised HTML (common/markdown.py), shown
through one template filter. What an author may use works; nothing of what an author
(or a stolen staff account) types can run in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from common.markdown import ALLOWED_TAGS, markdown_to_html


class _Elements(HTMLParser):
    """Every element of a fragment with its attributes, to check structure, not text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def render(text: str) -> str:
    return Template("{% load foreseer %}{{ text|markdown }}").render(Context({"text": text}))


REL = 'rel="nofollow noopener"'

# What authors write, and the HTML a reader gets.
RENDERED = [
    ("", ""),
    ("   \n\n ", ""),
    ("One line.", "<p>One line.</p>"),
    # A hard line break inside a paragraph is not a break: the text reflows to the screen.
    ("the ROK Joint\nChiefs of Staff", "<p>the ROK Joint\nChiefs of Staff</p>"),
    ("First.\n\nSecond.", "<p>First.</p>\n<p>Second.</p>"),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
    ("*some* and **more**", "<p><em>some</em> and <strong>more</strong></p>"),
    ("_some_ and __more__", "<p><em>some</em> and <strong>more</strong></p>"),
    # Placeholder-like words keep their underscores (no emphasis inside a word).
    ("on or after open_date and close_date", "<p>on or after open_date and close_date</p>"),
    (
        "[the JCS](https://www.jcs.mil.kr/ 'Joint Chiefs')",
        f'<p><a href="https://www.jcs.mil.kr/" title="Joint Chiefs" {REL}>the JCS</a></p>',
    ),
    ("[report](http://example.org/a)", f'<p><a href="http://example.org/a" {REL}>report</a></p>'),
    (
        "<https://example.org/x>",
        f'<p><a href="https://example.org/x" {REL}>https://example.org/x</a></p>',
    ),
    (
        "[write](mailto:desk@example.org)",
        f'<p><a href="mailto:desk@example.org" {REL}>write</a></p>',
    ),
    ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
    ("`code`", "<p><code>code</code></p>"),
    # Each text sits under the page's own heading: no headings of its own.
    ("# Not a heading", "<p># Not a heading</p>"),
    # An image would load someone else's URL in a reader's browser or mail client.
    ("![x](https://example.org/x.png)", f'<p>!<a href="https://example.org/x.png" {REL}>x</a></p>'),
    ("A & B < C", "<p>A &amp; B &lt; C</p>"),
]


@pytest.mark.parametrize(("text", "html"), RENDERED)
def test_markdown_renders_what_authors_use(text, html):
    assert markdown_to_html(text) == html
    assert render(text) == html


# Raw HTML and the usual XSS vectors: none may produce a script, an event handler, a
# style, a frame, or a link to anything but http(s) or mailto.
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    '<p onmouseover="alert(1)">hover</p>',
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    '[x](https://example.org "a" onclick="alert(1)")',
    "*<script>alert(1)</script>*",
    "- <img src=x onerror=alert(1)>",
    "<!-- a comment --><b>bold</b>",
    "[rel](/accounts/logout/)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_raw_html_or_script_url_gets_through(text):
    html = render(text)
    for tag, attributes in elements(html):
        assert tag in ALLOWED_TAGS, (text, html)
        assert not [name for name in attributes if name.startswith("on")], (text, html)
        assert "style" not in attributes, (text, html)
        href = attributes.get("href")
        if href is not None:
            assert href.split(":", 1)[0] in {"http", "https", "mailto"}, (text, html)
        if tag == "a":
            assert attributes.get("rel") == "nofollow noopener", (text, html)
    assert "<script" not in html.lower() and "<b>" not in html


def test_raw_html_is_shown_as_typed_not_lost():
    # The criteria's words matter: what an author typed as HTML is shown as text.
    assert render("Yes if <b>both</b> happen") == "<p>Yes if &lt;b&gt;both&lt;/b&gt; happen</p>"


def test_a_missing_text_renders_nothing():
    assert Template("{% load foreseer %}[{{ text|markdown }}]").render(Context({})) == "[]"
    assert (
        Template("{% load foreseer %}[{{ text|markdown }}]").render(Context({"text": None})) == "[]"
    )
