"""The security headers every page is served with, the Content-Security-Policy's few
per-page allowances (the API docs), and the templates that policy relies on: no inline
script without a nonce, no <style> block, no style= or on...= attribute, nothing loaded
from another site. tests/browser checks the same pages in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
# Emails are read in mail clients, not served under the policy: their inline styles stay.
EMAIL_TEMPLATES = ROOT / "notifications" / "templates" / "notifications" / "email"

BASE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: values for name, *values in directives}


def nonce_of(response) -> str:
    (nonce,) = set(re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"]))
    return nonce


class Tags(HTMLParser):
    """The <script> and <link> tags of a page, with their attributes, and each inline
    script's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "link", "style"):
            self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._script is not None and data.strip():
            self.inline.append((self._script, data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def tags(response) -> Tags:
    parser = Tags()
    parser.feed(response.content.decode())
    return parser


def test_a_page_carries_every_security_header(client):
    response = client.get(reverse("questions:list"))
    assert response.status_code == 200
    # No nonce: the page has no inline script.
    assert policy(response) == BASE_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


@pytest.mark.parametrize(
    "url", ["/admin/login/", "/accounts/login/", "/leaderboard/", "/api/questions/"]
)
def test_the_admin_the_api_and_the_pages_share_the_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert policy(response) == BASE_POLICY
    assert response["X-Frame-Options"] == "DENY"


def test_swagger_ui_runs_its_inline_start_up_script_by_nonce(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    nonce = nonce_of(response)
    assert policy(response) == {
        **BASE_POLICY,
        # The nonce is the response's: once made, the policy names it for both.
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "img-src": ["'self'", "data:"],
    }
    page = tags(response)
    assert [attrs for attrs, _ in page.inline] == [{"nonce": nonce}]
    assert "SwaggerUIBundle(" in page.inline[0][1]
    # A fresh nonce for every response.
    assert nonce_of(client.get(reverse("api:docs"))) != nonce


def test_redoc_allows_its_run_time_styles_by_nonce_and_hash(client):
    response = client.get(reverse("api:redoc"))
    assert response.status_code == 200
    nonce = nonce_of(response)
    directives = policy(response)
    styles = directives.pop("style-src")
    assert styles[:2] == ["'self'", f"'nonce-{nonce}'"]
    assert len(styles) == 4
    assert all(value.startswith("'sha256-") for value in styles[2:])
    assert directives == {
        **{name: values for name, values in BASE_POLICY.items() if name != "style-src"},
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "img-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
    }
    page = tags(response)
    assert page.inline == []
    redoc_start = [attrs for tag, attrs in page.tags if tag == "script"][-1]
    assert redoc_start["src"].endswith("/foreseer/api-docs-redoc.js")
    assert redoc_start["nonce"] == nonce
    assert b'data-schema-url="/api/schema/"' in response.content


def test_the_browsable_api_allows_style_attributes_and_its_nonced_style_block(staff_client):
    response = staff_client.get("/api/questions/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    nonce = nonce_of(response)
    assert policy(response) == {
        **BASE_POLICY,
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src-attr": ["'unsafe-inline'"],
    }
    page = tags(response)
    assert [attrs for tag, attrs in page.tags if tag == "style"] == [{"nonce": nonce}]
    # Only scripts the browser never runs (DRF's CSRF data).
    assert [attrs.get("type") for attrs, _ in page.inline] == ["application/json"]
    # The JSON and CSV answers keep the site's policy.
    assert policy(staff_client.get("/api/questions/")) == BASE_POLICY


@pytest.mark.parametrize("name", ["api:docs", "api:redoc"])
def test_the_api_docs_load_only_this_sites_static_files(client, name):
    response = client.get(reverse(name))
    assert settings.STATIC_URL == "/static/"
    page = tags(response)
    addresses = [
        attrs.get("src") if tag == "script" else attrs.get("href")
        for tag, attrs in page.tags
        if tag != "script" or attrs.get("src")
    ]
    assert addresses, "the page loads no script or style sheet"
    for address in addresses:
        assert address is not None
        assert address.startswith(
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else f"/{settings.STATIC_URL}"
        ), address
        assert "://" not in address and not address.startswith("//"), address
    assert not [tag for tag, _ in page.tags if tag == "style"]
    assert b"fonts.googleapis.com" not in response.content
    assert b"cdn.jsdelivr.net" not in response.content


# --- The templates ----------------------------------------------------------------------

INLINE = {
    "script": re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>"),
    "<style> block": re.compile(r"<style(?:\s[^>]*)?>"),
}
COMMENTS = re.compile(r"\{% comment %\}.*?\{% endcomment %\}|\{#.*?#\}", re.S)
NONCED = re.compile(r'nonce="\{\{ request\.csp_nonce \}\}"')
FORBIDDEN = {
    "a style= attribute": re.compile(r"\sstyle\s*="),
    "an on...= event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.S),
    "a javascript: URL": re.compile(r"javascript:", re.I),
    "a script or style sheet from another site": re.compile(
        r"<(?:script|link)[^>]*\s(?:src|href)=\"(?:https?:)?//", re.S
    ),
}


def served_templates() -> list[Path]:
    found = []
    for folder in sorted(ROOT.glob("*/templates")):
        if folder.parent.name in (".venv", "var"):
            continue
        found += [p for p in sorted(folder.rglob("*.html")) if EMAIL_TEMPLATES not in p.parents]
    return found


def test_the_served_templates_have_no_inline_code_the_policy_would_refuse():
    templates = served_templates()
    assert len(templates) > 40
    problems = []
    for path in templates:
        text = COMMENTS.sub("", path.read_text())
        name = path.relative_to(ROOT)
        for what, pattern in INLINE.items():
            for tag in pattern.findall(text):
                if not NONCED.search(tag):
                    problems.append(f"{name}: an inline {what} without the nonce: {tag}")
        problems += [
            f"{name}: {what}" for what, pattern in FORBIDDEN.items() if pattern.search(text)
        ]
    assert problems == []
