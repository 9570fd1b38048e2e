"""The OpenAPI document, made to tell the truth about errors.

FastAPI documents a success status and its own 422 body. Kuzet answers every error as RFC 9457
problem+json, and which errors a route can give follows from what the route is. This module rewrites each
operation's responses from those facts:

- any operation: 422 (bad parameters, or text no database can hold, are refused before any handler);
- an operation that takes a body: 400 (unparseable) and 413 (the body-size limit);
- a path parameter: 404;
- a route that needs a staff session: 401 and 403; one that a partner signs: 401, 403 and 429;
- a staff route that changes state: 409 (the change does not fit the current state);

plus what a route declares itself with `responses=problems(...)` (423 on login, 503 without a road map…).
A schemathesis run in the suite holds the document to this: any status, content type or body that the
document does not list fails it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from kuzet.core.deps import api_routes
from kuzet.core.problems import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DESCRIPTIONS: Mapping[int, str] = {
    400: "Bad request",
    401: "Not authenticated, or the signature or session is not valid",
    403: "Not allowed for this role, district or partner scope",
    404: "No such resource, or not in your scope",
    409: "Conflicts with the current state",
    413: "The body is too large",
    415: "The media type is not accepted",
    422: "Invalid input: `errors` names each field and the reason",
    423: "The account is locked by an administrator",
    429: "Too many requests: wait for Retry-After seconds",
    500: "Internal error",
    503: "Not available on this server now",
}
PARTNER_SECURITY = "PartnerSignature"


class FieldProblem(BaseModel):
    model_config = ConfigDict(extra="allow")
    field: str = Field(description="The field, as `caller.phone` or `crew[0].name`")
    location: str = Field(description="body, query, path or header")
    pointer: str = Field(description="JSON pointer to the field")
    reason: str = Field(description="Why it is refused, in the request's language")
    code: str = Field(description="A stable code for the reason")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description="urn:kuzet:problem:<slug>")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request")
    errors: list[FieldProblem] | None = Field(default=None, description="Field errors (422 only)")


_BODY_MODELS: dict[str, type[BaseModel]] = {}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra=` for a route that reads and checks its JSON body itself (a signed body, say)."""
    _BODY_MODELS[model.__name__] = model
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def binary_body(media_types: Iterable[str]) -> dict[str, Any]:
    """`openapi_extra=` for a route whose body is a file, read as raw bytes."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"requestBody": {"required": True, "content": dict.fromkeys(media_types, binary)}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that can give these problem statuses besides the ones inferred."""
    return {status: {"description": _DESCRIPTIONS.get(status, "Error")} for status in statuses}


def _inferred(method: str, operation: Mapping[str, Any], *, public: bool, partner: bool) -> set[int]:
    statuses = {422}
    if "requestBody" in operation:
        statuses.add(400)  # a body the JSON parser gives up on (a number of thousands of digits, say)
    if "requestBody" in operation or method in _CHANGES:
        statuses.add(413)
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        statuses.add(404)
    if partner:
        statuses |= {401, 403, 429}
    elif not public:
        statuses |= {401, 403}
        if method in _CHANGES:
            statuses.add(409)
    return statuses


def _problem_response(status: int, existing: Mapping[str, Any] | None) -> dict[str, Any]:
    content = dict((existing or {}).get("content") or {})
    if status != 422 and content:
        return dict(existing or {})  # the route documents its own body for this status (readiness, say)
    content.pop("application/json", None)  # FastAPI's validation-error body: Kuzet never sends it
    content[PROBLEM_JSON] = {"schema": PROBLEM_REF}
    description = (existing or {}).get("description") or _DESCRIPTIONS.get(status, "Error")
    if status == 422:
        description = _DESCRIPTIONS[422]
    return {**(existing or {}), "description": description, "content": content}


def truthful_openapi(
    app: FastAPI, *, public: Collection[tuple[str, str]], partner_prefix: str | tuple[str, ...]
) -> Callable[[], dict[str, Any]]:
    """The `app.openapi` replacement: FastAPI's document with each operation's real error responses."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        models: list[type[BaseModel]] = [Problem, FieldProblem, *_BODY_MODELS.values()]
        for model in models:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        spec["components"].setdefault("securitySchemes", {})[PARTNER_SECURITY] = {
            "type": "apiKey",
            "in": "header",
            "name": "X-Kuzet-Signature",
            "description": "HMAC-SHA256 request signature with X-Kuzet-Key, X-Kuzet-Timestamp and "
            "X-Kuzet-Nonce; see docs/partner-api.md",
        }
        for route in api_routes(app.routes):
            if not route.include_in_schema:
                continue
            for method in sorted(route.methods or ()):
                operation = spec["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                partner = route.path.startswith(partner_prefix)
                if partner:
                    operation["security"] = [{PARTNER_SECURITY: []}]
                responses = operation.setdefault("responses", {})
                declared = {int(code) for code in responses if str(code).isdigit() and int(code) >= 400}
                statuses = declared | _inferred(
                    method, operation, public=(method, route.path) in public, partner=partner
                )
                for status in sorted(statuses):
                    responses[str(status)] = _problem_response(status, responses.get(str(status)))
        app.openapi_schema = spec
        return spec

    return build
