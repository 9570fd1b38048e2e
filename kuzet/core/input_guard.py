"""Refuses text that no database column can hold before any handler sees it.

PostgreSQL stores neither a NUL character nor a lone UTF-16 surrogate in a text or jsonb value, and a
surrogate cannot even be encoded for the wire. Both arrive easily: `\\u0000` and `\\ud800` are valid JSON
escapes, and `%00` is a valid URL escape. Left alone they would fail deep in a store, as a server error,
after part of the work was done. Here they are refused up front, whatever the endpoint:

- in a JSON body or a query parameter: 422 problem+json naming the field;
- a JSON body that is not even UTF-8: 422 naming the body (the framework would answer a bare 400);
- in the path: 404, since no resource has such a name.

The check costs a byte search on the raw body; the body is parsed only when an escape is there."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kuzet.core.errors import FieldError, InvalidInput, NotFound
from kuzet.core.i18n import N_
from kuzet.core.problems import problem_for

# Characters a database text value cannot hold: NUL and the UTF-16 surrogates (never valid on their own).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In raw JSON these characters can only appear as \u escapes: NUL as \u0000, surrogates as \uD800-\uDFFF.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
REASON = N_("Contains a character that text cannot hold (NUL or a lone surrogate).")
NOT_JSON = N_("The body is not valid JSON.")


def unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def _walk(value: Any, name: str) -> Iterator[str]:
    """The names (as in problem+json: `caller.phone`, `media[0]`) of strings that hold unstorable text."""
    if isinstance(value, str):
        if unstorable(value):
            yield name or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{name}.{key}" if name else str(key)
            if unstorable(key):
                yield child
            else:
                yield from _walk(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{name}[{index}]")


def body_fields(body: bytes) -> list[str]:
    """Fields of a JSON body whose text is unstorable; [] for a clean body, or one that is not JSON at all
    (the endpoint's own validation reports that)."""
    if _SUSPECT_ESCAPE.search(body) is None:
        return []
    try:
        return list(_walk(json.loads(body), ""))
    except (ValueError, RecursionError):
        return []  # not JSON, or nested past any model: the endpoint's own parsing refuses it


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def query_fields(query_string: bytes) -> list[str]:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
    return [key for key, value in pairs if unstorable(key) or unstorable(value)]


def _invalid(fields: list[str], location: str) -> InvalidInput:
    return InvalidInput([FieldError(f, REASON, "unstorable_text", location=location) for f in fields])


class TextGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if unstorable(scope.get("path", "")):
            await problem_for(Request(scope), NotFound())(scope, receive, send)
            return
        bad_query = query_fields(scope.get("query_string", b""))
        if bad_query:
            await problem_for(Request(scope), _invalid(bad_query, "query"))(scope, receive, send)
            return
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if b"json" not in content_type.lower():
            await self.app(scope, receive, send)
            return
        messages, body = await _read_all(receive)
        if not _is_utf8(body):
            refused = InvalidInput([FieldError("body", NOT_JSON, "json_invalid")])
            await problem_for(Request(scope), refused)(scope, receive, send)
            return
        bad_body = body_fields(body)
        if bad_body:
            await problem_for(Request(scope), _invalid(bad_body, "body"))(scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_all(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    return messages, b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed
