"""The API's HTML renderer, in a module of its own: REST_FRAMEWORK's
DEFAULT_RENDERER_CLASSES names it, and DRF reads that setting while rest_framework.views
is being imported, so this module must not import the views."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages for the API, under the site's Content-Security-Policy. DRF's
    template places two buttons with style="" attributes, so these pages alone allow
    inline style attributes (never a <style> block, never a script); the
    syntax-highlighting <style> block carries the response's nonce (the template)."""

    template = "api_docs/browsable_api.html"
    # What django-csp's @csp_update would set on the view's response, for this
    # renderer's responses only (JSON and CSV get the site's policy unchanged).
    csp_update: ClassVar[dict[str, list[str]]] = {"style-src-attr": ["'unsafe-inline'"]}

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> Any:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {
                **(getattr(response, "_csp_update", None) or {}),
                **self.csp_update,
            }
        return super().render(data, accepted_media_type, renderer_context)
