"""Question texts (background, resolution criteria, fine print, clarifications) are
written in Markdown: paragraphs, lists, emphasis, links, quotes and code. They are
rendered here, and only here, to HTML that is safe to put in a page or an email.

Two layers, so that neither alone has to be right: markdown-it renders with raw HTML
turned off (an author's `<script>` is shown as the characters typed, never as a tag),
and nh3 then keeps only the tags, attributes and URL schemes listed below."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# CommonMark without raw HTML, images (an image would load a third party's URL in a
# reader's browser or mail client) or headings (each text sits under the page's own
# heading; a "# Title" inside criteria would outrank it).
_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_RENDERER.disable(["image", "heading", "lheading"])

ALLOWED_TAGS = frozenset(
    {"p", "br", "ul", "ol", "li", "em", "strong", "a", "code", "pre", "blockquote", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Links lead off the site: no ranking credit for what a staff member quoted, and the
# page opened cannot reach back into ours.
LINK_REL = "nofollow noopener"


def markdown_to_html(text: str | None) -> str:
    """The sanitised HTML of a Markdown text; an empty text gives an empty string."""
    if not text or not text.strip():
        return ""
    html = _RENDERER.render(text)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        # script and style are already text here; listed so that, should a tag ever get
        # through the renderer, its contents go with it rather than being shown.
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        # A relative link would point somewhere on this site by accident of its
        # wording; only absolute http(s) and mailto links are kept.
        url_relative="deny",
        link_rel=LINK_REL,
    ).strip()
