"""The API's interactive documentation: Swagger UI at /api/docs/ and Redoc at /api/redoc/.

Both are drf-spectacular's views with two changes: the UIs come from
drf-spectacular-sidecar's static files (SPECTACULAR_SETTINGS), so the pages work offline
and load nothing from another site; and the templates (templates/api_docs/) keep no
inline style, and no inline script but Swagger UI's start-up one, which carries the
response's nonce. They run under the site's Content-Security-Policy with only the
allowances below.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

# What each page adds to the site's policy (CONTENT_SECURITY_POLICY). Both draw icons as
# SVG data: URLs.
SWAGGER_UI_ALLOWANCES = {"img-src": [SELF, "data:"]}
REDOC_ALLOWANCES = {
    # Redoc writes its styles as <style> elements at run time. styled-components gives
    # them the response's nonce (in the site's style-src; foreseer/api-docs-redoc.js
    # hands it to Redoc), but the perfect-scrollbar style sheet is written when the
    # bundle loads, before Redoc knows the nonce: it is allowed by its hash, and so is
    # the empty <style> it starts as. A new Redoc may change the sheet: the browser test
    # (tests/browser/test_content_security_policy.py) then fails, naming the new hash.
    "style-src": [
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty sheet
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's
    ],
    "img-src": [SELF, "data:"],
    # Redoc's search index runs in a Web Worker it builds from a blob: URL.
    "worker-src": [SELF, "blob:"],
}


@method_decorator(csp_update(SWAGGER_UI_ALLOWANCES), name="dispatch")
class SwaggerUIView(SpectacularSwaggerView):
    """Swagger UI's start-up script stays inline, with the response's CSP nonce: it is a
    template filled per request (the schema's address, the CSRF token for "Try it out").
    drf-spectacular's split view would serve it as a second, script-typed response
    instead, with the CSRF token in a file any page may include."""

    template_name = "api_docs/swagger_ui.html"


@method_decorator(csp_update(REDOC_ALLOWANCES), name="dispatch")
class RedocView(SpectacularRedocView):
    """Started by foreseer/api-docs-redoc.js, which also keeps Redoc from fetching its
    "Redocly" logo from cdn.redoc.ly (the policy would refuse it)."""

    template_name = "api_docs/redoc.html"
