"""Security headers over real HTTP: a strict Content-Security-Policy on the console, a closed one on the API,
and nosniff, no referrer and no framing on every response."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
from fastapi import FastAPI, Response

from kuzet.analytics.report.html import STYLE as REPORT_STYLE
from kuzet.container import Services
from kuzet.core.auth.domain import Role
from kuzet.core.security_headers import SecurityHeadersMiddleware
from tests.conftest import MakeUser, running_server
from tests.core.auth.helpers import logged_in

CLOSED = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}


def policy(response: httpx.Response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}; exactly one header."""
    headers = response.headers.get_list("content-security-policy")
    assert len(headers) == 1, headers
    parsed: dict[str, list[str]] = {}
    for part in headers[0].split(";"):
        if part.strip():
            name, *sources = part.split()
            assert name not in parsed, f"{name} given twice"
            parsed[name] = sources
    return parsed


def assert_common_headers(response: httpx.Response) -> None:
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert policy(response)["frame-ancestors"] == ["'none'"]


def sha256_source(text: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'"


def test_the_console_page_gets_a_strict_policy(http: httpx.Client) -> None:
    response = http.get("/console/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_common_headers(response)
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host, no hash
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["connect-src"] == ["'self'"]  # the live feed is a fetch() stream to the same origin
    # Styles: the console's own file, and the period report's stylesheet (opened as a blob: page) by its hash.
    assert csp["style-src"] == ["'self'", sha256_source(REPORT_STYLE.encode())]
    assert not any("unsafe" in source for sources in csp.values() for source in sources)
    # The page itself needs none of it: no inline script or style, nothing from another host.
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    assert "<style" not in response.text and "style=" not in response.text
    assert "http" not in response.text


def test_a_console_file_gets_the_headers(http: httpx.Client) -> None:
    index = http.get("/console/").text
    script = re.search(r'<script type="module" src="([^"]+)"', index)
    assert script is not None
    for path in (f"/console/{script.group(1)}", "/console/app.css"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert_common_headers(response)
        assert policy(response)["script-src"] == ["'self'"]


def test_api_json_gets_a_closed_policy(http: httpx.Client, services: Services, make_user: MakeUser) -> None:
    public = http.get("/api/v1/console/texts")
    _, desk = logged_in(http, services, make_user, "desk1", Role.DISPATCHER)
    private = http.get("/api/v1/auth/me", headers=desk)
    for response in (public, private):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert_common_headers(response)
        assert policy(response) == CLOSED


def test_problem_json_errors_get_the_headers(http: httpx.Client) -> None:
    for response in (http.get("/api/v1/auth/me"), http.get("/api/v1/no-such-thing")):
        assert response.status_code in {401, 404}
        assert response.headers["content-type"].startswith("application/problem+json")
        assert_common_headers(response)
        assert policy(response) == CLOSED


def test_openapi_json_is_served_unchanged_with_the_closed_policy(http: httpx.Client) -> None:
    response = http.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Kuzet"
    assert int(response.headers["content-length"]) == len(response.content)
    assert_common_headers(response)
    assert policy(response) == CLOSED


def test_the_api_docs_allow_their_own_inline_script_by_hash_only(http: httpx.Client) -> None:
    # Swagger UI's page, and the page it returns to after an OAuth2 login (FastAPI's default path).
    for path in ("/api/docs", "/docs/oauth2-redirect"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert int(response.headers["content-length"]) == len(response.content)
        assert_common_headers(response)
        csp = policy(response)
        inline = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", response.content, re.DOTALL)
        assert inline, f"{path} runs an inline script"
        hashes = {sha256_source(body) for body in inline}
        assert set(csp["script-src"]) <= {"https://cdn.jsdelivr.net", *hashes}
        assert hashes <= set(csp["script-src"])
        assert csp["default-src"] == ["'none'"]
    assert "https://cdn.jsdelivr.net" in csp["script-src"]
    assert csp["connect-src"] == ["'self'"]  # Swagger UI fetches /api/openapi.json


def test_a_header_the_route_set_is_kept() -> None:
    app = FastAPI()

    @app.get("/own")
    def own() -> Response:
        return Response(
            "x",
            media_type="text/plain",
            headers={"Content-Security-Policy": "sandbox", "Referrer-Policy": "same-origin"},
        )

    app.add_middleware(SecurityHeadersMiddleware)
    with running_server(app) as url:
        response = httpx.get(f"{url}/own")
    assert response.headers.get_list("content-security-policy") == ["sandbox"]
    assert response.headers.get_list("referrer-policy") == ["same-origin"]
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers.get_list("x-frame-options") == ["DENY"]
