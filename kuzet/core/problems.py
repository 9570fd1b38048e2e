"""RFC 9457 problem+json for every API error, translated by Accept-Language (ru by default)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as db_errors
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kuzet.core.errors import DatabaseUnavailable, FieldError, InvalidInput, KuzetError, PayloadTooLarge
from kuzet.core.i18n import N_, negotiate, translate

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:kuzet:problem:"
# What a client is told to wait when the database is away: a restart or a failover takes a few seconds.
DATABASE_RETRY_AFTER_SECONDS = 5
_SQLITE_AWAY = ("locked", "busy", "unable to open", "disk I/O")
READ_ONLY_TRANSACTION = "25006"  # PostgreSQL's SQLSTATE for a write refused by a read-only server


def _field_name(loc: Sequence[str | int]) -> tuple[str, str, str]:
    """(location, field, JSON pointer) from a pydantic location such as ("body", "crew", 0, "name")."""
    location = str(loc[0]) if loc and loc[0] in {"body", "query", "path", "header", "cookie"} else "body"
    parts = list(loc[1:]) if loc and loc[0] == location else list(loc)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    pointer = "/" + "/".join(str(p) for p in parts)
    return location, name or location, pointer


_REASONS: Mapping[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("Must be at least {min_length} characters long."),
    "string_too_long": N_("Must be at most {max_length} characters long."),
    "string_type": N_("Must be text."),
    "string_pattern_mismatch": N_("Does not match the expected format."),
    "int_parsing": N_("Must be a whole number."),
    "int_type": N_("Must be a whole number."),
    "int_parsing_size": N_("Must be a whole number."),
    "float_parsing": N_("Must be a number."),
    "bool_parsing": N_("Must be true or false."),
    "enum": N_("Must be one of: {expected}."),
    "literal_error": N_("Must be one of: {expected}."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "less_than_equal": N_("Must be at most {le}."),
    "greater_than": N_("Must be greater than {gt}."),
    "less_than": N_("Must be less than {lt}."),
    "json_invalid": N_("The body is not valid JSON."),
    "model_attributes_type": N_("Must be an object."),
    "dict_type": N_("Must be an object."),
    "list_type": N_("Must be a list."),
    "extra_forbidden": N_("This field is not allowed."),
    "datetime_parsing": N_("Must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": N_("Must be a date and time (ISO 8601)."),
    "timezone_aware": N_("Must include a time zone."),
}


def _reason(error: Mapping[str, Any], locale: str) -> str:
    kind = str(error.get("type", ""))
    ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, str | int | float)}
    if kind == "value_error" and "error" in (error.get("ctx") or {}):
        return translate(str(error["ctx"]["error"]), locale)
    if kind in _REASONS:
        return translate(_REASONS[kind], locale, **ctx)
    return str(error.get("msg", kind))


def problem(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    params: Mapping[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    locale = negotiate(request.headers.get("accept-language"))
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": translate(title, locale),
        "status": status,
        "detail": translate(detail, locale, **(params or {})),
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={"Content-Language": locale, **(headers or {})},
    )


def _field_errors_json(errors: Sequence[FieldError], locale: str) -> list[dict[str, Any]]:
    return [
        {
            "field": e.field,
            "location": e.location,
            "pointer": "/" + e.field.replace(".", "/").replace("[", "/").replace("]", ""),
            "reason": translate(e.reason, locale, **e.params),
            "code": e.code,
        }
        for e in errors
    ]


def problem_for(request: Request, exc: KuzetError) -> JSONResponse:
    """The problem+json response of a Kuzet error (field errors included)."""
    errors = None
    if isinstance(exc, InvalidInput):
        errors = _field_errors_json(exc.errors, negotiate(request.headers.get("accept-language")))
    return problem(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        params=exc.params,
        errors=errors,
        extra=exc.extra,
        headers=exc.headers,
    )


async def _on_kuzet_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, KuzetError):
        raise exc
    if exc.status >= 500:
        log.error("request failed", extra={"problem": exc.slug, "path": request.url.path})
    return problem_for(request, exc)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    locale = negotiate(request.headers.get("accept-language"))
    errors = []
    for error in exc.errors():
        location, name, pointer = _field_name(error.get("loc", ()))
        errors.append(
            {
                "field": name,
                "location": location,
                "pointer": pointer,
                "reason": _reason(error, locale),
                "code": str(error.get("type", "invalid")),
            }
        )
    return problem(
        request,
        status=422,
        slug=InvalidInput.slug,
        title=InvalidInput.title,
        detail=InvalidInput.default_detail,
        params={"count": len(errors)},
        errors=errors,
    )


_HTTP_TITLES: Mapping[int, tuple[str, str, str]] = {
    404: ("not-found", N_("Not found"), N_("The requested resource does not exist.")),
    405: ("method-not-allowed", N_("Method not allowed"), N_("This resource does not accept that method.")),
    400: ("bad-request", N_("Bad request"), N_("The request could not be understood.")),
}


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, StarletteHTTPException):
        raise exc
    slug, title, detail = _HTTP_TITLES.get(
        exc.status_code, ("http-error", N_("Request failed"), N_("The request could not be completed."))
    )
    return problem(
        request, status=exc.status_code, slug=slug, title=title, detail=detail, headers=exc.headers
    )


def database_unavailable(exc: BaseException) -> bool:
    """Whether the error says the database is away or overloaded (refused or lost connection, a server
    shutting down or starting up, no pooled connection free in time), not that the request is wrong."""
    if isinstance(exc, db_errors.OperationalError) and isinstance(exc.orig, sqlite3.OperationalError):
        # SQLite reports a broken statement (no such table) as operational too: only a busy, locked or
        # unreadable database file is "away".
        return any(sign in str(exc.orig) for sign in _SQLITE_AWAY)
    if isinstance(exc, db_errors.OperationalError | db_errors.InterfaceError | db_errors.TimeoutError):
        return True
    if not isinstance(exc, db_errors.DBAPIError):
        return False
    # A write reached a standby that is not promoted yet (the address moved to it in a failover).
    return exc.connection_invalidated or getattr(exc.orig, "sqlstate", None) == READ_ONLY_TRANSACTION


def _database_problem(request: Request, exc: BaseException) -> JSONResponse:
    cause = exc.orig if isinstance(exc, db_errors.DBAPIError) else exc
    log.warning(
        "database unavailable", extra={"path": request.url.path, "error": type(cause).__name__}
    )  # the class only: a driver's message may quote the statement's values
    seconds = DATABASE_RETRY_AFTER_SECONDS
    return problem_for(
        request, DatabaseUnavailable(retry_after=seconds, headers={"Retry-After": str(seconds)})
    )


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    if not database_unavailable(exc):
        raise exc
    return _database_problem(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KuzetError, _on_kuzet_error)
    # A database restart or failover: 503 with Retry-After, so that clients retry (partners with the same
    # Idempotency-Key) instead of taking it for a bug in their request.
    for outage in (db_errors.DBAPIError, db_errors.TimeoutError):
        app.add_exception_handler(outage, _on_database_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)


class UnexpectedErrorMiddleware:
    """The last line: an exception no handler took becomes one log record and a 500 problem+json.

    It is not re-raised. Starlette's own catch-all would re-raise after answering, so the server logged a
    second traceback and closed the connection; here the client gets its answer on a connection that stays
    usable. A Kuzet error raised outside the routes (while a middleware reads the body, say) gets its own
    problem. If the response had already started, the record says so and the connection is left to close."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def noting_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        except Exception as exc:
            request = Request(scope)
            if isinstance(exc, KuzetError) and not started:
                await (await _on_kuzet_error(request, exc))(scope, receive, send)
                return
            if database_unavailable(exc) and not started:  # raised outside the routes (a middleware)
                await _database_problem(request, exc)(scope, receive, send)
                return
            log.error(
                "unhandled error",
                exc_info=exc,
                extra={"path": request.url.path, "method": scope.get("method"), "response_started": started},
            )
            if not started:
                internal = KuzetError()
                await problem_for(request, internal)(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses a request body over `limit` bytes before anything reads it whole (413 problem+json): by its
    Content-Length at once, or, for a streamed body, as soon as the count passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            response = problem_for(Request(scope), PayloadTooLarge(limit=self.limit))
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise PayloadTooLarge(limit=self.limit)
            return message

        await self.app(scope, counted, send)
