"""Security headers on every HTTP response: a Content-Security-Policy, nosniff, no referrer, no framing.

The policy depends on what the response is:

- **The console** (`/console/…`): everything from this server only. No inline script and no `eval`; styles
  only from the console's own stylesheet, plus the exact inline stylesheets the app names by their text (the
  period report's: the console opens that report from a `blob:` URL, and a `blob:` document keeps the policy
  of the page that made it). Images also from `data:` (Leaflet's empty image, the report's charts) and `blob:`
  (a partner's photo opened from the card). The live feed is a `fetch()` stream to the same origin
  (`connect-src 'self'`).
- **The API documentation** (FastAPI's Swagger UI page and its OAuth2 redirect page): the page loads Swagger
  UI's script and stylesheet from jsDelivr and starts it with one inline script. The policy names the CDN and
  allows the page's inline scripts by their SHA-256 hash, taken from the page as served (the page shows no
  request input). Swagger UI sets inline styles, so styles are relaxed on this page alone.
- **Everything else** (API JSON, problem+json, files, metrics): `default-src 'none'; frame-ancestors 'none'`.
  Nothing there is a page to render, so nothing it could contain may load or run.

A header that the route has set already is left as it is.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONSOLE_PREFIX = "/console"
SWAGGER_CDN = "https://cdn.jsdelivr.net"
SWAGGER_FAVICON_HOST = "https://fastapi.tiangolo.com"

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
_API_POLICY = API_POLICY.encode()

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def source_hash(text: str | bytes) -> str:
    """The CSP source expression that allows one inline `<script>` or `<style>` with exactly this text."""
    raw = text.encode() if isinstance(text, str) else text
    return f"'sha256-{base64.b64encode(hashlib.sha256(raw).digest()).decode()}'"


def console_policy(inline_styles: Iterable[str] = ()) -> str:
    """The console's policy; `inline_styles` are stylesheets allowed inline by their exact text."""
    style_src = " ".join(["'self'", *(source_hash(css) for css in inline_styles)])
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style_src}",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


@functools.lru_cache(maxsize=4)  # the docs pages never change while the server runs
def docs_policy(page: bytes) -> str:
    """Swagger UI's policy: its CDN, and the inline scripts of `page` (the served HTML) by their hashes."""
    hashes = sorted({source_hash(body) for body in _INLINE_SCRIPT.findall(page)})
    return "; ".join(
        (
            "default-src 'none'",
            " ".join(["script-src", SWAGGER_CDN, *hashes]),
            f"style-src {SWAGGER_CDN} 'unsafe-inline'",
            f"img-src 'self' data: {SWAGGER_FAVICON_HOST}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def _with_headers(message: Message, policy: bytes) -> Message:
    headers: list[tuple[bytes, bytes]] = list(message.get("headers") or [])
    present = {name.lower() for name, _ in headers}
    for name, value in (
        (b"content-security-policy", policy),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ):
        if name not in present:
            headers.append((name, value))
    return {**message, "headers": headers}


@functools.lru_cache(maxsize=4)  # one app, asked on every request
def _docs_paths(app: Any) -> frozenset[str]:
    """The paths of the app's Swagger UI pages (FastAPI's `docs_url` and OAuth2 redirect), if it has them."""
    paths = (getattr(app, "docs_url", None), getattr(app, "swagger_ui_oauth2_redirect_url", None))
    return frozenset(p for p in paths if isinstance(p, str) and p)


class SecurityHeadersMiddleware:
    """Adds the security headers (see the module's text) to every HTTP response that passes through it.

    Add it last (outermost), so that responses made by the other middlewares get the headers too."""

    def __init__(self, app: ASGIApp, *, console_inline_styles: Iterable[str] = ()) -> None:
        self.app = app
        self.console = console_policy(tuple(console_inline_styles)).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path in _docs_paths(scope.get("app")):
            await self._docs(scope, receive, send)
            return
        console = path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")
        policy = self.console if console else _API_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = _with_headers(message, policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) docs page until its last byte, so that its policy can name its inline scripts."""
        start: Message | None = None
        body: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            page = b"".join(body)
            await send(_with_headers(start, docs_policy(page).encode()))
            await send({"type": "http.response.body", "body": page, "more_body": False})

        await self.app(scope, receive, hold)
