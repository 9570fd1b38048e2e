"""Ids no database column can hold (2³¹, 2⁶³, 2⁶⁴) are refused as 422 or 404 problem+json on every route.

The routes are read off the app, and each one's integer path, query and header parameters and integer body
fields off its OpenAPI operation, so a new endpoint is covered without being named here. PostgreSQL is where
2³¹ overflows an INTEGER column; SQLite overflows at 2⁶³.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.routing import APIRoute

from kuzet.app import create_app
from kuzet.cctv import camera_events_service
from kuzet.cctv.camera_events import AnalyticsSource, SourceScope
from kuzet.container import Services
from kuzet.core.auth.domain import ROLE_PERMISSIONS, Permission, Role
from kuzet.core.deps import api_routes, declared_permission
from kuzet.core.ids import MAX_BIGINT, MAX_ID
from kuzet.partners.domain import Scope
from tests.cctv.test_plate_hits_fixtures import ADMIN, Source
from tests.ops import Centre
from tests.partners.fixtures import App

HOSTILE = {"2^31": 2**31, "2^63": 2**63, "2^64": 2**64}
Step = str | int  # a key of an object, or an index into a list


@dataclass(frozen=True)
class Slot:
    """One integer a route takes: where it goes (path, query, header or body) and its name there."""

    method: str
    path: str
    location: str
    steps: tuple[Step, ...]  # the parameter's name, or the way into the body
    maximum: int | None  # as the OpenAPI document declares it

    @property
    def field(self) -> str:
        """The field as a problem names it (kuzet/core/problems.py): `crew[0].badge`."""
        name = ""
        for step in self.steps:
            name += f"[{step}]" if isinstance(step, int) else (f".{step}" if name else step)
        return name

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.location}:{self.field}"


class Schemas:
    """An OpenAPI document's schemas: resolves references, finds integers, and makes a minimal valid value."""

    def __init__(self, openapi: Mapping[str, Any]) -> None:
        self.components: Mapping[str, Any] = openapi.get("components", {}).get("schemas", {})

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self.components[str(schema["$ref"]).rsplit("/", 1)[-1]]
        if len(schema.get("allOf", [])) == 1:
            return self.resolve(schema["allOf"][0])
        return schema

    def alternatives(self, schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The schema's non-null shapes (an `X | None` field has two: X and null)."""
        schema = self.resolve(schema)
        options = schema.get("anyOf") or schema.get("oneOf")
        if not options:
            return [schema]
        return [s for o in options for s in self.alternatives(o) if s.get("type") != "null"]

    def integer(self, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The schema's integer shape, if it admits integers."""
        return next((s for s in self.alternatives(schema) if s.get("type") == "integer"), None)

    def integers(
        self, schema: Mapping[str, Any], steps: tuple[Step, ...] = ()
    ) -> Iterator[tuple[tuple[Step, ...], Mapping[str, Any]]]:
        """The way to every integer inside a body schema, with its shape (the first item of a list stands for
        all)."""
        if len(steps) > 8:
            return
        for shape in self.alternatives(schema):
            kind = shape.get("type")
            if kind == "integer":
                yield steps, shape
            elif kind == "object" or "properties" in shape:
                for name, inner in shape.get("properties", {}).items():
                    yield from self.integers(inner, (*steps, name))
            elif kind == "array" and isinstance(shape.get("items"), Mapping):
                yield from self.integers(shape["items"], (*steps, 0))

    def sample(self, schema: Mapping[str, Any], along: tuple[Step, ...] = (), leaf: Any = None) -> Any:
        """A small valid value of the schema; with `along`, the objects and lists on that way are filled in,
        and the value at its end is `leaf`."""
        shapes = self.alternatives(schema) or [{}]
        if not along:
            if leaf is not None:
                return leaf
            shape = shapes[0]
        else:
            wanted = "array" if isinstance(along[0], int) else "object"
            shape = next(
                (s for s in shapes if s.get("type") == wanted or (wanted == "object" and "properties" in s)),
                shapes[0],
            )
        if "enum" in shape:
            return shape["enum"][0]
        if "const" in shape:
            return shape["const"]
        kind = shape.get("type")
        if kind == "object" or "properties" in shape:
            properties = shape.get("properties", {})
            names = list(shape.get("required", []))
            if along and along[0] not in names:
                names.append(along[0])
            return {
                name: self.sample(properties.get(name, {}), *self._past(along, name, leaf)) for name in names
            }
        if kind == "array":
            count = max(int(shape.get("minItems", 0)), 1 if along else 0)
            items = shape.get("items", {})
            return [self.sample(items, *self._past(along, i, leaf)) for i in range(count)]
        if kind == "string":
            text = {"date-time": "2025-01-01T00:00:00Z", "date": "2025-01-01"}.get(shape.get("format", ""))
            return text or "x" * max(int(shape.get("minLength", 1)), 1)
        if kind in ("integer", "number"):
            return shape.get("minimum", shape.get("exclusiveMinimum", 0) + 1)
        if kind == "boolean":
            return False
        return {}

    @staticmethod
    def _past(along: tuple[Step, ...], step: Step, leaf: Any) -> tuple[tuple[Step, ...], Any]:
        """The rest of the way and the leaf for the member `step`: none, unless the way goes through it."""
        return (along[1:], leaf) if along and along[0] == step else ((), None)


@dataclass(frozen=True)
class Operation:
    route: APIRoute
    method: str
    spec: Mapping[str, Any]

    @property
    def parameters(self) -> list[Mapping[str, Any]]:
        return list(self.spec.get("parameters", []))

    @property
    def body_schema(self) -> Mapping[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        return None if media is None else media.get("schema", {})


def operations(app_routes: list[APIRoute], openapi: Mapping[str, Any]) -> Iterator[Operation]:
    for route in app_routes:
        for method in sorted(route.methods or ()):
            spec = openapi["paths"].get(route.path, {}).get(method.lower())
            if spec is not None:  # routes left out of the schema (the console's redirect) take no input
                yield Operation(route, method, spec)


def slots(operation: Operation, schemas: Schemas) -> Iterator[Slot]:
    path, method = operation.route.path, operation.method
    for parameter in operation.parameters:
        shape = schemas.integer(parameter.get("schema", {}))
        if shape is not None:
            name = (str(parameter["name"]),)
            yield Slot(method, path, str(parameter["in"]), name, shape.get("maximum"))
    body = operation.body_schema
    if body is not None:
        for steps, shape in schemas.integers(body):
            yield Slot(method, path, "body", steps, shape.get("maximum"))


@dataclass
class World:
    """A working centre with a row behind every kind of id, so that a route gets past "not found" to the
    field under test; and the callers who may use each route."""

    centre: Centre
    partner: App
    camera_source: Source  # a camera analytics system: signs its events and heartbeats
    ids: dict[str, int]
    routes: list[APIRoute]
    openapi: Mapping[str, Any]

    def headers_for(self, permission: Permission) -> dict[str, str] | None:
        desks = {
            Role.DISPATCHER: self.centre.dispatcher,
            Role.SUPERVISOR: self.centre.supervisor,
            Role.ADMIN: self.centre.admin,
            Role.CALL_TAKER: self.centre.call_taker,
            Role.ANALYST: self.centre.analyst,
        }
        for role, desk in desks.items():
            if permission in ROLE_PERMISSIONS[role]:
                return desk.headers
        return None


@pytest.fixture
def world(centre: Centre, kaspi: App, services: Services) -> World:
    registration = centre.call_taker.call()
    incident_id, appeal_id = registration["incident"]["id"], registration["appeal"]["id"]
    unit = centre.supervisor.unit("Беркут-7")
    assignment = centre.dispatcher.ok(
        centre.dispatcher.post(f"/api/v1/incidents/{incident_id}/assignments", {"unit_id": unit["id"]}), 201
    )
    users = centre.admin.ok(centre.admin.get("/api/v1/users"))
    app = create_app(services.settings, services=services)
    issued = camera_events_service.create(
        services.uow(),
        services.auth.box,
        source=AnalyticsSource("plates_test", "Plate readers", True),
        by=ADMIN,
        at=services.clock.now(),
    )
    return World(
        centre=centre,
        partner=kaspi,
        camera_source=Source(centre.admin.http, issued.key.key_id, issued.key.secret),
        ids={
            "incident_id": incident_id,
            "appeal_id": appeal_id,
            "unit_id": unit["id"],
            "assignment_id": assignment["id"],
            "user_id": users[0]["id"],
        },
        routes=list(api_routes(app.routes)),
        openapi=app.openapi(),
    )


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    problem: Mapping[str, Any] | None


def request_with(world: World, operation: Operation, slot: Slot, value: int) -> Answer:
    """Send the route a request that is valid but for `value` in `slot`, as a caller it lets in."""
    schemas = Schemas(world.openapi)
    path = operation.route.path
    query: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for parameter in operation.parameters:
        name, where = str(parameter["name"]), parameter["in"]
        if (where, name) == (slot.location, slot.steps[0]):
            given: Any = value
        elif where == "path":
            given = world.ids.get(name, schemas.sample(parameter.get("schema", {})))
        elif parameter.get("required"):
            given = schemas.sample(parameter.get("schema", {}))
        else:
            continue
        if where == "path":
            path = path.replace("{" + name + "}", str(given))
        elif where == "query":
            query[name] = given
        elif where == "header":
            headers[name] = str(given)
    body = None
    if operation.body_schema is not None:
        along = slot.steps if slot.location == "body" else ()
        body = schemas.sample(operation.body_schema, along, value if along else None)
    target = path + (f"?{urlencode(query)}" if query else "")
    content = b"" if body is None else json.dumps(body).encode()
    if body is not None:
        headers["Content-Type"] = "application/json"
    permission = declared_permission(operation.route)
    if isinstance(permission, Scope):
        return _answer(world.partner.client.request(operation.method, target, content, headers))
    if isinstance(permission, SourceScope):
        assert operation.method == "POST" and body is not None, f"a camera source only posts JSON: {slot}"
        return _answer(world.camera_source.post(target, body))
    if isinstance(permission, Permission):
        allowed = world.headers_for(permission)
        assert allowed is not None, f"no desk of the test centre may call {slot}"
        headers.update(allowed)
    http = world.centre.admin.http
    with http.stream(operation.method, target, content=content, headers=headers) as response:
        return _answer(response)  # the status line and a problem's body; a stream is not read on


def _answer(response: httpx.Response) -> Answer:
    content_type = response.headers.get("content-type", "")
    problem = None
    if content_type.startswith("application/problem+json"):
        response.read()
        problem = response.json()
    return Answer(response.status_code, content_type, problem)


def wrong_answer(slot: Slot, value: int, answer: Answer) -> str | None:
    """A value the field admits (up to the maximum it declares) may be taken, but never be a server error; any
    larger one, or one for a field that declares no maximum, is a 404 or a 422 that names the field."""
    if slot.maximum is not None and value <= slot.maximum:
        if answer.status >= 500 or (answer.status >= 400 and answer.problem is None):
            return f"{slot}: {answer.status} {answer.content_type} (within its maximum {slot.maximum})"
        return None
    if answer.status not in (404, 422):
        return f"{slot}: {answer.status} {answer.content_type}"
    if answer.problem is None:
        return f"{slot}: {answer.status} is not problem+json ({answer.content_type})"
    if answer.status == 422:
        named = {(e.get("location"), e.get("field")) for e in answer.problem.get("errors", [])}
        if (slot.location, slot.field) not in named:
            return f"{slot}: the 422 does not name the field, only {sorted(named, key=str)}"
    return None


def every_slot(world: World) -> list[tuple[Operation, Slot]]:
    schemas = Schemas(world.openapi)
    return [(op, slot) for op in operations(world.routes, world.openapi) for slot in slots(op, schemas)]


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_an_id_past_any_column_is_422_or_404_problem_on_every_route(world: World, value: int) -> None:
    wrong = [
        problem
        for operation, slot in every_slot(world)
        if (problem := wrong_answer(slot, value, request_with(world, operation, slot, value))) is not None
    ]
    assert not wrong, f"{len(wrong)} integers taken without a bound:\n" + "\n".join(wrong)


def test_the_routes_are_read_with_every_kind_of_integer(world: World) -> None:
    """The walk over the app finds ids in paths, bodies, queries and headers: a walk that found nothing would
    let the test above pass on nothing."""
    found = {(slot.method, slot.path, slot.location, slot.field) for _, slot in every_slot(world)}
    expected = {
        ("GET", "/api/v1/incidents/{incident_id}", "path", "incident_id"),
        ("POST", "/api/v1/incidents/{incident_id}/merge", "body", "child_id"),
        ("POST", "/api/v1/assignments/{assignment_id}/reassign", "body", "incident_id"),
        ("POST", "/api/v1/appeals", "body", "incident_id"),
        ("GET", "/partner/v1/appeals/{appeal_id}", "path", "appeal_id"),
        ("POST", "/api/v1/partners/{code}/deliveries/{message_id}/retry", "path", "message_id"),
        ("GET", "/api/v1/audit", "query", "before_seq"),
        ("GET", "/api/v1/live", "query", "after"),
        ("GET", "/api/v1/live", "header", "last-event-id"),
    }
    assert expected <= found, f"not found: {sorted(expected - found)}"
    assert len(found) >= 40


def test_the_largest_id_that_fits_is_still_a_plain_not_found(world: World) -> None:
    """At the bound the id is taken (and names nothing), one past it is refused: the bound is the column's."""
    d = world.centre.dispatcher
    at_bound = d.get(f"/api/v1/incidents/{MAX_ID}")
    assert at_bound.status_code == 404, at_bound.text
    assert at_bound.headers["content-type"].startswith("application/problem+json")
    past = d.get(f"/api/v1/incidents/{MAX_ID + 1}")
    assert past.status_code == 422, past.text
    assert [(e["field"], e["code"]) for e in past.json()["errors"]] == [("incident_id", "less_than_equal")]
    audit = world.centre.admin
    assert audit.get("/api/v1/audit", before_seq=MAX_BIGINT).status_code == 200
    past_audit = audit.get("/api/v1/audit", before_seq=MAX_BIGINT + 1)
    assert past_audit.status_code == 422, past_audit.text
    assert [e["field"] for e in past_audit.json()["errors"]] == ["before_seq"]
