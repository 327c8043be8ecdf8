"""The API's OpenAPI schema as drf-spectacular writes it, plus what every operation shares:
the errors it can answer, each a JSON body with a schema, and the reading of an empty
query value as a parameter not given. A view documents its own errors with
`extend_schema(responses=...)` when it has something to say about them; the ones it
leaves out are added here, so no operation answers a status its schema does not list."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent

# {"detail": "..."}: DRF's answer for a refusal, a missing object or an unread body.
ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
)
# {"field": ["message", ...]}: each field or parameter named with its messages; a list's
# or a nested object's errors nest under its name; a body that cannot be read is
# {"detail": "..."}.
VALIDATION_ERRORS = ResolvedComponent(
    name="ValidationErrors",
    type=ResolvedComponent.SCHEMA,
    object="ValidationErrors",
    schema={
        "type": "object",
        "minProperties": 1,
        "additionalProperties": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
                {"type": "object"},
            ]
        },
        "example": {"limit": ["A whole number from 1 to 500."]},
    },
)

BAD_REQUEST = (
    "A parameter or field is not valid; the answer names it. Every endpoint refuses a "
    "query parameter holding a control character."
)
FORBIDDEN = (
    "Not allowed, or not signed in; also the answer to an Authorization header whose "
    "token does not exist."
)
NOT_FOUND = "No such object, or none you may see."
UNSUPPORTED = "The body's Content-Type is not one this endpoint reads."


class AutoSchema(SpectacularAutoSchema):
    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            # DRF's serializers, django-filter and the paging all read `?name=` as a
            # parameter not given (an HTML form sends its empty fields so).
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        responses: dict[str, Any] = operation["responses"]
        for code, description in self._shared_errors(operation):
            responses.setdefault(code, {"description": description})
        registry.register_on_missing(ERROR)
        registry.register_on_missing(VALIDATION_ERRORS)
        for code, response in responses.items():
            if code.startswith("4") and "content" not in response:
                body = VALIDATION_ERRORS if code == "400" else ERROR
                response["content"] = {"application/json": {"schema": body.ref}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _shared_errors(self, operation: dict[str, Any]) -> list[tuple[str, str]]:
        errors = [("400", BAD_REQUEST)]
        # DRF answers 403 to a token that does not exist, on any view that authenticates
        # (the session authenticator comes first, and it asks for no WWW-Authenticate).
        if self.view.authentication_classes:
            errors.append(("403", FORBIDDEN))
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
            errors.append(("404", NOT_FOUND))
        if "requestBody" in operation:
            errors.append(("415", UNSUPPORTED))
        return errors
